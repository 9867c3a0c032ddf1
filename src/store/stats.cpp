#include "store/stats.hpp"

#include <date/tz.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>

namespace shortener::store {
namespace {

using std::chrono::minutes;
using SysMinutes = date::sys_time<minutes>;

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kQuarterHour = 900'000;
constexpr std::int64_t kDay = 86'400'000;

std::int64_t FloorTo(std::int64_t v, std::int64_t unit) {
    std::int64_t q = v / unit;
    if (v % unit != 0 && v < 0) --q;
    return q * unit;
}
std::int64_t CeilTo(std::int64_t v, std::int64_t unit) {
    std::int64_t f = FloorTo(v, unit);
    return f == v ? v : f + unit;
}

const date::time_zone* Zone(std::string_view tz) noexcept {
    if (tz.empty() || tz.size() > 64) return nullptr;
    try {
        return date::locate_zone(std::string(tz));
    } catch (...) {
        return nullptr;
    }
}

std::int64_t ToMs(SysMinutes t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
SysMinutes FromMs(std::int64_t ms) { return SysMinutes(minutes(FloorTo(ms, kMinute) / kMinute)); }

// Start of the local calendar bucket containing local time l.
date::local_days CalendarStart(date::local_seconds l, StatsInterval interval) {
    auto d = date::floor<date::days>(l);
    if (interval == StatsInterval::kWeek) {
        date::weekday wd{d};
        return d - (wd - date::Monday);
    }
    if (interval == StatsInterval::kMonth) {
        date::year_month_day ymd{d};
        return date::local_days{ymd.year() / ymd.month() / 1};
    }
    return d;
}

date::local_days CalendarNext(date::local_days d, StatsInterval interval) {
    if (interval == StatsInterval::kWeek) return d + date::days{7};
    if (interval == StatsInterval::kMonth) {
        date::year_month_day ymd{d};
        return date::local_days{(ymd.year() / ymd.month() + date::months{1}) / 1};
    }
    return d + date::days{1};
}

void Push(std::vector<MsRange>& v, std::int64_t from, std::int64_t to) {
    if (from >= to) return;
    if (!v.empty() && v.back().to_ms == from) {
        v.back().to_ms = to;
    } else {
        v.push_back({from, to});
    }
}

bool InRanges(const std::vector<MsRange>& v, std::int64_t t) {
    auto it = std::upper_bound(v.begin(), v.end(), t, [](std::int64_t x, const MsRange& r) { return x < r.from_ms; });
    if (it == v.begin()) return false;
    --it;
    return t >= it->from_ms && t < it->to_ms;
}

std::size_t BucketOf(const std::vector<std::int64_t>& edges, std::int64_t t) {
    return static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), t) - edges.begin()) - 1;
}

// The rows that sum to each bucket: whole UTC days, whole quarter hours, and minutes (from the raw clicks) at its
// edges. Every zone offset in use is a multiple of 15 minutes, so only a range's own ends need minutes.
struct RangesByGranularity {
    std::vector<MsRange> minute, quarter, day;
};

RangesByGranularity SplitBuckets(const std::vector<std::int64_t>& edges) {
    RangesByGranularity out;
    for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
        std::int64_t a = edges[i], b = edges[i + 1];
        std::int64_t ah = CeilTo(a, kQuarterHour), bh = FloorTo(b, kQuarterHour);
        if (ah >= bh) {
            Push(out.minute, a, b);
            continue;
        }
        Push(out.minute, a, ah);
        std::int64_t ad = CeilTo(ah, kDay), bd = FloorTo(bh, kDay);
        if (ad >= bd) {
            Push(out.quarter, ah, bh);
        } else {
            Push(out.quarter, ah, ad);
            Push(out.day, ad, bd);
            Push(out.quarter, bd, bh);
        }
        Push(out.minute, bh, b);
    }
    auto by_start = [](const MsRange& x, const MsRange& y) { return x.from_ms < y.from_ms; };
    std::sort(out.minute.begin(), out.minute.end(), by_start);
    std::sort(out.quarter.begin(), out.quarter.end(), by_start);
    return out;
}

// [a, b) as the UTC days wholly inside it (their starts) and the parts before and after them.
struct DaySplit {
    std::vector<std::int64_t> days;
    std::vector<MsRange> parts;
};

DaySplit SplitByUtcDays(std::int64_t a, std::int64_t b) {
    DaySplit s;
    const std::int64_t ad = CeilTo(a, kDay), bd = FloorTo(b, kDay);
    if (ad > bd) {  // inside one UTC day
        if (a < b) s.parts.push_back({a, b});
        return s;
    }
    if (a < ad) s.parts.push_back({a, ad});
    for (std::int64_t d = ad; d < bd; d += kDay) s.days.push_back(d);
    if (bd < b) s.parts.push_back({bd, b});
    return s;
}

