#pragma once
/// @file
/// @brief Webhooks and their delivery outbox (issue #15, docs/webhooks.md). Adapters: store/sqlite and
/// store/postgres; one contract suite (tests/store) runs over both. Link events are written by the LinkStore
/// adapters in the same transaction as the link change; this interface manages the webhooks, adds click and test
/// events, and lets delivery workers claim and settle deliveries.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/errc.hpp"
#include "core/link.hpp"
#include "core/time.hpp"
#include "store/link_store.hpp"

namespace shortener::store {

/// The events a webhook subscribes to, as a bit set (stored as is).
enum WebhookEvent : std::uint8_t {
    kLinkCreated = 1,
    kLinkUpdated = 2,
    kLinkDeleted = 4,
    kLinkClicked = 8,
    kLinkBroken = 16,  // the destination health checker marked the link broken (docs/health.md)
};
using WebhookEvents = std::uint8_t;
inline constexpr WebhookEvents kAllWebhookEvents =
    kLinkCreated | kLinkUpdated | kLinkDeleted | kLinkClicked | kLinkBroken;

struct Webhook {
    std::int64_t id = 0;
    std::optional<std::int64_t> owner_id;  // nullopt: made by an admin key or in auth mode none
    bool all_links = false;                // made by an admin: every link's events
    std::string url;
    WebhookEvents events = 0;
    std::string secret;  // "whsec_…"
    core::TimePoint created_at{};
    core::TimePoint updated_at{};
    std::optional<core::TimePoint> failing_since;  // first failed attempt since the last success
    std::optional<core::TimePoint> disabled_at;
    std::string disabled_reason;
};

struct WebhookPatch {
    std::optional<std::string> url;
    std::optional<WebhookEvents> events;
    std::optional<bool> enabled;  // true: clears disabled_at, disabled_reason and failing_since
    core::TimePoint updated_at{};
};

/// One delivery (one event for one webhook), as the API lists it.
struct WebhookDelivery {
    std::int64_t id = 0;
    std::int64_t webhook_id = 0;
    std::string event_id;  // the webhook-id header
    std::string event;
    std::string status;  // "pending" | "delivered" | "failed"
    int attempts = 0;
    std::optional<int> last_status;
    std::string last_error;
    core::TimePoint created_at{};
    std::optional<core::TimePoint> next_attempt_at;  // pending only
    std::optional<core::TimePoint> delivered_at;
};

/// A delivery held by a worker until `lease_until` (Claim), with what sending it needs.
struct ClaimedDelivery {
    std::int64_t id = 0;
    std::int64_t webhook_id = 0;
    std::string event_id;
    std::string event;
    std::string payload;
    int attempts = 0;  // including this one
    core::TimePoint created_at{};
    std::string url;
    std::string secret;
    std::string lease_token;
};

/// What an attempt came to.
struct DeliveryOutcome {
    bool delivered = false;
    std::optional<int> status_code;
    std::string error;  // failed: why (short, ours; never the receiver's body)
    /// Failed: when to try again; nullopt: give up (the delivery is marked failed).
    std::optional<core::TimePoint> retry_at;
    core::TimePoint now{};
    /// Failed: a webhook whose failing streak began at or before this is disabled with `disable_reason`.
    core::TimePoint disable_failing_before{};
    std::string disable_reason;
};

/// A stored click to announce as link.clicked. `data` is the JSON object of the click (ours, not client text).
struct ClickNotice {
    core::LinkId link_id = 0;
    core::TimePoint at{};
    std::string click_json;
};

/// Thread-safe; every method throws core::BackendUnavailable when the store cannot be reached.
class WebhookStore {
  public:
    virtual ~WebhookStore() = default;

    /// Stores a new webhook (id, created_at as given; the id is assigned).
    virtual Task<Webhook> Create(const Webhook& webhook) = 0;
    virtual Task<std::optional<Webhook>> Find(std::int64_t id) = 0;
    /// Newest first; `owner` set: only the webhooks owned by that user.
    virtual Task<std::vector<Webhook>> List(std::optional<std::int64_t> owner) = 0;
    /// kNotFound if there is no such webhook.
    virtual Task<core::Result<Webhook>> Update(std::int64_t id, const WebhookPatch& patch) = 0;
    /// Deletes the webhook and its deliveries; false if there was none.
    virtual Task<bool> Delete(std::int64_t id) = 0;

    /// Adds a "webhook.test" delivery for this webhook (due now). Returns its event id.
    virtual Task<std::string> EnqueueTest(std::int64_t webhook_id, core::TimePoint now) = 0;
    /// True when some enabled webhook subscribes to any of `events` (the click worker asks, cached).
    virtual Task<bool> AnySubscriber(WebhookEvents events) = 0;
    /// Adds a link.clicked delivery per click and per enabled webhook subscribed to it that may see the link.
    virtual Task<void> EnqueueClicks(std::span<const ClickNotice> clicks, core::TimePoint now) = 0;

    /// The webhook's deliveries, newest first, at most `limit`.
    virtual Task<std::vector<WebhookDelivery>> Deliveries(std::int64_t webhook_id, std::size_t limit) = 0;

    /// Claims up to `limit` pending deliveries due at `now` of enabled webhooks: each gets one more attempt, is held
    /// until `lease_until` under `lease_token` (a delivery whose holder died is claimed again after that), oldest due
    /// first. Concurrent claimers never get the same delivery.
    virtual Task<std::vector<ClaimedDelivery>> Claim(core::TimePoint now, core::TimePoint lease_until,
                                                     std::size_t limit, const std::string& lease_token) = 0;
    /// Records an attempt's outcome: delivered; failed and due again at retry_at; or failed for good. Ignored when
    /// the lease was lost (another claim holds the delivery). A failure starts (or continues) the webhook's failing
    /// streak, and disables it once the streak is older than `disable_failing_before`; a success ends the streak.
    virtual Task<void> Settle(const ClaimedDelivery& delivery, const DeliveryOutcome& outcome) = 0;
};

}  // namespace shortener::store
