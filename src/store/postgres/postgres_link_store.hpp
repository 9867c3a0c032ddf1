#pragma once
/// @file
/// @brief Links in PostgreSQL (distributed mode).

#include <memory>

#include "store/link_store.hpp"
#include "store/postgres/pg_router.hpp"

namespace shortener::store {

class PostgresLinkStore final : public LinkStore {
  public:
    explicit PostgresLinkStore(std::shared_ptr<PgPool> pool) : db_(std::make_shared<PgRouter>(std::move(pool))) {}
    /// Lists on the router's replica (when it has one); lookups, checks and writes on the primary.
    explicit PostgresLinkStore(std::shared_ptr<PgRouter> db) : db_(std::move(db)) {}

    Task<core::Result<core::Link>> Create(const core::NewLink& link) override;
    /// One INSERT … SELECT FROM unnest(…) per batch (on the primary), then one read of the taken slugs' holders.
    Task<std::vector<ImportedLink>> ImportMany(std::span<const core::NewLink> links) override;
    Task<std::vector<core::Result<core::Link>>> CreateMany(std::span<const core::NewLink> links) override;
    Task<std::optional<core::Link>> FindBySlug(std::string_view slug) override;
    Task<LinkPage> List(const ListQuery& query) override;
    Task<core::Result<core::Link>> Update(std::string_view slug, const core::LinkPatch& patch) override;
    Task<core::Result<void>> Delete(std::string_view slug, core::TimePoint at) override;
    Task<bool> TryConsumeUse(core::LinkId id) override;
    Task<bool> HasUsesLeft(core::LinkId id) override;
    Task<void> Ping() override;
    Task<IdempotencyRecord> ClaimIdempotencyKey(const IdempotencyKey& key, core::TimePoint now,
                                                core::TimePoint stale_before, core::TimePoint expires_at) override;
    Task<void> FinishIdempotencyKey(const IdempotencyKey& key, int status, std::string_view body,
                                    std::string_view location) override;
    Task<void> ReleaseIdempotencyKey(const IdempotencyKey& key) override;
    Task<std::size_t> PurgeIdempotencyKeys(core::TimePoint now) override;

  private:
    std::shared_ptr<PgRouter> db_;
};

}  // namespace shortener::store
