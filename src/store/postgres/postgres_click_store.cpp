#include "store/postgres/pg_values.hpp"
#include "store/postgres/postgres_click_store.hpp"

namespace shortener::store {
namespace {

using pg_value::AppendUtf8;

// The whole batch in one statement. `ins` holds only the rows really inserted (a replayed event hits the
// primary key and is skipped), and every rollup is computed from `ins`, so replays count nothing.
// Concurrent workers writing the same links would otherwise lock rollup and link rows in different
// orders and deadlock (each costing deadlock_timeout, 1 s): `locks` first takes a transaction-scoped
// advisory lock per link, in ascending order, and `input` cannot produce a row before it is done.
// Batches of disjoint links still run in parallel.
constexpr PgStatement kRecord{"clicks_record",
                              R"SQL(
WITH locks AS MATERIALIZED (
    SELECT count(pg_advisory_xact_lock(link_id)) AS n FROM (SELECT DISTINCT unnest($1::bigint[]) AS link_id ORDER BY 1) l
), input AS (
    SELECT t.* FROM locks, unnest($1::bigint[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
                         $8::boolean[], $9::boolean[], $10::text[], $11::text[], $12::text[], $13::text[],
                         $14::float8[], $15::float8[], $16::text[], $17::text[], $18::text[], $19::text[],
                         $20::text[], $21::text[], $22::text[], $23::text[], $24::text[], $25::text[])
        AS t(link_id, ts_ms, event_id, user_agent, referer, accept_language, query, head_request, is_bot, country,
             country_name, region, city, latitude, longitude, browser, os, device, referrer_host, referrer_class,
             language, visitor_id, utm_source, utm_medium, utm_campaign)
    WHERE locks.n >= 0
), ins AS (
    INSERT INTO clicks (link_id, ts, event_id, user_agent, referer, accept_language, query, head_request, is_bot,
                        country, country_name, region, city, latitude, longitude, browser, os, device,
                        referrer_host, referrer_class, language, visitor_id, utm_source, utm_medium, utm_campaign)
    SELECT link_id, ms_to_ts(ts_ms), event_id, user_agent, referer, accept_language, query, head_request, is_bot,
           country, country_name, region, city, latitude, longitude, browser, os, device, referrer_host,
           referrer_class, language, visitor_id, utm_source, utm_medium, utm_campaign
    FROM input
    ON CONFLICT DO NOTHING
    RETURNING link_id, ts, is_bot, country, region, city, referrer_host, referrer_class, browser, os, device,
              language, visitor_id
), minute AS (
    INSERT INTO link_clicks_minute AS r (link_id, bucket, clicks, human_clicks, bot_clicks)
    SELECT link_id, date_trunc('minute', ts, 'UTC'), count(*), count(*) FILTER (WHERE NOT is_bot),
           count(*) FILTER (WHERE is_bot)
    FROM ins GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (link_id, bucket) DO UPDATE SET clicks = r.clicks + excluded.clicks,
        human_clicks = r.human_clicks + excluded.human_clicks, bot_clicks = r.bot_clicks + excluded.bot_clicks
), hour AS (
    INSERT INTO link_clicks_hour AS r (link_id, bucket, clicks, human_clicks, bot_clicks)
    SELECT link_id, date_trunc('hour', ts, 'UTC'), count(*), count(*) FILTER (WHERE NOT is_bot),
           count(*) FILTER (WHERE is_bot)
    FROM ins GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (link_id, bucket) DO UPDATE SET clicks = r.clicks + excluded.clicks,
        human_clicks = r.human_clicks + excluded.human_clicks, bot_clicks = r.bot_clicks + excluded.bot_clicks
), vis AS (
    INSERT INTO link_visitors_day (link_id, day, visitor_id, is_bot)
    SELECT DISTINCT ON (link_id, day, visitor_id) link_id, (ts AT TIME ZONE 'UTC')::date AS day, visitor_id, is_bot
    FROM ins WHERE visitor_id IS NOT NULL ORDER BY link_id, day, visitor_id
    ON CONFLICT DO NOTHING
    RETURNING link_id, day, is_bot
), day_counts AS (
    SELECT link_id, day, sum(c) AS c, sum(h) AS h, sum(b) AS b, sum(v) AS v, sum(hv) AS hv FROM (
        SELECT link_id, (ts AT TIME ZONE 'UTC')::date AS day, 1 AS c, (NOT is_bot)::int AS h, is_bot::int AS b,
               0 AS v, 0 AS hv FROM ins
        UNION ALL
        SELECT link_id, day, 0, 0, 0, 1, (NOT is_bot)::int FROM vis
    ) x GROUP BY 1, 2
), day AS (
    INSERT INTO link_clicks_day AS r (link_id, bucket, clicks, human_clicks, bot_clicks, unique_visitors,
                                      human_unique_visitors)
    SELECT link_id, day::timestamp AT TIME ZONE 'UTC', c, h, b, v, hv FROM day_counts ORDER BY 1, 2
    ON CONFLICT (link_id, bucket) DO UPDATE SET clicks = r.clicks + excluded.clicks,
        human_clicks = r.human_clicks + excluded.human_clicks, bot_clicks = r.bot_clicks + excluded.bot_clicks,
        unique_visitors = r.unique_visitors + excluded.unique_visitors,
        human_unique_visitors = r.human_unique_visitors + excluded.human_unique_visitors
), dims AS (
    INSERT INTO link_dimension_day AS r (link_id, day, dimension, value, clicks, human_clicks, bot_clicks)
    SELECT i.link_id, (i.ts AT TIME ZONE 'UTC')::date, d.dimension, d.value, count(*),
           count(*) FILTER (WHERE NOT i.is_bot), count(*) FILTER (WHERE i.is_bot)
    FROM ins i CROSS JOIN LATERAL (VALUES
        ('country', coalesce(i.country, '')),
        ('region', CASE WHEN i.region IS NULL THEN '' ELSE coalesce(i.country, '') || '/' || i.region END),
        ('city', CASE WHEN i.city IS NULL THEN '' ELSE coalesce(i.country, '') || '/' || i.city END),
        ('referrer_host', coalesce(i.referrer_host, '')),
        ('referrer_class', coalesce(i.referrer_class, '')),
        ('referrer', coalesce(i.referrer_host, '') || ' ' || coalesce(i.referrer_class, '')),
        ('browser', coalesce(i.browser, '')),
        ('os', coalesce(i.os, '')),
        ('device', coalesce(i.device, '')),
        ('language', coalesce(i.language, ''))) AS d(dimension, value)
    GROUP BY 1, 2, 3, 4 ORDER BY 1, 3, 2, 4
    ON CONFLICT (link_id, dimension, day, value) DO UPDATE SET clicks = r.clicks + excluded.clicks,
        human_clicks = r.human_clicks + excluded.human_clicks, bot_clicks = r.bot_clicks + excluded.bot_clicks
), totals AS (
    UPDATE links l SET clicks = l.clicks + n.c, human_clicks = l.human_clicks + n.h
    FROM (SELECT link_id, count(*) AS c, count(*) FILTER (WHERE NOT is_bot) AS h FROM ins GROUP BY 1) n
    WHERE l.id = n.link_id
)
SELECT count(*) FROM ins
)SQL"};

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

}  // namespace

Task<std::size_t> PostgresClickStore::Record(std::span<const core::EnrichedClick> clicks) {
    if (clicks.empty()) co_return 0;
    using C = ClickColumns;
    // Column order = the statement's $1..$25.
    std::vector<PgBinaryArray> a{
        PgBinaryArray(C::kInt8), PgBinaryArray(C::kInt8),   PgBinaryArray(C::kUuid),   PgBinaryArray(C::kText),
        PgBinaryArray(C::kText), PgBinaryArray(C::kText),   PgBinaryArray(C::kText),   PgBinaryArray(C::kBool),
        PgBinaryArray(C::kBool), PgBinaryArray(C::kText),   PgBinaryArray(C::kText),   PgBinaryArray(C::kText),
        PgBinaryArray(C::kText), PgBinaryArray(C::kFloat8), PgBinaryArray(C::kFloat8), PgBinaryArray(C::kText),
        PgBinaryArray(C::kText), PgBinaryArray(C::kText),   PgBinaryArray(C::kText),   PgBinaryArray(C::kText),
        PgBinaryArray(C::kText), PgBinaryArray(C::kText),   PgBinaryArray(C::kText),   PgBinaryArray(C::kText),
        PgBinaryArray(C::kText)};
    C c;
    for (const auto& click : clicks) {
        const core::ClickEvent& e = click.event;
        const core::ClickDimensions& d = click.dimensions;
        a[0].Int8(e.link_id);
        a[1].Int8(core::ToUnixMillis(e.at));
        a[2].Bytes(std::string_view(reinterpret_cast<const char*>(e.id.bytes.data()), e.id.bytes.size()));
        c.Text(a[3], e.user_agent);
        c.Text(a[4], e.referer);
        c.Text(a[5], e.accept_language);
        c.Text(a[6], e.query);
        a[7].Bool(e.head_request);
        a[8].Bool(d.is_bot);
        c.OptText(a[9], d.country_code);
        c.OptText(a[10], d.country_name);
        c.OptText(a[11], d.region);
        c.OptText(a[12], d.city);
        C::OptDouble(a[13], d.latitude);
        C::OptDouble(a[14], d.longitude);
        c.OptText(a[15], d.browser);
        c.OptText(a[16], d.os);
        c.OptText(a[17], d.device);
        c.OptText(a[18], d.referrer_host);
        c.OptText(a[19], d.referrer_class);
        c.OptText(a[20], d.language);
        c.OptText(a[21], d.visitor_id);
        c.OptText(a[22], d.utm_source);
        c.OptText(a[23], d.utm_medium);
        c.OptText(a[24], d.utm_campaign);
    }
    PgParams params;
    params.reserve(a.size());
    for (auto& column : a) params.emplace_back(column.Finish());
    for (int attempt = 1;; ++attempt) {
        try {
            auto r = co_await pool_->Execute(kRecord, params, PgFormat::kBinary);
            co_return static_cast<std::size_t>(r.Int(0, 0));
        } catch (const PgError& e) {
            // A deadlock with another worker rolled the whole statement back: running it again is safe.
            if (!e.IsRetryable() || attempt >= 5) throw;
        }
    }
}

}  // namespace shortener::store
