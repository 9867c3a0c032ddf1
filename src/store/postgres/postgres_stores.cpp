#include "store/postgres/postgres_stores.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cstdlib>
#include <set>

namespace shortener::store {
namespace {

namespace asio = boost::asio;
using core::Errc;

#define LINK_COLUMNS                                                                                           \
    "id, slug, long_url, ts_to_ms(created_at), ts_to_ms(updated_at), ts_to_ms(expires_at), max_clicks, "       \
    "redirect_type, to_json(tags)::text, ts_to_ms(deleted_at), clicks, owner_id, stats_token_hash, disabled, " \
    "expired_url, forward_query, password_hash, targeting::text, human_clicks"

constexpr PgStatement kSelectBySlug{"link_by_slug", "SELECT " LINK_COLUMNS " FROM links WHERE slug = $1"};

constexpr PgStatement kInsertLink{
    "link_insert",
    "INSERT INTO links (slug, long_url, created_at, updated_at, expires_at, max_clicks, redirect_type, tags, "
    "owner_id, stats_token_hash, disabled, expired_url, forward_query, password_hash, targeting) "
    "VALUES ($1, $2, ms_to_ts($3), ms_to_ts($3), ms_to_ts($4), $5, $6, $7::text[], $8, $9, $10, $11, $12, $13, "
    "$14::jsonb) RETURNING id"};

// Substring matches are case-insensitive (ASCII, as SQLite's LIKE) and literal: strpos has no wildcards.
// The owner filter has a statement of its own (not "$5 IS NULL OR owner_id = $5", which a generic plan
// cannot simplify), so that links_owner_idx serves it.
#define LIST_FILTERS                                                                                 \
    "AND ($2 = '' OR strpos(lower(slug), lower($2)) > 0 OR strpos(lower(long_url), lower($2)) > 0) " \
    "AND ($3 = '' OR tags @> ARRAY[$3::text]) "
constexpr PgStatement kList{"link_list",
                            "SELECT " LINK_COLUMNS " FROM links WHERE deleted_at IS NULL AND id < $1 " LIST_FILTERS
                            "ORDER BY id DESC LIMIT $4"};
constexpr PgStatement kListByOwner{"link_list_by_owner", "SELECT " LINK_COLUMNS
                                                         " FROM links WHERE deleted_at IS NULL AND owner_id = $5 "
                                                         "AND id < $1 " LIST_FILTERS "ORDER BY id DESC LIMIT $4"};

// One statement: absent patch members keep the stored value; a set value wins over its clear_ flag.
constexpr PgStatement kUpdate{
    "link_update",
    "UPDATE links SET long_url = COALESCE($2, long_url), "
    "expires_at = CASE WHEN $3::bigint IS NOT NULL THEN ms_to_ts($3) WHEN $4::boolean THEN NULL ELSE expires_at END, "
    "max_clicks = CASE WHEN $5::bigint IS NOT NULL THEN $5 WHEN $6::boolean THEN NULL ELSE max_clicks END, "
    "redirect_type = COALESCE($7::smallint, redirect_type), tags = COALESCE($8::text[], tags), "
    "updated_at = ms_to_ts($9), disabled = COALESCE($10::boolean, disabled), "
    "expired_url = COALESCE($11, expired_url), forward_query = COALESCE($12::boolean, forward_query), "
    "password_hash = COALESCE($13, password_hash), "
    "targeting = CASE WHEN $14::text IS NULL THEN targeting WHEN $14 = '' THEN NULL ELSE $14::jsonb END "
    "WHERE slug = $1 AND deleted_at IS NULL RETURNING " LINK_COLUMNS};

constexpr PgStatement kDelete{
    "link_delete",
    "UPDATE links SET deleted_at = ms_to_ts($2), updated_at = ms_to_ts($2) WHERE slug = $1 AND deleted_at IS NULL"};

// Exact under any concurrency at READ COMMITTED: concurrent UPDATEs of the row queue on its lock, and each
// re-checks the WHERE clause against the row as the previous one committed it, so no two see the same
// `uses`. One statement, one round trip, no explicit transaction.
constexpr PgStatement kConsumeUse{"link_consume_use_v2",
                                  "UPDATE links SET uses = uses + 1 WHERE id = $1 AND deleted_at IS NULL AND "
                                  "(max_clicks IS NULL OR uses < max_clicks)"};

constexpr PgStatement kUsesLeft{"link_uses_left",
                                "SELECT 1 FROM links WHERE id = $1 AND deleted_at IS NULL AND "
                                "(max_clicks IS NULL OR uses < max_clicks)"};

constexpr PgStatement kPing{"ping", "SELECT 1"};

// From last month on: clicks of last month still arrive after a restart across a month boundary (replayed
// journals, a queue backlog), and they belong in a partition, not in clicks_default.
#define ENSURE_PARTITIONS_SQL "SELECT ensure_click_partitions($1, now() - interval '1 month')"
constexpr PgStatement kEnsurePartitions{"ensure_partitions", ENSURE_PARTITIONS_SQL};

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

std::string Str(std::int64_t v) { return std::to_string(v); }

std::optional<std::string> OptMillis(const std::optional<core::TimePoint>& t) {
    if (!t) return std::nullopt;
    return Str(core::ToUnixMillis(*t));
}

std::string Bool(bool v) { return v ? "t" : "f"; }

// "" is stored as NULL.
std::optional<std::string> OptText(std::string s) {
    if (s.empty()) return std::nullopt;
    return s;
}

std::optional<std::string> OptInt(const std::optional<std::int64_t>& v) {
    if (!v) return std::nullopt;
    return Str(*v);
}

// Replaces bytes that are not valid UTF-8 with U+FFFD and drops NULs: PostgreSQL rejects both, and one
// bad header must not make a whole batch fail forever.
void AppendUtf8(std::string& out, std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c != 0) out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
        bool ok = n != 0 && i + n <= s.size();
        for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        if (ok && n == 3) {
            auto c1 = static_cast<unsigned char>(s[i + 1]);
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
        }
        if (ok && n == 4) {
            auto c1 = static_cast<unsigned char>(s[i + 1]);
            ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
        }
        if (ok) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out.append("\xEF\xBF\xBD");
            ++i;
        }
    }
}

