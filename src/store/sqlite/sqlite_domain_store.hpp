#pragma once
/// @file
/// @brief Branded short domains in the embedded SQLite file (migration 0021).

#include <memory>

#include "store/domain_store.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace shortener::store {

class SqliteDomainStore final : public DomainStore {
  public:
    explicit SqliteDomainStore(std::shared_ptr<SqliteDb> db) : db_(std::move(db)) {}

    Task<core::Result<Domain>> Create(const Domain& domain) override;
    Task<std::optional<Domain>> Find(std::string_view host) override;
    Task<std::vector<Domain>> List() override;
    Task<core::Result<Domain>> Update(std::string_view host, const DomainPatch& patch) override;
    Task<bool> Delete(std::string_view host) override;
    Task<std::int64_t> CountLinks(std::int64_t id) override;

  private:
    std::shared_ptr<SqliteDb> db_;
};

}  // namespace shortener::store
