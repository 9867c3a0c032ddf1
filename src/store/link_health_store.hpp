#pragma once
/// @file
/// @brief Destination health (issue #15, docs/health.md): the outcome of each link's last destination check and when
/// the next one is due. Adapters: store/sqlite and store/postgres; one contract suite (tests/store) runs over both.
/// The checker (app/health_checker) claims due links, checks them and records the results.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/link.hpp"
#include "core/time.hpp"
#include "store/link_store.hpp"

namespace shortener::store {

/// A link's health as the API shows it.
struct LinkHealth {
    core::LinkId link_id = 0;
    std::string status = "unknown";  // "unknown" | "ok" | "broken"
    int consecutive_failures = 0;
    std::optional<int> last_status_code;
    std::string last_final_url;
    std::string last_error;
    std::optional<core::TimePoint> last_checked_at;
    std::optional<std::int64_t> last_duration_ms;
    core::TimePoint next_check_at{};
};

/// A link claimed for a check, held until the claim's lease end.
struct DueLink {
    core::LinkId link_id = 0;
    std::string url;  // the link's destination (long URL)
};

/// What one check came to.
struct HealthCheckResult {
    core::LinkId link_id = 0;
    bool ok = false;
    std::optional<int> status_code;  // the final answer's status, if one came
    std::string final_url;           // after redirects ("" when none was reached)
    std::string error;               // !ok: why, in our words
    core::TimePoint checked_at{};
    std::int64_t duration_ms = 0;
    core::TimePoint next_check_at{};
    int fail_threshold = 3;  // failures in a row that make the link broken
};

/// Thread-safe; every method throws core::BackendUnavailable when the store cannot be reached.
class LinkHealthStore {
  public:
    virtual ~LinkHealthStore() = default;

    /// Gives every active link (not deleted, not disabled, not expired at `now`) that has no health row yet a row
    /// due at now + a random delay below `spread` (so that new links are not all checked at once), at most `limit`
    /// of them per call; then claims up to `limit` active links due at `now`, oldest due first, moving their
    /// next_check_at to `lease_until` (a link whose checker died is claimed again after that). Concurrent claimers
    /// never get the same link.
    virtual Task<std::vector<DueLink>> ClaimDue(core::TimePoint now, core::TimePoint lease_until,
                                                std::chrono::milliseconds spread, std::size_t limit) = 0;

    /// Records a check: a success resets the failures and makes the link "ok"; a failure counts one more, and the
    /// link becomes "broken" once `fail_threshold` failures came in a row. When the link turns broken (it was not),
    /// a link.broken webhook event is written in the same transaction and true is returned.
    virtual Task<bool> Record(const HealthCheckResult& result) = 0;

    /// The health rows of those links (links without one are left out), in no particular order.
    virtual Task<std::vector<LinkHealth>> Find(std::span<const core::LinkId> links) = 0;

    /// The checkers' lease on a host (one request per host at a time across every worker): `holder` takes it, or
    /// extends its own, until `until` when no other holder's lease is current at `now` (an expired one, of a checker
    /// that died, is taken over). True when `holder` holds it afterwards.
    virtual Task<bool> LeaseHost(std::string host, std::string holder, core::TimePoint now, core::TimePoint until) = 0;
    /// Gives the lease back; only `holder`'s own (a lease taken over meanwhile stays with its new holder).
    virtual Task<void> ReleaseHost(std::string host, std::string holder) = 0;
};

}  // namespace shortener::store
