#include "store/postgres/postgres_click_store.hpp"

#include <iterator>
#include <string>

#include "store/postgres/pg_values.hpp"

namespace shortener::store {
namespace {

using pg_value::AppendUtf8;

// The whole batch in one statement: the raw clicks, the quarter-hour and day rollups, the visitor ids, the facet rows
// (store/facets.hpp: four per click, the same values FacetValues gives the SQLite store) and the link totals. `ins`
// holds only the rows really inserted (a replayed event hits the primary key and is skipped), and every rollup is
// computed from `ins`, so replays count nothing. Concurrent workers writing the same links would otherwise lock rollup
// and link rows in different orders and deadlock (each costing deadlock_timeout, 1 s): `locks` first takes a
// transaction-scoped advisory lock per link, in ascending order, and `input` cannot produce a row before it is done.
// Batches of disjoint links still run in parallel.
// @ARRAYS@, @COLUMNS@, @VALUES@ and @LINK_IDS@ come from kClickColumns (RecordStatement()).
constexpr std::string_view kRecordTemplate = R"SQL(
WITH locks AS MATERIALIZED (
    SELECT count(pg_advisory_xact_lock(link_id)) AS n FROM (SELECT DISTINCT unnest(@LINK_IDS@::bigint[]) AS link_id ORDER BY 1) l
), input AS (
    SELECT t.* FROM locks, unnest(@ARRAYS@) AS t(@COLUMNS@)
    WHERE locks.n >= 0
), ins AS (
    INSERT INTO clicks (@COLUMNS@)
    SELECT @VALUES@
    FROM input
    ON CONFLICT DO NOTHING
    RETURNING link_id, ts, is_bot, country, region, city, referrer_host, referrer_class, browser, os, device,
              language, visitor_id, utm_source, utm_medium, utm_campaign, utm_term, utm_content, route, destination
), vin AS (
    SELECT link_id, (ts AT TIME ZONE 'UTC')::date AS day, visitor_id, bool_and(is_bot) AS is_bot,
           min((extract(epoch FROM ts)::bigint % 86400) / 900) AS fq, max((extract(epoch FROM ts)::bigint % 86400) / 900) AS lq
    FROM ins WHERE visitor_id IS NOT NULL GROUP BY 1, 2, 3
), vis AS (
    -- New visitor-days, and known ones whose first or last quarter hour moves (prev_* say from where; -1: new).
    INSERT INTO link_visitors_day AS r (link_id, day, visitor_id, is_bot, first_q, last_q, prev_first_q, prev_last_q)
    SELECT link_id, day, visitor_id, is_bot, fq, lq, -1, -1 FROM vin ORDER BY 1, 2, 3
    ON CONFLICT (link_id, day, visitor_id) DO UPDATE SET prev_first_q = r.first_q, prev_last_q = r.last_q,
        first_q = least(r.first_q, excluded.first_q), last_q = greatest(r.last_q, excluded.last_q)
    WHERE excluded.first_q < r.first_q OR excluded.last_q > r.last_q
    RETURNING link_id, day, is_bot, first_q, last_q, prev_first_q, prev_last_q
), vmoves AS (
    -- +1 where a visitor's first (f) or last (l) quarter now is, -1 where it was (none for a new one: prev_* = -1).
    SELECT v.link_id, v.day, m.q, m.f, m.l, v.is_bot
    FROM vis v CROSS JOIN LATERAL (VALUES (v.first_q, 1, 0), (v.prev_first_q, -1, 0), (v.last_q, 0, 1),
                                          (v.prev_last_q, 0, -1)) AS m(q, f, l)
    WHERE m.q >= 0 AND CASE WHEN m.f <> 0 THEN v.prev_first_q IS DISTINCT FROM v.first_q
                            ELSE v.prev_last_q IS DISTINCT FROM v.last_q END
), quarter AS (
    INSERT INTO link_clicks_quarter AS r (link_id, bucket, clicks, human_clicks, bot_clicks, first_visitors,
                                          human_first_visitors, last_visitors, human_last_visitors)
    SELECT link_id, bucket, sum(c), sum(h), sum(b), sum(f), sum(hf), sum(l), sum(hl) FROM (
        SELECT link_id, date_bin('15 minutes', ts, timestamptz 'epoch') AS bucket, 1 AS c, (NOT is_bot)::int AS h,
               is_bot::int AS b, 0 AS f, 0 AS hf, 0 AS l, 0 AS hl FROM ins
        UNION ALL
        SELECT link_id, day::timestamp AT TIME ZONE 'UTC' + q * interval '15 minutes', 0, 0, 0, f,
               CASE WHEN is_bot THEN 0 ELSE f END, l, CASE WHEN is_bot THEN 0 ELSE l END FROM vmoves
    ) x GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (link_id, bucket) DO UPDATE SET clicks = r.clicks + excluded.clicks,
        human_clicks = r.human_clicks + excluded.human_clicks, bot_clicks = r.bot_clicks + excluded.bot_clicks,
        first_visitors = r.first_visitors + excluded.first_visitors,
        human_first_visitors = r.human_first_visitors + excluded.human_first_visitors,
        last_visitors = r.last_visitors + excluded.last_visitors,
        human_last_visitors = r.human_last_visitors + excluded.human_last_visitors
), day_counts AS (
    SELECT link_id, day, sum(c) AS c, sum(h) AS h, sum(b) AS b, sum(v) AS v, sum(hv) AS hv FROM (
        SELECT link_id, (ts AT TIME ZONE 'UTC')::date AS day, 1 AS c, (NOT is_bot)::int AS h, is_bot::int AS b,
               0 AS v, 0 AS hv FROM ins
        UNION ALL
        SELECT link_id, day, 0, 0, 0, 1, (NOT is_bot)::int FROM vis WHERE prev_first_q = -1
    ) x GROUP BY 1, 2
), day AS (
    INSERT INTO link_clicks_day AS r (link_id, bucket, clicks, human_clicks, bot_clicks, unique_visitors,
                                      human_unique_visitors)
    SELECT link_id, day::timestamp AT TIME ZONE 'UTC', c, h, b, v, hv FROM day_counts ORDER BY 1, 2
    ON CONFLICT (link_id, bucket) DO UPDATE SET clicks = r.clicks + excluded.clicks,
        human_clicks = r.human_clicks + excluded.human_clicks, bot_clicks = r.bot_clicks + excluded.bot_clicks,
        unique_visitors = r.unique_visitors + excluded.unique_visitors,
        human_unique_visitors = r.human_unique_visitors + excluded.human_unique_visitors
), dvin AS (
    SELECT link_id, (ts AT TIME ZONE 'UTC')::date AS day, route || ' ' || destination AS value, visitor_id,
           bool_and(is_bot) AS is_bot
    FROM ins WHERE route IS NOT NULL AND destination IS NOT NULL AND visitor_id IS NOT NULL GROUP BY 1, 2, 3, 4
), dvis AS (
    -- Visitor-days per destination (migration 0023): new ones, and bot ones turning human (xmax <> 0: updated).
    INSERT INTO link_destination_visitors_day AS r (link_id, day, value, visitor_id, is_bot)
    SELECT link_id, day, value, visitor_id, is_bot FROM dvin ORDER BY 1, 2, 3, 4
    ON CONFLICT (link_id, day, value, visitor_id) DO UPDATE SET is_bot = false WHERE r.is_bot AND NOT excluded.is_bot
    RETURNING link_id, day, value, (xmax = 0)::int AS v, (NOT is_bot)::int AS hv
), dims AS (
    INSERT INTO link_dimension_day AS r (link_id, day, dimension, value, clicks, human_clicks, bot_clicks,
                                         unique_visitors, human_unique_visitors)
    SELECT link_id, day, dimension, value, sum(c), sum(h), sum(b), sum(v), sum(hv) FROM (
        SELECT i.link_id, (i.ts AT TIME ZONE 'UTC')::date AS day, d.dimension, d.value, 1 AS c,
               (NOT i.is_bot)::int AS h, i.is_bot::int AS b, 0 AS v, 0 AS hv
        FROM ins i CROSS JOIN LATERAL (VALUES
            ('geo', concat_ws(chr(31), coalesce(i.country, ''), coalesce(i.region, ''), coalesce(i.city, ''))),
            ('agent', concat_ws(chr(31), coalesce(i.browser, ''), coalesce(i.os, ''), coalesce(i.device, ''))),
            ('referrer', coalesce(i.referrer_host, '') || ' ' || coalesce(i.referrer_class, '')),
            ('language', coalesce(i.language, '')),
            ('utm', CASE WHEN coalesce(i.utm_source, i.utm_medium, i.utm_campaign, i.utm_term, i.utm_content) IS NOT NULL
                    THEN concat_ws(chr(31), coalesce(i.utm_source, ''), coalesce(i.utm_medium, ''),
                                   coalesce(i.utm_campaign, ''), coalesce(i.utm_term, ''), coalesce(i.utm_content, ''))
                    END),
            ('destination', i.route || ' ' || i.destination)) AS d(dimension, value)
        WHERE d.value IS NOT NULL  -- utm: clicks with a UTM parameter only; destination: a routed link's click only
        UNION ALL
        SELECT link_id, day, 'destination', value, 0, 0, 0, v, hv FROM dvis
    ) x
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 3, 2, 4
    ON CONFLICT (link_id, dimension, day, value) DO UPDATE SET clicks = r.clicks + excluded.clicks,
        human_clicks = r.human_clicks + excluded.human_clicks, bot_clicks = r.bot_clicks + excluded.bot_clicks,
        unique_visitors = r.unique_visitors + excluded.unique_visitors,
        human_unique_visitors = r.human_unique_visitors + excluded.human_unique_visitors
), totals AS (
    UPDATE links l SET clicks = l.clicks + n.c, human_clicks = l.human_clicks + n.h,
        unique_visitors = l.unique_visitors + n.v, human_unique_visitors = l.human_unique_visitors + n.hv
    FROM (SELECT link_id, sum(c) AS c, sum(h) AS h, sum(v) AS v, sum(hv) AS hv FROM day_counts GROUP BY 1) n
    WHERE l.id = n.link_id
)
SELECT count(*) FROM ins
)SQL";

// One binary-format array per column (PgBinaryArray), built in a single pass over the batch: the server
// neither parses nor unescapes them. Text elements are made valid UTF-8 first.
class ClickColumns {
  public:
    static constexpr std::uint32_t kBool = 16, kInt8 = 20, kText = 25, kFloat8 = 701, kUuid = 2950;

