#include "store/sqlite/sqlite_stores.hpp"

#include <iterator>
#include <map>
#include <string>
#include <tuple>

#include "store/facets.hpp"
#include "store/link_codec.hpp"
#include "store/sqlite/sqlite_webhook_store.hpp"

namespace shortener::store {
namespace {

using core::Errc;

#define LINK_COLUMNS                                                                                        \
    "id, slug, long_url, created_at, updated_at, expires_at, max_clicks, redirect_type, tags, deleted_at, " \
    "clicks, owner_id, stats_token_hash, disabled, expired_url, forward_query, password_hash, targeting, "  \
    "human_clicks, "                                                                                        \
    "imported_clicks, rules, split, og_title, og_description, og_image"

constexpr const char* kSelectBySlug = "SELECT " LINK_COLUMNS " FROM links WHERE slug = ?";

// The q filter escapes LIKE wildcards so that user text matches literally. The owner filter has a
// statement of its own (not "?5 IS NULL OR owner_id = ?5"), so that the planner can use links_owner_idx.
#define LIST_FILTERS                                                                                         \
    "AND (?2 = '' OR slug LIKE '%' || ?2 || '%' ESCAPE '\\' OR long_url LIKE '%' || ?2 || '%' ESCAPE '\\') " \
    "AND (?3 = '' OR EXISTS (SELECT 1 FROM json_each(links.tags) WHERE json_each.value = ?3)) "              \
    "AND (?6 IS NULL OR ?6 = EXISTS (SELECT 1 FROM link_health h WHERE h.link_id = links.id AND "            \
    "h.status = 'broken')) "
constexpr const char* kList =
    "SELECT " LINK_COLUMNS " FROM links WHERE deleted_at IS NULL AND id < ?1 " LIST_FILTERS "ORDER BY id DESC LIMIT ?4";
constexpr const char* kListByOwner =
    "SELECT " LINK_COLUMNS " FROM links WHERE deleted_at IS NULL AND owner_id = ?5 AND id < ?1 " LIST_FILTERS
    "ORDER BY id DESC LIMIT ?4";

constexpr const char* kDelete = "UPDATE links SET deleted_at = ?2, updated_at = ?2 WHERE id = ?1";

// SQLite has one writer at a time: the check and the increment cannot interleave with another's.
constexpr const char* kConsumeUse =
    "UPDATE links SET uses = uses + 1 WHERE id = ?1 AND deleted_at IS NULL AND (max_clicks IS NULL OR uses < "
    "max_clicks)";
constexpr const char* kUsesLeft =
    "SELECT 1 FROM links WHERE id = ?1 AND deleted_at IS NULL AND (max_clicks IS NULL OR uses < max_clicks)";

// Unknown dimensions are stored as NULL, not as empty strings.
std::optional<std::string_view> Known(const std::string& s) {
    if (s.empty()) return std::nullopt;
    return std::string_view(s);
}

constexpr const char* kAddClicks =
    "UPDATE links SET clicks = clicks + ?2, human_clicks = human_clicks + ?3, unique_visitors = unique_visitors + ?4, "
    "human_unique_visitors = human_unique_visitors + ?5 WHERE id = ?1";

// Rollups (migrations 0003, 0009): the same tables and meaning as PostgreSQL's. Quarter-hour and day buckets; minutes
// are read from the raw clicks; per-dimension day counts are stored as facets (store/facets.hpp).
// Quarter-hour rows also count the visitors whose first and whose last click of the UTC day fell in them (migration
// 0011): the visitors of a part of a day without the raw clicks.
constexpr const char* kUpsertQuarter =
    "INSERT INTO link_clicks_quarter AS r (link_id, bucket, clicks, human_clicks, bot_clicks, first_visitors, "
    "human_first_visitors, last_visitors, human_last_visitors) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (link_id, bucket) DO UPDATE SET clicks = r.clicks + excluded.clicks, "
    "human_clicks = r.human_clicks + excluded.human_clicks, bot_clicks = r.bot_clicks + excluded.bot_clicks, "
    "first_visitors = r.first_visitors + excluded.first_visitors, "
    "human_first_visitors = r.human_first_visitors + excluded.human_first_visitors, "
    "last_visitors = r.last_visitors + excluded.last_visitors, "
    "human_last_visitors = r.human_last_visitors + excluded.human_last_visitors";
constexpr const char* kUpsertDay =
    "INSERT INTO link_clicks_day AS r (link_id, bucket, clicks, human_clicks, bot_clicks, unique_visitors, "
    "human_unique_visitors) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
    "ON CONFLICT (link_id, bucket) DO UPDATE SET clicks = r.clicks + excluded.clicks, "
    "human_clicks = r.human_clicks + excluded.human_clicks, bot_clicks = r.bot_clicks + excluded.bot_clicks, "
    "unique_visitors = r.unique_visitors + excluded.unique_visitors, "
    "human_unique_visitors = r.human_unique_visitors + excluded.human_unique_visitors";
// Facet rows; the destination facet's also count its visitor-days (migration 0020; 0 for the other facets).
constexpr const char* kUpsertDimension =
    "INSERT INTO link_dimension_day AS r (link_id, dimension, day, value, clicks, human_clicks, bot_clicks, "
    "unique_visitors, human_unique_visitors) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
    "ON CONFLICT (link_id, dimension, day, value) DO UPDATE SET "
    "clicks = r.clicks + excluded.clicks, human_clicks = r.human_clicks + excluded.human_clicks, "
    "bot_clicks = r.bot_clicks + excluded.bot_clicks, unique_visitors = r.unique_visitors + excluded.unique_visitors, "
    "human_unique_visitors = r.human_unique_visitors + excluded.human_unique_visitors";
// A visitor-day of one destination (migration 0020): new (counted; among humans too when human), or a bot one turning
// human (counted among humans).
constexpr const char* kInsertDestinationVisitor =
    "INSERT OR IGNORE INTO link_destination_visitors_day (link_id, day, value, visitor_id, is_bot) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kHumanDestinationVisitor =
    "UPDATE link_destination_visitors_day SET is_bot = 0 "
    "WHERE link_id = ?1 AND day = ?2 AND value = ?3 AND visitor_id = ?4 AND is_bot <> 0";
// A new visitor-day, or a known one whose first or last quarter hour moves: prev_* say from where (-1: new).
constexpr const char* kUpsertVisitor =
    "INSERT INTO link_visitors_day AS r (link_id, day, visitor_id, is_bot, first_q, last_q, prev_first_q, "
    "prev_last_q) VALUES (?1, ?2, ?3, ?4, ?5, ?5, -1, -1) ON CONFLICT (link_id, day, visitor_id) DO UPDATE SET "
    "prev_first_q = r.first_q, prev_last_q = r.last_q, first_q = min(r.first_q, excluded.first_q), "
    "last_q = max(r.last_q, excluded.last_q) WHERE excluded.first_q < r.first_q OR excluded.last_q > r.last_q "
    "RETURNING is_bot, first_q, last_q, prev_first_q, prev_last_q";

struct Counts {
    std::int64_t clicks = 0, human = 0, bots = 0, uniques = 0, human_uniques = 0;
    void Add(bool bot) {
        ++clicks;
        ++(bot ? bots : human);
    }
};

// A quarter hour's clicks, and the visitors whose first (or last) click of the day moved into (+) or out of (-) it.
struct QuarterCounts : Counts {
    std::int64_t first = 0, human_first = 0, last = 0, human_last = 0;
};

// Per-batch sums, written once per row at the end of the transaction.
struct BatchRollups {
    std::map<std::pair<core::LinkId, std::int64_t>, QuarterCounts> quarter;
    std::map<std::pair<core::LinkId, std::int64_t>, Counts> day;
    std::map<std::tuple<core::LinkId, std::string_view, std::int64_t, std::string>, Counts> dims;

