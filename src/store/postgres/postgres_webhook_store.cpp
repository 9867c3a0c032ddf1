#include "store/postgres/postgres_webhook_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "store/postgres/pg_values.hpp"

namespace shortener::store {
namespace {

using pg_value::OptInt;
using pg_value::Sanitized;
using pg_value::Str;

#define WEBHOOK_COLUMNS                                                                          \
    "id, owner_id, all_links, url, events, secret, ts_to_ms(created_at), ts_to_ms(updated_at), " \
    "ts_to_ms(failing_since), ts_to_ms(disabled_at), disabled_reason"
#define NEW_EVENT_ID "'msg_' || replace(gen_random_uuid()::text, '-', '')"

constexpr PgStatement kInsert{"webhook_insert",
                              "INSERT INTO webhooks (owner_id, all_links, url, events, secret, created_at, updated_at) "
                              "VALUES ($1, $2, $3, $4, $5, ms_to_ts($6), ms_to_ts($6)) RETURNING id"};
constexpr PgStatement kSelect{"webhook_select", "SELECT " WEBHOOK_COLUMNS " FROM webhooks WHERE id = $1"};
constexpr PgStatement kList{"webhook_list", "SELECT " WEBHOOK_COLUMNS " FROM webhooks ORDER BY id DESC"};
constexpr PgStatement kListOwn{"webhook_list_own",
                               "SELECT " WEBHOOK_COLUMNS " FROM webhooks WHERE owner_id = $1 ORDER BY id DESC"};
// Absent patch members keep the stored value; enabled = true clears the disabled state and the failing streak.
constexpr PgStatement kUpdate{
    "webhook_update",
    "UPDATE webhooks SET url = COALESCE($2, url), events = COALESCE($3::integer, events), updated_at = ms_to_ts($4), "
    "disabled_at = CASE WHEN $5::boolean THEN NULL WHEN NOT $5::boolean THEN COALESCE(disabled_at, ms_to_ts($4)) "
    "ELSE disabled_at END, disabled_reason = CASE WHEN $5::boolean THEN NULL WHEN NOT $5::boolean THEN "
    "COALESCE(disabled_reason, 'disabled by its owner') ELSE disabled_reason END, failing_since = CASE WHEN "
    "$5::boolean THEN NULL ELSE failing_since END WHERE id = $1 RETURNING " WEBHOOK_COLUMNS};
constexpr PgStatement kDelete{"webhook_delete", "DELETE FROM webhooks WHERE id = $1"};
constexpr PgStatement kEnqueueTest{
    "webhook_enqueue_test",
    "INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, created_at, next_attempt_at) "
    "SELECT w.id, " NEW_EVENT_ID
    ", 'webhook.test', jsonb_build_object('type', 'webhook.test', 'timestamp', "
    "webhook_time(ms_to_ts($2)), 'data', jsonb_build_object('webhook_id', w.id))::text, ms_to_ts($2), ms_to_ts($2) "
    "FROM webhooks w WHERE w.id = $1 RETURNING event_id"};
constexpr PgStatement kAnySubscriber{
    "webhook_any_subscriber",
    "SELECT 1 FROM webhooks WHERE disabled_at IS NULL AND (events & $1::integer) <> 0 LIMIT 1"};
// Every click of a batch in one statement: the clicks travel as one JSON array.
constexpr PgStatement kEnqueueClicks{
    "webhook_enqueue_clicks",
    "INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, created_at, next_attempt_at) "
    "SELECT w.id, " NEW_EVENT_ID
    ", 'link.clicked', jsonb_build_object('type', 'link.clicked', 'timestamp', "
    "webhook_time(ms_to_ts(c.at)), 'data', jsonb_build_object('id', l.id, 'slug', l.slug, 'url', l.long_url, "
    "'click', c.click))::text, ms_to_ts($2), ms_to_ts($2) "
    "FROM jsonb_to_recordset($1::jsonb) AS c(link_id bigint, at bigint, click jsonb) JOIN links l ON l.id = c.link_id "
    "JOIN webhooks w ON w.disabled_at IS NULL AND (w.events & 8) <> 0 AND (w.all_links OR w.owner_id = l.owner_id)"};
constexpr PgStatement kDeliveries{
    "webhook_deliveries",
    "SELECT id, webhook_id, event_id, event, status, attempts, last_status, last_error, ts_to_ms(created_at), "
    "ts_to_ms(next_attempt_at), ts_to_ms(delivered_at) FROM webhook_deliveries WHERE webhook_id = $1 "
    "ORDER BY id DESC LIMIT $2"};
// SKIP LOCKED: a row another claimer is taking is passed over, not waited for, and never claimed twice.
constexpr PgStatement kClaim{
    "webhook_claim",
    "WITH c AS (SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE "
    "d.status = 'pending' AND d.next_attempt_at <= ms_to_ts($1) AND w.disabled_at IS NULL "
    "ORDER BY d.next_attempt_at LIMIT $3 FOR UPDATE OF d SKIP LOCKED), "
    "u AS (UPDATE webhook_deliveries d SET attempts = d.attempts + 1, next_attempt_at = ms_to_ts($2), "
    "lease_token = $4 FROM c WHERE d.id = c.id RETURNING d.id, d.webhook_id, d.event_id, d.event, d.payload, "
    "d.attempts, d.created_at) "
    "SELECT u.id, u.webhook_id, u.event_id, u.event, u.payload, u.attempts, ts_to_ms(u.created_at), w.url, w.secret "
    "FROM u JOIN webhooks w ON w.id = u.webhook_id ORDER BY u.id"};
constexpr PgStatement kDelivered{
    "webhook_delivered",
    "WITH d AS (UPDATE webhook_deliveries SET status = 'delivered', last_status = $3::integer, last_error = NULL, "
    "delivered_at = ms_to_ts($4), next_attempt_at = NULL, lease_token = NULL WHERE id = $1 AND lease_token = $2 AND "
    "status = 'pending' RETURNING webhook_id) UPDATE webhooks SET failing_since = NULL WHERE id IN "
    "(SELECT webhook_id FROM d)"};
// A failure starts or continues the failing streak, and disables the webhook once the streak began before $7.
constexpr PgStatement kFailed{
    "webhook_failed",
    "WITH d AS (UPDATE webhook_deliveries SET status = CASE WHEN $5::bigint IS NULL THEN 'failed' ELSE 'pending' END, "
    "last_status = $3::integer, last_error = $4, next_attempt_at = ms_to_ts($5::bigint), lease_token = NULL "
    "WHERE id = $1 AND lease_token = $2 AND status = 'pending' RETURNING webhook_id) "
    "UPDATE webhooks w SET failing_since = COALESCE(w.failing_since, ms_to_ts($6)), "
    "disabled_at = CASE WHEN w.disabled_at IS NULL AND COALESCE(w.failing_since, ms_to_ts($6)) <= ms_to_ts($7) "
    "THEN ms_to_ts($6) ELSE w.disabled_at END, "
    "disabled_reason = CASE WHEN w.disabled_at IS NULL AND COALESCE(w.failing_since, ms_to_ts($6)) <= ms_to_ts($7) "
    "THEN $8 ELSE w.disabled_reason END FROM d WHERE w.id = d.webhook_id"};

std::optional<core::TimePoint> OptionalTime(const PgResult& r, int row, int column) {
    if (auto v = r.OptionalInt(row, column)) return core::FromUnixMillis(*v);
    return std::nullopt;
}

Webhook ReadWebhook(const PgResult& r, int row) {
    Webhook w;
    w.id = r.Int(row, 0);
    w.owner_id = r.OptionalInt(row, 1);
    w.all_links = r.Text(row, 2) == "t";
    w.url = std::string(r.Text(row, 3));
    w.events = static_cast<WebhookEvents>(r.Int(row, 4));
    w.secret = std::string(r.Text(row, 5));
    w.created_at = core::FromUnixMillis(r.Int(row, 6));
    w.updated_at = core::FromUnixMillis(r.Int(row, 7));
    w.failing_since = OptionalTime(r, row, 8);
    w.disabled_at = OptionalTime(r, row, 9);
    w.disabled_reason = std::string(r.Text(row, 10));
    return w;
}

WebhookDelivery ReadDelivery(const PgResult& r, int row) {
    WebhookDelivery d;
    d.id = r.Int(row, 0);
    d.webhook_id = r.Int(row, 1);
    d.event_id = std::string(r.Text(row, 2));
    d.event = std::string(r.Text(row, 3));
    d.status = std::string(r.Text(row, 4));
    d.attempts = static_cast<int>(r.Int(row, 5));
    if (auto v = r.OptionalInt(row, 6)) d.last_status = static_cast<int>(*v);
    d.last_error = std::string(r.Text(row, 7));
    d.created_at = core::FromUnixMillis(r.Int(row, 8));
    d.next_attempt_at = OptionalTime(r, row, 9);
    d.delivered_at = OptionalTime(r, row, 10);
    return d;
}

std::optional<std::string> OptStatus(const std::optional<int>& v) {
    if (!v) return std::nullopt;
    return Str(std::int64_t{*v});
}

}  // namespace

Task<Webhook> PostgresWebhookStore::Create(const Webhook& webhook) {
    PgParams params{OptInt(webhook.owner_id),  pg_value::Bool(webhook.all_links),
                    Sanitized(webhook.url),    Str(std::int64_t{webhook.events}),
                    Sanitized(webhook.secret), Str(core::ToUnixMillis(webhook.created_at))};
    auto r = co_await pool_->Execute(kInsert, params);
    Webhook stored = webhook;
    stored.id = r.Int(0, 0);
    stored.updated_at = stored.created_at;
    co_return stored;
}

Task<std::optional<Webhook>> PostgresWebhookStore::Find(std::int64_t id) {
    PgParams params{Str(id)};
    auto r = co_await pool_->Execute(kSelect, params);
    if (r.Rows() == 0) co_return std::nullopt;
    co_return ReadWebhook(r, 0);
}

Task<std::vector<Webhook>> PostgresWebhookStore::List(std::optional<std::int64_t> owner) {
    PgParams params;
    if (owner) params.emplace_back(Str(*owner));
    auto r = co_await pool_->Execute(owner ? kListOwn : kList, params);
    std::vector<Webhook> out;
    out.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) out.push_back(ReadWebhook(r, i));
    co_return out;
}