    void Text(PgBinaryArray& a, std::string_view s) {
        scratch_.clear();
        AppendUtf8(scratch_, s);
        a.Bytes(scratch_);
    }
    void OptText(PgBinaryArray& a, const std::string& s) {  // empty = unknown = NULL
        if (s.empty()) {
            a.Null();
        } else {
            Text(a, s);
        }
    }
    static void OptDouble(PgBinaryArray& a, const std::optional<double>& v) {
        if (v) {
            a.Float8(*v);
        } else {
            a.Null();
        }
    }

  private:
    std::string scratch_;
};

using Click = core::EnrichedClick;

// One row per column of the clicks table that Record() writes, in the order of the statement's arrays.
struct ClickColumn {
    std::string_view name;   // the column, in `input` and in `clicks`
    std::string_view type;   // SQL type of the array's elements
    std::uint32_t oid;       // and its OID
    std::string_view value;  // what `clicks` gets from input's column ("{}")
    void (*append)(ClickColumns& c, PgBinaryArray& a, const Click& click);
};

using C = ClickColumns;
constexpr ClickColumn kClickColumns[] = {
    {"link_id", "bigint", C::kInt8, "{}", [](C&, PgBinaryArray& a, const Click& k) { a.Int8(k.event.link_id); }},
    {"ts", "bigint", C::kInt8, "ms_to_ts({})",
     [](C&, PgBinaryArray& a, const Click& k) { a.Int8(core::ToUnixMillis(k.event.at)); }},
    {"event_id", "uuid", C::kUuid, "{}",
     [](C&, PgBinaryArray& a, const Click& k) {
         const auto& bytes = k.event.id.bytes;
         a.Bytes(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
     }},
    {"user_agent", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.Text(a, k.event.user_agent); }},
    {"referer", "text", C::kText, "{}", [](C& c, PgBinaryArray& a, const Click& k) { c.Text(a, k.event.referer); }},
    {"accept_language", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.Text(a, k.event.accept_language); }},
    {"query", "text", C::kText, "{}", [](C& c, PgBinaryArray& a, const Click& k) { c.Text(a, k.event.query); }},
    {"head_request", "boolean", C::kBool, "{}",
     [](C&, PgBinaryArray& a, const Click& k) { a.Bool(k.event.head_request); }},
    {"is_bot", "boolean", C::kBool, "{}", [](C&, PgBinaryArray& a, const Click& k) { a.Bool(k.dimensions.is_bot); }},
    {"country", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.country_code); }},
    {"country_name", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.country_name); }},
    {"region", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.region); }},
    {"city", "text", C::kText, "{}", [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.city); }},
    {"latitude", "float8", C::kFloat8, "{}",
     [](C&, PgBinaryArray& a, const Click& k) { C::OptDouble(a, k.dimensions.latitude); }},
    {"longitude", "float8", C::kFloat8, "{}",
     [](C&, PgBinaryArray& a, const Click& k) { C::OptDouble(a, k.dimensions.longitude); }},
    {"browser", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.browser); }},
    {"os", "text", C::kText, "{}", [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.os); }},
    {"device", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.device); }},
    {"referrer_host", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.referrer_host); }},
    {"referrer_class", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.referrer_class); }},
    {"language", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.language); }},
    {"visitor_id", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.visitor_id); }},
    {"utm_source", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.utm_source); }},
    {"utm_medium", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.utm_medium); }},
    {"utm_campaign", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.utm_campaign); }},
    {"utm_term", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.utm_term); }},
    {"utm_content", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.utm_content); }},
    {"bot_reason", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.dimensions.bot_reason); }},
    {"route", "text", C::kText, "{}", [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.event.route); }},
    {"destination", "text", C::kText, "{}",
     [](C& c, PgBinaryArray& a, const Click& k) { c.OptText(a, k.event.route.empty() ? "" : k.event.destination); }},
};