std::string Sanitized(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    AppendUtf8(out, s);
    return out;
}

std::string TagsArray(const std::vector<std::string>& tags) {
    std::string out = "{";
    for (std::size_t i = 0; i < tags.size(); ++i) {
        if (i) out.push_back(',');
        AppendArrayElement(out, Sanitized(tags[i]));
    }
    out.push_back('}');
    return out;
}

std::vector<std::string> TagsFromJson(std::string_view text) {
    std::vector<std::string> tags;
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_array()) return tags;
    for (const auto& t : v.as_array()) {
        if (t.is_string()) tags.emplace_back(t.as_string());
    }
    return tags;
}

core::Link ReadLink(const PgResult& r, int row) {
    core::Link link;
    link.id = r.Int(row, 0);
    link.slug = r.Text(row, 1);
    link.long_url = r.Text(row, 2);
    link.created_at = core::FromUnixMillis(r.Int(row, 3));
    link.updated_at = core::FromUnixMillis(r.Int(row, 4));
    if (auto v = r.OptionalInt(row, 5)) link.expires_at = core::FromUnixMillis(*v);
    link.max_clicks = r.OptionalInt(row, 6);
    link.redirect_type = core::RedirectTypeFromInt(r.Int(row, 7)).value_or(core::RedirectType::k302);
    link.tags = TagsFromJson(r.Text(row, 8));
    if (auto v = r.OptionalInt(row, 9)) link.deleted_at = core::FromUnixMillis(*v);
    link.clicks = r.Int(row, 10);
    link.owner_id = r.OptionalInt(row, 11);
    link.stats_token_hash = std::string(r.Text(row, 12));
    link.disabled = r.Text(row, 13) == "t";
    link.expired_url = std::string(r.Text(row, 14));
    link.forward_query = r.Text(row, 15) == "t";
    link.password_hash = std::string(r.Text(row, 16));
    // Written only by TargetingToJson; unreadable text (a hand-edited row) means no targeting.
    if (!r.IsNull(row, 17)) link.targeting = core::TargetingFromJson(r.Text(row, 17)).value_or(core::Targeting{});
    link.human_clicks = r.Int(row, 18);
    return link;
}

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

// ---- links ----

