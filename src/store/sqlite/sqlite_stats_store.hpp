#pragma once
/// @file
/// @brief StatsStore over the SQLite rollups (migrations 0003, 0009), for embedded mode.

#include <memory>

#include "store/facets.hpp"
#include "store/sqlite/sqlite_db.hpp"
#include "store/stats_store.hpp"

namespace shortener::store {

class SqliteStatsStore final : public StatsStore {
  public:
    explicit SqliteStatsStore(std::shared_ptr<SqliteDb> db) : db_(std::move(db)) {}

    Task<std::vector<RollupRow>> Rollups(core::LinkId link, Granularity granularity,
                                         std::span<const MsRange> ranges) override;
    Task<std::vector<std::int64_t>> DistinctVisitors(core::LinkId link, std::span<const MsRange> ranges,
                                                     bool include_bots) override;
    Task<std::vector<DimensionCount>> TopValues(core::LinkId link, std::string_view dimension, MsRange days,
                                                bool include_bots, std::size_t limit) override;
    Task<std::vector<std::pair<std::string, std::vector<DimensionCount>>>> TopValuesAll(core::LinkId link, MsRange days,
                                                                                        bool include_bots,
                                                                                        std::size_t limit) override;
    Task<std::vector<LinkTotals>> TopLinks(MsRange days, bool include_bots, std::size_t limit,
                                           std::optional<std::int64_t> owner) override;
    Task<std::vector<std::pair<std::string, std::vector<DimensionCount>>>> UtmOverview(
        MsRange days, bool include_bots, std::size_t limit, std::optional<std::int64_t> owner) override;
    Task<std::vector<DimensionCount>> DestinationVisitors(core::LinkId link, MsRange range, bool include_bots) override;
    Task<LinkTotals> Totals(core::LinkId link) override;
    Task<std::vector<LinkTotals>> TotalsOf(std::span<const core::LinkId> links) override;
    Task<std::vector<core::EnrichedClick>> ClicksPage(core::LinkId link, MsRange range,
                                                      std::optional<ClickCursor> after, std::size_t limit) override;

  private:
    std::vector<FacetCount> FacetRows(core::LinkId link, std::string_view facet, MsRange days);

    std::shared_ptr<SqliteDb> db_;
};

}  // namespace shortener::store
