#include "store/postgres/postgres_link_store.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <set>
#include <unordered_map>

#include "store/link_codec.hpp"
#include "store/postgres/pg_named.hpp"
#include "store/postgres/pg_values.hpp"

namespace shortener::store {
namespace {

using core::Errc;
using pg_value::Bool;
using pg_value::OptInt;
using pg_value::OptMillis;
using pg_value::OptText;
using pg_value::Sanitized;
using pg_value::Str;

#define LINK_COLUMNS                                                                                           \
    "id, slug, long_url, ts_to_ms(created_at), ts_to_ms(updated_at), ts_to_ms(expires_at), max_clicks, "       \
    "redirect_type, to_json(tags)::text, ts_to_ms(deleted_at), clicks, owner_id, stats_token_hash, disabled, " \
    "expired_url, forward_query, password_hash, targeting::text, human_clicks, imported_clicks, "              \
    "rules::text, split::text, og_title, og_description, og_image"

// The webhook outbox rows of a link change (docs/webhooks.md), written by the same statement as the change: `l` is a
// data-modifying CTE returning the changed links (RETURNING *), `at` the event's time. One delivery per enabled webhook
// subscribed to the event (bit) that may see the link.
#define LINK_EVENT_CTE(event, bit, at)                                                                          \
    "e AS (INSERT INTO webhook_deliveries (webhook_id, event_id, event, payload, created_at, next_attempt_at) " \
    "SELECT w.id, 'msg_' || replace(gen_random_uuid()::text, '-', ''), '" event                                 \
    "', jsonb_build_object('type', '" event "', 'timestamp', webhook_time(" at                                  \
    "), 'data', webhook_link_data(l.id, l.slug, l.long_url, l.tags, "                                           \
    "l.created_at, l.updated_at, l.expires_at, l.max_clicks, l.disabled, l.owner_id, l.deleted_at))::text, " at \
    ", " at " FROM l JOIN webhooks w ON w.disabled_at IS NULL AND (w.events & " bit                             \
    ") <> 0 AND "                                                                                               \
    "(w.all_links OR w.owner_id = l.owner_id)) "
#define WITH_LINK_EVENT(change, event, bit, at) "WITH l AS (" change " RETURNING *), " LINK_EVENT_CTE(event, bit, at)

constexpr PgStatement kSelectBySlug{"link_by_slug", "SELECT " LINK_COLUMNS " FROM links WHERE slug = $1"};

// Substring matches are case-insensitive (ASCII, as SQLite's LIKE) and literal: strpos has no wildcards.
// The owner filter has a statement of its own (not "$5 IS NULL OR owner_id = $5", which a generic plan
// cannot simplify), so that links_owner_idx serves it.
#define LIST_FILTERS                                                                                 \
    "AND ($2 = '' OR strpos(lower(slug), lower($2)) > 0 OR strpos(lower(long_url), lower($2)) > 0) " \
    "AND ($3 = '' OR tags @> ARRAY[$3::text]) "                                                      \
    "AND ($5::text = '' OR ($5::text = 't') = EXISTS (SELECT 1 FROM link_health h WHERE "            \
    "h.link_id = links.id AND h.status = 'broken')) "
constexpr PgStatement kList{"link_list_v2",
                            "SELECT " LINK_COLUMNS " FROM links WHERE deleted_at IS NULL AND id < $1 " LIST_FILTERS
                            "ORDER BY id DESC LIMIT $4"};
constexpr PgStatement kListByOwner{"link_list_by_owner_v2", "SELECT " LINK_COLUMNS
                                                            " FROM links WHERE deleted_at IS NULL AND owner_id = $6 "
                                                            "AND id < $1 " LIST_FILTERS "ORDER BY id DESC LIMIT $4"};

constexpr PgStatement kDelete{
    "link_delete_wh",
    WITH_LINK_EVENT("UPDATE links SET deleted_at = ms_to_ts($2), updated_at = ms_to_ts($2) WHERE slug = $1 AND "
                    "deleted_at IS NULL",
                    "link.deleted", "4", "l.deleted_at") "SELECT 1 FROM l"};

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

std::string TagsArray(const std::vector<std::string>& tags) {
    std::string out = "{";
    for (std::size_t i = 0; i < tags.size(); ++i) {
        if (i) out.push_back(',');
        AppendArrayElement(out, Sanitized(tags[i]));
    }
    out.push_back('}');
    return out;
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
    if (!r.IsNull(row, 17)) link.targeting = TargetingFromJson(r.Text(row, 17)).value_or(core::Targeting{});
    link.human_clicks = r.Int(row, 18);
    link.imported_clicks = r.Int(row, 19);
    // Written only by the link codec, like targeting.
    if (!r.IsNull(row, 20)) link.rules = RulesFromJson(r.Text(row, 20));
    if (!r.IsNull(row, 21)) link.split = SplitFromJson(r.Text(row, 21));
    link.preview = {std::string(r.Text(row, 22)), std::string(r.Text(row, 23)), std::string(r.Text(row, 24))};
    return link;
}

using Value = std::optional<std::string>;

// Every column an INSERT writes, read from the link as StoredLink() makes it.
constexpr PgNamedParam<core::Link> kInsertColumns[] = {
    {"slug", [](const core::Link& l) -> Value { return Sanitized(l.slug); }},
    {"long_url", [](const core::Link& l) -> Value { return Sanitized(l.long_url); }},
    {"created_at", [](const core::Link& l) -> Value { return Str(core::ToUnixMillis(l.created_at)); }, "ms_to_ts({})"},
    {"updated_at", [](const core::Link& l) -> Value { return Str(core::ToUnixMillis(l.updated_at)); }, "ms_to_ts({})"},
    {"expires_at", [](const core::Link& l) -> Value { return OptMillis(l.expires_at); }, "ms_to_ts({})"},
    {"max_clicks", [](const core::Link& l) -> Value { return OptInt(l.max_clicks); }},
    {"redirect_type", [](const core::Link& l) -> Value { return Str(static_cast<std::int64_t>(l.redirect_type)); }},
    {"tags", [](const core::Link& l) -> Value { return TagsArray(l.tags); }, "{}::text[]"},
    {"owner_id", [](const core::Link& l) -> Value { return OptInt(l.owner_id); }},
    {"stats_token_hash", [](const core::Link& l) -> Value { return Sanitized(l.stats_token_hash); }},
    {"disabled", [](const core::Link& l) -> Value { return Bool(l.disabled); }},
    {"expired_url", [](const core::Link& l) -> Value { return Sanitized(l.expired_url); }},
    {"forward_query", [](const core::Link& l) -> Value { return Bool(l.forward_query); }},
    {"password_hash", [](const core::Link& l) -> Value { return Sanitized(l.password_hash); }},
    {"targeting", [](const core::Link& l) -> Value { return OptText(TargetingToJson(l.targeting)); }, "{}::jsonb"},
    {"imported_clicks", [](const core::Link& l) -> Value { return Str(l.imported_clicks); }},
    {"og_title", [](const core::Link& l) -> Value { return Sanitized(l.preview.title); }},
    {"og_description", [](const core::Link& l) -> Value { return Sanitized(l.preview.description); }},
    {"og_image", [](const core::Link& l) -> Value { return Sanitized(l.preview.image); }},
    {"rules", [](const core::Link& l) -> Value { return OptText(RulesToJson(l.rules)); }, "{}::jsonb"},
    {"split", [](const core::Link& l) -> Value { return OptText(SplitToJson(l.split)); }, "{}::jsonb"},
};

const PgNamedStatement<core::Link>& InsertLink() {
    static const auto statement = [] {
        std::vector<std::string_view> names, expressions;
        for (const auto& p : kInsertColumns) {
            names.push_back(p.name);
            expressions.push_back(p.expression);
        }
        const std::string insert = InsertSql("links", names, expressions);
        return PgNamedStatement<core::Link>("link_insert_wh",
                                            "WITH l AS (" + insert + " RETURNING *), " +
                                                LINK_EVENT_CTE("link.created", "1", "l.created_at") +
                                                "SELECT id FROM l",
                                            kInsertColumns);
    }();
    return statement;
}

// Many links in one statement and one round trip: the rows travel as one JSON array parameter. ON CONFLICT DO
// NOTHING skips a slug that exists (no error aborts the others), and RETURNING names the slugs that went in.
constexpr PgStatement kInsertMany{
    "link_insert_many_wh",
    "WITH l AS (INSERT INTO links (slug, long_url, created_at, updated_at, expires_at, max_clicks, redirect_type, "
    "tags, owner_id, stats_token_hash, disabled, expired_url, forward_query, password_hash, targeting, rules, split, "
    "og_title, og_description, og_image) "
    "SELECT slug, long_url, ms_to_ts(created_at), ms_to_ts(updated_at), ms_to_ts(expires_at), max_clicks, "
    "redirect_type, ARRAY(SELECT jsonb_array_elements_text(tags)), owner_id, stats_token_hash, disabled, "
    "expired_url, forward_query, password_hash, targeting::jsonb, rules::jsonb, split::jsonb, og_title, "
    "og_description, og_image "
    "FROM jsonb_to_recordset($1::jsonb) AS x(i int, slug text, long_url text, created_at bigint, updated_at bigint, "
    "expires_at bigint, max_clicks bigint, redirect_type smallint, tags jsonb, owner_id bigint, "
    "stats_token_hash text, disabled boolean, expired_url text, forward_query boolean, password_hash text, "
    "targeting text, rules text, split text, og_title text, og_description text, og_image text) ORDER BY i "
    "ON CONFLICT (slug) DO NOTHING RETURNING *), " LINK_EVENT_CTE("link.created", "1",
                                                                  "l.created_at") "SELECT id, slug FROM l"};

boost::json::object LinkRow(std::size_t index, const core::Link& l) {
    namespace json = boost::json;
    json::array tags;
    for (const auto& t : l.tags) tags.emplace_back(Sanitized(t));
    auto opt = [](const std::optional<std::int64_t>& v) { return v ? json::value(*v) : json::value(nullptr); };
    const std::string targeting = TargetingToJson(l.targeting);
    const std::string rules = RulesToJson(l.rules);
    const std::string split = SplitToJson(l.split);
    auto opt_text = [](const std::string& t) { return t.empty() ? json::value(nullptr) : json::value(t); };
    return json::object{
        {"i", index},
        {"slug", Sanitized(l.slug)},
        {"long_url", Sanitized(l.long_url)},
        {"created_at", core::ToUnixMillis(l.created_at)},
        {"updated_at", core::ToUnixMillis(l.updated_at)},
        {"expires_at", l.expires_at ? json::value(core::ToUnixMillis(*l.expires_at)) : json::value(nullptr)},
        {"max_clicks", opt(l.max_clicks)},
        {"redirect_type", static_cast<std::int64_t>(l.redirect_type)},
        {"tags", std::move(tags)},
        {"owner_id", opt(l.owner_id)},
        {"stats_token_hash", Sanitized(l.stats_token_hash)},
        {"disabled", l.disabled},
        {"expired_url", Sanitized(l.expired_url)},
        {"forward_query", l.forward_query},
        {"password_hash", Sanitized(l.password_hash)},
        {"targeting", opt_text(targeting)},
        {"rules", opt_text(rules)},
        {"split", opt_text(split)},
        {"og_title", Sanitized(l.preview.title)},
        {"og_description", Sanitized(l.preview.description)},
        {"og_image", Sanitized(l.preview.image)},
    };
}

// Idempotency keys (migration 0014). A claim inserts, or takes over an expired or abandoned row, in one
// statement: of concurrent claims the unique (owner, key) lets one insert; the others wait for it and then find
// its row (their WHERE is false), so they return no row and read it.
constexpr PgStatement kClaimKey{
    "idempotency_claim",
    "INSERT INTO idempotency_keys AS k (owner, key, request_hash, status, created_at, expires_at) "
    "VALUES ($1, $2, $3, 0, ms_to_ts($4), ms_to_ts($6)) ON CONFLICT (owner, key) DO UPDATE SET "
    "request_hash = excluded.request_hash, status = 0, body = NULL, location = NULL, "
    "created_at = excluded.created_at, expires_at = excluded.expires_at "
    "WHERE k.expires_at <= excluded.created_at OR (k.status = 0 AND k.created_at < ms_to_ts($5)) RETURNING 1"};
constexpr PgStatement kSelectKey{
    "idempotency_select",
    "SELECT request_hash, status, body, location FROM idempotency_keys WHERE owner = $1 AND key = $2"};
constexpr PgStatement kFinishKey{"idempotency_finish",
                                 "UPDATE idempotency_keys SET status = $4, body = $5, location = $6 WHERE owner = $1 "
                                 "AND key = $2 AND request_hash = $3 AND status = 0"};
constexpr PgStatement kReleaseKey{
    "idempotency_release",
    "DELETE FROM idempotency_keys WHERE owner = $1 AND key = $2 AND request_hash = $3 AND status = 0"};
constexpr PgStatement kPurgeKeys{"idempotency_purge", "DELETE FROM idempotency_keys WHERE expires_at <= ms_to_ts($1)"};

PgParams KeyParams(const IdempotencyKey& key) {
    return PgParams{Sanitized(key.owner), Sanitized(key.key), Sanitized(key.request_hash)};
}

// What an update reads: the slug it is for and the patch.
struct SlugPatch {
    std::string_view slug;
    const core::LinkPatch& patch;
};

// Absent members are NULL; the clear_ flags are booleans.
template <class T, class F>
Value IfSet(const std::optional<T>& v, F&& to_text) {
    if (!v) return std::nullopt;
    return to_text(*v);
}

constexpr PgNamedParam<SlugPatch> kUpdateParams[] = {
    {"slug", [](const SlugPatch& u) -> Value { return Sanitized(u.slug); }},
    {"long_url", [](const SlugPatch& u) { return IfSet(u.patch.long_url, Sanitized); }},
    {"expires_at", [](const SlugPatch& u) { return OptMillis(u.patch.expires_at); }},
    {"clear_expires_at", [](const SlugPatch& u) -> Value { return Bool(u.patch.clear_expires_at); }},
    {"max_clicks", [](const SlugPatch& u) { return OptInt(u.patch.max_clicks); }},
    {"clear_max_clicks", [](const SlugPatch& u) -> Value { return Bool(u.patch.clear_max_clicks); }},
    {"redirect_type",
     [](const SlugPatch& u) {
         return IfSet(u.patch.redirect_type, [](core::RedirectType t) { return Str(static_cast<std::int64_t>(t)); });
     }},
    {"tags", [](const SlugPatch& u) { return IfSet(u.patch.tags, TagsArray); }},
    {"updated_at", [](const SlugPatch& u) -> Value { return Str(core::ToUnixMillis(u.patch.updated_at)); }},
    {"disabled", [](const SlugPatch& u) { return IfSet(u.patch.disabled, Bool); }},
    {"expired_url", [](const SlugPatch& u) { return IfSet(u.patch.expired_url, Sanitized); }},
    {"forward_query", [](const SlugPatch& u) { return IfSet(u.patch.forward_query, Bool); }},
    {"password_hash", [](const SlugPatch& u) { return IfSet(u.patch.password_hash, Sanitized); }},
    {"targeting", [](const SlugPatch& u) { return IfSet(u.patch.targeting, TargetingToJson); }},
    {"og_title", [](const SlugPatch& u) { return IfSet(u.patch.og_title, Sanitized); }},
    {"og_description", [](const SlugPatch& u) { return IfSet(u.patch.og_description, Sanitized); }},
    {"og_image", [](const SlugPatch& u) { return IfSet(u.patch.og_image, Sanitized); }},
    {"rules", [](const SlugPatch& u) { return IfSet(u.patch.rules, RulesToJson); }},
    {"split", [](const SlugPatch& u) { return IfSet(u.patch.split, SplitToJson); }},
};

// One statement: absent patch members keep the stored value; a set value wins over its clear_ flag.
const PgNamedStatement<SlugPatch>& UpdateLink() {
    static const PgNamedStatement<SlugPatch> statement(
        "link_update_wh",
        "WITH l AS (UPDATE links SET long_url = COALESCE({long_url}, long_url), "
        "expires_at = CASE WHEN {expires_at}::bigint IS NOT NULL THEN ms_to_ts({expires_at}) "
        "WHEN {clear_expires_at}::boolean THEN NULL ELSE expires_at END, "
        "max_clicks = CASE WHEN {max_clicks}::bigint IS NOT NULL THEN {max_clicks} "
        "WHEN {clear_max_clicks}::boolean THEN NULL ELSE max_clicks END, "
        "redirect_type = COALESCE({redirect_type}::smallint, redirect_type), "
        "tags = COALESCE({tags}::text[], tags), updated_at = ms_to_ts({updated_at}), "
        "disabled = COALESCE({disabled}::boolean, disabled), expired_url = COALESCE({expired_url}, expired_url), "
        "forward_query = COALESCE({forward_query}::boolean, forward_query), "
        "password_hash = COALESCE({password_hash}, password_hash), "
        "targeting = CASE WHEN {targeting}::text IS NULL THEN targeting WHEN {targeting} = '' THEN NULL "
        "ELSE {targeting}::jsonb END, "
        "rules = CASE WHEN {rules}::text IS NULL THEN rules WHEN {rules} = '' THEN NULL ELSE {rules}::jsonb END, "
        "split = CASE WHEN {split}::text IS NULL THEN split WHEN {split} = '' THEN NULL ELSE {split}::jsonb END, "
        "og_title = COALESCE({og_title}, og_title), "
        "og_description = COALESCE({og_description}, og_description), og_image = COALESCE({og_image}, og_image) "
        "WHERE slug = {slug} AND deleted_at IS NULL RETURNING *), " LINK_EVENT_CTE(
            "link.updated", "2", "l.updated_at") "SELECT " LINK_COLUMNS " FROM l",
        kUpdateParams);
    return statement;
}

// Imports: a whole batch in one statement (one round trip, one commit) instead of an INSERT per row. The columns
// arrive as binary arrays (PgBinaryArray), one per column, in the order of kImportArrays; a taken slug is skipped
// (ON CONFLICT DO NOTHING) and its holder read back afterwards.
// Imported links keep their own created_at; their events are stamped with the time of the import.
constexpr PgStatement kImportMany{"link_import_many_wh", R"SQL(
WITH l AS (INSERT INTO links (slug, long_url, created_at, updated_at, expires_at, max_clicks, redirect_type, tags, owner_id,
    stats_token_hash, disabled, expired_url, forward_query, password_hash, targeting, imported_clicks, rules, split)
SELECT t.slug, t.long_url, ms_to_ts(t.created_ms), ms_to_ts(t.created_ms), ms_to_ts(t.expires_ms), t.max_clicks,
    t.redirect_type::smallint, ARRAY(SELECT jsonb_array_elements_text(t.tags::jsonb)), t.owner_id, t.stats_token_hash,
    t.disabled, t.expired_url, t.forward_query, t.password_hash, t.targeting::jsonb, t.imported_clicks,
    t.rules::jsonb, t.split::jsonb
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::bigint[],
    $9::text[], $10::boolean[], $11::text[], $12::boolean[], $13::text[], $14::text[], $15::bigint[],
    $16::text[], $17::text[])
    WITH ORDINALITY AS t(slug, long_url, created_ms, expires_ms, max_clicks, redirect_type, tags, owner_id,
        stats_token_hash, disabled, expired_url, forward_query, password_hash, targeting, imported_clicks, rules, split, i)
ORDER BY t.i
ON CONFLICT DO NOTHING
RETURNING *), )SQL" LINK_EVENT_CTE("link.created", "1", "now()") "SELECT slug, id FROM l"};

constexpr PgStatement kSelectBySlugs{"link_by_slugs",
                                     "SELECT " LINK_COLUMNS " FROM links WHERE slug = ANY($1::text[])"};

constexpr std::uint32_t kBoolOid = 16, kInt8Oid = 20, kTextOid = 25;

void AppendText(PgBinaryArray& a, std::string_view s) { a.Bytes(Sanitized(s)); }

void AppendOptText(PgBinaryArray& a, const std::string& s) {
    if (s.empty()) {
        a.Null();
    } else {
        AppendText(a, s);
    }
}

template <class T>
void AppendOpt(PgBinaryArray& a, const std::optional<T>& v, void (PgBinaryArray::*put)(T)) {
    if (v) {
        (a.*put)(*v);
    } else {
        a.Null();
    }
}

// One array per column of kImportMany's unnest, each with how a row fills it.
struct ImportArray {
    std::uint32_t oid;
    void (*append)(PgBinaryArray& a, const core::NewLink& l);
};

constexpr ImportArray kImportArrays[] = {
    {kTextOid, [](PgBinaryArray& a, const core::NewLink& l) { AppendText(a, l.slug); }},
    {kTextOid, [](PgBinaryArray& a, const core::NewLink& l) { AppendText(a, l.long_url); }},
    {kInt8Oid, [](PgBinaryArray& a, const core::NewLink& l) { a.Int8(core::ToUnixMillis(l.created_at)); }},
    {kInt8Oid,
     [](PgBinaryArray& a, const core::NewLink& l) {
         AppendOpt<std::int64_t>(a, l.expires_at ? std::optional(core::ToUnixMillis(*l.expires_at)) : std::nullopt,
                                 &PgBinaryArray::Int8);
     }},
    {kInt8Oid, [](PgBinaryArray& a, const core::NewLink& l) { AppendOpt(a, l.max_clicks, &PgBinaryArray::Int8); }},
    {kInt8Oid, [](PgBinaryArray& a, const core::NewLink& l) { a.Int8(static_cast<std::int64_t>(l.redirect_type)); }},
    {kTextOid, [](PgBinaryArray& a, const core::NewLink& l) { AppendText(a, TagsToJson(l.tags)); }},
    {kInt8Oid, [](PgBinaryArray& a, const core::NewLink& l) { AppendOpt(a, l.owner_id, &PgBinaryArray::Int8); }},
    {kTextOid, [](PgBinaryArray& a, const core::NewLink& l) { AppendText(a, l.stats_token_hash); }},
    {kBoolOid, [](PgBinaryArray& a, const core::NewLink& l) { a.Bool(l.disabled); }},
    {kTextOid, [](PgBinaryArray& a, const core::NewLink& l) { AppendText(a, l.expired_url); }},
    {kBoolOid, [](PgBinaryArray& a, const core::NewLink& l) { a.Bool(l.forward_query); }},
    {kTextOid, [](PgBinaryArray& a, const core::NewLink& l) { AppendText(a, l.password_hash); }},
    {kTextOid,
     [](PgBinaryArray& a, const core::NewLink& l) {
         const std::string json = TargetingToJson(l.targeting);
         if (json.empty()) {
             a.Null();
         } else {
             AppendText(a, json);
         }
     }},
    {kInt8Oid, [](PgBinaryArray& a, const core::NewLink& l) { a.Int8(l.imported_clicks); }},
    {kTextOid, [](PgBinaryArray& a, const core::NewLink& l) { AppendOptText(a, RulesToJson(l.rules)); }},
    {kTextOid, [](PgBinaryArray& a, const core::NewLink& l) { AppendOptText(a, SplitToJson(l.split)); }},
};

}  // namespace

