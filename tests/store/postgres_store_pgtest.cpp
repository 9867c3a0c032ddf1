// The store contract (store_contract.hpp) over the PostgreSQL adapter, plus PostgreSQL-only checks:
// partitions, concurrent migrations, rollups, the pool and unreachable servers. Needs a real server:
// SHORTENER_TEST_PG_DSN (scripts/test.sh starts one). Without it these tests fail under CI and skip
// elsewhere. Each test runs in a fresh schema, dropped afterwards. With SHORTENER_TEST_VIA_PGBOUNCER=1 the stores
// connect through PgBouncer in transaction mode with unnamed statements (postgres_test_env.hpp; ctest runs the
// contract suites so), and the PgBouncer tests at the end show why they must.

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "auth_contract.hpp"
#include "domain_contract.hpp"
#include "import_jobs_contract.hpp"
#include "link_health_contract.hpp"
#include "postgres_test_env.hpp"
#include "store/postgres/postgres_auth_store.hpp"
#include "store/postgres/postgres_import_jobs.hpp"
#include "store/postgres/postgres_retention.hpp"
#include "store/postgres/postgres_salt_store.hpp"
#include "store/postgres/postgres_stats_store.hpp"
#include "store/postgres/postgres_stores.hpp"
#include "store_contract.hpp"
#include "webhook_contract.hpp"

namespace shortener::store {
namespace {

using contract::MakeClick;
using contract::MakeLink;
using contract::RawClick;
using shortener::testing::RunAwaitable;

// Skips (outside CI) or fails (in CI) the current test when no server (or PgBouncer, if wanted) is configured.
#define REQUIRE_PG_FOR(via_pgbouncer)                                                         \
    do {                                                                                      \
        if (std::string missing = pgtest::MissingVariable(via_pgbouncer); !missing.empty()) { \
            if (std::getenv("CI")) FAIL() << missing << " is not set (CI requires it)";       \
            GTEST_SKIP() << missing << " is not set";                                         \
        }                                                                                     \
    } while (0)
#define REQUIRE_PG() REQUIRE_PG_FOR(pgtest::ViaPgBouncer())

// A blocking admin connection for setting up and inspecting test schemas.
class Admin {
  public:
    explicit Admin(const std::string& dsn) {
        const char* k[] = {"dbname", nullptr};
        const char* v[] = {dsn.c_str(), nullptr};
        conn_ = PQconnectdbParams(k, v, 1);
        if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn_));
        PQsetNoticeProcessor(
            conn_, [](void*, const char*) {}, nullptr);
    }
    ~Admin() { PQfinish(conn_); }
    // Rows of text (NULL as "<null>").
    std::vector<std::vector<std::string>> Query(const std::string& sql) {
        PGresult* r = PQexec(conn_, sql.c_str());
        auto status = PQresultStatus(r);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            std::string m = PQerrorMessage(conn_);
            PQclear(r);
            throw std::runtime_error(sql + ": " + m);
        }
        std::vector<std::vector<std::string>> rows;
        for (int i = 0; i < PQntuples(r); ++i) {
            auto& row = rows.emplace_back();
            for (int j = 0; j < PQnfields(r); ++j) row.push_back(PQgetisnull(r, i, j) ? "<null>" : PQgetvalue(r, i, j));
        }
        PQclear(r);
        return rows;
    }
    std::string Scalar(const std::string& sql) { return Query(sql).at(0).at(0); }

  private:
    PGconn* conn_;
};

// A private PostgreSQL server in a temporary directory, which a test may stop and start again (the shared
// test server must stay up for the other tests). Runs the server as `postgres` when the test runs as root.
class PrivateServer {
  public:
    static constexpr const char* kBin = "/usr/lib/postgresql/15/bin";

    PrivateServer() {
        // Not testing::TempDir: the server's Unix socket lives here, and a short /tmp path keeps it under 108 bytes.
        char tmpl[] = "/tmp/shortener-pgtest.XXXXXX";
        if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
        dir_ = tmpl;
        if (getuid() == 0) {
            run_as_ = "runuser -u postgres -- ";
            Run("chown postgres " + dir_);
        }
        Run(run_as_ + kBin + "/initdb -D " + dir_ + "/pg -U shortener -A trust -E UTF8 --no-locale >" + dir_ +
            "/initdb.log 2>&1");
        port_ = FreePort();
    }
    ~PrivateServer() {
        std::system((run_as_ + kBin + "/pg_ctl -D " + dir_ + "/pg -m immediate stop >/dev/null 2>&1").c_str());
        std::filesystem::remove_all(dir_);
    }
    void Start() {
        Run(run_as_ + kBin + "/pg_ctl -D " + dir_ + "/pg -l " + dir_ +
            "/pg.log -w -t 30 -o \"-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) + " -k " + dir_ +
            " -c fsync=off\" start >/dev/null");
    }
    void Stop() { Run(run_as_ + kBin + "/pg_ctl -D " + dir_ + "/pg -m fast -w stop >/dev/null"); }
    std::string dsn() const { return "postgres://shortener@127.0.0.1:" + std::to_string(port_) + "/postgres"; }

  private:
    static void Run(const std::string& command) {
        if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
    }
    static int FreePort() {
        int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        ::close(fd);
        return ntohs(a.sin_port);
    }
    std::string dir_;
    std::string run_as_;
    int port_ = 0;
};

// A fresh schema (or, through PgBouncer, database); its DSN leads there.
class TestSchema : public pgtest::TestNamespace {
  public:
    TestSchema() : TestNamespace("t_") {}
};

class PostgresBackendForTest {
  public:
    void Open() {
        REQUIRE_PG();
        if (!schema_) schema_.emplace();
        PostgresOptions options;
        options.dsn = schema_->dsn();
        options.pool_size = 4;
        options.statements = pgtest::Statements();
        MigratePostgres(options);
        backend_ = OpenPostgres(options);
    }
    void Close() { backend_ = {}; }
    LinkStore& links() { return *backend_.links; }
    ClickStore& clicks() { return *backend_.clicks; }
    WebhookStore& webhooks() { return *backend_.webhooks; }
    DomainStore& domains() { return *backend_.domains; }
    LinkHealthStore& health() { return *backend_.health; }
    RawClick FirstRawClick(core::LinkId link) {
        auto rows =
            Admin(schema_->dsn())
                .Query("SELECT country, device, city, user_agent FROM clicks WHERE link_id = " + std::to_string(link) +
                       " LIMIT 1");
        if (rows.empty()) throw std::runtime_error("no click stored");
        RawClick r{rows[0][0], rows[0][1], std::nullopt, rows[0][3]};
        if (rows[0][2] != "<null>") r.city = rows[0][2];
        return r;
    }

