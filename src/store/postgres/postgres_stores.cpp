#include "store/postgres/postgres_stores.hpp"

namespace shortener::store {

PostgresBackend OpenPostgres(const PostgresOptions& options, const std::optional<PostgresOptions>& replica) {
    PostgresBackend b;
    b.pool = std::make_shared<PgPool>(options);
    if (replica) b.replica_pool = std::make_shared<PgPool>(*replica);
    b.router = std::make_shared<PgRouter>(b.pool, b.replica_pool);
    b.links = std::make_unique<PostgresLinkStore>(b.router);
    b.clicks = std::make_unique<PostgresClickStore>(b.pool);
    b.webhooks = std::make_unique<PostgresWebhookStore>(b.pool);
    b.domains = std::make_unique<PostgresDomainStore>(b.pool);
    b.health = std::make_unique<PostgresLinkHealthStore>(b.pool);
    return b;
}

}  // namespace shortener::store
