#pragma once
/// @file
/// @brief The visitor-id salts in PostgreSQL (table visitor_salts, migration 0002), shared by every worker.

#include <memory>

#include "enrich/salt_store.hpp"
#include "store/postgres/pg_pool.hpp"

namespace shortener::store {

/// Thread-safe. The SaltStore interface is synchronous: each call runs one statement on the pool and
/// blocks the calling thread for that round trip (the enricher asks about once per day and caches the
/// answer). Throws core::BackendUnavailable when the database cannot be reached.
class PostgresSaltStore final : public enrich::SaltStore {
  public:
    explicit PostgresSaltStore(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}
    enrich::Salt GetOrCreate(std::int64_t utc_day, const enrich::Salt& candidate) override;
    void ForgetBefore(std::int64_t utc_day) override;

  private:
    std::shared_ptr<PgPool> pool_;
};

}  // namespace shortener::store