    void Add(SqliteConnection& c, const core::ClickEvent& e, const core::ClickDimensions& d) {
        const std::int64_t ts = core::ToUnixMillis(e.at);
        const std::int64_t day_start = ts - ts % 86'400'000;
        quarter[{e.link_id, ts - ts % 900'000}].Add(d.is_bot);
        Counts& day_counts = day[{e.link_id, day_start}];
        day_counts.Add(d.is_bot);
        if (!d.visitor_id.empty()) AddVisitor(c, e.link_id, day_start, ts, d, day_counts);
        for (auto& [facet, value] : FacetValues(d)) dims[{e.link_id, facet, day_start, std::move(value)}].Add(d.is_bot);
        if (std::string utm = UtmFacetValue(d); !utm.empty()) {
            dims[{e.link_id, kUtmFacet, day_start, std::move(utm)}].Add(d.is_bot);
        }
        if (!e.route.empty()) {  // a routed link's click (issue #17)
            std::string value = DestinationFacetValue(e.route, e.destination);
            Counts& n = dims[{e.link_id, kDestinationFacet, day_start, value}];
            n.Add(d.is_bot);
            if (!d.visitor_id.empty()) AddDestinationVisitor(c, e.link_id, day_start, value, d, n);
        }
    }

    // The visitor-day of a click: a new one counts once in its day; its first and last quarter hours move.
    void AddVisitor(SqliteConnection& c, core::LinkId link, std::int64_t day_start, std::int64_t ts,
                    const core::ClickDimensions& d, Counts& day_counts) {
        auto s = c.Prepare(kUpsertVisitor);
        s.Bind(1, link)
            .Bind(2, day_start)
            .Bind(3, std::string_view(d.visitor_id))
            .Bind(4, static_cast<std::int64_t>(d.is_bot))
            .Bind(5, (ts - day_start) / 900'000);
        if (!s.Step()) return;  // known, and this click moves neither end
        const bool human = s.Int(0) == 0;
        const std::int64_t first = s.Int(1), last = s.Int(2), prev_first = s.Int(3), prev_last = s.Int(4);
        if (prev_first == -1) {
            ++day_counts.uniques;
            if (human) ++day_counts.human_uniques;
        }
        auto move = [&](std::int64_t from, std::int64_t to, std::int64_t QuarterCounts::*all,
                        std::int64_t QuarterCounts::*humans) {
            if (from == to) return;
            for (auto [q, delta] : {std::pair{to, std::int64_t{1}}, std::pair{from, std::int64_t{-1}}}) {
                if (q < 0) continue;
                QuarterCounts& n = quarter[{link, day_start + q * 900'000}];
                n.*all += delta;
                if (human) n.*humans += delta;
            }
        };
        move(prev_first, first, &QuarterCounts::first, &QuarterCounts::human_first);
        move(prev_last, last, &QuarterCounts::last, &QuarterCounts::human_last);
    }

    // The visitor-day of a destination: counted once in its facet row, and once among humans when a click is human.
    static void AddDestinationVisitor(SqliteConnection& c, core::LinkId link, std::int64_t day_start,
                                      std::string_view value, const core::ClickDimensions& d, Counts& n) {
        auto bind = [&](Statement& s) -> Statement& {
            return s.Bind(1, link).Bind(2, day_start).Bind(3, value).Bind(4, std::string_view(d.visitor_id));
        };
        auto insert = c.Prepare(kInsertDestinationVisitor);
        bind(insert).Bind(5, static_cast<std::int64_t>(d.is_bot)).Run();
        if (c.Changes() > 0) {
            ++n.uniques;
            if (!d.is_bot) ++n.human_uniques;
            return;
        }
        if (d.is_bot) return;
        auto human = c.Prepare(kHumanDestinationVisitor);
        bind(human).Run();
        if (c.Changes() > 0) ++n.human_uniques;
    }

    // links: clicks and unique visitors per link, summed over the link's day rows of the batch.
    void WriteLinkTotals(SqliteConnection& c) const {
        for (auto it = day.begin(); it != day.end();) {
            const core::LinkId link = it->first.first;
            Counts sum;
            for (; it != day.end() && it->first.first == link; ++it) {
                sum.clicks += it->second.clicks;
                sum.human += it->second.human;
                sum.uniques += it->second.uniques;
                sum.human_uniques += it->second.human_uniques;
            }
            c.Prepare(kAddClicks)
                .Bind(1, link)
                .Bind(2, sum.clicks)
                .Bind(3, sum.human)
                .Bind(4, sum.uniques)
                .Bind(5, sum.human_uniques)
                .Run();
        }
    }

    // Parameters 1-5 of a quarter or day row: its key and its click counts.
    static Statement& BindRow(Statement& s, const std::pair<core::LinkId, std::int64_t>& key, const Counts& n) {
        return s.Bind(1, key.first).Bind(2, key.second).Bind(3, n.clicks).Bind(4, n.human).Bind(5, n.bots);
    }

    void Write(SqliteConnection& c) const {
        for (const auto& [k, n] : quarter) {
            auto s = c.Prepare(kUpsertQuarter);
            BindRow(s, k, n).Bind(6, n.first).Bind(7, n.human_first).Bind(8, n.last).Bind(9, n.human_last).Run();
        }
        for (const auto& [k, n] : day) {
            auto s = c.Prepare(kUpsertDay);
            BindRow(s, k, n).Bind(6, n.uniques).Bind(7, n.human_uniques).Run();
        }
        for (const auto& [k, n] : dims) {
            c.Prepare(kUpsertDimension)
                .Bind(1, std::get<0>(k))
                .Bind(2, std::string_view(std::get<1>(k)))
                .Bind(3, std::get<2>(k))
                .Bind(4, std::string_view(std::get<3>(k)))
                .Bind(5, n.clicks)
                .Bind(6, n.human)
                .Bind(7, n.bots)
                .Bind(8, n.uniques)
                .Bind(9, n.human_uniques)
                .Run();
        }
    }
};

core::Link ReadLink(const Statement& s) {
    core::Link link;
    link.id = s.Int(0);
    link.slug = s.Text(1);
    link.long_url = s.Text(2);
    link.created_at = core::FromUnixMillis(s.Int(3));
    link.updated_at = core::FromUnixMillis(s.Int(4));
    if (auto v = s.OptionalInt(5)) link.expires_at = core::FromUnixMillis(*v);
    link.max_clicks = s.OptionalInt(6);
    link.redirect_type = core::RedirectTypeFromInt(s.Int(7)).value_or(core::RedirectType::k302);
    link.tags = TagsFromJson(s.Text(8));
    if (auto v = s.OptionalInt(9)) link.deleted_at = core::FromUnixMillis(*v);
    link.clicks = s.Int(10);
    link.owner_id = s.OptionalInt(11);
    link.stats_token_hash = s.Text(12);
    link.disabled = s.Int(13) != 0;
    link.expired_url = s.Text(14);
    link.forward_query = s.Int(15) != 0;
    link.password_hash = s.Text(16);
    // Written only by TargetingToJson; unreadable text (a hand-edited row) means no targeting.
    link.targeting = TargetingFromJson(s.Text(17)).value_or(core::Targeting{});
    link.human_clicks = s.Int(18);
    link.imported_clicks = s.Int(19);
    // Written only by the link codec, like targeting.
    link.rules = RulesFromJson(s.Text(20));
    link.split = SplitFromJson(s.Text(21));
    link.preview = {s.Text(22), s.Text(23), s.Text(24)};
    return link;
}

std::optional<core::Link> Find(SqliteConnection& c, std::string_view slug) {
    auto s = c.Prepare(kSelectBySlug);
    s.Bind(1, slug);
    if (!s.Step()) return std::nullopt;
    return ReadLink(s);
}

// "" is stored as NULL.
std::optional<std::string> OptionalText(std::string s) {
    if (s.empty()) return std::nullopt;
    return s;
}

std::optional<std::int64_t> ToMillis(const std::optional<core::TimePoint>& t) {
    if (!t) return std::nullopt;
    return core::ToUnixMillis(*t);
}

// A column written from a `T`, bound by its place in a table of such columns: the SQL's column list, its
// placeholders and the bound values all come from that one table, so no value can reach another column.
template <class T>
struct Column {
    std::string_view name;
    void (*bind)(Statement& s, int index, const T& row);
    bool updatable = true;  // rewritten by Update (else set once, on insert)
};

template <class T, std::size_t N>
std::string InsertSql(std::string_view verb, std::string_view table, const Column<T> (&columns)[N]) {
    std::string names, values;
    for (std::size_t i = 0; i < N; ++i) {
        names += std::string(i ? ", " : "") + std::string(columns[i].name);
        values += std::string(i ? ", ?" : "?") + std::to_string(i + 1);
    }
    return std::string(verb) + " INTO " + std::string(table) + " (" + names + ") VALUES (" + values + ")";
}

template <class T, std::size_t N>
void BindAll(Statement& s, const Column<T> (&columns)[N], const T& row) {
    for (std::size_t i = 0; i < N; ++i) columns[i].bind(s, static_cast<int>(i + 1), row);
}

using core::Link;
constexpr Column<Link> kLinkColumns[] = {
    {"slug", [](Statement& s, int i, const Link& l) { s.Bind(i, l.slug); }, false},
    {"long_url", [](Statement& s, int i, const Link& l) { s.Bind(i, l.long_url); }},
    {"created_at", [](Statement& s, int i, const Link& l) { s.Bind(i, core::ToUnixMillis(l.created_at)); }, false},
    {"updated_at", [](Statement& s, int i, const Link& l) { s.Bind(i, core::ToUnixMillis(l.updated_at)); }},
    {"expires_at", [](Statement& s, int i, const Link& l) { s.Bind(i, ToMillis(l.expires_at)); }},
    {"max_clicks", [](Statement& s, int i, const Link& l) { s.Bind(i, l.max_clicks); }},
    {"redirect_type",
     [](Statement& s, int i, const Link& l) { s.Bind(i, static_cast<std::int64_t>(l.redirect_type)); }},
    {"tags", [](Statement& s, int i, const Link& l) { s.Bind(i, TagsToJson(l.tags)); }},
    {"owner_id", [](Statement& s, int i, const Link& l) { s.Bind(i, l.owner_id); }, false},
    {"stats_token_hash", [](Statement& s, int i, const Link& l) { s.Bind(i, l.stats_token_hash); }, false},
    {"disabled", [](Statement& s, int i, const Link& l) { s.Bind(i, static_cast<std::int64_t>(l.disabled)); }},
    {"expired_url", [](Statement& s, int i, const Link& l) { s.Bind(i, l.expired_url); }},
    {"forward_query",
     [](Statement& s, int i, const Link& l) { s.Bind(i, static_cast<std::int64_t>(l.forward_query)); }},
    {"password_hash", [](Statement& s, int i, const Link& l) { s.Bind(i, l.password_hash); }},
    {"targeting", [](Statement& s, int i, const Link& l) { s.Bind(i, OptionalText(TargetingToJson(l.targeting))); }},
    {"imported_clicks", [](Statement& s, int i, const Link& l) { s.Bind(i, l.imported_clicks); }, false},
    {"og_title", [](Statement& s, int i, const Link& l) { s.Bind(i, l.preview.title); }},
    {"og_description", [](Statement& s, int i, const Link& l) { s.Bind(i, l.preview.description); }},
    {"og_image", [](Statement& s, int i, const Link& l) { s.Bind(i, l.preview.image); }},
    {"rules", [](Statement& s, int i, const Link& l) { s.Bind(i, OptionalText(RulesToJson(l.rules))); }},
    {"split", [](Statement& s, int i, const Link& l) { s.Bind(i, OptionalText(SplitToJson(l.split))); }},
};

const std::string& InsertLinkSql() {
    static const std::string sql = InsertSql("INSERT", "links", kLinkColumns);
    return sql;
}

// "UPDATE links SET <updatable column> = ?2, … WHERE id = ?1", bound by BindUpdate in the same order.
const std::string& UpdateLinkSql() {
    static const std::string sql = [] {
        std::string set;
        int index = 1;
        for (const auto& column : kLinkColumns) {
            if (!column.updatable) continue;
            if (index > 1) set += ", ";
            ++index;
            set += std::string(column.name) + " = ?" + std::to_string(index);
        }
        return "UPDATE links SET " + set + " WHERE id = ?1";
    }();
    return sql;
}

void BindUpdate(Statement& s, const Link& link) {
    s.Bind(1, link.id);
    int index = 1;
    for (const auto& column : kLinkColumns) {
        if (column.updatable) column.bind(s, ++index, link);
    }
}

using Click = core::EnrichedClick;
constexpr Column<Click> kClickColumns[] = {
    {"event_id",
     [](Statement& s, int i, const Click& c) { s.Bind(i, std::span<const std::uint8_t>(c.event.id.bytes)); }},
    {"link_id", [](Statement& s, int i, const Click& c) { s.Bind(i, c.event.link_id); }},
    {"ts", [](Statement& s, int i, const Click& c) { s.Bind(i, core::ToUnixMillis(c.event.at)); }},
    {"user_agent", [](Statement& s, int i, const Click& c) { s.Bind(i, c.event.user_agent); }},
    {"referer", [](Statement& s, int i, const Click& c) { s.Bind(i, c.event.referer); }},
    {"accept_language", [](Statement& s, int i, const Click& c) { s.Bind(i, c.event.accept_language); }},
    {"query", [](Statement& s, int i, const Click& c) { s.Bind(i, c.event.query); }},
    {"head_request",
     [](Statement& s, int i, const Click& c) { s.Bind(i, static_cast<std::int64_t>(c.event.head_request)); }},
    {"is_bot", [](Statement& s, int i, const Click& c) { s.Bind(i, static_cast<std::int64_t>(c.dimensions.is_bot)); }},
    {"country", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.country_code)); }},
    {"country_name", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.country_name)); }},
    {"region", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.region)); }},
    {"city", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.city)); }},
    {"latitude", [](Statement& s, int i, const Click& c) { s.Bind(i, c.dimensions.latitude); }},
    {"longitude", [](Statement& s, int i, const Click& c) { s.Bind(i, c.dimensions.longitude); }},
    {"browser", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.browser)); }},
    {"os", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.os)); }},
    {"device", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.device)); }},
    {"referrer_host", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.referrer_host)); }},
    {"referrer_class", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.referrer_class)); }},
    {"language", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.language)); }},
    {"visitor_id", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.visitor_id)); }},
    {"utm_source", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.utm_source)); }},
    {"utm_medium", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.utm_medium)); }},
    {"utm_campaign", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.utm_campaign)); }},
    {"utm_term", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.utm_term)); }},
    {"utm_content", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.utm_content)); }},
    {"bot_reason", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.dimensions.bot_reason)); }},
    {"route", [](Statement& s, int i, const Click& c) { s.Bind(i, Known(c.event.route)); }},
    {"destination",
     [](Statement& s, int i, const Click& c) {
         s.Bind(i, c.event.route.empty() ? std::nullopt : Known(c.event.destination));
     }},
};

