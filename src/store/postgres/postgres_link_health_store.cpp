#include "store/postgres/postgres_link_health_store.hpp"

#include "store/postgres/pg_values.hpp"

namespace shortener::store {
namespace {

using pg_value::OptInt;
using pg_value::Sanitized;
using pg_value::Str;

// The links worth checking at $1: not deleted, not disabled, not expired.
#define ACTIVE_LINK \
    "l.deleted_at IS NULL AND NOT l.disabled AND (l.expires_at IS NULL OR l.expires_at > ms_to_ts($1::bigint))"

// Due within [now, now + spread), as SQLite's `% spread`: floor, since a cast to bigint rounds (up, half the time).
constexpr PgStatement kSeed{
    "health_seed",
    "INSERT INTO link_health (link_id, next_check_at) SELECT l.id, ms_to_ts($1::bigint + floor(random() * "
    "$2::bigint)::bigint) "
    "FROM links l WHERE " ACTIVE_LINK
    " AND NOT EXISTS (SELECT 1 FROM link_health h WHERE h.link_id = l.id) LIMIT $3 ON CONFLICT (link_id) DO NOTHING"};
// SKIP LOCKED: a row another claimer is taking is passed over, not waited for, and never claimed twice.
constexpr PgStatement kClaim{
    "health_claim",
    "WITH c AS (SELECT h.link_id FROM link_health h JOIN links l ON l.id = h.link_id WHERE "
    "h.next_check_at <= ms_to_ts($1::bigint) AND " ACTIVE_LINK
    " ORDER BY h.next_check_at LIMIT $3 FOR UPDATE OF h SKIP LOCKED), "
    "u AS (UPDATE link_health h SET next_check_at = ms_to_ts($2::bigint) FROM c WHERE h.link_id = c.link_id "
    "RETURNING h.link_id) SELECT u.link_id, l.long_url FROM u JOIN links l ON l.id = u.link_id ORDER BY u.link_id"};
// One statement: the new state from the old, the row, and the link.broken outbox rows when the link turns broken.
constexpr PgStatement kRecord{
    "health_record",
    "WITH old AS (SELECT status, consecutive_failures FROM link_health WHERE link_id = $1 FOR UPDATE), "
    "n AS (SELECT CASE WHEN $2::boolean THEN 0 ELSE COALESCE((SELECT consecutive_failures FROM old), 0) + 1 END AS "
    "failures, COALESCE((SELECT status FROM old), 'unknown') AS old_status), "
    "s AS (SELECT failures, old_status, CASE WHEN $2::boolean THEN 'ok' WHEN failures >= $9::integer THEN 'broken' "
    "ELSE old_status END AS new_status FROM n), "
    "up AS (INSERT INTO link_health (link_id, status, consecutive_failures, last_status_code, last_final_url, "
    "last_error, last_checked_at, last_duration_ms, next_check_at) SELECT $1, s.new_status, s.failures, $3::integer, "
    "NULLIF($4::text, ''), NULLIF($5::text, ''), ms_to_ts($6::bigint), $7::bigint, ms_to_ts($8::bigint) FROM s "
    "ON CONFLICT (link_id) DO UPDATE SET status = excluded.status, consecutive_failures = "
    "excluded.consecutive_failures, last_status_code = excluded.last_status_code, last_final_url = "
    "excluded.last_final_url, last_error = excluded.last_error, last_checked_at = excluded.last_checked_at, "
    "last_duration_ms = excluded.last_duration_ms, next_check_at = excluded.next_check_at), "
    "e AS (INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, created_at, next_attempt_at) "
    "SELECT w.id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), 'link.broken', jsonb_build_object('type', "
    "'link.broken', 'timestamp', webhook_time(ms_to_ts($6::bigint)), 'data', webhook_link_data(l.id, l.slug, "
    "l.long_url, l.tags, l.created_at, l.updated_at, l.expires_at, l.max_clicks, l.disabled, l.owner_id, "
    "l.deleted_at))::text, ms_to_ts($6::bigint), ms_to_ts($6::bigint) FROM s CROSS JOIN links l JOIN webhooks w ON "
    "w.disabled_at IS NULL AND (w.events & 16) <> 0 AND (w.all_links OR w.owner_id = l.owner_id) "
    "WHERE l.id = $1 AND s.new_status = 'broken' AND s.old_status <> 'broken') "
    "SELECT s.new_status = 'broken' AND s.old_status <> 'broken' FROM s"};
constexpr PgStatement kFind{
    "health_find",
    "SELECT link_id, status, consecutive_failures, last_status_code, last_final_url, last_error, "
    "ts_to_ms(last_checked_at), last_duration_ms, ts_to_ms(next_check_at) FROM link_health WHERE "
    "link_id = ANY($1::bigint[])"};
// Taken when free, expired at $3, or already $2's: the upsert's WHERE leaves another holder's current lease alone
// (the row lock serialises two takers), and then RETURNING gives no row.
constexpr PgStatement kLeaseHost{
    "health_lease_host",
    "INSERT INTO health_host_leases (host, holder, lease_until) VALUES ($1, $2, ms_to_ts($4::bigint)) ON CONFLICT "
    "(host) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until WHERE "
    "health_host_leases.lease_until <= ms_to_ts($3::bigint) OR health_host_leases.holder = excluded.holder "
    "RETURNING host"};
constexpr PgStatement kReleaseHost{"health_release_host",
                                   "DELETE FROM health_host_leases WHERE host = $1 AND holder = $2"};

LinkHealth ReadHealth(const PgResult& r, int row) {
    LinkHealth h;
    h.link_id = r.Int(row, 0);
    h.status = std::string(r.Text(row, 1));
    h.consecutive_failures = static_cast<int>(r.Int(row, 2));
    if (auto v = r.OptionalInt(row, 3)) h.last_status_code = static_cast<int>(*v);
    h.last_final_url = std::string(r.Text(row, 4));
    h.last_error = std::string(r.Text(row, 5));
    if (auto v = r.OptionalInt(row, 6)) h.last_checked_at = core::FromUnixMillis(*v);
    h.last_duration_ms = r.OptionalInt(row, 7);
    h.next_check_at = core::FromUnixMillis(r.Int(row, 8));
    return h;
}

}  // namespace

Task<std::vector<DueLink>> PostgresLinkHealthStore::ClaimDue(core::TimePoint now, core::TimePoint lease_until,
                                                             std::chrono::milliseconds spread, std::size_t limit) {
    const std::string at = Str(core::ToUnixMillis(now));
    const std::string n = Str(static_cast<std::int64_t>(limit));
    PgParams seed{at, Str(std::max<std::int64_t>(1, spread.count())), n};
    co_await pool_->Execute(kSeed, seed);
    PgParams claim{at, Str(core::ToUnixMillis(lease_until)), n};
    auto r = co_await pool_->Execute(kClaim, claim);
    std::vector<DueLink> out;
    out.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) out.push_back({r.Int(i, 0), std::string(r.Text(i, 1))});
    co_return out;
}