  private:
    std::optional<TestSchema> schema_;
    PostgresBackend backend_;
};

class PostgresAuthBackend {
  public:
    void Open() {
        REQUIRE_PG();
        if (!schema_) schema_.emplace();
        PostgresOptions options;
        options.dsn = schema_->dsn();
        options.pool_size = 2;
        options.statements = pgtest::Statements();
        MigratePostgres(options);
        pool_ = std::make_shared<PgPool>(options);
        auth_ = std::make_unique<PostgresAuthStore>(pool_);
    }
    void Close() {
        auth_.reset();
        pool_.reset();
    }
    AuthStore& auth() { return *auth_; }

  private:
    std::optional<TestSchema> schema_;
    std::shared_ptr<PgPool> pool_;
    std::unique_ptr<PostgresAuthStore> auth_;
};

class PostgresImportJobsBackend {
  public:
    void Open() {
        REQUIRE_PG();
        if (!schema_) schema_.emplace();
        PostgresOptions options;
        options.dsn = schema_->dsn();
        options.pool_size = 2;
        options.statements = pgtest::Statements();
        MigratePostgres(options);
        pool_ = std::make_shared<PgPool>(options);
        jobs_ = std::make_unique<PostgresImportJobs>(pool_);
    }
    void Close() {
        jobs_.reset();
        pool_.reset();
    }
    ImportJobStore& jobs() { return *jobs_; }

  private:
    std::optional<TestSchema> schema_;
    std::shared_ptr<PgPool> pool_;
    std::unique_ptr<PostgresImportJobs> jobs_;
};

}  // namespace

namespace import_jobs_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, ImportJobStoreContract, ::testing::Types<PostgresImportJobsBackend>);
}  // namespace import_jobs_contract
namespace contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StoreContract, ::testing::Types<PostgresBackendForTest>);
}  // namespace contract
namespace webhook_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, WebhookContract, ::testing::Types<PostgresBackendForTest>);
}  // namespace webhook_contract
namespace domain_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, DomainContract, ::testing::Types<PostgresBackendForTest>);
}  // namespace domain_contract
namespace link_health_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, LinkHealthContract, ::testing::Types<PostgresBackendForTest>);
}  // namespace link_health_contract
namespace auth_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, AuthStoreContract, ::testing::Types<PostgresAuthBackend>);
}  // namespace auth_contract

namespace {

class PostgresStore : public ::testing::Test {
  protected:
    void SetUp() override {
        REQUIRE_PG();
        schema_.emplace();
        options_.dsn = schema_->dsn();
        options_.pool_size = 4;
        options_.statements = pgtest::Statements();
        MigratePostgres(options_);
        backend_ = OpenPostgres(options_);
        admin_.emplace(schema_->dsn());
    }
    void TearDown() override {
        backend_ = {};
        admin_.reset();
        schema_.reset();
    }
    core::LinkId NewLink(const std::string& slug) { return RunAwaitable(backend_.links->Create(MakeLink(slug)))->id; }

