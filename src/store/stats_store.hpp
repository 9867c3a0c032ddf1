#pragma once
/// @file
/// @brief Read side of the analytics: rollup rows (minute/hour/day buckets, per-dimension day counts), the
/// top links, current link totals and keyset pages of raw clicks for exports. Stats are answered from the
/// rollups, and from raw clicks only for the visitors of the parts of UTC days at a range's edges
/// (DistinctVisitors) and for exports. Adapters: SqliteStatsStore, PostgresStatsStore.
/// Thread-safe; every method throws core::BackendUnavailable when the store cannot be reached.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/enriched_click.hpp"
#include "store/link_store.hpp"

namespace shortener::store {

/// Bucket sizes: minute rows (counted from the raw clicks) and quarter-hour rows (link_clicks_quarter) carry no
/// visitor counts (0); day rows do.
enum class Granularity { kMinute, kQuarterHour, kDay };

/// Half-open range [from_ms, to_ms) of Unix milliseconds.
struct MsRange {
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;
};

struct RollupRow {
    std::int64_t bucket_ms = 0;  // start of the UTC minute, hour or day
    std::int64_t clicks = 0;
    std::int64_t human_clicks = 0;
    std::int64_t bot_clicks = 0;
    std::int64_t unique_visitors = 0;        // day rows only
    std::int64_t human_unique_visitors = 0;  // day rows only
};

struct DimensionCount {
    std::string value;  // "" = unknown
    std::int64_t clicks = 0;
    std::int64_t human_clicks = 0;
    std::int64_t bot_clicks = 0;
};

struct LinkTotals {
    core::LinkId link_id = 0;
    std::string slug;
    std::int64_t clicks = 0;
    std::int64_t human_clicks = 0;
    std::int64_t bot_clicks = 0;
    std::int64_t unique_visitors = 0;
    std::int64_t human_unique_visitors = 0;
};

/// Position in a link's clicks for keyset pagination: (ts, event id).
struct ClickCursor {
    std::int64_t ts_ms = 0;
    core::EventId event_id;
};

/// The breakdowns of a link's clicks (stored as facets: store/facets.hpp).
/// "referrer" is "host class" (host "" = none, e.g. " direct"): hosts with their source class.
/// The utm_* ones (issue #17) count only clicks that carry a UTM parameter; "destination" is "route URL" (issue #17:
/// which rule or split variant served which URL).
inline constexpr std::string_view kDimensions[] = {
    "country", "region",   "city",       "referrer_host", "referrer_class", "referrer", "browser",     "os",
    "device",  "language", "utm_source", "utm_medium",    "utm_campaign",   "utm_term", "utm_content", "destination"};
/// The breakdowns the stats show: kDimensions but "referrer_host", which "referrer" covers with the class.
inline constexpr std::string_view kShownDimensions[] = {
    "country",  "region",     "city",       "referrer_class", "referrer", "browser",     "os",         "device",
    "language", "utm_source", "utm_medium", "utm_campaign",   "utm_term", "utm_content", "destination"};

/// The UTM breakdowns (issue #17), a part of kShownDimensions; the stats show them as "utm": {"source": …}.
inline constexpr std::string_view kUtmDimensions[] = {"utm_source", "utm_medium", "utm_campaign", "utm_term",
                                                      "utm_content"};

/// How DistinctVisitors counts one range. A visitor-day is in a prefix [day start, t) of its UTC day iff its first
/// click is before t, and in a suffix [t, day end) iff its last click is at or after t: the quarter-hour rows count
/// visitors by the quarter of their first and last click (migration 0011), so a quarter-aligned prefix or suffix (what
/// a time zone other than UTC cuts days into) needs no raw clicks. Anything else (a range's own unaligned ends, a
/// middle part of a day) reads them.
enum class VisitorPart { kRaw = 0, kDayPrefix = 1, kDaySuffix = 2 };

inline VisitorPart ClassifyVisitorPart(MsRange r) noexcept {
    constexpr std::int64_t kDay = 86'400'000;
    constexpr std::int64_t kQuarter = 900'000;
    if (r.to_ms <= r.from_ms || r.from_ms < 0 || r.from_ms % kQuarter != 0 || r.to_ms % kQuarter != 0) {
        return VisitorPart::kRaw;
    }
    const std::int64_t day = r.from_ms - r.from_ms % kDay;
    if (r.to_ms > day + kDay) return VisitorPart::kRaw;
    if (r.from_ms == day) return VisitorPart::kDayPrefix;
    return r.to_ms == day + kDay ? VisitorPart::kDaySuffix : VisitorPart::kRaw;
}

class StatsStore {
  public:
    virtual ~StatsStore() = default;