// Idempotency keys (migration 0012). A claim inserts, or takes over an expired or abandoned row, in one statement;
// RETURNING says whether it did.
constexpr const char* kClaimKey =
    "INSERT INTO idempotency_keys AS k (owner, key, request_hash, status, created_at, expires_at) "
    "VALUES (?1, ?2, ?3, 0, ?4, ?6) ON CONFLICT (owner, key) DO UPDATE SET request_hash = excluded.request_hash, "
    "status = 0, body = NULL, location = NULL, created_at = excluded.created_at, expires_at = excluded.expires_at "
    "WHERE k.expires_at <= excluded.created_at OR (k.status = 0 AND k.created_at < ?5) RETURNING 1";
constexpr const char* kSelectKey =
    "SELECT request_hash, status, body, location FROM idempotency_keys WHERE owner = ?1 AND key = ?2";
constexpr const char* kFinishKey =
    "UPDATE idempotency_keys SET status = ?4, body = ?5, location = ?6 WHERE owner = ?1 AND key = ?2 AND "
    "request_hash = ?3 AND status = 0";
constexpr const char* kReleaseKey =
    "DELETE FROM idempotency_keys WHERE owner = ?1 AND key = ?2 AND request_hash = ?3 AND status = 0";
constexpr const char* kPurgeKeys = "DELETE FROM idempotency_keys WHERE expires_at <= ?1";