    std::optional<TestSchema> schema_;
    PostgresOptions options_;
    PostgresBackend backend_;
    std::optional<Admin> admin_;
};

std::string MonthPartition(std::chrono::sys_days day, int months_later) {
    std::chrono::year_month_day ymd(day);
    auto ym = std::chrono::year_month(ymd.year(), ymd.month()) + std::chrono::months(months_later);
    char buf[32];
    std::snprintf(buf, sizeof buf, "clicks_y%04dm%02u", static_cast<int>(ym.year()), static_cast<unsigned>(ym.month()));
    return buf;
}

TEST_F(PostgresStore, PartitionsExistForTheNextMonths) {
    auto rows = admin_->Query(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = 'clicks'::regclass ORDER BY 1");
    std::set<std::string> names;
    for (auto& r : rows) names.insert(r[0]);
    auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    for (int m = -1; m <= options_.partitions_ahead; ++m) EXPECT_TRUE(names.contains(MonthPartition(today, m))) << m;
    EXPECT_TRUE(names.contains("clicks_default"));
    // Running it again creates nothing new.
    EXPECT_EQ(admin_->Scalar("SELECT ensure_click_partitions(2)"), "0");
}

// Retention's first step drops the monthly partitions wholly before the cutoff (migration 0016); the partition that
// straddles it is thinned row by row, and later partitions stay.
TEST_F(PostgresStore, RetentionDropsTheMonthPartitionsBeforeTheCutoff) {
    admin_->Query("SELECT ensure_click_partitions(0, '2025-01-01')");
    const core::LinkId link = NewLink("old");
    constexpr std::int64_t kFeb10 = 1'739'145'600'000, kMar10 = 1'741'564'800'000, kApr10 = 1'744'243'200'000;
    std::vector<core::EnrichedClick> batch;
    for (std::uint8_t i = 0; i < 5; ++i) batch.push_back(MakeClick(link, i, kFeb10));
    for (std::uint8_t i = 10; i < 15; ++i) batch.push_back(MakeClick(link, i, kMar10));
    for (std::uint8_t i = 20; i < 25; ++i) batch.push_back(MakeClick(link, i, kApr10));
    ASSERT_EQ(RunAwaitable(backend_.clicks->Record(batch)), 15u);
    PostgresRetention retention(backend_.pool);
    const auto cutoff = core::FromUnixMillis(kMar10 + 12);  // in March: two of its clicks are older
    RetentionStep step = RunAwaitable(retention.DeleteRawClicks(cutoff, 0));
    EXPECT_EQ(step.partitions, 2u);  // January (empty) and February
    EXPECT_EQ(admin_->Scalar("SELECT to_regclass('clicks_y2025m02') IS NULL"), "t");
    EXPECT_EQ(admin_->Scalar("SELECT to_regclass('clicks_y2025m03') IS NULL"), "f");
    step = RunAwaitable(retention.DeleteRawClicks(cutoff, step.next));
    EXPECT_EQ(step.deleted, 2u);
    EXPECT_TRUE(step.done);
    EXPECT_EQ(admin_->Scalar("SELECT count(*) FROM clicks"), "8");
    EXPECT_EQ(admin_->Scalar("SELECT sum(clicks) FROM link_clicks_day"), "15");  // counts kept
    EXPECT_EQ(admin_->Scalar("SELECT clicks FROM links WHERE id = " + std::to_string(link)), "15");
}

// Migration 0008 backfills links.human_clicks from the stored clicks (a NULL is_bot counts as human). Undone by
// hand on a database with clicks, then applied again by the runner.
TEST_F(PostgresStore, HumanClicksAreBackfilledByTheMigration) {
    const core::LinkId mixed = NewLink("mixed"), none = NewLink("none");
    const std::string id = std::to_string(mixed);
    admin_->Query("INSERT INTO clicks (link_id, ts, event_id, is_bot) VALUES (" + id +
                  ", now(), gen_random_uuid(), false), (" + id + ", now(), gen_random_uuid(), true), (" + id +
                  ", now(), gen_random_uuid(), NULL), (" + id + ", now(), gen_random_uuid(), false)");
    admin_->Query("DELETE FROM schema_migrations WHERE version = 8");
    admin_->Query("ALTER TABLE links DROP COLUMN human_clicks");
    backend_ = {};
    MigratePostgres(options_);
    backend_ = OpenPostgres(options_);
    EXPECT_EQ(RunAwaitable(backend_.links->FindBySlug("mixed"))->human_clicks, 3);
    EXPECT_EQ(RunAwaitable(backend_.links->FindBySlug("none"))->human_clicks, 0);
    EXPECT_EQ(admin_->Scalar("SELECT human_clicks FROM links WHERE id = " + std::to_string(none)), "0");
}

// Migrations 0009 and 0010 (issue #18): facet rows replace the per-dimension day rows and quarter hours the minute
// and hour rollups, rebuilt from the raw clicks; links get their all-time visitor totals. Undone by hand (old rows
// back, facets gone), then applied again by the runner: the breakdowns read back are the ones the old rows gave.
TEST_F(PostgresStore, VisitorQuartersAreBackfilledByTheMigration) {
    const std::string id = std::to_string(NewLink("old"));
    admin_->Query("DELETE FROM schema_migrations WHERE version = 11");
    admin_->Query(
        "ALTER TABLE link_visitors_day DROP COLUMN first_q, DROP COLUMN last_q, DROP COLUMN prev_first_q, "
        "DROP COLUMN prev_last_q");
    admin_->Query(
        "ALTER TABLE link_clicks_quarter DROP COLUMN first_visitors, DROP COLUMN human_first_visitors, "
        "DROP COLUMN last_visitors, DROP COLUMN human_last_visitors");
    for (const auto& k : contract::kVisitorQuarterClicks) {
        const std::string ts = "to_timestamp(" + std::to_string(contract::kVisitorDay + k.at) + " / 1000.0)";
        const std::string bot = k.bot ? "true" : "false";
        admin_->Query("INSERT INTO clicks (link_id, ts, event_id, is_bot, visitor_id) VALUES (" + id + ", " + ts +
                      ", gen_random_uuid(), " + bot + ", '" + k.visitor + "')");
        admin_->Query("INSERT INTO link_visitors_day VALUES (" + id + ", '2026-03-01', '" + k.visitor + "', " + bot +
                      ") ON CONFLICT DO NOTHING");
        admin_->Query("INSERT INTO link_clicks_quarter VALUES (" + id + ", date_bin('15 minutes', " + ts +
                      ", timestamptz 'epoch'), 1, " + (k.bot ? "0, 1" : "1, 0") + ")");
    }
    backend_ = {};
    MigratePostgres(options_);
    backend_ = OpenPostgres(options_);
    PostgresStatsStore stats(backend_.pool);
    contract::CheckVisitorQuarters(stats, *backend_.clicks, std::stoll(id));
}

// Migration 0023 (issue #17): unique visitors per destination backfilled from the raw clicks into rollups, and
// counted on by the click store (contract::CheckDestinationVisitors). Undone by hand, then applied again.
TEST_F(PostgresStore, DestinationVisitorsAreBackfilledByTheMigration) {
    const std::string id = std::to_string(NewLink("old"));
    admin_->Query("DELETE FROM schema_migrations WHERE version = 23");
    admin_->Query("DROP TABLE link_destination_visitors_day");
    admin_->Query("ALTER TABLE link_dimension_day DROP COLUMN unique_visitors, DROP COLUMN human_unique_visitors");
    int n = 0;
    for (const auto& k : contract::kDestinationVisitorClicks) {
        const std::string ts = "to_timestamp(" + std::to_string(contract::kVisitorDay + 3'600'000 * ++n) + " / 1000.0)";
        const std::string route = k.route ? std::string("'") + k.route + "'" : "NULL";
        const std::string url = k.route ? "'" + contract::DestinationUrlOf(k.route) + "'" : "NULL";
        admin_->Query("INSERT INTO clicks (link_id, ts, event_id, is_bot, visitor_id, route, destination) VALUES (" +
                      id + ", " + ts + ", gen_random_uuid(), " + (k.bot ? "true" : "false") + ", '" + k.visitor +
                      "', " + route + ", " + url + ")");
    }
    admin_->Query("INSERT INTO link_dimension_day VALUES (" + id +
                  ", '2026-03-01', 'destination', 'variant:0 https://a.example/', 4, 3, 1), (" + id +
                  ", '2026-03-01', 'destination', 'variant:1 https://b.example/', 1, 0, 1)");
    backend_ = {};
    MigratePostgres(options_);
    backend_ = OpenPostgres(options_);
    PostgresStatsStore stats(backend_.pool);
    contract::CheckDestinationVisitors(stats, *backend_.clicks, std::stoll(id));
}

TEST_F(PostgresStore, FacetsAreRebuiltByTheMigration) {
    const std::string id = std::to_string(NewLink("old"));
    const std::string day = "'2026-03-01'";
    admin_->Query(
        "INSERT INTO clicks (link_id, ts, event_id, is_bot, country, region, city, browser, os, device) "
        "VALUES (" +
        id +
        ", '2026-03-01 10:00Z', gen_random_uuid(), false, 'DE', 'Bavaria', 'Munich', "
        "'Safari', 'iOS', 'mobile'), (" +
        id +
        ", '2026-03-01 11:00Z', gen_random_uuid(), true, 'DE', NULL, "
        "NULL, 'Googlebot', NULL, 'bot'), (" +
        id +
        ", '2026-03-01 12:00Z', gen_random_uuid(), NULL, 'US', "
        "'Ohio', 'Springfield', 'Safari', 'macOS', 'desktop')");
    admin_->Query("DELETE FROM schema_migrations WHERE version IN (9, 10)");
    admin_->Query("ALTER TABLE links DROP COLUMN unique_visitors, DROP COLUMN human_unique_visitors");
    admin_->Query("INSERT INTO link_clicks_day VALUES (" + id + ", " + day + ", 3, 2, 1, 2, 1)");
    admin_->Query("CREATE TABLE link_clicks_minute (LIKE link_clicks_quarter INCLUDING ALL)");
    admin_->Query("CREATE TABLE link_clicks_hour (LIKE link_clicks_quarter INCLUDING ALL)");
    admin_->Query("DROP TABLE link_clicks_quarter");
    admin_->Query("INSERT INTO link_dimension_day VALUES (" + id + ", " + day + ", 'country', 'DE', 2, 1, 1), (" + id +
                  ", " + day + ", 'country', 'US', 1, 1, 0), (" + id + ", " + day +
                  ", 'referrer', ' direct', 3, 2, 1)");
    backend_ = {};
    MigratePostgres(options_);
    backend_ = OpenPostgres(options_);
    PostgresStatsStore stats(backend_.pool);
    const MsRange days{1'772'323'200'000, 1'772'409'600'000};  // 2026-03-01 UTC
    auto all = RunAwaitable(stats.TopValuesAll(std::stoll(id), days, true, 10));
    auto values = [&](std::string_view dim) { return contract::BreakdownText(all, dim); };
    EXPECT_EQ(values("country"), "DE=2;US=1;");
    EXPECT_EQ(values("region"), "=1;DE/Bavaria=1;US/Ohio=1;");
    EXPECT_EQ(values("city"), "=1;DE/Munich=1;US/Springfield=1;");
    EXPECT_EQ(values("browser"), "Safari=2;Googlebot=1;");
    EXPECT_EQ(values("os"), "=1;iOS=1;macOS=1;");
    EXPECT_EQ(values("referrer"), " direct=3;");
    EXPECT_EQ(values("referrer_class"), "direct=3;");
    auto human = RunAwaitable(stats.TopValues(std::stoll(id), "device", days, false, 10));
    ASSERT_EQ(human.size(), 2u);  // the bot's row has no human clicks; the NULL is_bot counts as human
    EXPECT_EQ(
        admin_->Scalar("SELECT to_regclass('link_clicks_minute') IS NULL AND to_regclass('link_clicks_hour') IS NULL"),
        "t");
    EXPECT_EQ(admin_->Scalar("SELECT string_agg(to_char(bucket AT TIME ZONE 'UTC', 'HH24:MI') || '=' || clicks, ',' "
                             "ORDER BY bucket) FROM link_clicks_quarter WHERE link_id = " +
                             id),
              "10:00=1,11:00=1,12:00=1");  // rebuilt from the raw clicks
    EXPECT_EQ(admin_->Scalar("SELECT count(*) FROM link_dimension_day WHERE dimension = 'country'"), "0");
    // Migration 0010: the link's all-time totals come from its row, visitors backfilled from the day rollups.
    admin_->Query("UPDATE links SET clicks = 3, human_clicks = 2 WHERE id = " + id);
    const LinkTotals totals = RunAwaitable(stats.Totals(std::stoll(id)));
    EXPECT_EQ(totals.clicks, 3);
    EXPECT_EQ(totals.bot_clicks, 1);
    EXPECT_EQ(totals.unique_visitors, 2);
    EXPECT_EQ(totals.human_unique_visitors, 1);
}

TEST_F(PostgresStore, ConcurrentMigrationsDoNotRace) {
    TestSchema fresh;
    PostgresOptions options;
    options.dsn = fresh.dsn();
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
        threads.emplace_back([&] {
            try {
                MigratePostgres(options);
            } catch (const std::exception& e) {
                ++failures;
                ADD_FAILURE() << e.what();
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
    Admin admin(fresh.dsn());
    EXPECT_EQ(admin.Scalar("SELECT count(*) FROM schema_migrations"), std::to_string(PostgresMigrations().size()));
    EXPECT_EQ(admin.Scalar("SELECT count(*) FROM schema_migrations WHERE version = 1"), "1");
}

TEST_F(PostgresStore, RecordIsIdempotentAcrossPartitions) {
    auto link = NewLink("parts");
    // This month, next month, and a month long past (no partition: the default one takes it).
    auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    std::vector<core::EnrichedClick> batch;
    for (std::uint8_t i = 0; i < 5; ++i) batch.push_back(MakeClick(link, i, now_ms));
    for (std::uint8_t i = 10; i < 15; ++i) batch.push_back(MakeClick(link, i, now_ms + 32LL * 86'400'000));
    for (std::uint8_t i = 20; i < 25; ++i) batch.push_back(MakeClick(link, i, 1'500'000'000'000));
    EXPECT_EQ(RunAwaitable(backend_.clicks->Record(batch)), 15u);
    EXPECT_EQ(RunAwaitable(backend_.clicks->Record(batch)), 0u);
    std::vector<core::EnrichedClick> half(batch.begin() + 3, batch.begin() + 12);
    EXPECT_EQ(RunAwaitable(backend_.clicks->Record(half)), 0u);
    EXPECT_EQ(admin_->Scalar("SELECT count(*) FROM clicks"), "15");
    EXPECT_EQ(admin_->Scalar("SELECT count(DISTINCT tableoid) FROM clicks"), "3");
    EXPECT_EQ(admin_->Scalar("SELECT count(*) FROM clicks_default"), "5");
    EXPECT_EQ(RunAwaitable(backend_.links->FindBySlug("parts"))->clicks, 15);
    // Creating the missing month later moves its rows out of the default partition.
    EXPECT_EQ(admin_->Scalar("SELECT ensure_click_partitions(0, timestamptz '2017-07-01')") != "0", true);
    EXPECT_EQ(admin_->Scalar("SELECT count(*) FROM clicks_default"), "0");
    EXPECT_EQ(admin_->Scalar("SELECT count(*) FROM clicks_y2017m07"), "5");
    EXPECT_EQ(RunAwaitable(backend_.clicks->Record(batch)), 0u);
}

TEST_F(PostgresStore, RollupsEqualARecountAfterReplays) {
    std::vector<core::LinkId> links{NewLink("r1"), NewLink("r2"), NewLink("r3")};
    std::mt19937 rng(42);
    const char* countries[] = {"DE", "US", "", "FR"};
    const char* browsers[] = {"Chrome", "Firefox", "", "Safari"};
    std::vector<core::EnrichedClick> all;
    for (int i = 0; i < 600; ++i) {
        core::LinkId link = links[rng() % links.size()];
        core::EventId id;
        for (auto& b : id.bytes) b = static_cast<std::uint8_t>(rng());
        auto at = core::FromUnixMillis(1'700'000'000'000 + static_cast<std::int64_t>(rng() % (3 * 86'400'000u)));
        core::EnrichedClick c{core::ClickEvent::Make(id, link, at, {.user_agent = "ua"}), {}};
        c.dimensions.is_bot = rng() % 5 == 0;
        c.dimensions.country_code = countries[rng() % 4];
        if (!c.dimensions.country_code.empty() && rng() % 2) c.dimensions.city = "City" + std::to_string(rng() % 3);
        c.dimensions.browser = browsers[rng() % 4];
        c.dimensions.visitor_id = "v" + std::to_string(rng() % 40);
        all.push_back(std::move(c));
    }
    // Overlapping batches, replayed in a different order and cut.
    std::size_t total = 0;
    for (std::size_t start = 0; start < all.size(); start += 100) {
        std::vector<core::EnrichedClick> batch(all.begin() + start, all.begin() + std::min(all.size(), start + 150));
        total += RunAwaitable(backend_.clicks->Record(batch));
    }
    std::shuffle(all.begin(), all.end(), rng);
    for (std::size_t start = 0; start < all.size(); start += 250) {
        std::vector<core::EnrichedClick> batch(all.begin() + start, all.begin() + std::min(all.size(), start + 250));
        total += RunAwaitable(backend_.clicks->Record(batch));
    }
    EXPECT_EQ(total, all.size());

    auto same = [&](const std::string& rollup, const std::string& recount) {
        std::string diff = "SELECT count(*) FROM ((" + rollup + " EXCEPT " + recount + ") UNION ALL (" + recount +
                           " EXCEPT " + rollup + ")) d";
        EXPECT_EQ(admin_->Scalar(diff), "0") << rollup;
        EXPECT_NE(admin_->Scalar("SELECT count(*) FROM (" + rollup + ") r"), "0") << rollup;
    };
    const std::string counts = "count(*), count(*) FILTER (WHERE NOT is_bot), count(*) FILTER (WHERE is_bot)";
    same("SELECT link_id, bucket, clicks, human_clicks, bot_clicks FROM link_clicks_quarter",
         "SELECT link_id, date_bin('15 minutes', ts, timestamptz 'epoch'), " + counts + " FROM clicks GROUP BY 1, 2");
    same("SELECT link_id, bucket, clicks, human_clicks, bot_clicks, unique_visitors FROM link_clicks_day",
         "SELECT link_id, date_trunc('day', ts, 'UTC'), " + counts +
             ", count(DISTINCT visitor_id) FROM clicks GROUP BY 1, 2");
    // Facet rows (store/facets.hpp): one per distinct (link, day, combination), the same values FacetValues gives.
    const std::string day = "(ts AT TIME ZONE 'UTC')::date";
    same("SELECT link_id, day, value, clicks, human_clicks, bot_clicks FROM link_dimension_day WHERE dimension = 'geo'",
         "SELECT link_id, " + day + ", coalesce(country, '') || chr(31) || coalesce(region, '') || chr(31) || " +
             "coalesce(city, ''), " + counts + " FROM clicks GROUP BY 1, 2, 3");
    same("SELECT link_id, day, value, clicks FROM link_dimension_day WHERE dimension = 'agent'",
         "SELECT link_id, " + day + ", coalesce(browser, '') || chr(31) || coalesce(os, '') || chr(31) || " +
             "coalesce(device, ''), count(*) FROM clicks GROUP BY 1, 2, 3");
    same("SELECT link_id, day, value, clicks FROM link_dimension_day WHERE dimension = 'referrer'",
         "SELECT link_id, " + day + ", coalesce(referrer_host, '') || ' ' || coalesce(referrer_class, ''), " +
             "count(*) FROM clicks GROUP BY 1, 2, 3");
    same("SELECT id, clicks FROM links", "SELECT link_id, count(*) FROM clicks GROUP BY 1");
    EXPECT_EQ(admin_->Scalar("SELECT string_agg(DISTINCT dimension, ',' ORDER BY dimension) FROM link_dimension_day"),
              "agent,geo,language,referrer");  // four facet rows per click (migration 0009)
}

TEST_F(PostgresStore, SaltsAreInsertIfAbsentSharedAcrossInstancesAndForgotten) {
    PostgresSaltStore a(backend_.pool), b(OpenPostgres(options_).pool);
    enrich::Salt s1{}, s2{};
    s1.fill(1);
    s2.fill(0xab);
    EXPECT_EQ(a.GetOrCreate(100, s1), s1);
    EXPECT_EQ(b.GetOrCreate(100, s2), s1);  // the first writer's salt wins
    EXPECT_EQ(b.GetOrCreate(101, s2), s2);
    a.ForgetBefore(101);
    EXPECT_EQ(a.GetOrCreate(100, s2), s2);  // day 100 was deleted: a new salt
    EXPECT_EQ(admin_->Scalar("SELECT count(*) FROM visitor_salts"), "2");
    // Many workers asking for a new day at once all get the same salt.
    std::vector<enrich::Salt> got(8);
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&, i] {
            enrich::Salt mine{};
            mine.fill(static_cast<std::uint8_t>(i + 10));
            got[i] = (i % 2 ? a : b).GetOrCreate(200, mine);
        });
    }
    for (auto& t : threads) t.join();
    for (auto& s : got) EXPECT_EQ(s, got[0]);
}

TEST_F(PostgresStore, UnreachableServerIsBackendUnavailable) {
    PostgresOptions options;
    options.dsn = "postgres://shortener@127.0.0.1:1/none";  // nothing listens on port 1
    options.connect_timeout = std::chrono::milliseconds(1000);
    auto dead = OpenPostgres(options);
    EXPECT_THROW(RunAwaitable(dead.links->Ping()), core::BackendUnavailable);
    EXPECT_THROW(RunAwaitable(dead.links->FindBySlug("x")), core::BackendUnavailable);
    EXPECT_THROW(RunAwaitable(dead.clicks->Record(std::vector<core::EnrichedClick>{MakeClick(1, 1)})),
                 core::BackendUnavailable);
    EXPECT_THROW(MigratePostgres(options), core::BackendUnavailable);
    EXPECT_EQ(dead.pool->GetStats().connects, 0u);
    EXPECT_GE(dead.pool->GetStats().connect_failures, 3u);
}

TEST(PgRouter, ParsesWalPositions) {
    EXPECT_EQ(ParseLsn("0/0"), 0u);
    EXPECT_EQ(ParseLsn("16/B374D848"), (std::uint64_t{0x16} << 32) | 0xB374D848u);
    EXPECT_EQ(ParseLsn("FFFFFFFF/FFFFFFFF"), ~std::uint64_t{0});
    for (const char* bad : {"", "/", "1/", "/1", "1", "1/2/3", "G/1", "1/ 2", "100000000/0"}) {
        EXPECT_EQ(ParseLsn(bad), std::nullopt) << bad;
    }
}

// The router's fallbacks without a standby (replica.test.mjs runs a real one): a "replica" that is the primary
// itself answers (not in recovery: it has every write), one that cannot be reached is skipped and rested.
// Migration 0012: sessions opened after it compile nothing with LLVM (a stats request paid 1-3 s for it).
TEST_F(PostgresStore, JitIsOffForTheDatabase) {
    EXPECT_EQ(admin_->Scalar("SHOW jit"), "off");
    EXPECT_EQ(admin_->Scalar("SELECT setconfig::text FROM pg_db_role_setting s JOIN pg_database d ON d.oid = "
                             "s.setdatabase WHERE d.datname = current_database() AND s.setrole = 0"),
              "{jit=off}");
}

TEST_F(PostgresStore, ReadsGoToTheReplicaAndFallBackWhenItIsUnreachable) {
    auto self = OpenPostgres(options_, options_);
    ASSERT_TRUE(RunAwaitable(self.links->Create(MakeLink("routed"))));
    ListQuery query;
    query.limit = 10;
    EXPECT_EQ(RunAwaitable(self.links->List(query)).items.size(), 1u);
    EXPECT_EQ(self.router->GetStats().replica_reads, 1u);

    PostgresOptions unreachable = options_;
    unreachable.dsn = "postgres://shortener@127.0.0.1:1/none";
    unreachable.connect_timeout = std::chrono::milliseconds(500);
    auto lost = OpenPostgres(options_, unreachable);
    EXPECT_EQ(RunAwaitable(lost.links->List(query)).items.size(), 1u);
    EXPECT_EQ(RunAwaitable(lost.links->List(query)).items.size(), 1u);
    EXPECT_EQ(lost.router->GetStats().unavailable_reads, 2u);
    EXPECT_EQ(lost.replica_pool->GetStats().connect_failures, 1u);  // the second read did not try again
    EXPECT_EQ(lost.router->GetStats().replica_reads, 0u);
}

TEST_F(PostgresStore, StoppedServerIsBackendUnavailableAndTheStoresRecover) {
    if (!std::filesystem::exists(std::string(PrivateServer::kBin) + "/initdb")) {
        if (std::getenv("CI")) FAIL() << "PostgreSQL 15 server binaries are missing";
        GTEST_SKIP() << "PostgreSQL 15 server binaries are missing";
    }
    PrivateServer server;
    server.Start();
    PostgresOptions options;
    options.dsn = server.dsn();
    options.pool_size = 2;
    options.connect_timeout = std::chrono::milliseconds(1000);
    MigratePostgres(options);
    auto backend = OpenPostgres(options);
    auto link = RunAwaitable(backend.links->Create(MakeLink("survivor")));
    ASSERT_TRUE(link);
    RunAwaitable(backend.clicks->Record(std::vector<core::EnrichedClick>{MakeClick(link->id, 1)}));

    server.Stop();
    EXPECT_THROW(RunAwaitable(backend.links->Ping()), core::BackendUnavailable);
    EXPECT_THROW(RunAwaitable(backend.links->FindBySlug("survivor")), core::BackendUnavailable);
    EXPECT_THROW(RunAwaitable(backend.links->Create(MakeLink("new"))), core::BackendUnavailable);
    EXPECT_THROW(RunAwaitable(backend.clicks->Record(std::vector<core::EnrichedClick>{MakeClick(link->id, 2)})),
                 core::BackendUnavailable);
    EXPECT_THROW(MigratePostgres(options), core::BackendUnavailable);

    server.Start();  // same port: the pool reconnects on its own
    RunAwaitable(backend.links->Ping());
    EXPECT_EQ(RunAwaitable(backend.clicks->Record(
                  std::vector<core::EnrichedClick>{MakeClick(link->id, 1), MakeClick(link->id, 2)})),
              1u);
    EXPECT_EQ(RunAwaitable(backend.links->FindBySlug("survivor"))->clicks, 2);
}

TEST_F(PostgresStore, ReconnectsAfterTheServerDropsConnections) {
    auto link = NewLink("reconnect");
    RunAwaitable(backend_.links->Ping());
    auto before = backend_.pool->GetStats().connects;
    // What a server restart does to pooled connections.
    admin_->Query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" +
                  schema_->name() + "' AND pid <> pg_backend_pid()");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto found = RunAwaitable(backend_.links->FindBySlug("reconnect"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, link);
    EXPECT_GT(backend_.pool->GetStats().connects, before);
}

TEST_F(PostgresStore, PoolBoundsConnectionsAndQueuesWaiters) {
    PostgresOptions options = options_;
    options.pool_size = 2;
    auto pool = std::make_shared<PgPool>(options);
    static constexpr PgStatement kSleep{"sleep", "SELECT pg_sleep(0.02)"};
    boost::asio::io_context io;
    int done = 0;
    std::size_t max_open = 0;
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 10; ++i) {
        boost::asio::co_spawn(
            io,
            [&]() -> boost::asio::awaitable<void> {
                co_await pool->Execute(kSleep, PgParams{});
                max_open = std::max(max_open, pool->GetStats().open);
                ++done;
            },
            [](std::exception_ptr e) {
                if (e) std::rethrow_exception(e);
            });
    }
    io.run();
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(done, 10);
    EXPECT_LE(max_open, 2u);
    EXPECT_GE(elapsed, std::chrono::milliseconds(90));  // 10 sleeps of 20 ms, two at a time
    EXPECT_EQ(pool->GetStats().waiting, 0u);
}

TEST_F(PostgresStore, AcquireTimesOutWhenThePoolIsExhausted) {
    PostgresOptions options = options_;
    options.pool_size = 1;
    options.acquire_timeout = std::chrono::milliseconds(50);
    auto pool = std::make_shared<PgPool>(options);
    static constexpr PgStatement kSleep{"sleep", "SELECT pg_sleep(0.3)"};
    boost::asio::io_context io;
    bool slow_done = false, timed_out = false;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            co_await pool->Execute(kSleep, PgParams{});
            slow_done = true;
        },
        boost::asio::detached);
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            try {
                co_await pool->Execute(kSleep, PgParams{});
            } catch (const core::BackendUnavailable&) {
                timed_out = true;
            }
        },
        boost::asio::detached);
    io.run();
    EXPECT_TRUE(slow_done);
    EXPECT_TRUE(timed_out);
    EXPECT_EQ(pool->GetStats().acquire_timeouts, 1u);
}

