#include "store/sqlite/sqlite_stats_store.hpp"

#include <cstdlib>

#include "store/facets.hpp"

namespace shortener::store {
namespace {

// Minute buckets come from the raw clicks (no minute rollup since migration 0009: stats read minutes only at a
// range's edges and for short ranges, an index range scan of the clustered clicks). A NULL is_bot counts as human.
constexpr const char* kMinuteRows =
    "SELECT ts / 60000 * 60000 AS b, count(*), sum(coalesce(is_bot, 0) = 0), sum(coalesce(is_bot, 0) <> 0), 0, 0 "
    "FROM clicks WHERE link_id = ?1 AND ts >= ?2 AND ts < ?3 GROUP BY b";
constexpr const char* kQuarterRows =
    "SELECT bucket, clicks, human_clicks, bot_clicks, 0, 0 FROM link_clicks_quarter "
    "WHERE link_id = ?1 AND bucket >= ?2 AND bucket < ?3";
constexpr const char* kDayRows =
    "SELECT bucket, clicks, human_clicks, bot_clicks, unique_visitors, human_unique_visitors FROM link_clicks_day "
    "WHERE link_id = ?1 AND bucket >= ?2 AND bucket < ?3";
// Visitor ids are daily-salted: a (UTC day, visitor id) pair is one visitor. A NULL is_bot counts as human,
// as in the rollups. Within one UTC day (the parts stats ask for) the ids alone are the visitors: counting them
// needs no string built per click, which made the pair form five times slower.
constexpr std::int64_t kDayMs = 86'400'000;
#define DISTINCT_VISITORS_SQL(what)                  \
    "SELECT count(DISTINCT " what                    \
    ") FROM clicks WHERE link_id = ?1 AND ts >= ?2 " \
    "AND ts < ?3 AND visitor_id IS NOT NULL AND (?4 OR coalesce(is_bot, 0) = 0)"
constexpr const char* kDistinctVisitors = DISTINCT_VISITORS_SQL("(ts / 86400000) || ':' || visitor_id");
constexpr const char* kDistinctVisitorsOfADay = DISTINCT_VISITORS_SQL("visitor_id");
#undef DISTINCT_VISITORS_SQL
// A quarter-aligned prefix or suffix of a day (VisitorPart): the quarter-hour rows' first or last visitors.
#define QUARTER_VISITORS_SQL(all, human)                        \
    "SELECT coalesce(sum(CASE WHEN ?4 THEN " all " ELSE " human \
    " END), 0) FROM link_clicks_quarter "                       \
    "WHERE link_id = ?1 AND bucket >= ?2 AND bucket < ?3"
constexpr const char* kPrefixVisitors = QUARTER_VISITORS_SQL("first_visitors", "human_first_visitors");
constexpr const char* kSuffixVisitors = QUARTER_VISITORS_SQL("last_visitors", "human_last_visitors");
#undef QUARTER_VISITORS_SQL

const char* VisitorsSql(MsRange r) {
    switch (ClassifyVisitorPart(r)) {
        case VisitorPart::kDayPrefix:
            return kPrefixVisitors;
        case VisitorPart::kDaySuffix:
            return kSuffixVisitors;
        case VisitorPart::kRaw:
            break;
    }
    return r.to_ms > r.from_ms && r.from_ms / kDayMs == (r.to_ms - 1) / kDayMs ? kDistinctVisitorsOfADay
                                                                               : kDistinctVisitors;
}
// The facet rows (store/facets.hpp) of one link over whole days, summed per value; ?2 = '' for every facet.
constexpr const char* kFacetRows =
    "SELECT dimension, value, sum(clicks), sum(human_clicks), sum(bot_clicks) FROM link_dimension_day "
    "WHERE link_id = ?1 AND (?2 = '' OR dimension = ?2) AND day >= ?3 AND day < ?4 GROUP BY dimension, value";
// The utm facet rows of every link (or of an owner's links that are not deleted) over whole days, summed per value.
// `dimension = 'utm'` as a literal, so that the partial index of migration 0016 serves it.
constexpr const char* kUtmOverview =
    "SELECT dimension, value, sum(clicks), sum(human_clicks), sum(bot_clicks) FROM link_dimension_day "
    "WHERE dimension = 'utm' AND day >= ?1 AND day < ?2 "
    "AND (?3 IS NULL OR link_id IN (SELECT id FROM links WHERE owner_id = ?3 AND deleted_at IS NULL)) "
    "GROUP BY dimension, value";

// Visitor-days per destination of a routed link (issue #17), from the destination facet rows (migration 0020), so
// they outlive the raw clicks.
constexpr const char* kDestinationVisitors =
    "SELECT value, sum(CASE WHEN ?4 THEN unique_visitors ELSE human_unique_visitors END) FROM link_dimension_day "
    "WHERE link_id = ?1 AND dimension = 'destination' AND day >= ?2 AND day < ?3 GROUP BY value";
constexpr const char* kTopLinks =
    "SELECT d.link_id, l.slug, sum(d.clicks) AS c, sum(d.human_clicks) AS h, sum(d.bot_clicks), "
    "sum(d.unique_visitors), sum(d.human_unique_visitors) FROM link_clicks_day d JOIN links l ON l.id = d.link_id "
    "WHERE d.bucket >= ?1 AND d.bucket < ?2 AND l.deleted_at IS NULL AND (?5 IS NULL OR l.owner_id = ?5) "
    "GROUP BY d.link_id "
    "HAVING ?3 OR h > 0 ORDER BY CASE WHEN ?3 THEN c ELSE h END DESC, d.link_id LIMIT ?4";
constexpr const char* kAllLinks =
    "SELECT coalesce(sum(clicks), 0), coalesce(sum(human_clicks), 0), coalesce(sum(bot_clicks), 0), "
    "coalesce(sum(unique_visitors), 0), coalesce(sum(human_unique_visitors), 0) FROM link_clicks_day "
    "WHERE bucket >= ?1 AND bucket < ?2 "
    "AND (?3 IS NULL OR link_id IN (SELECT id FROM links WHERE owner_id = ?3 AND deleted_at IS NULL))";
// All-time totals are kept on the link row (migration 0010), one lookup per link however old it is.
constexpr const char* kLinkTotals =
    "SELECT slug, clicks, human_clicks, clicks - human_clicks, unique_visitors, human_unique_visitors FROM links "
    "WHERE id = ?1";
constexpr const char* kClicksPage =
    "SELECT ts, hex(event_id), user_agent, referer, accept_language, query, head_request, is_bot, country, "
    "country_name, region, city, CAST(latitude AS TEXT), CAST(longitude AS TEXT), browser, os, device, "
    "referrer_host, referrer_class, language, visitor_id, utm_source, utm_medium, utm_campaign, utm_term, "
    "utm_content, bot_reason FROM clicks "
    "WHERE link_id = ?1 AND ts >= ?2 AND ts < ?3 AND (ts, event_id) > (?4, ?5) ORDER BY ts, event_id LIMIT ?6";

std::string OptText(const Statement& s, int col) { return s.IsNull(col) ? std::string() : s.Text(col); }

std::optional<double> OptDouble(const Statement& s, int col) {
    if (s.IsNull(col)) return std::nullopt;
    return std::strtod(s.Text(col).c_str(), nullptr);
}

core::EventId FromHex(const std::string& hex) {
    core::EventId id;
    for (std::size_t i = 0; i < 16 && 2 * i + 1 < hex.size(); ++i) {
        id.bytes[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    }
    return id;
}

}  // namespace

Task<std::vector<RollupRow>> SqliteStatsStore::Rollups(core::LinkId link, Granularity granularity,
                                                       std::span<const MsRange> ranges) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        const char* sql = granularity == Granularity::kMinute        ? kMinuteRows
                          : granularity == Granularity::kQuarterHour ? kQuarterRows
                                                                     : kDayRows;
        std::vector<RollupRow> rows;
        for (const MsRange& r : ranges) {
            auto s = c->Prepare(sql);
            s.Bind(1, link).Bind(2, r.from_ms).Bind(3, r.to_ms);
            while (s.Step()) rows.push_back({s.Int(0), s.Int(1), s.Int(2), s.Int(3), s.Int(4), s.Int(5)});
        }
        return rows;
    });
}

