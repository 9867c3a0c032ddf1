#pragma once
/// @file
/// @brief Branded short domains in PostgreSQL (migration 0024).

#include <memory>

#include "store/domain_store.hpp"
#include "store/postgres/pg_pool.hpp"

namespace shortener::store {

class PostgresDomainStore final : public DomainStore {
  public:
    explicit PostgresDomainStore(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

    Task<core::Result<Domain>> Create(const Domain& domain) override;
    Task<std::optional<Domain>> Find(std::string_view host) override;
    Task<std::vector<Domain>> List() override;
    Task<core::Result<Domain>> Update(std::string_view host, const DomainPatch& patch) override;
    Task<bool> Delete(std::string_view host) override;
    Task<std::int64_t> CountLinks(std::int64_t id) override;

  private:
    std::shared_ptr<PgPool> pool_;
};

}  // namespace shortener::store