Task<std::vector<ImportedLink>> PostgresLinkStore::ImportMany(std::span<const core::NewLink> links) {
    std::vector<ImportedLink> out(links.size());
    if (links.empty()) co_return out;
    std::vector<PgBinaryArray> arrays;
    for (const auto& column : kImportArrays) arrays.emplace_back(column.oid);
    for (const auto& link : links) {
        for (std::size_t i = 0; i < arrays.size(); ++i) kImportArrays[i].append(arrays[i], link);
    }
    PgParams params;
    for (auto& a : arrays) params.emplace_back(a.Finish());
    PgResult inserted = co_await db_->primary().Execute(kImportMany, params, PgFormat::kBinary);
    std::unordered_map<std::string, core::LinkId> ids;
    for (int row = 0; row < inserted.Rows(); ++row) ids.emplace(inserted.Text(row, 0), inserted.Int(row, 1));
    std::string taken = "{";
    for (std::size_t i = 0; i < links.size(); ++i) {
        auto it = ids.find(Sanitized(links[i].slug));
        if (it != ids.end()) {
            out[i] = {true, core::StoredLink(it->second, links[i])};
            ids.erase(it);  // a later row of the batch with the same slug found it taken
            continue;
        }
        if (taken.size() > 1) taken.push_back(',');
        AppendArrayElement(taken, Sanitized(links[i].slug));
    }
    if (taken.size() == 1) co_return out;
    taken.push_back('}');
    PgParams slugs{std::move(taken)};
    PgResult holders = co_await db_->primary().Execute(kSelectBySlugs, slugs);
    std::unordered_map<std::string, core::Link> by_slug;
    for (int row = 0; row < holders.Rows(); ++row) {
        core::Link link = ReadLink(holders, row);
        std::string slug = link.slug;
        by_slug.emplace(std::move(slug), std::move(link));
    }
    for (std::size_t i = 0; i < links.size(); ++i) {
        if (out[i].created) continue;
        if (auto it = by_slug.find(links[i].slug); it != by_slug.end()) out[i].link = it->second;
    }
    co_return out;
}