IdempotencyRecord ClaimKey(SqliteConnection& c, const IdempotencyKey& key, core::TimePoint now,
                           core::TimePoint stale_before, core::TimePoint expires_at) {
    auto claim = c.Prepare(kClaimKey);
    claim.Bind(1, key.owner)
        .Bind(2, key.key)
        .Bind(3, key.request_hash)
        .Bind(4, core::ToUnixMillis(now))
        .Bind(5, core::ToUnixMillis(stale_before))
        .Bind(6, core::ToUnixMillis(expires_at));
    if (claim.Step()) return {};
    auto s = c.Prepare(kSelectKey);
    s.Bind(1, key.owner).Bind(2, key.key);
    IdempotencyRecord record;
    record.state = IdempotencyRecord::State::kInProgress;
    if (!s.Step()) return record;
    record.request_hash = s.Text(0);
    record.status = static_cast<int>(s.Int(1));
    if (record.status != 0) {
        record.state = IdempotencyRecord::State::kDone;
        record.body = s.Text(2);
        record.location = s.Text(3);
    }
    return record;
}

const std::string& InsertClickSql() {
    static const std::string sql = InsertSql("INSERT OR IGNORE", "clicks", kClickColumns);
    return sql;
}

}  // namespace

Task<core::Result<core::Link>> SqliteLinkStore::Create(const core::NewLink& link) {
    core::Result<core::Link> created = co_await db_->OffLoop([&] {
        return GuardBackend([&]() -> core::Result<core::Link> {
            auto c = db_->AcquireWriter();
            // One transaction with the webhook outbox rows of the new link (docs/webhooks.md).
            return WriteTransaction(*c, [&]() -> core::Result<core::Link> {
                core::Link stored = core::StoredLink(0, link);
                try {
                    auto s = c->Prepare(InsertLinkSql().c_str());
                    BindAll(s, kLinkColumns, stored);
                    s.Run();
                } catch (const SqliteError& e) {
                    if (e.IsUniqueViolation()) return make_error_code(Errc::kSlugTaken);
                    throw;
                }
                stored.id = c->LastInsertRowId();
                EnqueueSqliteLinkEvent(*c, stored.id, "link.created", kLinkCreated, stored.created_at);
                return stored;
            });
        });
    });
    co_return created;
}

