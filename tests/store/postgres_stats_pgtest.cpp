// The stats contract (stats_contract.hpp) over the PostgreSQL adapter. Needs SHORTENER_TEST_PG_DSN
// (scripts/test.sh starts a server); skipped without it outside CI. Each run uses a fresh schema (or, with
// SHORTENER_TEST_VIA_PGBOUNCER=1, a database reached through PgBouncer: postgres_test_env.hpp).

#include <cstdlib>
#include <optional>

#include "postgres_test_env.hpp"
#include "stats_contract.hpp"
#include "store/postgres/postgres_retention.hpp"
#include "store/postgres/postgres_stats_store.hpp"
#include "store/postgres/postgres_stores.hpp"

namespace shortener::store {
namespace {

class PostgresStatsBackend {
  public:
    void Open() {
        if (std::string missing = pgtest::MissingVariable(); !missing.empty()) {
            if (std::getenv("CI")) FAIL() << missing << " is not set (CI requires it)";
            GTEST_SKIP() << missing << " is not set";
        }
        if (!schema_) schema_.emplace("ts_");
        PostgresOptions options;
        options.dsn = schema_->dsn();
        options.pool_size = 4;
        options.statements = pgtest::Statements();
        MigratePostgres(options);
        backend_ = OpenPostgres(options);
        stats_ = std::make_unique<PostgresStatsStore>(backend_.pool);
        retention_ = std::make_unique<PostgresRetention>(backend_.pool);
    }
    void Close() {
        retention_.reset();
        stats_.reset();
        backend_ = {};
    }
    LinkStore& links() { return *backend_.links; }
    ClickStore& clicks() { return *backend_.clicks; }
    StatsStore& stats() { return *stats_; }
    ClickRetention& retention() { return *retention_; }

  private:
    std::optional<pgtest::TestNamespace> schema_;  // declared first: dropped after the stores closed
    PostgresBackend backend_;
    std::unique_ptr<PostgresStatsStore> stats_;
    std::unique_ptr<PostgresRetention> retention_;
};

}  // namespace

using PostgresStatsBackends = ::testing::Types<PostgresStatsBackend>;
namespace stats_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StatsContract, PostgresStatsBackends);
}  // namespace stats_contract

}  // namespace shortener::store