TEST_F(PostgresStore, AWaiterWhoseEventLoopDiesLeavesTheQueue) {
    PostgresOptions options = options_;
    options.pool_size = 1;
    options.acquire_timeout = std::chrono::seconds(30);
    auto pool = std::make_shared<PgPool>(options);
    static constexpr PgStatement kSleep{"sleep", "SELECT pg_sleep(0.2)"};
    boost::asio::io_context holder_loop;
    boost::asio::co_spawn(
        holder_loop, [&]() -> boost::asio::awaitable<void> { co_await pool->Execute(kSleep, PgParams{}); },
        boost::asio::detached);
    holder_loop.run_for(std::chrono::milliseconds(50));  // the one connection is now busy
    {
        boost::asio::io_context doomed;
        boost::asio::co_spawn(
            doomed, [&]() -> boost::asio::awaitable<void> { co_await pool->Execute(kSleep, PgParams{}); },
            boost::asio::detached);
        doomed.run_for(std::chrono::milliseconds(20));
        EXPECT_EQ(pool->GetStats().waiting, 1u);
    }  // destroyed with its coroutine still waiting
    EXPECT_EQ(pool->GetStats().waiting, 0u);
    holder_loop.run();
    static constexpr PgStatement kOne{"one", "SELECT 1"};
    EXPECT_EQ(RunAwaitable(pool->Execute(kOne, PgParams{})).Int(0, 0), 1);
}