// One write transaction for the whole batch: per-row autocommits would pay a WAL commit each (docs/benchmarks.md,
// "Import"). INSERT OR IGNORE reports a taken slug as "no change", and the row that holds it is read back in the same
// transaction, so the caller can tell a re-import (same URL) from a conflict without a second round trip.
Task<std::vector<ImportedLink>> SqliteLinkStore::ImportMany(std::span<const core::NewLink> links) {
    std::vector<ImportedLink> out = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            return WriteTransaction(*c, [&] {
                std::vector<ImportedLink> results;
                results.reserve(links.size());
                // Imported links keep their own created_at; their events are stamped with the time of the import.
                const core::TimePoint now =
                    std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
                static const std::string insert = "INSERT OR IGNORE" + InsertLinkSql().substr(6);
                for (const auto& link : links) {
                    core::Link stored = core::StoredLink(0, link);
                    auto s = c->Prepare(insert.c_str());
                    BindAll(s, kLinkColumns, stored);
                    s.Run();
                    if (c->Changes() == 1) {
                        stored.id = c->LastInsertRowId();
                        EnqueueSqliteLinkEvent(*c, stored.id, "link.created", kLinkCreated, now);
                        results.push_back({true, std::move(stored)});
                    } else {
                        results.push_back({false, Find(*c, link.slug).value_or(core::Link{})});
                    }
                }
                return results;
            });
        });
    });
    co_return out;
}

