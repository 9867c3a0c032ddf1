#include "store/postgres/postgres_stats_store.hpp"

#include <algorithm>
#include <cstdlib>

namespace shortener::store {
namespace {

// Ranges come as two bigint arrays of Unix ms; one index range scan per range.
#define ROLLUP_SQL(table, extra)                                                                                    \
    "SELECT ts_to_ms(m.bucket), m.clicks, m.human_clicks, m.bot_clicks, " extra " FROM " table                      \
    " m "                                                                                                           \
    "JOIN unnest($2::bigint[], $3::bigint[]) AS r(f, t) ON m.bucket >= ms_to_ts(r.f) AND m.bucket < ms_to_ts(r.t) " \
    "WHERE m.link_id = $1"
// Visitor-days per destination of a routed link (issue #17), from the destination facet rows (migration 0023), so
// they outlive the raw clicks.
constexpr PgStatement kDestinationVisitors{"stats_destination_visitors", R"SQL(
SELECT value, sum(CASE WHEN $4::boolean THEN unique_visitors ELSE human_unique_visitors END) FROM link_dimension_day
WHERE link_id = $1 AND dimension = 'destination' AND day >= (ms_to_ts($2) AT TIME ZONE 'UTC')::date
  AND day < (ms_to_ts($3) AT TIME ZONE 'UTC')::date
GROUP BY value)SQL"};
constexpr PgStatement kQuarterRows{"stats_quarter", ROLLUP_SQL("link_clicks_quarter", "0, 0")};
constexpr PgStatement kDayRows{"stats_day",
                               ROLLUP_SQL("link_clicks_day", "m.unique_visitors, m.human_unique_visitors")};
#undef ROLLUP_SQL

// Minute buckets come from the raw clicks (no minute rollup since migration 0009: stats read minutes only at a
// range's edges and for short ranges, an index range scan of the clicks' primary key). A NULL is_bot counts as
// human. OFFSET 0 keeps the subquery per range (an index range scan each): pulled up into a join, the planner
// compared every click of the link with every range.
constexpr PgStatement kMinuteRows{"stats_minute_raw", R"SQL(
SELECT ts_to_ms(date_trunc('minute', c.ts, 'UTC')), count(*), count(*) FILTER (WHERE NOT coalesce(c.is_bot, false)),
       count(*) FILTER (WHERE c.is_bot), 0, 0
FROM unnest($2::bigint[], $3::bigint[]) AS r(f, t)
CROSS JOIN LATERAL (SELECT ts, is_bot FROM clicks
                    WHERE link_id = $1 AND ts >= ms_to_ts(r.f) AND ts < ms_to_ts(r.t) OFFSET 0) c
GROUP BY 1)SQL"};

// Every range in one round trip ($5: each range's VisitorPart). Prefixes and suffixes of a day sum the quarter-hour
// rows' first or last visitors. Raw parts: visitor ids are daily-salted, so a (UTC day, visitor id) pair is one
// visitor; within one UTC day the ids alone are (no text built per click).
#define VISITORS_SQL(what)                                            \
    "(SELECT count(DISTINCT " what                                    \
    ") FROM clicks c WHERE c.link_id = $1 AND c.ts >= ms_to_ts(r.f) " \
    "AND c.ts < ms_to_ts(r.t) AND c.visitor_id IS NOT NULL AND ($4::boolean OR NOT coalesce(c.is_bot, false)))"
#define QUARTERS_SQL(all, human)                                          \
    "(SELECT coalesce(sum(CASE WHEN $4::boolean THEN " all " ELSE " human \
    " END), 0) FROM link_clicks_quarter q "                               \
    "WHERE q.link_id = $1 AND q.bucket >= ms_to_ts(r.f) AND q.bucket < ms_to_ts(r.t))"
constexpr PgStatement kDistinctVisitors{
    "stats_distinct_visitors",
    "SELECT r.i, CASE WHEN r.k = 1 THEN " QUARTERS_SQL("first_visitors", "human_first_visitors")  //
    " WHEN r.k = 2 THEN " QUARTERS_SQL("last_visitors", "human_last_visitors")                    //
    " WHEN r.f / 86400000 = (r.t - 1) / 86400000 THEN " VISITORS_SQL("c.visitor_id")              //
    " ELSE " VISITORS_SQL("(ts_to_ms(c.ts) / 86400000)::text || ':' || c.visitor_id")             //
    " END FROM unnest($2::bigint[], $3::bigint[], $5::smallint[]) WITH ORDINALITY AS r(f, t, k, i) ORDER BY r.i"};
#undef QUARTERS_SQL
#undef VISITORS_SQL

// The facet rows (store/facets.hpp) of one link over whole days, summed per value; $2 = '' for every facet.
constexpr PgStatement kFacetRows{"stats_facet_rows", R"SQL(
SELECT dimension, value, sum(clicks), sum(human_clicks), sum(bot_clicks) FROM link_dimension_day
WHERE link_id = $1 AND ($2 = '' OR dimension = $2) AND day >= (ms_to_ts($3) AT TIME ZONE 'UTC')::date
  AND day < (ms_to_ts($4) AT TIME ZONE 'UTC')::date
GROUP BY dimension, value)SQL"};

// The utm facet rows of every link (or of an owner's links that are not deleted) over whole days, summed per value.
// `dimension = 'utm'` as a literal, so that the partial index of migration 0019 serves it.
constexpr PgStatement kUtmOverview{"stats_utm_overview", R"SQL(
SELECT dimension, value, sum(clicks), sum(human_clicks), sum(bot_clicks) FROM link_dimension_day
WHERE dimension = 'utm' AND day >= (ms_to_ts($1) AT TIME ZONE 'UTC')::date
  AND day < (ms_to_ts($2) AT TIME ZONE 'UTC')::date
  AND ($3::bigint IS NULL OR link_id IN (SELECT id FROM links WHERE owner_id = $3 AND deleted_at IS NULL))
GROUP BY dimension, value)SQL"};

// The overview in one pass over the day rows: `per` sums each link's rows once, the first row (link_id 0) totals
// every link and the rest are the top links. Totals count only the owner's links that are not deleted; without an
// owner, every link's rows (deleted ones too: what was clicked in the range), while the top list never shows a
// deleted link.
constexpr PgStatement kOverview{"stats_overview", R"SQL(
WITH per AS MATERIALIZED (
    SELECT link_id, sum(clicks) AS c, sum(human_clicks) AS h, sum(bot_clicks) AS b, sum(unique_visitors) AS v,
           sum(human_unique_visitors) AS hv
    FROM link_clicks_day
    WHERE bucket >= ms_to_ts($1) AND bucket < ms_to_ts($2)
      AND ($5::bigint IS NULL OR link_id IN (SELECT id FROM links WHERE owner_id = $5 AND deleted_at IS NULL))
    GROUP BY link_id
)
SELECT 0::bigint, ''::text, coalesce(sum(c), 0), coalesce(sum(h), 0), coalesce(sum(b), 0), coalesce(sum(v), 0),
       coalesce(sum(hv), 0)
FROM per
UNION ALL
(SELECT p.link_id, l.slug, p.c, p.h, p.b, p.v, p.hv
 FROM per p JOIN links l ON l.id = p.link_id AND l.deleted_at IS NULL
 WHERE $3::boolean OR p.h > 0
 ORDER BY CASE WHEN $3::boolean THEN p.c ELSE p.h END DESC, p.link_id LIMIT $4))SQL"};

// All-time totals are kept on the link row (migration 0010), one index lookup per link however old it is.
constexpr PgStatement kLinkTotals{"stats_link_totals_v2", R"SQL(
SELECT slug, clicks, human_clicks, clicks - human_clicks, unique_visitors, human_unique_visitors
FROM links WHERE id = $1)SQL"};

constexpr PgStatement kTotalsOf{"stats_totals_of_v2", R"SQL(
SELECT id, slug, clicks, human_clicks, clicks - human_clicks, unique_visitors, human_unique_visitors
FROM links WHERE id = ANY($1::bigint[]))SQL"};

constexpr PgStatement kClicksPage{"stats_clicks_page", R"SQL(
SELECT ts_to_ms(ts), event_id::text, user_agent, referer, accept_language, query, head_request::int, is_bot::int,
       country, country_name, region, city, latitude::text, longitude::text, browser, os, device, referrer_host,
       referrer_class, language, visitor_id, utm_source, utm_medium, utm_campaign, utm_term, utm_content, bot_reason
FROM clicks
WHERE link_id = $1 AND ts >= ms_to_ts($2) AND ts < ms_to_ts($3) AND (ts, event_id) > (ms_to_ts($4), $5::uuid)
ORDER BY ts, event_id LIMIT $6)SQL"};

std::string IntArray(std::span<const MsRange> ranges, bool from) {
    std::string out = "{";
    for (const auto& r : ranges) {
        if (out.size() > 1) out += ',';
        out += std::to_string(from ? r.from_ms : r.to_ms);
    }
    out += '}';
    return out;
}

// Each range's VisitorPart, as a smallint array literal.
std::string PartArray(std::span<const MsRange> ranges) {
    std::string out = "{";
    for (const auto& r : ranges) {
        if (out.size() > 1) out += ',';
        out += std::to_string(static_cast<int>(ClassifyVisitorPart(r)));
    }
    out += '}';
    return out;
}

std::string Text(const PgResult& r, int row, int col) {
    return r.IsNull(row, col) ? std::string() : std::string(r.Text(row, col));
}

}  // namespace

Task<std::vector<RollupRow>> PostgresStatsStore::Rollups(core::LinkId link, Granularity granularity,
                                                         std::span<const MsRange> ranges) {
    const PgStatement& st = granularity == Granularity::kMinute        ? kMinuteRows
                            : granularity == Granularity::kQuarterHour ? kQuarterRows
                                                                       : kDayRows;
    PgParams params1{std::to_string(link), IntArray(ranges, true), IntArray(ranges, false)};
    auto r = co_await db_->Read(st, params1);
    std::vector<RollupRow> rows;
    rows.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) {
        rows.push_back({r.Int(i, 0), r.Int(i, 1), r.Int(i, 2), r.Int(i, 3), r.Int(i, 4), r.Int(i, 5)});
    }
    co_return rows;
}