Task<core::Result<core::Link>> PostgresLinkStore::Create(const core::NewLink& link) {
    PgParams params{Sanitized(link.slug),
                    Sanitized(link.long_url),
                    Str(core::ToUnixMillis(link.created_at)),
                    OptMillis(link.expires_at),
                    OptInt(link.max_clicks),
                    Str(static_cast<std::int64_t>(link.redirect_type)),
                    TagsArray(link.tags),
                    OptInt(link.owner_id),
                    Sanitized(link.stats_token_hash),
                    Bool(link.disabled),
                    Sanitized(link.expired_url),
                    Bool(link.forward_query),
                    Sanitized(link.password_hash),
                    OptText(core::TargetingToJson(link.targeting))};
    std::optional<PgResult> r;
    bool taken = false;
    try {
        r.emplace(co_await pool_->Execute(kInsertLink, params));
    } catch (const PgError& e) {
        if (!e.IsUniqueViolation()) throw;
        taken = true;
    }
    if (taken) co_return make_error_code(Errc::kSlugTaken);
    co_return core::StoredLink(r->Int(0, 0), link);
}

Task<std::optional<core::Link>> PostgresLinkStore::FindBySlug(std::string_view slug) {
    PgParams params{Sanitized(slug)};
    auto r = co_await pool_->Execute(kSelectBySlug, params);
    if (r.Rows() == 0) co_return std::nullopt;
    co_return ReadLink(r, 0);
}

Task<LinkPage> PostgresLinkStore::List(const ListQuery& query) {
    PgParams params{Str(query.before_id.value_or(INT64_MAX)), Sanitized(query.q), Sanitized(query.tag),
                    Str(static_cast<std::int64_t>(query.limit + 1))};
    if (query.owner_id) params.emplace_back(Str(*query.owner_id));
    auto r = co_await pool_->Execute(query.owner_id ? kListByOwner : kList, params);
    LinkPage page;
    for (int i = 0; i < r.Rows(); ++i) page.items.push_back(ReadLink(r, i));
    if (page.items.size() > query.limit) {
        page.items.pop_back();
        page.next_before = page.items.back().id;
    }
    co_return page;
}

Task<core::Result<core::Link>> PostgresLinkStore::Update(std::string_view slug, const core::LinkPatch& patch) {
    std::optional<std::string> tags;
    if (patch.tags) tags = TagsArray(*patch.tags);
    std::optional<std::string> long_url;
    if (patch.long_url) long_url = Sanitized(*patch.long_url);
    std::optional<std::string> redirect;
    if (patch.redirect_type) redirect = Str(static_cast<std::int64_t>(*patch.redirect_type));
    PgParams params{
        Sanitized(slug),
        long_url,
        OptMillis(patch.expires_at),
        std::string(patch.clear_expires_at ? "t" : "f"),
        OptInt(patch.max_clicks),
        std::string(patch.clear_max_clicks ? "t" : "f"),
        redirect,
        tags,
        Str(core::ToUnixMillis(patch.updated_at)),
        patch.disabled ? std::optional<std::string>(Bool(*patch.disabled)) : std::nullopt,
        patch.expired_url ? std::optional<std::string>(Sanitized(*patch.expired_url)) : std::nullopt,
        patch.forward_query ? std::optional<std::string>(Bool(*patch.forward_query)) : std::nullopt,
        patch.password_hash ? std::optional<std::string>(Sanitized(*patch.password_hash)) : std::nullopt,
        patch.targeting ? std::optional<std::string>(core::TargetingToJson(*patch.targeting)) : std::nullopt};
    auto r = co_await pool_->Execute(kUpdate, params);
    if (r.Rows() == 1) co_return ReadLink(r, 0);
    auto existing = co_await FindBySlug(slug);
    co_return make_error_code(existing ? Errc::kGone : Errc::kNotFound);
}

Task<core::Result<void>> PostgresLinkStore::Delete(std::string_view slug, core::TimePoint at) {
    PgParams params{Sanitized(slug), Str(core::ToUnixMillis(at))};
    auto r = co_await pool_->Execute(kDelete, params);
    if (r.Affected() == 1) co_return core::Result<void>{};
    auto existing = co_await FindBySlug(slug);
    co_return make_error_code(existing ? Errc::kGone : Errc::kNotFound);
}

Task<bool> PostgresLinkStore::TryConsumeUse(core::LinkId id) {
    PgParams params{Str(id)};
    auto r = co_await pool_->Execute(kConsumeUse, params);
    co_return r.Affected() == 1;
}

Task<bool> PostgresLinkStore::HasUsesLeft(core::LinkId id) {
    PgParams params{Str(id)};
    auto r = co_await pool_->Execute(kUsesLeft, params);
    co_return r.Rows() == 1;
}