// One transaction for all: a failed INSERT (the slug exists) undoes only itself in SQLite, not the transaction,
// so no savepoints are needed.
Task<std::vector<core::Result<core::Link>>> SqliteLinkStore::CreateMany(std::span<const core::NewLink> links) {
    std::vector<core::Result<core::Link>> created = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            return WriteTransaction(*c, [&] {
                std::vector<core::Result<core::Link>> results;
                results.reserve(links.size());
                for (const auto& link : links) {
                    core::Link stored = core::StoredLink(0, link);
                    try {
                        auto s = c->Prepare(InsertLinkSql().c_str());
                        BindAll(s, kLinkColumns, stored);
                        s.Run();
                    } catch (const SqliteError& e) {
                        if (!e.IsUniqueViolation()) throw;
                        results.emplace_back(make_error_code(Errc::kSlugTaken));
                        continue;
                    }
                    stored.id = c->LastInsertRowId();
                    EnqueueSqliteLinkEvent(*c, stored.id, "link.created", kLinkCreated, stored.created_at);
                    results.emplace_back(std::move(stored));
                }
                return results;
            });
        });
    });
    co_return created;
}

Task<std::optional<core::Link>> SqliteLinkStore::FindBySlug(std::string_view slug) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        return Find(*c, slug);
    });
}