Task<core::Result<Webhook>> PostgresWebhookStore::Update(std::int64_t id, const WebhookPatch& patch) {
    std::optional<std::string> url, events, enabled;
    if (patch.url) url = Sanitized(*patch.url);
    if (patch.events) events = Str(std::int64_t{*patch.events});
    if (patch.enabled) enabled = pg_value::Bool(*patch.enabled);
    PgParams params{Str(id), url, events, Str(core::ToUnixMillis(patch.updated_at)), enabled};
    auto r = co_await pool_->Execute(kUpdate, params);
    if (r.Rows() == 0) co_return make_error_code(core::Errc::kNotFound);
    co_return ReadWebhook(r, 0);
}

Task<bool> PostgresWebhookStore::Delete(std::int64_t id) {
    PgParams params{Str(id)};
    auto r = co_await pool_->Execute(kDelete, params);
    co_return r.Affected() == 1;
}

Task<std::string> PostgresWebhookStore::EnqueueTest(std::int64_t webhook_id, core::TimePoint now) {
    PgParams params{Str(webhook_id), Str(core::ToUnixMillis(now))};
    auto r = co_await pool_->Execute(kEnqueueTest, params);
    if (r.Rows() == 0) co_return std::string();
    co_return std::string(r.Text(0, 0));
}