Task<std::vector<std::int64_t>> SqliteStatsStore::DistinctVisitors(core::LinkId link, std::span<const MsRange> ranges,
                                                                   bool include_bots) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        std::vector<std::int64_t> counts;
        counts.reserve(ranges.size());
        for (const MsRange& r : ranges) {
            auto s = c->Prepare(VisitorsSql(r));
            s.Bind(1, link).Bind(2, r.from_ms).Bind(3, r.to_ms).Bind(4, static_cast<std::int64_t>(include_bots));
            counts.push_back(s.Step() ? s.Int(0) : 0);
        }
        return counts;
    });
}

std::vector<FacetCount> SqliteStatsStore::FacetRows(core::LinkId link, std::string_view facet, MsRange days) {
    return GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(kFacetRows);
        s.Bind(1, link).Bind(2, facet).Bind(3, days.from_ms).Bind(4, days.to_ms);
        std::vector<FacetCount> rows;
        while (s.Step()) rows.push_back({s.Text(0), s.Text(1), s.Int(2), s.Int(3), s.Int(4)});
        return rows;
    });
}

Task<std::vector<DimensionCount>> SqliteStatsStore::TopValues(core::LinkId link, std::string_view dimension,
                                                              MsRange days, bool include_bots, std::size_t limit) {
    const std::string_view facet = FacetOf(dimension);
    if (facet.empty()) co_return std::vector<DimensionCount>{};
    const std::vector<FacetCount> rows = FacetRows(link, facet, days);
    co_return std::move(TopFromFacets(rows, std::span(&dimension, 1), include_bots, limit).front().second);
}