Task<LinkPage> SqliteLinkStore::List(const ListQuery& query) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        std::string pattern;
        for (char ch : query.q) {
            if (ch == '%' || ch == '_' || ch == '\\') pattern.push_back('\\');
            pattern.push_back(ch);
        }
        auto s = c->Prepare(query.owner_id ? kListByOwner : kList);
        s.Bind(1, query.before_id.value_or(INT64_MAX))
            .Bind(2, pattern)
            .Bind(3, query.tag)
            .Bind(4, static_cast<std::int64_t>(query.limit + 1));
        if (query.owner_id) s.Bind(5, *query.owner_id);
        if (query.broken) s.Bind(6, std::int64_t{*query.broken});
        LinkPage page;
        while (s.Step()) page.items.push_back(ReadLink(s));
        if (page.items.size() > query.limit) {
            page.items.pop_back();
            page.next_before = page.items.back().id;
        }
        return page;
    });
}

Task<core::Result<core::Link>> SqliteLinkStore::Update(std::string_view slug, const core::LinkPatch& patch) {
    core::Result<core::Link> updated = co_await db_->OffLoop([&] {
        return GuardBackend([&]() -> core::Result<core::Link> {
            auto c = db_->AcquireWriter();
            return WriteTransaction(*c, [&]() -> core::Result<core::Link> {
                auto link = Find(*c, slug);
                if (!link) return make_error_code(Errc::kNotFound);
                if (link->deleted_at) return make_error_code(Errc::kGone);
                if (patch.long_url) link->long_url = *patch.long_url;
                if (patch.clear_expires_at) link->expires_at.reset();
                if (patch.expires_at) link->expires_at = patch.expires_at;
                if (patch.clear_max_clicks) link->max_clicks.reset();
                if (patch.max_clicks) link->max_clicks = patch.max_clicks;
                if (patch.redirect_type) link->redirect_type = *patch.redirect_type;
                if (patch.tags) link->tags = *patch.tags;
                if (patch.disabled) link->disabled = *patch.disabled;
                if (patch.expired_url) link->expired_url = *patch.expired_url;
                if (patch.forward_query) link->forward_query = *patch.forward_query;
                if (patch.password_hash) link->password_hash = *patch.password_hash;
                if (patch.targeting) link->targeting = *patch.targeting;
                if (patch.og_title) link->preview.title = *patch.og_title;
                if (patch.og_description) link->preview.description = *patch.og_description;
                if (patch.og_image) link->preview.image = *patch.og_image;
                if (patch.rules) link->rules = *patch.rules;
                if (patch.split) link->split = *patch.split;
                link->updated_at = patch.updated_at;
                auto s = c->Prepare(UpdateLinkSql().c_str());
                BindUpdate(s, *link);
                s.Run();
                EnqueueSqliteLinkEvent(*c, link->id, "link.updated", kLinkUpdated, link->updated_at);
                return std::move(*link);
            });
        });
    });
    co_return updated;
}

