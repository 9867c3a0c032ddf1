#pragma once
/// @file
/// @brief Clicks and their rollups in PostgreSQL (distributed mode).

#include <memory>

#include "store/link_store.hpp"
#include "store/postgres/pg_pool.hpp"

namespace shortener::store {

/// Record() writes a batch in ONE statement (so one transaction and one round trip): the raw clicks via
/// unnest() of arrays with ON CONFLICT DO NOTHING, then, from the rows actually inserted (RETURNING), the
/// minute/hour/day rollups, per-dimension day counts, the visitor-id sets and links.clicks. A replayed
/// batch therefore adds nothing. Deadlocks between concurrent workers are retried.
class PostgresClickStore final : public ClickStore {
  public:
    explicit PostgresClickStore(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

    Task<std::size_t> Record(std::span<const core::EnrichedClick> clicks) override;

  private:
    std::shared_ptr<PgPool> pool_;
};

}  // namespace shortener::store