Task<std::vector<DimensionCount>> SqliteStatsStore::DestinationVisitors(core::LinkId link, MsRange range,
                                                                        bool include_bots) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(kDestinationVisitors);
        s.Bind(1, link).Bind(2, range.from_ms).Bind(3, range.to_ms).Bind(4, static_cast<std::int64_t>(include_bots));
        std::vector<DimensionCount> out;
        while (s.Step()) out.push_back({.value = s.Text(0), .clicks = s.Int(1)});
        return out;
    });
}

Task<std::vector<std::pair<std::string, std::vector<DimensionCount>>>> SqliteStatsStore::TopValuesAll(
    core::LinkId link, MsRange days, bool include_bots, std::size_t limit) {
    const std::vector<FacetCount> rows = FacetRows(link, "", days);
    co_return TopFromFacets(rows, kShownDimensions, include_bots, limit);
}

Task<std::vector<std::pair<std::string, std::vector<DimensionCount>>>> SqliteStatsStore::UtmOverview(
    MsRange days, bool include_bots, std::size_t limit, std::optional<std::int64_t> owner) {
    const std::vector<FacetCount> rows = GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(kUtmOverview);
        s.Bind(1, days.from_ms).Bind(2, days.to_ms).Bind(3, owner);
        std::vector<FacetCount> out;
        while (s.Step()) out.push_back({s.Text(0), s.Text(1), s.Int(2), s.Int(3), s.Int(4)});
        return out;
    });
    co_return TopFromFacets(rows, kUtmDimensions, include_bots, limit);
}