Task<core::Result<void>> SqliteLinkStore::Delete(std::string_view slug, core::TimePoint at) {
    core::Result<void> deleted = co_await db_->OffLoop([&] {
        return GuardBackend([&]() -> core::Result<void> {
            auto c = db_->AcquireWriter();
            return WriteTransaction(*c, [&]() -> core::Result<void> {
                auto link = Find(*c, slug);
                if (!link) return make_error_code(Errc::kNotFound);
                if (link->deleted_at) return make_error_code(Errc::kGone);
                c->Prepare(kDelete).Bind(1, link->id).Bind(2, core::ToUnixMillis(at)).Run();
                EnqueueSqliteLinkEvent(*c, link->id, "link.deleted", kLinkDeleted, at);
                return {};
            });
        });
    });
    co_return deleted;
}

// Create, Update, Delete and this run on the database's write thread (OffLoop): a redirect of a limited link waits
// for the writer without stalling the event loop it came from.
Task<bool> SqliteLinkStore::TryConsumeUse(core::LinkId id) {
    const bool consumed = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            c->Prepare(kConsumeUse).Bind(1, id).Run();
            return c->Changes() == 1;
        });
    });
    co_return consumed;
}

Task<bool> SqliteLinkStore::HasUsesLeft(core::LinkId id) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(kUsesLeft);
        s.Bind(1, id);
        return s.Step();
    });
}

Task<void> SqliteLinkStore::Ping() {
    GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare("SELECT 1");
        s.Step();
    });
    co_return;
}

Task<IdempotencyRecord> SqliteLinkStore::ClaimIdempotencyKey(const IdempotencyKey& key, core::TimePoint now,
                                                             core::TimePoint stale_before, core::TimePoint expires_at) {
    IdempotencyRecord record = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            return ClaimKey(*c, key, now, stale_before, expires_at);
        });
    });
    co_return record;
}

Task<void> SqliteLinkStore::FinishIdempotencyKey(const IdempotencyKey& key, int status, std::string_view body,
                                                 std::string_view location) {
    // OffLoop needs a value to hand back.
    co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            c->Prepare(kFinishKey)
                .Bind(1, key.owner)
                .Bind(2, key.key)
                .Bind(3, key.request_hash)
                .Bind(4, std::int64_t{status})
                .Bind(5, body)
                .Bind(6, location)
                .Run();
            return c->Changes();
        });
    });
}

Task<void> SqliteLinkStore::ReleaseIdempotencyKey(const IdempotencyKey& key) {
    co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            c->Prepare(kReleaseKey).Bind(1, key.owner).Bind(2, key.key).Bind(3, key.request_hash).Run();
            return c->Changes();
        });
    });
}

Task<std::size_t> SqliteLinkStore::PurgeIdempotencyKeys(core::TimePoint now) {
    const std::size_t purged = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            c->Prepare(kPurgeKeys).Bind(1, core::ToUnixMillis(now)).Run();
            return static_cast<std::size_t>(c->Changes());
        });
    });
    co_return purged;
}

Task<std::size_t> SqliteClickStore::Record(std::span<const core::EnrichedClick> clicks) {
    co_return GuardBackend([&] {
        auto c = db_->AcquireWriter();
        return WriteTransaction(*c, [&] {
            std::size_t added = 0;
            BatchRollups rollups;
            for (const auto& click : clicks) {
                const core::ClickEvent& e = click.event;
                const core::ClickDimensions& d = click.dimensions;
                auto s = c->Prepare(InsertClickSql().c_str());
                BindAll(s, kClickColumns, click);
                s.Run();
                if (c->Changes() == 0) continue;  // already stored: a replayed event
                ++added;
                rollups.Add(*c, e, d);
            }
            rollups.Write(*c);
            rollups.WriteLinkTotals(*c);
            return added;
        });
    });
}

}  // namespace shortener::store