    /// Rollup rows of one link whose bucket start lies in any of `ranges` (disjoint), in any order.
    virtual Task<std::vector<RollupRow>> Rollups(core::LinkId link, Granularity granularity,
                                                 std::span<const MsRange> ranges) = 0;

    /// For each of `ranges` (in order), the distinct visitors among the link's clicks with ts in it: distinct
    /// (UTC day, visitor id) pairs, since visitor ids are keyed with a daily salt (one person on two days is two
    /// visitor ids). Bots count only with include_bots. Meant for the parts of a stats range that are not whole UTC
    /// days: a quarter-aligned prefix or suffix of one day (ClassifyVisitorPart) sums the quarter-hour rows' first or
    /// last visitors; any other range reads raw clicks (an index range scan).
    virtual Task<std::vector<std::int64_t>> DistinctVisitors(core::LinkId link, std::span<const MsRange> ranges,
                                                             bool include_bots) = 0;

    /// Per-value sums of one dimension over UTC days [days.from_ms, days.to_ms) (day starts), the `limit`
    /// largest by clicks (human clicks when !include_bots), ties by value.
    virtual Task<std::vector<DimensionCount>> TopValues(core::LinkId link, std::string_view dimension, MsRange days,
                                                        bool include_bots, std::size_t limit) = 0;

    /// TopValues of every dimension the stats show (kShownDimensions), in that order. Adapters may answer in one
    /// round trip.
    virtual Task<std::vector<std::pair<std::string, std::vector<DimensionCount>>>> TopValuesAll(core::LinkId link,
                                                                                                MsRange days,
                                                                                                bool include_bots,
                                                                                                std::size_t limit) {
        std::vector<std::pair<std::string, std::vector<DimensionCount>>> out;
        for (std::string_view dim : kShownDimensions) {
            std::vector<DimensionCount> top = co_await TopValues(link, dim, days, include_bots, limit);
            out.emplace_back(std::string(dim), std::move(top));
        }
        co_return out;
    }

    /// Distinct visitors (UTC day, visitor id) per destination facet value ("route URL") over the whole UTC days of
    /// `range` (issue #17), from the destination facet rows (visitor-days counted when stored), so they survive
    /// retention; a visitor-day counts among humans when one of its clicks was human; bots only with include_bots.
    virtual Task<std::vector<DimensionCount>> DestinationVisitors(core::LinkId link, MsRange range,
                                                                  bool include_bots) = 0;

    /// Sums of the day rollups over [days) per link, the `limit` largest (by human clicks when !include_bots),
    /// and as the first element with link_id 0 the sums over every link. With `owner`, only that owner's links
    /// that are not deleted count (links.owner_id, served by links_owner_idx).
    virtual Task<std::vector<LinkTotals>> TopLinks(MsRange days, bool include_bots, std::size_t limit,
                                                   std::optional<std::int64_t> owner) = 0;

    /// The utm_* breakdowns (kUtmDimensions, in that order) over every link's clicks in UTC days [days), or with
    /// `owner` over that owner's links that are not deleted; the `limit` largest each (human clicks when
    /// !include_bots). Reads only the utm facet rows (a partial index on their day, migrations 0016/0019).
    virtual Task<std::vector<std::pair<std::string, std::vector<DimensionCount>>>> UtmOverview(
        MsRange days, bool include_bots, std::size_t limit, std::optional<std::int64_t> owner) = 0;

    /// All-time totals of one link (sums of its day rollups).
    virtual Task<LinkTotals> Totals(core::LinkId link) = 0;

    /// Totals of several links in one round trip (the worker's live events), in any order; unknown ids
    /// are left out.
    virtual Task<std::vector<LinkTotals>> TotalsOf(std::span<const core::LinkId> links) = 0;

    /// Up to `limit` clicks of a link with ts in [range), ordered by (ts, event id), after `after`.
    /// client_address is always empty (never stored).
    virtual Task<std::vector<core::EnrichedClick>> ClicksPage(core::LinkId link, MsRange range,
                                                              std::optional<ClickCursor> after, std::size_t limit) = 0;
};

}  // namespace shortener::store