// A lone click is stored without waiting for company: one Record of one click is one round trip.
TEST_F(PostgresStore, LoneClickLatency) {
    auto link = NewLink("lone");
    std::vector<double> ms;
    for (std::uint8_t i = 0; i < 200; ++i) {
        std::vector<core::EnrichedClick> one{MakeClick(link, i)};
        one[0].dimensions.visitor_id = "v";
        auto start = std::chrono::steady_clock::now();
        ASSERT_EQ(RunAwaitable(backend_.clicks->Record(one)), 1u);
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(ms.begin(), ms.end());
    std::printf("[ RESULT   ] Record of one click: p50 %.2f ms, p99 %.2f ms\n", ms[ms.size() / 2],
                ms[ms.size() * 99 / 100]);
    EXPECT_LT(ms[ms.size() / 2], 20.0);
}

// Clicks stored per second through Record. Prints the figure. SHORTENER_PG_BENCH_CLICKS (default 40,000,
// small enough for every test run), SHORTENER_PG_BENCH_WORKERS (2), SHORTENER_PG_BENCH_BATCH (1000).
TEST_F(PostgresStore, RecordThroughput) {
    const char* n_env = std::getenv("SHORTENER_PG_BENCH_CLICKS");
    const std::size_t n = n_env ? std::strtoull(n_env, nullptr, 10) : 40'000;
    const char* w_env = std::getenv("SHORTENER_PG_BENCH_WORKERS");
    const int worker_count = w_env ? std::atoi(w_env) : 2;
    const char* b_env = std::getenv("SHORTENER_PG_BENCH_BATCH");
    const std::size_t batch_size = b_env ? std::strtoull(b_env, nullptr, 10) : 1000;
    std::vector<core::LinkId> links;
    for (int i = 0; i < 50; ++i) links.push_back(NewLink("bench" + std::to_string(i)));
    const char* countries[] = {"DE", "US", "FR", "GB", "JP", "BR"};
    const char* browsers[] = {"Chrome", "Firefox", "Safari", "Edge"};
    std::mt19937_64 rng(7);
    auto now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    std::vector<core::EnrichedClick> all;
    all.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        core::EventId id;
        for (auto& b : id.bytes) b = static_cast<std::uint8_t>(rng());
        auto at = core::FromUnixMillis(now_ms - static_cast<std::int64_t>(n - i) * 5);  // ~spread over minutes
        core::EnrichedClick c{
            core::ClickEvent::Make(id, links[rng() % links.size()], at,
                                   {.user_agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0",
                                    .referer = "https://www.google.com/search?q=x",
                                    .accept_language = "en-US,en;q=0.9"}),
            {}};
        c.dimensions.country_code = countries[rng() % 6];
        c.dimensions.country_name = "Country";
        c.dimensions.region = "Region" + std::to_string(rng() % 5);
        c.dimensions.city = "City" + std::to_string(rng() % 20);
        c.dimensions.latitude = 52.5;
        c.dimensions.longitude = 13.4;
        c.dimensions.browser = browsers[rng() % 4];
        c.dimensions.os = "Linux";
        c.dimensions.device = "desktop";
        c.dimensions.referrer_host = "google.com";
        c.dimensions.referrer_class = "search";
        c.dimensions.language = "en";
        c.dimensions.visitor_id = std::to_string(rng() % 5000);
        c.dimensions.is_bot = rng() % 10 == 0;
        all.push_back(std::move(c));
    }
    std::atomic<std::size_t> next{0}, stored{0};
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int w = 0; w < worker_count; ++w) {
        workers.emplace_back([&] {
            for (;;) {
                std::size_t from = next.fetch_add(batch_size);
                if (from >= all.size()) break;
                std::span<const core::EnrichedClick> batch(all.data() + from, std::min(batch_size, all.size() - from));
                try {
                    stored += RunAwaitable(backend_.clicks->Record(batch));
                } catch (const std::exception& e) {
                    ADD_FAILURE() << e.what();
                    return;
                }
            }
        });
    }
    for (auto& t : workers) t.join();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(stored.load(), n);
    std::printf("[ RESULT   ] Record: %zu clicks in %.2f s = %.0f clicks/s (batches of %zu, %d workers)\n", n, seconds,
                n / seconds, batch_size, worker_count);
    RecordProperty("clicks_per_second", static_cast<int>(n / seconds));
}