Task<std::vector<std::int64_t>> PostgresStatsStore::DistinctVisitors(core::LinkId link, std::span<const MsRange> ranges,
                                                                     bool include_bots) {
    std::vector<std::int64_t> counts(ranges.size(), 0);
    if (ranges.empty()) co_return counts;
    PgParams params{std::to_string(link), IntArray(ranges, true), IntArray(ranges, false),
                    std::string(include_bots ? "true" : "false"), PartArray(ranges)};
    auto r = co_await db_->Read(kDistinctVisitors, params);
    for (int i = 0; i < r.Rows(); ++i) {
        const auto at = static_cast<std::size_t>(r.Int(i, 0) - 1);
        if (at < counts.size()) counts[at] = r.Int(i, 1);
    }
    co_return counts;
}

Task<std::vector<FacetCount>> PostgresStatsStore::FacetRows(core::LinkId link, std::string_view facet, MsRange days) {
    PgParams params{std::to_string(link), std::string(facet), std::to_string(days.from_ms), std::to_string(days.to_ms)};
    auto r = co_await db_->Read(kFacetRows, params);
    std::vector<FacetCount> rows;
    rows.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) {
        rows.push_back({Text(r, i, 0), Text(r, i, 1), r.Int(i, 2), r.Int(i, 3), r.Int(i, 4)});
    }
    co_return rows;
}

