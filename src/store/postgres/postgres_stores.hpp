#pragma once
/// @file
/// @brief The distributed-mode adapters: links, clicks and rollups in PostgreSQL (libpq, non-blocking,
/// driven by the caller's Asio executor; see pg_pool.hpp). docs/data-model.md describes the schema.
///
/// Wiring (app/ only):
/// @code
///   store::PostgresOptions pg;  pg.dsn = config.database_url;
///   store::MigratePostgres(pg);                 // blocking, at startup: migrations + click partitions
///   auto backend = store::OpenPostgres(pg);     // no I/O; connections open on first use
///   co_spawn(any_executor, store::MaintainClickPartitions(*backend.pool), detached);
///   use *backend.links / *backend.clicks from any thread or event loop
/// @endcode

#include <chrono>
#include <memory>
#include <vector>

#include "common/embedded_file.hpp"
#include "store/link_store.hpp"
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

/// Creates click partitions ahead every `every` until its executor stops (co_spawn it anywhere). A failed
/// attempt is retried after a minute; MigratePostgres already made `partitions_ahead` months at start.
Task<void> MaintainClickPartitions(std::shared_ptr<PgPool> pool, std::chrono::seconds every = std::chrono::hours(6));

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

/// The pool and both stores on it.
struct PostgresBackend {
    std::shared_ptr<PgPool> pool;
    std::unique_ptr<PostgresLinkStore> links;
    std::unique_ptr<PostgresClickStore> clicks;
};

/// Makes the pool and the stores. Does no I/O (connections open on first use); does not migrate.
PostgresBackend OpenPostgres(const PostgresOptions& options);

}  // namespace shortener::store
