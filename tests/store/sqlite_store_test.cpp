// The store contract (store_contract.hpp) over the SQLite adapter, plus SQLite-only checks.

#include "auth_contract.hpp"
#include "domain_contract.hpp"
#include "import_jobs_contract.hpp"
#include "link_health_contract.hpp"
#include "store/sqlite/sqlite_auth_store.hpp"
#include "store/sqlite/sqlite_domain_store.hpp"
#include "store/sqlite/sqlite_import_jobs.hpp"
#include "store/sqlite/sqlite_link_health_store.hpp"
#include "store/sqlite/sqlite_stats_store.hpp"
#include "store/sqlite/sqlite_stores.hpp"
#include "store/sqlite/sqlite_webhook_store.hpp"
#include "store_contract.hpp"
#include "support/fakes.hpp"
#include "webhook_contract.hpp"

namespace shortener::store {
namespace {

using contract::RawClick;
using shortener::testing::TempDir;

class SqliteBackend {
  public:
    void Open() {
        db_ = std::make_shared<SqliteDb>((dir_.path() / "test.db").string());
        db_->Migrate(SqliteMigrations());
        links_ = std::make_unique<SqliteLinkStore>(db_);
        clicks_ = std::make_unique<SqliteClickStore>(db_);
        webhooks_ = std::make_unique<SqliteWebhookStore>(db_);
        domains_ = std::make_unique<SqliteDomainStore>(db_);
        health_ = std::make_unique<SqliteLinkHealthStore>(db_);
    }
    void Close() {
        domains_.reset();
        health_.reset();
        links_.reset();
        clicks_.reset();
        webhooks_.reset();
        db_.reset();
    }
    LinkStore& links() { return *links_; }
    ClickStore& clicks() { return *clicks_; }
    WebhookStore& webhooks() { return *webhooks_; }
    DomainStore& domains() { return *domains_; }
    LinkHealthStore& health() { return *health_; }
    RawClick FirstRawClick(core::LinkId link) {
        auto c = db_->Acquire();
        auto row = c->Prepare("SELECT country, device, city, user_agent FROM clicks WHERE link_id = ? LIMIT 1");
        row.Bind(1, link);
        if (!row.Step()) throw std::runtime_error("no click stored");
        RawClick r{row.Text(0), row.Text(1), std::nullopt, row.Text(3)};
        if (!row.IsNull(2)) r.city = row.Text(2);
        return r;
    }

  private:
    TempDir dir_;
    std::shared_ptr<SqliteDb> db_;
    std::unique_ptr<SqliteLinkStore> links_;
    std::unique_ptr<SqliteClickStore> clicks_;
    std::unique_ptr<SqliteWebhookStore> webhooks_;
    std::unique_ptr<SqliteDomainStore> domains_;
    std::unique_ptr<SqliteLinkHealthStore> health_;
};

class SqliteAuthBackend {
  public:
    void Open() {
        db_ = std::make_shared<SqliteDb>((dir_.path() / "test.db").string());
        db_->Migrate(SqliteMigrations());
        auth_ = std::make_unique<SqliteAuthStore>(db_);
    }
    void Close() {
        auth_.reset();
        db_.reset();
    }
    AuthStore& auth() { return *auth_; }

  private:
    TempDir dir_;
    std::shared_ptr<SqliteDb> db_;
    std::unique_ptr<SqliteAuthStore> auth_;
};

class SqliteImportJobsBackend {
  public:
    void Open() {
        db_ = std::make_shared<SqliteDb>((dir_.path() / "test.db").string());
        db_->Migrate(SqliteMigrations());
        jobs_ = std::make_unique<SqliteImportJobs>(db_);
    }
    void Close() {
        jobs_.reset();
        db_.reset();
    }
    ImportJobStore& jobs() { return *jobs_; }

  private:
    TempDir dir_;
    std::shared_ptr<SqliteDb> db_;
    std::unique_ptr<SqliteImportJobs> jobs_;
};

}  // namespace

namespace import_jobs_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, ImportJobStoreContract, ::testing::Types<SqliteImportJobsBackend>);
}  // namespace import_jobs_contract
namespace contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreContract, ::testing::Types<SqliteBackend>);
}  // namespace contract
namespace webhook_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, WebhookContract, ::testing::Types<SqliteBackend>);
}  // namespace webhook_contract
namespace domain_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, DomainContract, ::testing::Types<SqliteBackend>);
}  // namespace domain_contract
namespace link_health_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, LinkHealthContract, ::testing::Types<SqliteBackend>);
}  // namespace link_health_contract
namespace auth_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, AuthStoreContract, ::testing::Types<SqliteAuthBackend>);
}  // namespace auth_contract