// ---- PgBouncer in transaction mode (SHORTENER_TEST_PGBOUNCER_DSN: three server connections per database) ----

// Why unnamed statements are needed: PgBouncer 1.18 hands each transaction to any idle server connection and does
// not track named statements, so they are left on server connections that other clients get. Four clients preparing
// the same name on at most three server connections: one of them finds it there already (42P05).
TEST(PgBouncer, NamedStatementsLeakBetweenClients) {
    REQUIRE_PG_FOR(true);
    pgtest::TestNamespace db("pgb_", /*via_pgbouncer=*/true);
    std::vector<PGconn*> clients;
    std::vector<std::string> states;
    for (int i = 0; i < 4; ++i) {
        const char* k[] = {"dbname", nullptr};
        const char* v[] = {db.dsn().c_str(), nullptr};
        clients.push_back(PQconnectdbParams(k, v, 1));
        ASSERT_EQ(PQstatus(clients.back()), CONNECTION_OK) << PQerrorMessage(clients.back());
        PGresult* r = PQprepare(clients.back(), "probe", "SELECT $1::int + 1", 1, nullptr);
        const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        states.emplace_back(state ? state : "ok");
        PQclear(r);
    }
    for (PGconn* c : clients) PQfinish(c);
    EXPECT_NE(std::find(states.begin(), states.end(), "42P05"), states.end())
        << "every client prepared \"probe\" on a server connection of its own: is PgBouncer in transaction mode?";
}

