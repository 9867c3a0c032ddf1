// The stats contract (stats_contract.hpp) over the PostgreSQL adapter. Needs SHORTENER_TEST_PG_DSN
// (scripts/test.sh starts a server); skipped without it outside CI. Each run uses a fresh schema.

#include <libpq-fe.h>

#include <cstdlib>
#include <random>

#include "stats_contract.hpp"
#include "store/postgres/postgres_stats_store.hpp"
#include "store/postgres/postgres_stores.hpp"

namespace shortener::store {
namespace {

std::string TestDsn() {
    const char* dsn = std::getenv("SHORTENER_TEST_PG_DSN");
    return dsn ? dsn : "";
}

void Exec(const std::string& dsn, const std::string& sql) {
    const char* k[] = {"dbname", nullptr};
    const char* v[] = {dsn.c_str(), nullptr};
    PGconn* c = PQconnectdbParams(k, v, 1);
    if (PQstatus(c) != CONNECTION_OK) {
        std::string m = PQerrorMessage(c);
        PQfinish(c);
        throw std::runtime_error(m);
    }
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(c, sql.c_str());
    PQclear(r);
    PQfinish(c);
}

class PostgresStatsBackend {
  public:
    ~PostgresStatsBackend() {
        if (!schema_.empty()) {
            try {
                Exec(TestDsn(), "DROP SCHEMA " + schema_ + " CASCADE");
            } catch (...) {
            }
        }
    }
    void Open() {
        if (TestDsn().empty()) {
            if (std::getenv("CI")) FAIL() << "SHORTENER_TEST_PG_DSN is not set (CI requires PostgreSQL)";
            GTEST_SKIP() << "SHORTENER_TEST_PG_DSN is not set";
        }
        std::random_device rd;
        schema_ = "ts_" + std::to_string(rd()) + "_" + std::to_string(rd());
        Exec(TestDsn(), "CREATE SCHEMA " + schema_);
        std::string dsn = TestDsn();
        dsn += (dsn.find('?') == std::string::npos ? "?" : "&");
        dsn += "options=-csearch_path%3D" + schema_ + "&application_name=" + schema_;
        PostgresOptions options;
        options.dsn = dsn;
        options.pool_size = 4;
        MigratePostgres(options);
        backend_ = OpenPostgres(options);
        stats_ = std::make_unique<PostgresStatsStore>(backend_.pool);
    }
    void Close() {
        stats_.reset();
        backend_ = {};
    }
    LinkStore& links() { return *backend_.links; }
    ClickStore& clicks() { return *backend_.clicks; }
    StatsStore& stats() { return *stats_; }

  private:
    std::string schema_;
    PostgresBackend backend_;
    std::unique_ptr<PostgresStatsStore> stats_;
};

}  // namespace

using PostgresStatsBackends = ::testing::Types<PostgresStatsBackend>;
namespace stats_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StatsContract, PostgresStatsBackends);
}  // namespace stats_contract

}  // namespace shortener::store
