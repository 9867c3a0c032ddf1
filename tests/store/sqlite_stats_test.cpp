// The stats contract (stats_contract.hpp) over the SQLite adapter, and the rollup migration's backfill.

#include "stats_contract.hpp"
#include "store/sqlite/sqlite_retention.hpp"
#include "store/sqlite/sqlite_stats_store.hpp"
#include "store/sqlite/sqlite_stores.hpp"
#include "support/fakes.hpp"

namespace shortener::store {
namespace {

class SqliteStatsBackend {
  public:
    void Open() {
        db_ = std::make_shared<SqliteDb>(dir_.File("test.db"));
        db_->Migrate(SqliteMigrations());
        links_ = std::make_unique<SqliteLinkStore>(db_);
        clicks_ = std::make_unique<SqliteClickStore>(db_);
        stats_ = std::make_unique<SqliteStatsStore>(db_);
        retention_ = std::make_unique<SqliteRetention>(db_);
    }
    void Close() {
        retention_.reset();
        stats_.reset();
        clicks_.reset();
        links_.reset();
        db_.reset();
    }
    LinkStore& links() { return *links_; }
    ClickStore& clicks() { return *clicks_; }
    StatsStore& stats() { return *stats_; }
    ClickRetention& retention() { return *retention_; }

  private:
    shortener::testing::TempDir dir_{"shortener-stats-"};
    std::shared_ptr<SqliteDb> db_;
    std::unique_ptr<SqliteLinkStore> links_;
    std::unique_ptr<SqliteClickStore> clicks_;
    std::unique_ptr<SqliteStatsStore> stats_;
    std::unique_ptr<SqliteRetention> retention_;
};

}  // namespace

using SqliteStatsBackends = ::testing::Types<SqliteStatsBackend>;
namespace stats_contract {
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StatsContract, SqliteStatsBackends);
}  // namespace stats_contract

TEST(StatsBuckets, DstDaysAndOffsetEdges) {
    // Europe/Berlin, 2025-03-30: a 23-hour day; 2025-10-26: 25 hours.
    auto days = BucketEdges("Europe/Berlin", StatsInterval::kDay, 1'743'202'800'000, 1'743'375'600'000, 10);
    ASSERT_TRUE(days);
    ASSERT_GE(days->size(), 3u);
    EXPECT_EQ((*days)[1] - (*days)[0], 24 * 3'600'000);  // 2025-03-29
    EXPECT_EQ((*days)[2] - (*days)[1], 23 * 3'600'000);  // 2025-03-30
    auto fall = BucketEdges("Europe/Berlin", StatsInterval::kDay, 1'761'429'600'000, 1'761'429'600'001, 10);
    ASSERT_TRUE(fall);
    EXPECT_EQ((*fall)[1] - (*fall)[0], 25 * 3'600'000);
    // Asia/Kolkata hours start at :30 UTC.
    auto hours = BucketEdges("Asia/Kolkata", StatsInterval::kHour, 1'743'296'400'000, 1'743'303'600'000, 10);
    ASSERT_TRUE(hours);
    EXPECT_EQ((*hours)[0] % 3'600'000, 1'800'000);
    EXPECT_EQ(FormatLocal("Asia/Kolkata", (*hours)[0]).substr(13), ":00:00+05:30");
    EXPECT_FALSE(BucketEdges("UTC", StatsInterval::kMinute, 0, 5 * 86'400'000, 5000));
    EXPECT_FALSE(IsKnownTimeZone("Not/AZone"));
    EXPECT_TRUE(IsKnownTimeZone("Australia/Lord_Howe"));
}

}  // namespace shortener::store