Task<std::vector<DimensionCount>> PostgresStatsStore::TopValues(core::LinkId link, std::string_view dimension,
                                                                MsRange days, bool include_bots, std::size_t limit) {
    const std::string_view facet = FacetOf(dimension);
    if (facet.empty()) co_return std::vector<DimensionCount>{};
    const std::vector<FacetCount> rows = co_await FacetRows(link, facet, days);
    co_return std::move(TopFromFacets(rows, std::span(&dimension, 1), include_bots, limit).front().second);
}

Task<std::vector<std::pair<std::string, std::vector<DimensionCount>>>> PostgresStatsStore::TopValuesAll(
    core::LinkId link, MsRange days, bool include_bots, std::size_t limit) {
    const std::vector<FacetCount> rows = co_await FacetRows(link, "", days);
    co_return TopFromFacets(rows, kShownDimensions, include_bots, limit);
}

Task<std::vector<std::pair<std::string, std::vector<DimensionCount>>>> PostgresStatsStore::UtmOverview(
    MsRange days, bool include_bots, std::size_t limit, std::optional<std::int64_t> owner) {
    std::optional<std::string> owner_text;
    if (owner) owner_text = std::to_string(*owner);
    PgParams params{std::to_string(days.from_ms), std::to_string(days.to_ms), owner_text};
    auto r = co_await db_->Read(kUtmOverview, params);
    std::vector<FacetCount> rows;
    rows.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) {
        rows.push_back({Text(r, i, 0), Text(r, i, 1), r.Int(i, 2), r.Int(i, 3), r.Int(i, 4)});
    }
    co_return TopFromFacets(rows, kUtmDimensions, include_bots, limit);
}

Task<std::vector<DimensionCount>> PostgresStatsStore::DestinationVisitors(core::LinkId link, MsRange range,
                                                                          bool include_bots) {
    PgParams params{std::to_string(link), std::to_string(range.from_ms), std::to_string(range.to_ms),
                    include_bots ? "true" : "false"};
    auto r = co_await db_->Read(kDestinationVisitors, params);
    std::vector<DimensionCount> out;
    out.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) out.push_back({.value = Text(r, i, 0), .clicks = r.Int(i, 1)});
    co_return out;
}

