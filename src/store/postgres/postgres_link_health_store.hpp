#pragma once
/// @file
/// @brief Destination health in PostgreSQL (migration 0022). Claims take due rows with FOR UPDATE SKIP LOCKED and
/// move them to the lease's end, so concurrent workers never check the same link at once.

#include <memory>

#include "store/link_health_store.hpp"
#include "store/postgres/pg_pool.hpp"

namespace shortener::store {

class PostgresLinkHealthStore final : public LinkHealthStore {
  public:
    explicit PostgresLinkHealthStore(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

    Task<std::vector<DueLink>> ClaimDue(core::TimePoint now, core::TimePoint lease_until,
                                        std::chrono::milliseconds spread, std::size_t limit) override;
    Task<bool> Record(const HealthCheckResult& result) override;
    Task<std::vector<LinkHealth>> Find(std::span<const core::LinkId> links) override;
    Task<bool> LeaseHost(std::string host, std::string holder, core::TimePoint now, core::TimePoint until) override;
    Task<void> ReleaseHost(std::string host, std::string holder) override;

  private:
    std::shared_ptr<PgPool> pool_;
};

}  // namespace shortener::store
