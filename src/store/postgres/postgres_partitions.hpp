#pragma once
/// @file
/// @brief Monthly partitions of the clicks table: made ahead at migration time and by a background loop.

#include <chrono>
#include <memory>

#include "store/link_store.hpp"
#include "store/postgres/pg_pool.hpp"

namespace shortener::store {

/// Creates the click partitions from last month up to $1 months ahead. From last month on: clicks of last
/// month still arrive after a restart across a month boundary (replayed journals, a queue backlog), and they
/// belong in a partition, not in clicks_default.
inline constexpr const char* kEnsureClickPartitionsSql =
    "SELECT ensure_click_partitions($1, now() - interval '1 month')";

/// Creates click partitions ahead every `every` until its executor stops (co_spawn it anywhere). A failed
/// attempt is retried after a minute; MigratePostgres already made `partitions_ahead` months at start.
Task<void> MaintainClickPartitions(std::shared_ptr<PgPool> pool, std::chrono::seconds every = std::chrono::hours(6));

}  // namespace shortener::store