// Exact distinct visitors of the whole range, and of each bucket of a day or longer. Visitor ids are
// daily-salted, so visitors add up over UTC days: whole days come from the day rollups (their visitor-id
// sets), the parts of days at the edges from the raw clicks, all in one round trip. Minute and hour buckets
// would need the raw clicks of the whole range, so they report none (null), never 0.
Task<void> CountVisitors(StatsStore& store, const StatsRequest& request, const std::vector<std::int64_t>& edges,
                         const std::vector<RollupRow>& day_rows, StatsResult& result) {
    std::unordered_map<std::int64_t, std::int64_t> per_day;
    for (const auto& r : day_rows)
        per_day[r.bucket_ms] = request.include_bots ? r.unique_visitors : r.human_unique_visitors;
    auto whole_days = [&](const std::vector<std::int64_t>& days) {
        std::int64_t n = 0;
        for (std::int64_t d : days) {
            if (auto it = per_day.find(d); it != per_day.end()) n += it->second;
        }
        return n;
    };
    std::vector<MsRange> parts;
    std::vector<StatsPoint*> owners;  // the bucket each part belongs to; null: the range's total
    const DaySplit all = SplitByUtcDays(edges.front(), edges.back());
    result.unique_visitors = whole_days(all.days);
    parts = all.parts;
    owners.assign(parts.size(), nullptr);
    const bool daily = request.interval == StatsInterval::kDay || request.interval == StatsInterval::kWeek ||
                       request.interval == StatsInterval::kMonth;
    for (std::size_t i = 0; daily && i + 1 < edges.size(); ++i) {
        const DaySplit bucket = SplitByUtcDays(edges[i], edges[i + 1]);
        result.timeseries[i].unique_visitors = whole_days(bucket.days);
        for (const MsRange& p : bucket.parts) {
            parts.push_back(p);
            owners.push_back(&result.timeseries[i]);
        }
    }
    if (parts.empty()) co_return;
    const std::vector<std::int64_t> counts = co_await store.DistinctVisitors(request.link, parts, request.include_bots);
    for (std::size_t k = 0; k < parts.size() && k < counts.size(); ++k) {
        if (owners[k] == nullptr) {
            result.unique_visitors += counts[k];
        } else {
            *owners[k]->unique_visitors += counts[k];
        }
    }
}

}  // namespace

std::optional<StatsInterval> ParseStatsInterval(std::string_view s) noexcept {
    if (s == "minute") return StatsInterval::kMinute;
    if (s == "hour") return StatsInterval::kHour;
    if (s == "day") return StatsInterval::kDay;
    if (s == "week") return StatsInterval::kWeek;
    if (s == "month") return StatsInterval::kMonth;
    return std::nullopt;
}

std::string_view StatsIntervalName(StatsInterval i) noexcept {
    switch (i) {
        case StatsInterval::kMinute:
            return "minute";
        case StatsInterval::kHour:
            return "hour";
        case StatsInterval::kDay:
            return "day";
        case StatsInterval::kWeek:
            return "week";
        case StatsInterval::kMonth:
            return "month";
    }
    return "hour";
}

bool IsKnownTimeZone(std::string_view tz) noexcept { return Zone(tz) != nullptr; }

std::string FormatLocal(std::string_view tz, std::int64_t ms) {
    const date::time_zone* zone = Zone(tz);
    if (zone == nullptr) zone = date::locate_zone("UTC");
    date::zoned_time<std::chrono::seconds> zt(zone, date::sys_seconds(std::chrono::seconds(FloorTo(ms, 1000) / 1000)));
    std::string s = date::format("%FT%T%Ez", zt);
    if (s.size() > 6 && s.compare(s.size() - 6, 6, "+00:00") == 0 && tz == "UTC") s.replace(s.size() - 6, 6, "Z");
    return s;
}