namespace {

TEST(SqliteStore, UnopenableDatabaseThrows) { EXPECT_THROW(SqliteDb("/proc/definitely/not/here.db"), SqliteError); }

// A database in `dir` with every migration before `first_left_out` applied: the state a later migration meets.
std::shared_ptr<SqliteDb> MigratedBefore(const TempDir& dir, std::string_view first_left_out) {
    auto db = std::make_shared<SqliteDb>((dir.path() / "old.db").string());
    std::vector<EmbeddedFile> before;
    for (const auto& m : SqliteMigrations()) {
        if (m.name < first_left_out) before.push_back(m);
    }
    db->Migrate(before);
    return db;
}

// Migration 0008 backfills links.human_clicks from the stored clicks (a NULL is_bot counts as human), applied
// after the others on a database that already has data (and with 0007 absent: the runner tolerates gaps).
TEST(SqliteStore, HumanClicksAreBackfilledByTheMigration) {
    using shortener::testing::RunAwaitable;
    TempDir dir;
    auto db = MigratedBefore(dir, "0008");
    {
        auto c = db->AcquireWriter();
        c->Exec(
            "INSERT INTO links (id, slug, long_url, created_at, updated_at, clicks) VALUES "
            "(1, 'mixed', 'https://e.com/', 0, 0, 4), (2, 'none', 'https://e.com/', 0, 0, 0)");
        c->Exec(
            "INSERT INTO clicks (link_id, ts, event_id, is_bot) VALUES "
            "(1, 1, x'01', 0), (1, 2, x'02', 1), (1, 3, x'03', NULL), (1, 4, x'04', 0)");
    }
    db->Migrate(SqliteMigrations());
    SqliteLinkStore links(db);
    auto mixed = RunAwaitable(links.FindBySlug("mixed"));
    ASSERT_TRUE(mixed);
    EXPECT_EQ(mixed->clicks, 4);
    EXPECT_EQ(mixed->human_clicks, 3);
    EXPECT_EQ(RunAwaitable(links.FindBySlug("none"))->human_clicks, 0);
    db->Migrate(SqliteMigrations());  // applied once
    EXPECT_EQ(RunAwaitable(links.FindBySlug("mixed"))->human_clicks, 3);
}

// Migration 0011 (issue #18): each visitor-day's first and last quarter hour and the quarter rows' visitor counts
// are built from the raw clicks, and the click store moves them on (contract::CheckVisitorQuarters).
TEST(SqliteStore, VisitorQuartersAreBackfilledByTheMigration) {
    TempDir dir;
    auto db = MigratedBefore(dir, "0011");
    {
        auto c = db->AcquireWriter();
        c->Exec("INSERT INTO links (id, slug, long_url, created_at, updated_at) VALUES (1, 'old', 'x', 0, 0)");
        int n = 0;
        for (const auto& k : contract::kVisitorQuarterClicks) {
            const std::int64_t ts = contract::kVisitorDay + k.at;
            const std::string bot = k.bot ? "1" : "0";
            const std::string click = "INSERT INTO clicks (link_id, ts, event_id, is_bot, visitor_id) VALUES (1, " +
                                      std::to_string(ts) + ", x'0" + std::to_string(++n) + "', " + bot + ", '" +
                                      k.visitor + "')";
            c->Exec(click.c_str());
            const std::string visitor = "INSERT OR IGNORE INTO link_visitors_day VALUES (1, " +
                                        std::to_string(contract::kVisitorDay) + ", '" + k.visitor + "', " + bot + ")";
            c->Exec(visitor.c_str());
            const std::string quarter = "INSERT INTO link_clicks_quarter VALUES (1, " +
                                        std::to_string(ts - ts % 900'000) + ", 1, " + (k.bot ? "0, 1" : "1, 0") + ")";
            c->Exec(quarter.c_str());
        }
    }
    db->Migrate(SqliteMigrations());
    SqliteStatsStore stats(db);
    SqliteClickStore clicks(db);
    contract::CheckVisitorQuarters(stats, clicks, 1);
}

// Migration 0020 (issue #17): unique visitors per destination backfilled from the raw clicks into rollups, and
// counted on by the click store (contract::CheckDestinationVisitors).
TEST(SqliteStore, DestinationVisitorsAreBackfilledByTheMigration) {
    TempDir dir;
    auto db = MigratedBefore(dir, "0020");
    {
        auto c = db->AcquireWriter();
        c->Exec("INSERT INTO links (id, slug, long_url, created_at, updated_at) VALUES (1, 'old', 'x', 0, 0)");
        int n = 0;
        for (const auto& k : contract::kDestinationVisitorClicks) {
            ++n;
            const std::string route = k.route ? std::string("'") + k.route + "'" : "NULL";
            const std::string url = k.route ? "'" + contract::DestinationUrlOf(k.route) + "'" : "NULL";
            const std::string click =
                "INSERT INTO clicks (link_id, ts, event_id, is_bot, visitor_id, route, destination) VALUES (1, " +
                std::to_string(contract::kVisitorDay + 3'600'000 * n) + ", x'0" + std::to_string(n) + "', " +
                (k.bot ? "1" : "0") + ", '" + k.visitor + "', " + route + ", " + url + ")";
            c->Exec(click.c_str());
        }
        const std::string day = std::to_string(contract::kVisitorDay);
        const std::string facets = "INSERT INTO link_dimension_day VALUES (1, 'destination', " + day +
                                   ", 'variant:0 https://a.example/', 4, 3, 1), (1, 'destination', " + day +
                                   ", 'variant:1 https://b.example/', 1, 0, 1)";
        c->Exec(facets.c_str());
    }
    db->Migrate(SqliteMigrations());
    SqliteStatsStore stats(db);
    SqliteClickStore clicks(db);
    contract::CheckDestinationVisitors(stats, clicks, 1);
}

// Migration 0009 (issue #18) replaces the per-dimension day rows by facet rows and the minute and hour rollups by
// quarter hours, rebuilt from the raw clicks; the breakdowns read back are the same as before it.
TEST(SqliteStore, FacetsAreRebuiltByTheMigration) {
    using shortener::testing::RunAwaitable;
    TempDir dir;
    auto db = MigratedBefore(dir, "0009");
    {
        auto c = db->AcquireWriter();
        c->Exec(
            "INSERT INTO links (id, slug, long_url, created_at, updated_at, clicks, human_clicks) VALUES "
            "(1, 'old', 'x', 0, 0, 3, 2)");
        c->Exec(
            "INSERT INTO clicks (link_id, ts, event_id, is_bot, country, region, city, browser, os, device) VALUES "
            "(1, 1000, x'01', 0, 'DE', 'Bavaria', 'Munich', 'Safari', 'iOS', 'mobile'), "
            "(1, 2000, x'02', 1, 'DE', NULL, NULL, 'Googlebot', NULL, 'bot'), "
            "(1, 3000, x'03', NULL, 'US', 'Ohio', 'Springfield', 'Safari', 'macOS', 'desktop')");
        c->Exec(
            "INSERT INTO link_dimension_day VALUES (1, 'country', 0, 'DE', 2, 1, 1), (1, 'country', 0, 'US', 1, 1, 0), "
            "(1, 'language', 0, '', 3, 2, 1), (1, 'referrer', 0, ' direct', 3, 2, 1)");
        c->Exec("INSERT INTO link_clicks_minute VALUES (1, 0, 3, 2, 1)");
        c->Exec("INSERT INTO link_clicks_day VALUES (1, 0, 3, 2, 1, 2, 1)");
    }
    db->Migrate(SqliteMigrations());
    SqliteStatsStore stats(db);
    auto all = RunAwaitable(stats.TopValuesAll(1, {0, 86'400'000}, true, 10));
    auto values = [&](std::string_view dim) { return contract::BreakdownText(all, dim); };
    EXPECT_EQ(values("country"), "DE=2;US=1;");
    EXPECT_EQ(values("region"), "=1;DE/Bavaria=1;US/Ohio=1;");
    EXPECT_EQ(values("city"), "=1;DE/Munich=1;US/Springfield=1;");
    EXPECT_EQ(values("browser"), "Safari=2;Googlebot=1;");
    EXPECT_EQ(values("device"), "bot=1;desktop=1;mobile=1;");
    EXPECT_EQ(values("referrer"), " direct=3;");
    EXPECT_EQ(values("language"), "=3;");
    auto human = RunAwaitable(stats.TopValues(1, "country", {0, 86'400'000}, false, 10));
    ASSERT_EQ(human.size(), 2u);  // the NULL is_bot counts as human
    EXPECT_EQ(human[0].human_clicks, 1);
    EXPECT_EQ(human[1].human_clicks, 1);
    auto c = db->AcquireWriter();
    EXPECT_FALSE(
        c->Prepare("SELECT 1 FROM sqlite_master WHERE name IN ('link_clicks_minute', 'link_clicks_hour')").Step());
    const MsRange day{0, 86'400'000};
    auto quarters = RunAwaitable(stats.Rollups(1, Granularity::kQuarterHour, std::span(&day, 1)));
    ASSERT_EQ(quarters.size(), 1u);  // rebuilt from the raw clicks
    EXPECT_EQ(quarters[0].clicks, 3);
    // Migration 0010: the link's all-time totals come from its row, visitors backfilled from the day rollups.
    const LinkTotals totals = RunAwaitable(stats.Totals(1));
    EXPECT_EQ(totals.clicks, 3);
    EXPECT_EQ(totals.human_clicks, 2);
    EXPECT_EQ(totals.bot_clicks, 1);
    EXPECT_EQ(totals.unique_visitors, 2);
    EXPECT_EQ(totals.human_unique_visitors, 1);
    // The minute buckets now come from the raw clicks.
    const MsRange minute{0, 60'000};
    auto rows = RunAwaitable(stats.Rollups(1, Granularity::kMinute, std::span(&minute, 1)));
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0].clicks, 3);
    EXPECT_EQ(rows[0].human_clicks, 2);
    EXPECT_EQ(rows[0].bot_clicks, 1);
}

}  // namespace
}  // namespace shortener::store
