#pragma once
/// @file
/// @brief Webhooks and their delivery outbox in PostgreSQL (migration 0017). Claims take due rows with
/// FOR UPDATE SKIP LOCKED and a lease, so concurrent workers never hold the same delivery.

#include <memory>

#include "store/postgres/pg_pool.hpp"
#include "store/webhook_store.hpp"

namespace shortener::store {

class PostgresWebhookStore final : public WebhookStore {
  public:
    explicit PostgresWebhookStore(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

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
    std::shared_ptr<PgPool> pool_;
};

}  // namespace shortener::store