Task<core::Result<core::Link>> PostgresLinkStore::Create(const core::NewLink& link) {
    const core::Link stored = core::StoredLink(0, link);
    const auto& insert = InsertLink();
    PgParams params = insert.Params(stored);
    std::optional<PgResult> r;
    bool taken = false;
    try {
        r.emplace(co_await db_->Write(insert.Statement(), params));
    } catch (const PgError& e) {
        if (!e.IsUniqueViolation()) throw;
        taken = true;
    }
    if (taken) co_return make_error_code(Errc::kSlugTaken);
    co_return core::StoredLink(r->Int(0, 0), link);
}

Task<std::vector<core::Result<core::Link>>> PostgresLinkStore::CreateMany(std::span<const core::NewLink> links) {
    std::vector<core::Result<core::Link>> results(links.size(), make_error_code(Errc::kSlugTaken));
    std::vector<core::Link> stored;
    stored.reserve(links.size());
    boost::json::array rows;
    std::set<std::string_view> seen;  // a later link with an earlier one's slug stays kSlugTaken
    std::map<std::string, std::size_t, std::less<>> index_of;
    for (std::size_t i = 0; i < links.size(); ++i) {
        stored.push_back(core::StoredLink(0, links[i]));
        if (!seen.insert(links[i].slug).second) continue;
        rows.emplace_back(LinkRow(i, stored.back()));
        index_of.emplace(Sanitized(links[i].slug), i);
    }
    if (rows.empty()) co_return results;
    PgParams params{boost::json::serialize(rows)};
    auto r = co_await db_->Write(kInsertMany, params);
    for (int row = 0; row < r.Rows(); ++row) {
        auto it = index_of.find(r.Text(row, 1));
        if (it == index_of.end()) continue;
        stored[it->second].id = r.Int(row, 0);
        results[it->second] = std::move(stored[it->second]);
    }
    co_return results;
}

