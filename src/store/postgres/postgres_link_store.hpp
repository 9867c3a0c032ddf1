#pragma once
/// @file
/// @brief Links in PostgreSQL (distributed mode).

#include <memory>

#include "store/link_store.hpp"
#include "store/postgres/pg_pool.hpp"

namespace shortener::store {

class PostgresLinkStore final : public LinkStore {
  public:
    explicit PostgresLinkStore(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

    Task<core::Result<core::Link>> Create(const core::NewLink& link) override;
    Task<std::optional<core::Link>> FindBySlug(std::string_view slug) override;
    Task<LinkPage> List(const ListQuery& query) override;
    Task<core::Result<core::Link>> Update(std::string_view slug, const core::LinkPatch& patch) override;
    Task<core::Result<void>> Delete(std::string_view slug, core::TimePoint at) override;
    Task<bool> TryConsumeUse(core::LinkId id) override;
    Task<bool> HasUsesLeft(core::LinkId id) override;
    Task<void> Ping() override;

  private:
    std::shared_ptr<PgPool> pool_;
};

}  // namespace shortener::store