Task<bool> PostgresLinkHealthStore::Record(const HealthCheckResult& x) {
    std::optional<std::int64_t> code;
    if (x.status_code) code = *x.status_code;
    PgParams params{Str(x.link_id),
                    pg_value::Bool(x.ok),
                    OptInt(code),
                    Sanitized(x.final_url),
                    Sanitized(x.ok ? std::string() : x.error),
                    Str(core::ToUnixMillis(x.checked_at)),
                    Str(x.duration_ms),
                    Str(core::ToUnixMillis(x.next_check_at)),
                    Str(std::int64_t{x.fail_threshold})};
    auto r = co_await pool_->Execute(kRecord, params);
    co_return r.Rows() == 1 && r.Text(0, 0) == "t";
}

Task<std::vector<LinkHealth>> PostgresLinkHealthStore::Find(std::span<const core::LinkId> links) {
    std::vector<LinkHealth> out;
    if (links.empty()) co_return out;
    std::string ids = "{";
    for (std::size_t i = 0; i < links.size(); ++i) {
        if (i) ids.push_back(',');
        ids += std::to_string(links[i]);
    }
    ids.push_back('}');
    PgParams params{ids};
    auto r = co_await pool_->Execute(kFind, params);
    out.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) out.push_back(ReadHealth(r, i));
    co_return out;
}

Task<bool> PostgresLinkHealthStore::LeaseHost(std::string host, std::string holder, core::TimePoint now,
                                              core::TimePoint until) {
    PgParams params{Sanitized(host), Sanitized(holder), Str(core::ToUnixMillis(now)), Str(core::ToUnixMillis(until))};
    auto r = co_await pool_->Execute(kLeaseHost, params);
    co_return r.Rows() == 1;
}

Task<void> PostgresLinkHealthStore::ReleaseHost(std::string host, std::string holder) {
    PgParams params{Sanitized(host), Sanitized(holder)};
    co_await pool_->Execute(kReleaseHost, params);
}

}  // namespace shortener::store