void ReplaceAll(std::string& s, std::string_view marker, std::string_view by) {
    for (auto at = s.find(marker); at != std::string::npos; at = s.find(marker, at + by.size())) {
        s.replace(at, marker.size(), by);
    }
}

std::string RecordSql() {
    std::string arrays, columns, values, link_ids;
    for (std::size_t i = 0; i < std::size(kClickColumns); ++i) {
        const ClickColumn& column = kClickColumns[i];
        const std::string param = "$" + std::to_string(i + 1);
        const std::string sep = i ? ", " : "";
        arrays += sep + param + "::" + std::string(column.type) + "[]";
        columns += sep + std::string(column.name);
        const auto hole = column.value.find("{}");
        values += sep + std::string(column.value.substr(0, hole)) + std::string(column.name) +
                  std::string(column.value.substr(hole + 2));
        if (column.name == "link_id") link_ids = param;
    }
    std::string sql(kRecordTemplate);
    ReplaceAll(sql, "@ARRAYS@", arrays);
    ReplaceAll(sql, "@COLUMNS@", columns);
    ReplaceAll(sql, "@VALUES@", values);
    ReplaceAll(sql, "@LINK_IDS@", link_ids);
    return sql;
}

const PgStatement& RecordStatement() {
    static const std::string sql = RecordSql();
    static const PgStatement statement{"clicks_record", sql.c_str()};
    return statement;
}

}  // namespace

Task<std::size_t> PostgresClickStore::Record(std::span<const core::EnrichedClick> clicks) {
    if (clicks.empty()) co_return 0;
    std::vector<PgBinaryArray> a;
    a.reserve(std::size(kClickColumns));
    for (const auto& column : kClickColumns) a.emplace_back(column.oid);
    ClickColumns c;
    for (const auto& click : clicks) {
        for (std::size_t i = 0; i < a.size(); ++i) kClickColumns[i].append(c, a[i], click);
    }
    PgParams params;
    params.reserve(a.size());
    for (auto& column : a) params.emplace_back(column.Finish());
    for (int attempt = 1;; ++attempt) {
        try {
            auto r = co_await pool_->Execute(RecordStatement(), params, PgFormat::kBinary);
            co_return static_cast<std::size_t>(r.Int(0, 0));
        } catch (const PgError& e) {
            // A deadlock with another worker rolled the whole statement back: running it again is safe.
            if (!e.IsRetryable() || attempt >= 5) throw;
        }
    }
}

}  // namespace shortener::store