Task<void> PostgresLinkStore::Ping() {
    PgParams none;
    co_await pool_->Execute(kPing, none);
}

// ---- clicks ----

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

// ---- setup ----

void MigratePostgres(const PostgresOptions& options) {
    const char* keywords[] = {"dbname", "application_name", "connect_timeout", nullptr};
    std::string timeout = std::to_string(
        std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(options.connect_timeout).count()));
    const char* values[] = {options.dsn.c_str(), "shortener-migrate", timeout.c_str(), nullptr};
    std::unique_ptr<pg_conn, decltype(&PQfinish)> conn(PQconnectdbParams(keywords, values, 1), &PQfinish);
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        std::string m = conn ? PQerrorMessage(conn.get()) : "out of memory";
        while (!m.empty() && m.back() == '\n') m.pop_back();
        throw core::BackendUnavailable("PostgreSQL: cannot connect: " + m);
    }
    PQsetNoticeProcessor(
        conn.get(), [](void*, const char*) {}, nullptr);  // "already exists, skipping"
    auto exec = [&](const char* sql, std::vector<const char*> params = {}) {
        std::unique_ptr<pg_result, decltype(&PQclear)> r(
            PQexecParams(conn.get(), sql, static_cast<int>(params.size()), nullptr, params.data(), nullptr, nullptr, 0),
            &PQclear);
        auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            std::string m = PQerrorMessage(conn.get());
            while (!m.empty() && m.back() == '\n') m.pop_back();
            if (PQstatus(conn.get()) != CONNECTION_OK) throw core::BackendUnavailable("PostgreSQL: " + m);
            throw std::runtime_error(m);
        }
        return r;
    };
    auto script = [&](const std::string& sql) {  // simple protocol: several statements, no parameters
        std::unique_ptr<pg_result, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
        auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            std::string m = PQerrorMessage(conn.get());
            while (!m.empty() && m.back() == '\n') m.pop_back();
            throw std::runtime_error(m);
        }
    };
    // Session lock, per schema: replicas starting together wait here, then find the work done.
    exec("SELECT pg_advisory_lock(hashtext('shortener_migrations:' || current_schema()))");
    try {
        exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
            "applied_at timestamptz NOT NULL DEFAULT now())");
        auto applied_rows = exec("SELECT version FROM schema_migrations");
        std::set<long> applied;
        for (int i = 0; i < PQntuples(applied_rows.get()); ++i) {
            applied.insert(std::strtol(PQgetvalue(applied_rows.get(), i, 0), nullptr, 10));
        }
        for (const auto& m : PostgresMigrations()) {
            long version = std::strtol(std::string(m.name).c_str(), nullptr, 10);
            if (version <= 0) throw std::runtime_error("migration without a version number: " + std::string(m.name));
            if (applied.contains(version)) continue;
            exec("BEGIN");
            try {
                script(std::string(m.content));
                std::string v = std::to_string(version), name(m.name);
                exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", {v.c_str(), name.c_str()});
                exec("COMMIT");
            } catch (const std::exception& e) {
                PQclear(PQexec(conn.get(), "ROLLBACK"));
                throw std::runtime_error("migration " + std::string(m.name) + " failed: " + e.what());
            }
        }
        std::string ahead = std::to_string(options.partitions_ahead);
        exec(ENSURE_PARTITIONS_SQL, {ahead.c_str()});
    } catch (...) {
        PQclear(PQexec(conn.get(), "SELECT pg_advisory_unlock_all()"));
        throw;
    }
    exec("SELECT pg_advisory_unlock_all()");
}

Task<void> MaintainClickPartitions(std::shared_ptr<PgPool> pool, std::chrono::seconds every) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        std::chrono::seconds next = every;
        try {
            PgParams params{std::to_string(pool->options().partitions_ahead)};
            co_await pool->Execute(kEnsurePartitions, params);
        } catch (const std::exception&) {
            next = std::min(every, std::chrono::seconds(60));
        }
        timer.expires_after(next);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
    }
}

PostgresBackend OpenPostgres(const PostgresOptions& options) {
    PostgresBackend b;
    b.pool = std::make_shared<PgPool>(options);
    b.links = std::make_unique<PostgresLinkStore>(b.pool);
    b.clicks = std::make_unique<PostgresClickStore>(b.pool);
    return b;
}

}  // namespace shortener::store