Task<std::optional<core::Link>> PostgresLinkStore::FindBySlug(std::string_view slug) {
    PgParams params{Sanitized(slug)};
    auto r = co_await db_->primary().Execute(kSelectBySlug, params);
    if (r.Rows() == 0) co_return std::nullopt;
    co_return ReadLink(r, 0);
}

Task<LinkPage> PostgresLinkStore::List(const ListQuery& query) {
    PgParams params{Str(query.before_id.value_or(INT64_MAX)), Sanitized(query.q), Sanitized(query.tag),
                    Str(static_cast<std::int64_t>(query.limit + 1)),
                    query.broken ? pg_value::Bool(*query.broken) : std::string()};
    if (query.owner_id) params.emplace_back(Str(*query.owner_id));
    auto r = co_await db_->Read(query.owner_id ? kListByOwner : kList, params);
    LinkPage page;
    for (int i = 0; i < r.Rows(); ++i) page.items.push_back(ReadLink(r, i));
    if (page.items.size() > query.limit) {
        page.items.pop_back();
        page.next_before = page.items.back().id;
    }
    co_return page;
}

Task<core::Result<core::Link>> PostgresLinkStore::Update(std::string_view slug, const core::LinkPatch& patch) {
    const auto& update = UpdateLink();
    PgParams params = update.Params(SlugPatch{slug, patch});
    auto r = co_await db_->Write(update.Statement(), params);
    if (r.Rows() == 1) co_return ReadLink(r, 0);
    auto existing = co_await FindBySlug(slug);
    co_return make_error_code(existing ? Errc::kGone : Errc::kNotFound);
}