Task<std::vector<LinkTotals>> SqliteStatsStore::TopLinks(MsRange days, bool include_bots, std::size_t limit,
                                                         std::optional<std::int64_t> owner) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        std::vector<LinkTotals> out;
        {
            auto s = c->Prepare(kAllLinks);
            s.Bind(1, days.from_ms).Bind(2, days.to_ms).Bind(3, owner);
            s.Step();
            out.push_back({0, "", s.Int(0), s.Int(1), s.Int(2), s.Int(3), s.Int(4)});
        }
        auto s = c->Prepare(kTopLinks);
        s.Bind(1, days.from_ms)
            .Bind(2, days.to_ms)
            .Bind(3, static_cast<std::int64_t>(include_bots))
            .Bind(4, static_cast<std::int64_t>(limit))
            .Bind(5, owner);
        while (s.Step()) out.push_back({s.Int(0), s.Text(1), s.Int(2), s.Int(3), s.Int(4), s.Int(5), s.Int(6)});
        return out;
    });
}

Task<LinkTotals> SqliteStatsStore::Totals(core::LinkId link) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(kLinkTotals);
        s.Bind(1, link);
        if (!s.Step()) {
            LinkTotals none;
            none.link_id = link;
            return none;
        }
        return LinkTotals{link, s.Text(0), s.Int(1), s.Int(2), s.Int(3), s.Int(4), s.Int(5)};
    });
}

Task<std::vector<LinkTotals>> SqliteStatsStore::TotalsOf(std::span<const core::LinkId> links) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        std::vector<LinkTotals> out;
        out.reserve(links.size());
        for (core::LinkId link : links) {
            auto s = c->Prepare(kLinkTotals);
            s.Bind(1, link);
            if (s.Step()) out.push_back({link, s.Text(0), s.Int(1), s.Int(2), s.Int(3), s.Int(4), s.Int(5)});
        }
        return out;
    });
}

Task<std::vector<core::EnrichedClick>> SqliteStatsStore::ClicksPage(core::LinkId link, MsRange range,
                                                                    std::optional<ClickCursor> after,
                                                                    std::size_t limit) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(kClicksPage);
        const std::array<std::uint8_t, 16> none{};  // sorts before every event id
        s.Bind(1, link).Bind(2, range.from_ms).Bind(3, range.to_ms);
        if (after) {
            s.Bind(4, after->ts_ms).Bind(5, std::span<const std::uint8_t>(after->event_id.bytes));
        } else {
            s.Bind(4, range.from_ms - 1).Bind(5, std::span<const std::uint8_t>(none));
        }
        s.Bind(6, static_cast<std::int64_t>(limit));
        std::vector<core::EnrichedClick> out;
        while (s.Step()) {
            core::EnrichedClick ec;
            core::ClickEvent& e = ec.event;
            core::ClickDimensions& d = ec.dimensions;
            e.link_id = link;
            e.at = core::FromUnixMillis(s.Int(0));
            e.id = FromHex(s.Text(1));
            e.user_agent = OptText(s, 2);
            e.referer = OptText(s, 3);
            e.accept_language = OptText(s, 4);
            e.query = OptText(s, 5);
            e.head_request = s.Int(6) != 0;
            d.is_bot = s.OptionalInt(7).value_or(0) != 0;
            d.country_code = OptText(s, 8);
            d.country_name = OptText(s, 9);
            d.region = OptText(s, 10);
            d.city = OptText(s, 11);
            d.latitude = OptDouble(s, 12);
            d.longitude = OptDouble(s, 13);
            d.browser = OptText(s, 14);
            d.os = OptText(s, 15);
            d.device = OptText(s, 16);
            d.referrer_host = OptText(s, 17);
            d.referrer_class = OptText(s, 18);
            d.language = OptText(s, 19);
            d.visitor_id = OptText(s, 20);
            d.utm_source = OptText(s, 21);
            d.utm_medium = OptText(s, 22);
            d.utm_campaign = OptText(s, 23);
            d.utm_term = OptText(s, 24);
            d.utm_content = OptText(s, 25);
            d.bot_reason = OptText(s, 26);
            out.push_back(std::move(ec));
        }
        return out;
    });
}

}  // namespace shortener::store