// What the clients of the test below saw.
struct ClientTally {
    int ok = 0;
    int wrong = 0;                    // a wrong answer
    std::vector<std::string> errors;  // SQLSTATE of each PgError
    std::size_t max_open = 0;         // the pool's client connections
};

// One client of the test below: 40 rounds of a statement with a text parameter and one with a binary array.
boost::asio::awaitable<void> AddAndSum(PgPool& pool, std::int64_t client, ClientTally& tally) {
    static constexpr PgStatement kAdd{"pgb_add", "SELECT $1::bigint + 1"};
    static constexpr PgStatement kSum{"pgb_sum", "SELECT sum(x)::bigint FROM unnest($1::bigint[]) x"};
    for (std::int64_t i = 0; i < 40; ++i) {
        const std::int64_t n = client * 1000 + i;
        try {
            // Parameters built apart: GCC 12 rejects an initializer list inside a coroutine's co_await.
            PgParams text(1), binary(1);
            text[0] = std::to_string(n);
            PgBinaryArray array(20);
            array.Int8(n);
            array.Int8(2);
            binary[0] = array.Finish();
            auto added = co_await pool.Execute(kAdd, text);
            auto summed = co_await pool.Execute(kSum, binary, PgFormat::kBinary);
            ++(added.Int(0, 0) == n + 1 && summed.Int(0, 0) == n + 2 ? tally.ok : tally.wrong);
        } catch (const PgError& e) {
            tally.errors.push_back(e.sqlstate());
        }
        tally.max_open = std::max(tally.max_open, pool.GetStats().open);
    }
}