Task<core::Result<void>> PostgresLinkStore::Delete(std::string_view slug, core::TimePoint at) {
    PgParams params{Sanitized(slug), Str(core::ToUnixMillis(at))};
    auto r = co_await db_->Write(kDelete, params);
    if (r.Rows() == 1) co_return core::Result<void>{};
    auto existing = co_await FindBySlug(slug);
    co_return make_error_code(existing ? Errc::kGone : Errc::kNotFound);
}

Task<bool> PostgresLinkStore::TryConsumeUse(core::LinkId id) {
    PgParams params{Str(id)};
    auto r = co_await db_->primary().Execute(kConsumeUse, params);
    co_return r.Affected() == 1;
}

Task<bool> PostgresLinkStore::HasUsesLeft(core::LinkId id) {
    PgParams params{Str(id)};
    auto r = co_await db_->primary().Execute(kUsesLeft, params);
    co_return r.Rows() == 1;
}

Task<IdempotencyRecord> PostgresLinkStore::ClaimIdempotencyKey(const IdempotencyKey& key, core::TimePoint now,
                                                               core::TimePoint stale_before,
                                                               core::TimePoint expires_at) {
    PgParams params = KeyParams(key);
    params.emplace_back(Str(core::ToUnixMillis(now)));
    params.emplace_back(Str(core::ToUnixMillis(stale_before)));
    params.emplace_back(Str(core::ToUnixMillis(expires_at)));
    auto claimed = co_await db_->primary().Execute(kClaimKey, params);
    IdempotencyRecord record;
    if (claimed.Rows() == 1) co_return record;
    PgParams lookup{Sanitized(key.owner), Sanitized(key.key)};
    auto r = co_await db_->primary().Execute(kSelectKey, lookup);
    // Gone between the two statements (purged, or released by a failed first request): still busy, ask again.
    record.state = IdempotencyRecord::State::kInProgress;
    if (r.Rows() == 0) co_return record;
    record.request_hash = std::string(r.Text(0, 0));
    record.status = static_cast<int>(r.Int(0, 1));
    if (record.status != 0) {
        record.state = IdempotencyRecord::State::kDone;
        record.body = std::string(r.Text(0, 2));
        record.location = std::string(r.Text(0, 3));
    }
    co_return record;
}

Task<void> PostgresLinkStore::FinishIdempotencyKey(const IdempotencyKey& key, int status, std::string_view body,
                                                   std::string_view location) {
    PgParams params = KeyParams(key);
    params.emplace_back(Str(std::int64_t{status}));
    params.emplace_back(Sanitized(body));
    params.emplace_back(Sanitized(location));
    co_await db_->primary().Execute(kFinishKey, params);
}

Task<void> PostgresLinkStore::ReleaseIdempotencyKey(const IdempotencyKey& key) {
    PgParams params = KeyParams(key);
    co_await db_->primary().Execute(kReleaseKey, params);
}

Task<std::size_t> PostgresLinkStore::PurgeIdempotencyKeys(core::TimePoint now) {
    PgParams params{Str(core::ToUnixMillis(now))};
    auto r = co_await db_->primary().Execute(kPurgeKeys, params);
    co_return static_cast<std::size_t>(r.Affected());
}

Task<void> PostgresLinkStore::Ping() {
    PgParams none;
    co_await db_->primary().Execute(kPing, none);
}

}  // namespace shortener::store
