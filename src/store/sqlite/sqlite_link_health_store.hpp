#pragma once
/// @file
/// @brief Destination health in the embedded SQLite file (migration 0019).

#include <memory>

#include "store/link_health_store.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace shortener::store {

class SqliteLinkHealthStore final : public LinkHealthStore {
  public:
    explicit SqliteLinkHealthStore(std::shared_ptr<SqliteDb> db) : db_(std::move(db)) {}

    Task<std::vector<DueLink>> ClaimDue(core::TimePoint now, core::TimePoint lease_until,
                                        std::chrono::milliseconds spread, std::size_t limit) override;
    Task<bool> Record(const HealthCheckResult& result) override;
    Task<std::vector<LinkHealth>> Find(std::span<const core::LinkId> links) override;
    Task<bool> LeaseHost(std::string host, std::string holder, core::TimePoint now, core::TimePoint until) override;
    Task<void> ReleaseHost(std::string host, std::string holder) override;

  private:
    std::shared_ptr<SqliteDb> db_;
};

}  // namespace shortener::store