Task<bool> PostgresWebhookStore::AnySubscriber(WebhookEvents events) {
    PgParams params{Str(std::int64_t{events})};
    auto r = co_await pool_->Execute(kAnySubscriber, params);
    co_return r.Rows() > 0;
}

Task<void> PostgresWebhookStore::EnqueueClicks(std::span<const ClickNotice> clicks, core::TimePoint now) {
    if (clicks.empty()) co_return;
    boost::json::array rows;
    for (const auto& c : clicks) {
        rows.push_back(boost::json::object{
            {"link_id", c.link_id}, {"at", core::ToUnixMillis(c.at)}, {"click", boost::json::parse(c.click_json)}});
    }
    std::string json = boost::json::serialize(rows);
    PgParams params{Sanitized(json), Str(core::ToUnixMillis(now))};
    co_await pool_->Execute(kEnqueueClicks, params);
}

Task<std::vector<WebhookDelivery>> PostgresWebhookStore::Deliveries(std::int64_t webhook_id, std::size_t limit) {
    PgParams params{Str(webhook_id), Str(static_cast<std::int64_t>(limit))};
    auto r = co_await pool_->Execute(kDeliveries, params);
    std::vector<WebhookDelivery> out;
    out.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) out.push_back(ReadDelivery(r, i));
    co_return out;
}

Task<std::vector<ClaimedDelivery>> PostgresWebhookStore::Claim(core::TimePoint now, core::TimePoint lease_until,
                                                               std::size_t limit, const std::string& lease_token) {
    PgParams params{Str(core::ToUnixMillis(now)), Str(core::ToUnixMillis(lease_until)),
                    Str(static_cast<std::int64_t>(limit)), Sanitized(lease_token)};
    auto r = co_await pool_->Execute(kClaim, params);
    std::vector<ClaimedDelivery> out;
    out.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) {
        out.push_back({r.Int(i, 0), r.Int(i, 1), std::string(r.Text(i, 2)), std::string(r.Text(i, 3)),
                       std::string(r.Text(i, 4)), static_cast<int>(r.Int(i, 5)), core::FromUnixMillis(r.Int(i, 6)),
                       std::string(r.Text(i, 7)), std::string(r.Text(i, 8)), lease_token});
    }
    co_return out;
}

Task<void> PostgresWebhookStore::Settle(const ClaimedDelivery& d, const DeliveryOutcome& o) {
    const std::string now = Str(core::ToUnixMillis(o.now));
    if (o.delivered) {
        PgParams params{Str(d.id), Sanitized(d.lease_token), OptStatus(o.status_code), now};
        co_await pool_->Execute(kDelivered, params);
        co_return;
    }
    std::optional<std::string> retry;
    if (o.retry_at) retry = Str(core::ToUnixMillis(*o.retry_at));
    PgParams params{Str(d.id),
                    Sanitized(d.lease_token),
                    OptStatus(o.status_code),
                    Sanitized(o.error),
                    retry,
                    now,
                    Str(core::ToUnixMillis(o.disable_failing_before)),
                    Sanitized(o.disable_reason)};
    co_await pool_->Execute(kFailed, params);
}

}  // namespace shortener::store
