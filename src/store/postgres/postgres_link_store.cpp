#include "store/link_codec.hpp"
#include "store/postgres/pg_values.hpp"
#include "store/postgres/postgres_link_store.hpp"

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
    return link;
}

}  // namespace

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
                    OptText(TargetingToJson(link.targeting))};
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
    PgParams params{Sanitized(slug),
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
                    patch.targeting ? std::optional<std::string>(TargetingToJson(*patch.targeting)) : std::nullopt};
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

}  // namespace shortener::store
