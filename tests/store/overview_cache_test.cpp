// The overview cache (store/overview_cache.hpp) over a counting fake store and a fake clock: fresh answers are served
// as they are, stale ones served and recomputed in the background, too old or unknown ones computed first.

#include "store/overview_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "support/fakes.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::store {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;
using testing::RunAwaitable;

// Answers TopLinks with the number of the call as the total clicks, so a test sees which computation it got.
class CountingStats final : public StatsStore {
  public:
    std::atomic<int> calls{0};
    std::atomic<bool> fail{false};

    Task<std::vector<LinkTotals>> TopLinks(MsRange, bool, std::size_t, std::optional<std::int64_t>) override {
        const int n = ++calls;
        if (fail) throw core::BackendUnavailable("down");
        co_return std::vector<LinkTotals>{{0, "", n, n, 0, 0, 0}};
    }
    Task<LinkTotals> Totals(core::LinkId link) override { co_return LinkTotals{link, "totals", 7, 7, 0, 0, 0}; }
    Task<std::vector<RollupRow>> Rollups(core::LinkId, Granularity, std::span<const MsRange>) override {
        co_return std::vector<RollupRow>{};
    }
    Task<std::vector<std::int64_t>> DistinctVisitors(core::LinkId, std::span<const MsRange>, bool) override {
        co_return std::vector<std::int64_t>{};
    }
    Task<std::vector<DimensionCount>> DestinationVisitors(core::LinkId, MsRange, bool) override {
        co_return std::vector<DimensionCount>{};
    }
    Task<std::vector<DimensionCount>> TopValues(core::LinkId, std::string_view, MsRange, bool, std::size_t) override {
        co_return std::vector<DimensionCount>{};
    }
    Task<std::vector<std::pair<std::string, std::vector<DimensionCount>>>> UtmOverview(
        MsRange, bool, std::size_t, std::optional<std::int64_t>) override {
        co_return std::vector<std::pair<std::string, std::vector<DimensionCount>>>{};
    }
    Task<std::vector<LinkTotals>> TotalsOf(std::span<const core::LinkId>) override {
        co_return std::vector<LinkTotals>{};
    }
    Task<std::vector<core::EnrichedClick>> ClicksPage(core::LinkId, MsRange, std::optional<ClickCursor>,
                                                      std::size_t) override {
        co_return std::vector<core::EnrichedClick>{};
    }
};

constexpr MsRange kWeek{0, 7 * 86'400'000};

class OverviewCacheTest : public ::testing::Test {
  protected:
    OverviewCacheOptions Options() {
        OverviewCacheOptions o;
        o.fresh_for = 10s;
        o.stale_for = 100s;
        o.max_entries = 2;
        return o;
    }
    std::int64_t Clicks(MsRange days = kWeek, std::optional<std::int64_t> owner = 1, bool bots = false) {
        return RunAwaitable(cache.TopLinks(days, bots, 10, owner)).front().clicks;
    }
    // The background recomputation runs on the cache's thread: wait (bounded) until the store saw `n` calls.
    bool WaitForCalls(int n) {
        for (int i = 0; i < 500 && inner.calls < n; ++i) std::this_thread::sleep_for(10ms);
        return inner.calls >= n;
    }

    CountingStats inner;
    FakeClock clock;
    OverviewCache cache{inner, clock, Options()};
};

TEST_F(OverviewCacheTest, AFreshAnswerIsServedWithoutAskingTheStore) {
    EXPECT_EQ(Clicks(), 1);
    clock.Advance(9s);
    EXPECT_EQ(Clicks(), 1);
    EXPECT_EQ(inner.calls, 1);
    EXPECT_EQ(cache.counts().miss, 1U);
    EXPECT_EQ(cache.counts().fresh, 1U);
}

TEST_F(OverviewCacheTest, AStaleAnswerIsServedWhileItIsRecomputedInTheBackground) {
    EXPECT_EQ(Clicks(), 1);
    clock.Advance(11s);
    EXPECT_EQ(Clicks(), 1);  // the old answer, at once
    ASSERT_TRUE(WaitForCalls(2));
    for (int i = 0; i < 500 && Clicks() != 2; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(Clicks(), 2);  // the recomputed one, now fresh
    EXPECT_EQ(inner.calls, 2);
    EXPECT_GE(cache.counts().stale, 1U);
}

TEST_F(OverviewCacheTest, OneRecomputationAtATimePerAnswer) {
    EXPECT_EQ(Clicks(), 1);
    inner.fail = true;  // the recomputation fails: the answer stays stale
    clock.Advance(11s);
    EXPECT_EQ(Clicks(), 1);
    ASSERT_TRUE(WaitForCalls(2));
    std::this_thread::sleep_for(50ms);
    inner.fail = false;
    EXPECT_EQ(Clicks(), 1);  // still the old answer; this request starts the next attempt
    ASSERT_TRUE(WaitForCalls(3));
    for (int i = 0; i < 500 && Clicks() != 3; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(Clicks(), 3);
}

TEST_F(OverviewCacheTest, ATooOldAnswerIsComputedBeforeAnswering) {
    EXPECT_EQ(Clicks(), 1);
    clock.Advance(101s);
    EXPECT_EQ(Clicks(), 2);
    EXPECT_EQ(cache.counts().miss, 2U);
    EXPECT_EQ(cache.counts().stale, 0U);
}

TEST_F(OverviewCacheTest, AClockThatWentBackMakesTheAnswerStale) {
    EXPECT_EQ(Clicks(), 1);
    clock.Advance(-5s);
    EXPECT_EQ(Clicks(), 1);
    EXPECT_EQ(cache.counts().stale, 1U);
    ASSERT_TRUE(WaitForCalls(2));
}

TEST_F(OverviewCacheTest, EachOwnerRangeAndBotsSettingHasItsOwnAnswer) {
    constexpr MsRange kDay{0, 86'400'000};
    EXPECT_EQ(Clicks(kWeek, 1), 1);
    EXPECT_EQ(Clicks(kWeek, 2), 2);
    EXPECT_EQ(Clicks(kWeek, 1), 1);
    EXPECT_EQ(Clicks(kDay, 1), 3);  // (the cache holds two answers)
    EXPECT_EQ(Clicks(kDay, 1, true), 4);
    EXPECT_EQ(Clicks(kDay, 1, true), 4);
    EXPECT_EQ(Clicks(kDay, std::nullopt, true), 5);
    EXPECT_EQ(inner.calls, 5);
}

TEST_F(OverviewCacheTest, TheLeastRecentlyUsedAnswerGoesWhenFull) {
    EXPECT_EQ(Clicks(kWeek, 1), 1);
    EXPECT_EQ(Clicks(kWeek, 2), 2);
    clock.Advance(1s);
    EXPECT_EQ(Clicks(kWeek, 1), 1);  // owner 1 used again: owner 2's answer is the oldest
    EXPECT_EQ(Clicks(kWeek, 3), 3);
    EXPECT_EQ(Clicks(kWeek, 1), 1);
    EXPECT_EQ(Clicks(kWeek, 2), 4);  // evicted, computed again
}

TEST_F(OverviewCacheTest, OtherStatsGoStraightToTheStore) {
    EXPECT_EQ(RunAwaitable(cache.Totals(5)).slug, "totals");
    EXPECT_EQ(inner.calls, 0);
}

}  // namespace
}  // namespace shortener::store
