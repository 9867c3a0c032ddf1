#pragma once
/// @file
/// @brief Stats of one link from the rollups, in any IANA time zone (store::StatsStore underneath).
///
/// Buckets are local-calendar units (minute, hour, day, week from Monday, month) converted to UTC edges
/// with the tz database (date/tz.h over /usr/share/zoneinfo), so days start at local midnight and a DST
/// day lasts 23 or 25 hours. Each bucket [a, b) is summed from whole UTC days, whole UTC hours and
/// minutes at the edges (zones with 30/45-minute offsets, e.g. Asia/Kolkata, need minute rows at every
/// edge), so clicks are exact for every zone. Unique visitors are exact for the whole range and for buckets
/// of a day or longer: visitor ids are daily-salted, so distinct visitors add up over UTC days; whole UTC
/// days come from the day rollups and the parts of days at the edges from the raw clicks
/// (StatsStore::DistinctVisitors). Minute and hour buckets report none (nullopt, never 0). Breakdowns are
/// summed over the UTC days overlapping the range.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errc.hpp"
#include "store/stats_store.hpp"

namespace shortener::store {

enum class StatsInterval { kMinute, kHour, kDay, kWeek, kMonth };

std::optional<StatsInterval> ParseStatsInterval(std::string_view s) noexcept;
std::string_view StatsIntervalName(StatsInterval i) noexcept;

/// True if `tz` names a zone of the tz database.
bool IsKnownTimeZone(std::string_view tz) noexcept;

/// RFC 3339 with the zone's offset at that instant, e.g. "2026-03-29T00:00:00+01:00" ("Z" for UTC).
std::string FormatLocal(std::string_view tz, std::int64_t ms);

/// UTC edges (Unix ms) of the local buckets covering [from_ms, to_ms): edges.front() <= from_ms is the
/// start of the bucket containing from_ms, edges.back() >= to_ms. nullopt when more than max_buckets.
/// `tz` must be known.
std::optional<std::vector<std::int64_t>> BucketEdges(std::string_view tz, StatsInterval interval, std::int64_t from_ms,
                                                     std::int64_t to_ms, std::size_t max_buckets);

struct StatsRequest {
    core::LinkId link = 0;
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;
    StatsInterval interval = StatsInterval::kHour;
    std::string tz = "UTC";
    bool include_bots = false;
    std::size_t top = 10;
    std::size_t max_buckets = 5000;
    bool breakdowns = true;
};

struct StatsPoint {
    std::int64_t t_ms = 0;
    std::int64_t clicks = 0;                      // human clicks only when bots are excluded
    std::optional<std::int64_t> unique_visitors;  // day, week and month buckets only; exact
};

struct StatsResult {
    std::int64_t from_ms = 0;  // the range widened to whole buckets
    std::int64_t to_ms = 0;
    std::int64_t clicks = 0;  // per `bots`
    std::int64_t human_clicks = 0;
    std::int64_t bot_clicks = 0;
    std::int64_t unique_visitors = 0;  // distinct visitors over [from_ms, to_ms), per `bots`; exact
    std::vector<StatsPoint> timeseries;
    std::vector<std::pair<std::string, std::vector<DimensionCount>>> breakdowns;  // kDimensions order
    /// Distinct visitors per "destination" value (StatsStore::DestinationVisitors; `clicks` holds the count), over
    /// the breakdowns' whole days; asked for only when the link has destination rows.
    std::vector<DimensionCount> destination_visitors;
};

/// kInvalidTimeZone, kTooManyBuckets; otherwise the stats. Throws what the store throws.
Task<core::Result<StatsResult>> ComputeStats(StatsStore& store, const StatsRequest& request);

}  // namespace shortener::store
