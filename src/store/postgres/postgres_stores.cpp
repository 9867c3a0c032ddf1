#include "store/postgres/postgres_stores.hpp"

namespace shortener::store {

PostgresBackend OpenPostgres(const PostgresOptions& options) {
    PostgresBackend b;
    b.pool = std::make_shared<PgPool>(options);
    b.links = std::make_unique<PostgresLinkStore>(b.pool);
    b.clicks = std::make_unique<PostgresClickStore>(b.pool);
    return b;
}

}  // namespace shortener::store