Task<std::vector<LinkTotals>> PostgresStatsStore::TopLinks(MsRange days, bool include_bots, std::size_t limit,
                                                           std::optional<std::int64_t> owner) {
    std::optional<std::string> owner_text;
    if (owner) owner_text = std::to_string(*owner);
    PgParams params{std::to_string(days.from_ms), std::to_string(days.to_ms),
                    std::string(include_bots ? "true" : "false"), std::to_string(limit), owner_text};
    auto r = co_await db_->Read(kOverview, params);
    std::vector<LinkTotals> out;
    out.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) {
        out.push_back({r.Int(i, 0), Text(r, i, 1), r.Int(i, 2), r.Int(i, 3), r.Int(i, 4), r.Int(i, 5), r.Int(i, 6)});
    }
    // UNION ALL promises no order between its branches: the totals row (link 0; ids start at 1) goes first, the top
    // links keep theirs.
    std::stable_partition(out.begin(), out.end(), [](const LinkTotals& t) { return t.link_id == 0; });
    co_return out;
}

Task<LinkTotals> PostgresStatsStore::Totals(core::LinkId link) {
    PgParams params5{std::to_string(link)};
    auto r = co_await db_->Read(kLinkTotals, params5);
    if (r.Rows() == 0) {
        LinkTotals none;
        none.link_id = link;
        co_return none;
    }
    co_return LinkTotals{link, Text(r, 0, 0), r.Int(0, 1), r.Int(0, 2), r.Int(0, 3), r.Int(0, 4), r.Int(0, 5)};
}

Task<std::vector<LinkTotals>> PostgresStatsStore::TotalsOf(std::span<const core::LinkId> links) {
    std::string ids = "{";
    for (core::LinkId id : links) {
        if (ids.size() > 1) ids += ',';
        ids += std::to_string(id);
    }
    ids += '}';
    PgParams params{ids};
    auto r = co_await db_->Read(kTotalsOf, params);
    std::vector<LinkTotals> out;
    out.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) {
        out.push_back({r.Int(i, 0), Text(r, i, 1), r.Int(i, 2), r.Int(i, 3), r.Int(i, 4), r.Int(i, 5), r.Int(i, 6)});
    }
    co_return out;
}

Task<std::vector<core::EnrichedClick>> PostgresStatsStore::ClicksPage(core::LinkId link, MsRange range,
                                                                      std::optional<ClickCursor> after,
                                                                      std::size_t limit) {
    PgParams params{std::to_string(link),
                    std::to_string(range.from_ms),
                    std::to_string(range.to_ms),
                    std::to_string(after ? after->ts_ms : range.from_ms - 1),
                    after ? after->event_id.ToString() : std::string("00000000-0000-0000-0000-000000000000"),
                    std::to_string(limit)};
    auto r = co_await db_->Read(kClicksPage, params);
    std::vector<core::EnrichedClick> out;
    out.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) {
        core::EnrichedClick ec;
        core::ClickEvent& e = ec.event;
        core::ClickDimensions& d = ec.dimensions;
        e.link_id = link;
        e.at = core::FromUnixMillis(r.Int(i, 0));
        e.id = core::EventId::Parse(r.Text(i, 1)).value_or(core::EventId{});
        e.user_agent = Text(r, i, 2);
        e.referer = Text(r, i, 3);
        e.accept_language = Text(r, i, 4);
        e.query = Text(r, i, 5);
        e.head_request = r.OptionalInt(i, 6).value_or(0) != 0;
        d.is_bot = r.OptionalInt(i, 7).value_or(0) != 0;
        d.country_code = Text(r, i, 8);
        d.country_name = Text(r, i, 9);
        d.region = Text(r, i, 10);
        d.city = Text(r, i, 11);
        if (!r.IsNull(i, 12)) d.latitude = std::strtod(Text(r, i, 12).c_str(), nullptr);
        if (!r.IsNull(i, 13)) d.longitude = std::strtod(Text(r, i, 13).c_str(), nullptr);
        d.browser = Text(r, i, 14);
        d.os = Text(r, i, 15);
        d.device = Text(r, i, 16);
        d.referrer_host = Text(r, i, 17);
        d.referrer_class = Text(r, i, 18);
        d.language = Text(r, i, 19);
        d.visitor_id = Text(r, i, 20);
        d.utm_source = Text(r, i, 21);
        d.utm_medium = Text(r, i, 22);
        d.utm_campaign = Text(r, i, 23);
        d.utm_term = Text(r, i, 24);
        d.utm_content = Text(r, i, 25);
        d.bot_reason = Text(r, i, 26);
        out.push_back(std::move(ec));
    }
    co_return out;
}

}  // namespace shortener::store
