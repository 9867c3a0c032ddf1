#pragma once
/// @file
/// @brief The PostgreSQL schema: migrations compiled into the binary, applied at startup.

#include <vector>

#include "common/embedded_file.hpp"
#include "store/postgres/pg_pool.hpp"

namespace shortener::store {

/// The schema migrations of the PostgreSQL backend, compiled into the binary.
const std::vector<EmbeddedFile>& PostgresMigrations();

/// Applies the migrations not yet applied (each in its own transaction, recorded in schema_migrations)
/// under a session advisory lock, so replicas starting together apply each migration once; then creates
/// the monthly click partitions up to options.partitions_ahead months ahead. Blocks the calling thread
/// (call it before serving). Throws core::BackendUnavailable if the database cannot be reached, and
/// std::runtime_error if a migration fails (earlier ones stay applied).
void MigratePostgres(const PostgresOptions& options);

}  // namespace shortener::store
