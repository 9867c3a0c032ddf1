#include "store/sqlite/sqlite_link_health_store.hpp"

#include "store/sqlite/sqlite_webhook_store.hpp"

namespace shortener::store {
namespace {

// The links worth checking at ?1: not deleted, not disabled, not expired.
#define ACTIVE_LINK "l.deleted_at IS NULL AND l.disabled = 0 AND (l.expires_at IS NULL OR l.expires_at > ?1)"

constexpr const char* kSeed =
    "INSERT INTO link_health (link_id, next_check_at) SELECT l.id, ?1 + abs(random() % ?2) FROM links l "
    "WHERE " ACTIVE_LINK " AND NOT EXISTS (SELECT 1 FROM link_health h WHERE h.link_id = l.id) LIMIT ?3";
// SQLite has one writer: the claim's SELECT and UPDATE cannot interleave with another claim's.
constexpr const char* kDue =
    "SELECT h.link_id, l.long_url FROM link_health h JOIN links l ON l.id = h.link_id WHERE h.next_check_at <= ?1 "
    "AND " ACTIVE_LINK " ORDER BY h.next_check_at LIMIT ?2";
constexpr const char* kLease = "UPDATE link_health SET next_check_at = ?2 WHERE link_id = ?1";
constexpr const char* kStatusOf = "SELECT status, consecutive_failures FROM link_health WHERE link_id = ?1";
constexpr const char* kRecord =
    "INSERT INTO link_health (link_id, status, consecutive_failures, last_status_code, last_final_url, last_error, "
    "last_checked_at, last_duration_ms, next_check_at) VALUES (?1, ?2, ?3, ?4, NULLIF(?5, ''), NULLIF(?6, ''), ?7, "
    "?8, ?9) ON CONFLICT (link_id) DO UPDATE SET status = excluded.status, consecutive_failures = "
    "excluded.consecutive_failures, last_status_code = excluded.last_status_code, last_final_url = "
    "excluded.last_final_url, last_error = excluded.last_error, last_checked_at = excluded.last_checked_at, "
    "last_duration_ms = excluded.last_duration_ms, next_check_at = excluded.next_check_at";
constexpr const char* kSelect =
    "SELECT link_id, status, consecutive_failures, last_status_code, last_final_url, last_error, last_checked_at, "
    "last_duration_ms, next_check_at FROM link_health WHERE link_id = ?1";
// Taken when free, expired at ?3, or already ?2's: the upsert's WHERE leaves another holder's current lease alone,
// and then RETURNING gives no row.
constexpr const char* kLeaseHost =
    "INSERT INTO health_host_leases (host, holder, lease_until) VALUES (?1, ?2, ?4) ON CONFLICT (host) DO UPDATE SET "
    "holder = excluded.holder, lease_until = excluded.lease_until WHERE health_host_leases.lease_until <= ?3 OR "
    "health_host_leases.holder = excluded.holder RETURNING host";
constexpr const char* kReleaseHost = "DELETE FROM health_host_leases WHERE host = ?1 AND holder = ?2";

LinkHealth ReadHealth(const Statement& s) {
    LinkHealth h;
    h.link_id = s.Int(0);
    h.status = s.Text(1);
    h.consecutive_failures = static_cast<int>(s.Int(2));
    if (auto v = s.OptionalInt(3)) h.last_status_code = static_cast<int>(*v);
    h.last_final_url = s.Text(4);
    h.last_error = s.Text(5);
    if (auto v = s.OptionalInt(6)) h.last_checked_at = core::FromUnixMillis(*v);
    h.last_duration_ms = s.OptionalInt(7);
    h.next_check_at = core::FromUnixMillis(s.Int(8));
    return h;
}

// Returns true when this result turns the link broken.
bool RecordIn(SqliteConnection& c, const HealthCheckResult& r) {
    std::string before = "unknown";
    int failures = 0;
    {
        auto s = c.Prepare(kStatusOf);
        s.Bind(1, r.link_id);
        if (s.Step()) {
            before = s.Text(0);
            failures = static_cast<int>(s.Int(1));
        }
    }
    failures = r.ok ? 0 : failures + 1;
    const std::string after = r.ok ? "ok" : failures >= r.fail_threshold ? "broken" : before;
    std::optional<std::int64_t> code;
    if (r.status_code) code = *r.status_code;
    c.Prepare(kRecord)
        .Bind(1, r.link_id)
        .Bind(2, after)
        .Bind(3, std::int64_t{failures})
        .Bind(4, code)
        .Bind(5, r.final_url)
        .Bind(6, r.ok ? std::string() : r.error)
        .Bind(7, core::ToUnixMillis(r.checked_at))
        .Bind(8, r.duration_ms)
        .Bind(9, core::ToUnixMillis(r.next_check_at))
        .Run();
    const bool turned_broken = after == "broken" && before != "broken";
    if (turned_broken) EnqueueSqliteLinkEvent(c, r.link_id, "link.broken", kLinkBroken, r.checked_at);
    return turned_broken;
}

}  // namespace

Task<std::vector<DueLink>> SqliteLinkHealthStore::ClaimDue(core::TimePoint now, core::TimePoint lease_until,
                                                           std::chrono::milliseconds spread, std::size_t limit) {
    std::vector<DueLink> claimed = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            return WriteTransaction(*c, [&] {
                const std::int64_t at = core::ToUnixMillis(now);
                c->Prepare(kSeed)
                    .Bind(1, at)
                    .Bind(2, std::max<std::int64_t>(1, spread.count()))
                    .Bind(3, static_cast<std::int64_t>(limit))
                    .Run();
                std::vector<DueLink> out;
                {
                    auto s = c->Prepare(kDue);
                    s.Bind(1, at).Bind(2, static_cast<std::int64_t>(limit));
                    while (s.Step()) out.push_back({s.Int(0), s.Text(1)});
                }
                for (const auto& d : out)
                    c->Prepare(kLease).Bind(1, d.link_id).Bind(2, core::ToUnixMillis(lease_until)).Run();
                return out;
            });
        });
    });
    co_return claimed;
}

Task<bool> SqliteLinkHealthStore::Record(const HealthCheckResult& result) {
    const bool turned_broken = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            return WriteTransaction(*c, [&] { return RecordIn(*c, result); });
        });
    });
    co_return turned_broken;
}

Task<std::vector<LinkHealth>> SqliteLinkHealthStore::Find(std::span<const core::LinkId> links) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        std::vector<LinkHealth> out;
        for (core::LinkId id : links) {
            auto s = c->Prepare(kSelect);
            s.Bind(1, id);
            if (s.Step()) out.push_back(ReadHealth(s));
        }
        return out;
    });
}

Task<bool> SqliteLinkHealthStore::LeaseHost(std::string host, std::string holder, core::TimePoint now,
                                            core::TimePoint until) {
    const bool held = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            auto s = c->Prepare(kLeaseHost);
            s.Bind(1, host).Bind(2, holder).Bind(3, core::ToUnixMillis(now)).Bind(4, core::ToUnixMillis(until));
            return s.Step();
        });
    });
    co_return held;
}

Task<void> SqliteLinkHealthStore::ReleaseHost(std::string host, std::string holder) {
    co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            c->Prepare(kReleaseHost).Bind(1, host).Bind(2, holder).Run();
            return true;  // OffLoop wants a value
        });
    });
}

}  // namespace shortener::store
