#pragma once
/// @file
/// @brief A StatsStore that keeps the overview's answers (TopLinks) for a short time. The overview of an owner
/// with many links sums every day row of every link in the range (10,000 links x 90 days = 900,000 rows, most of a
/// second on PostgreSQL: docs/benchmarks.md "Stats at volume"), while a dashboard asks for the same answer again
/// and again. An answer younger than `fresh_for` is served as it is; one up to `stale_for` old is served and
/// recomputed in the background on the cache's own thread (one recomputation per answer at a time); an older or
/// unknown one is computed before answering. Every other StatsStore call goes straight to the inner store.
/// Answers are per process: another replica may be up to `stale_for` behind. Thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/random.hpp"
#include "store/stats_store.hpp"

namespace shortener::store {

struct OverviewCacheOptions {
    std::chrono::milliseconds fresh_for{10'000};
    std::chrono::milliseconds stale_for{100'000};
    std::size_t max_entries = 1024;  // the least recently used answer goes first
};

class OverviewCache final : public StatsStore {
  public:
    /// How the answers were found, since start.
    struct Counts {
        std::uint64_t fresh = 0;  // served from the cache
        std::uint64_t stale = 0;  // served from the cache while a recomputation ran
        std::uint64_t miss = 0;   // computed before answering
    };

    /// `inner` and `clock` must outlive the cache.
    OverviewCache(StatsStore& inner, const core::Clock& clock, OverviewCacheOptions options);
    /// Waits for the recomputations in flight (bounded by the store's own timeouts), then stops the thread.
    ~OverviewCache() override;
    OverviewCache(const OverviewCache&) = delete;
    OverviewCache& operator=(const OverviewCache&) = delete;

    Task<std::vector<LinkTotals>> TopLinks(MsRange days, bool include_bots, std::size_t limit,
                                           std::optional<std::int64_t> owner) override;

    Task<std::vector<RollupRow>> Rollups(core::LinkId link, Granularity granularity,
                                         std::span<const MsRange> ranges) override {
        return inner_.Rollups(link, granularity, ranges);
    }
    Task<std::vector<std::int64_t>> DistinctVisitors(core::LinkId link, std::span<const MsRange> ranges,
                                                     bool include_bots) override {
        return inner_.DistinctVisitors(link, ranges, include_bots);
    }
    Task<std::vector<DimensionCount>> TopValues(core::LinkId link, std::string_view dimension, MsRange days,
                                                bool include_bots, std::size_t limit) override {
        return inner_.TopValues(link, dimension, days, include_bots, limit);
    }
    Task<std::vector<std::pair<std::string, std::vector<DimensionCount>>>> TopValuesAll(core::LinkId link, MsRange days,
                                                                                        bool include_bots,
                                                                                        std::size_t limit) override {
        return inner_.TopValuesAll(link, days, include_bots, limit);
    }
    Task<std::vector<std::pair<std::string, std::vector<DimensionCount>>>> UtmOverview(
        MsRange days, bool include_bots, std::size_t limit, std::optional<std::int64_t> owner) override {
        return inner_.UtmOverview(days, include_bots, limit, owner);
    }
    Task<std::vector<DimensionCount>> DestinationVisitors(core::LinkId link, MsRange range,
                                                          bool include_bots) override {
        return inner_.DestinationVisitors(link, range, include_bots);
    }
    Task<LinkTotals> Totals(core::LinkId link) override { return inner_.Totals(link); }
    Task<std::vector<LinkTotals>> TotalsOf(std::span<const core::LinkId> links) override {
        return inner_.TotalsOf(links);
    }
    Task<std::vector<core::EnrichedClick>> ClicksPage(core::LinkId link, MsRange range,
                                                      std::optional<ClickCursor> after, std::size_t limit) override {
        return inner_.ClicksPage(link, range, after, limit);
    }

    Counts counts() const;

    struct State;  // the answers and the thread; opaque (overview_cache.cpp)

  private:
    StatsStore& inner_;
    const core::Clock& clock_;
    std::unique_ptr<State> state_;
};

}  // namespace shortener::store
