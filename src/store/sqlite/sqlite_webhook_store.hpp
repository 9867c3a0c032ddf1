#pragma once
/// @file
/// @brief Webhooks and their delivery outbox in the embedded SQLite file (migration 0014).

#include <memory>

#include "store/sqlite/sqlite_db.hpp"
#include "store/webhook_store.hpp"

namespace shortener::store {

class SqliteWebhookStore final : public WebhookStore {
  public:
    explicit SqliteWebhookStore(std::shared_ptr<SqliteDb> db) : db_(std::move(db)) {}

    Task<Webhook> Create(const Webhook& webhook) override;
    Task<std::optional<Webhook>> Find(std::int64_t id) override;
    Task<std::vector<Webhook>> List(std::optional<std::int64_t> owner) override;
    Task<core::Result<Webhook>> Update(std::int64_t id, const WebhookPatch& patch) override;
    Task<bool> Delete(std::int64_t id) override;
    Task<std::string> EnqueueTest(std::int64_t webhook_id, core::TimePoint now) override;
    Task<bool> AnySubscriber(WebhookEvents events) override;
    Task<void> EnqueueClicks(std::span<const ClickNotice> clicks, core::TimePoint now) override;
    Task<std::vector<WebhookDelivery>> Deliveries(std::int64_t webhook_id, std::size_t limit) override;
    Task<std::vector<ClaimedDelivery>> Claim(core::TimePoint now, core::TimePoint lease_until, std::size_t limit,
                                             const std::string& lease_token) override;
    Task<void> Settle(const ClaimedDelivery& delivery, const DeliveryOutcome& outcome) override;

  private:
    std::shared_ptr<SqliteDb> db_;
};

/// Adds a delivery of link event `event` (bit `bit`) of link `link_id` for each enabled webhook subscribed to it
/// that may see the link, on `c` (inside the caller's write transaction), at `at`.
void EnqueueSqliteLinkEvent(SqliteConnection& c, core::LinkId link_id, const char* event, WebhookEvents bit,
                            core::TimePoint at);

}  // namespace shortener::store
