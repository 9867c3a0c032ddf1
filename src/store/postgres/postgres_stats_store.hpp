#pragma once
/// @file
/// @brief StatsStore over the PostgreSQL rollups (migration 0001), for distributed mode.

#include <memory>

#include "store/facets.hpp"
#include "store/postgres/pg_router.hpp"
#include "store/stats_store.hpp"

namespace shortener::store {

class PostgresStatsStore final : public StatsStore {
  public:
    explicit PostgresStatsStore(std::shared_ptr<PgPool> pool) : db_(std::make_shared<PgRouter>(std::move(pool))) {}
    /// Every read on the router's replica when it has one (and has this process's writes).
    explicit PostgresStatsStore(std::shared_ptr<PgRouter> db) : db_(std::move(db)) {}

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
    Task<std::vector<FacetCount>> FacetRows(core::LinkId link, std::string_view facet, MsRange days);

    std::shared_ptr<PgRouter> db_;
};

}  // namespace shortener::store
