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

#include <memory>
#include <optional>

#include "store/postgres/pg_pool.hpp"
#include "store/postgres/pg_router.hpp"
#include "store/postgres/postgres_click_store.hpp"
#include "store/postgres/postgres_domain_store.hpp"
#include "store/postgres/postgres_link_health_store.hpp"
#include "store/postgres/postgres_link_store.hpp"
#include "store/postgres/postgres_migrations.hpp"
#include "store/postgres/postgres_partitions.hpp"
#include "store/postgres/postgres_webhook_store.hpp"

namespace shortener::store {

/// The pool (and the replica's, if any), the router between them, and both stores on them.
struct PostgresBackend {
    std::shared_ptr<PgPool> pool;
    std::shared_ptr<PgPool> replica_pool;  // null without a replica
    std::shared_ptr<PgRouter> router;
    std::unique_ptr<PostgresLinkStore> links;
    std::unique_ptr<PostgresClickStore> clicks;
    std::unique_ptr<PostgresWebhookStore> webhooks;
    std::unique_ptr<PostgresDomainStore> domains;
    std::unique_ptr<PostgresLinkHealthStore> health;
};

/// Makes the pools and the stores. Does no I/O (connections open on first use); does not migrate. With `replica`
/// (a streaming replica of the same database), link lists and stats read there (see pg_router.hpp).
PostgresBackend OpenPostgres(const PostgresOptions& options, const std::optional<PostgresOptions>& replica = {});

}  // namespace shortener::store