// The pool in both modes through PgBouncer, 12 client connections over 3 server connections, 16 coroutines at once:
// prepared statements fail (already exists, or missing on the next server connection); unnamed ones, with text
// and binary parameters, all succeed.
TEST(PgBouncer, UnnamedStatementsWorkWhereNamedOnesBreak) {
    REQUIRE_PG_FOR(true);
    pgtest::TestNamespace db("pgb_", /*via_pgbouncer=*/true);
    auto run = [&](PgStatementMode mode) {
        PostgresOptions options;
        options.dsn = db.dsn();
        options.pool_size = 12;
        options.statements = mode;
        PgPool pool(options);
        boost::asio::io_context io;
        ClientTally tally;
        for (int c = 0; c < 16; ++c) boost::asio::co_spawn(io, AddAndSum(pool, c, tally), boost::asio::detached);
        io.run();
        return tally;
    };
    const ClientTally unnamed = run(PgStatementMode::kUnnamed);
    EXPECT_EQ(unnamed.ok, 16 * 40);
    EXPECT_EQ(unnamed.wrong, 0);
    EXPECT_TRUE(unnamed.errors.empty()) << unnamed.errors.front();
    EXPECT_GT(unnamed.max_open, 3u);  // more client connections than PgBouncer has server connections
    Admin admin(db.DirectDsn());
    EXPECT_LE(std::stoi(admin.Scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                                     "pid <> pg_backend_pid()")),
              3);
    const ClientTally prepared = run(PgStatementMode::kPrepared);
    EXPECT_FALSE(prepared.errors.empty()) << prepared.ok << " rounds succeeded";
    for (const auto& state : prepared.errors) EXPECT_TRUE(state == "42P05" || state == "26000") << state;
}

}  // namespace
}  // namespace shortener::store