std::optional<std::vector<std::int64_t>> BucketEdges(std::string_view tz, StatsInterval interval, std::int64_t from_ms,
                                                     std::int64_t to_ms, std::size_t max_buckets) {
    const date::time_zone* zone = Zone(tz);
    if (zone == nullptr) return std::nullopt;
    std::vector<std::int64_t> edges;
    const SysMinutes from = FromMs(from_ms);
    auto too_many = [&] { return edges.size() > max_buckets + 1; };
    if (interval == StatsInterval::kMinute) {
        for (std::int64_t t = ToMs(from);; t += kMinute) {
            edges.push_back(t);
            if (too_many()) return std::nullopt;
            if (t >= to_ms) break;
        }
        return edges;
    }
    if (interval == StatsInterval::kHour) {
        // An edge is an instant whose local time is on the hour, or where the local hour changes without
        // passing one (Lord Howe's 30-minute DST jump from 01:59 to 02:30). Offsets and transitions are on
        // quarter hours, so checking every quarter hour finds every edge across any DST or offset change.
        auto local_hour = [&](SysMinutes t) {
            return date::floor<std::chrono::hours>(zone->to_local(t)).time_since_epoch().count();
        };
        auto aligned = [&](SysMinutes t) {
            return zone->to_local(t).time_since_epoch().count() % 3600 == 0 ||
                   local_hour(t) != local_hour(t - minutes(15));
        };
        SysMinutes t = FromMs(FloorTo(ToMs(from), 15 * kMinute));
        for (int i = 0; i < 16 && !aligned(t); ++i) t -= minutes(15);
        for (;;) {
            edges.push_back(ToMs(t));
            if (too_many()) return std::nullopt;
            if (ToMs(t) >= to_ms) break;
            SysMinutes next = t + minutes(60);
            for (SysMinutes c = t + minutes(15); c <= t + minutes(60); c += minutes(15)) {
                if (aligned(c)) {
                    next = c;
                    break;
                }
            }
            t = next;
        }
        return edges;
    }
    date::local_days d = CalendarStart(zone->to_local(from), interval);
    for (;;) {
        SysMinutes t = date::floor<minutes>(zone->to_sys(date::local_seconds(d), date::choose::earliest));
        edges.push_back(ToMs(t));
        if (too_many()) return std::nullopt;
        if (ToMs(t) >= to_ms) break;
        d = CalendarNext(d, interval);
    }
    return edges;
}

Task<core::Result<StatsResult>> ComputeStats(StatsStore& store, const StatsRequest& request) {
    if (!IsKnownTimeZone(request.tz)) co_return make_error_code(core::Errc::kInvalidTimeZone);
    auto edges_opt = BucketEdges(request.tz, request.interval, request.from_ms, request.to_ms, request.max_buckets);
    if (!edges_opt) co_return make_error_code(core::Errc::kTooManyBuckets);
    const std::vector<std::int64_t>& edges = *edges_opt;
    if (edges.size() < 2) co_return make_error_code(core::Errc::kInvalidRange);
    const RangesByGranularity ranges = SplitBuckets(edges);

    StatsResult result;
    result.from_ms = edges.front();
    result.to_ms = edges.back();
    result.timeseries.resize(edges.size() - 1);
    for (std::size_t i = 0; i + 1 < edges.size(); ++i) result.timeseries[i].t_ms = edges[i];
    auto add_clicks = [&](const RollupRow& r) {
        if (r.bucket_ms < edges.front() || r.bucket_ms >= edges.back()) return;
        std::int64_t c = request.include_bots ? r.clicks : r.human_clicks;
        result.timeseries[BucketOf(edges, r.bucket_ms)].clicks += c;
        result.clicks += c;
        result.human_clicks += r.human_clicks;
        result.bot_clicks += r.bot_clicks;
    };
    if (!ranges.minute.empty()) {
        std::vector<RollupRow> rows = co_await store.Rollups(request.link, Granularity::kMinute, ranges.minute);
        for (const auto& r : rows) add_clicks(r);
    }
    if (!ranges.quarter.empty()) {
        std::vector<RollupRow> rows = co_await store.Rollups(request.link, Granularity::kQuarterHour, ranges.quarter);
        for (const auto& r : rows) add_clicks(r);
    }
    const MsRange all_days{FloorTo(edges.front(), kDay), CeilTo(edges.back(), kDay)};
    const MsRange one[] = {all_days};
    std::vector<RollupRow> day_rows = co_await store.Rollups(request.link, Granularity::kDay, one);
    for (const auto& r : day_rows) {
        if (InRanges(ranges.day, r.bucket_ms)) add_clicks(r);
    }
    co_await CountVisitors(store, request, edges, day_rows, result);
    if (request.breakdowns) {
        result.breakdowns = co_await store.TopValuesAll(request.link, all_days, request.include_bots, request.top);
        const bool routed = std::any_of(result.breakdowns.begin(), result.breakdowns.end(),
                                        [](const auto& b) { return b.first == "destination" && !b.second.empty(); });
        if (routed) {
            result.destination_visitors =
                co_await store.DestinationVisitors(request.link, all_days, request.include_bots);
        }
    }
    co_return result;
}

}  // namespace shortener::store
