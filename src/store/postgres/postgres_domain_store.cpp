#include "store/postgres/postgres_domain_store.hpp"

#include "store/postgres/pg_values.hpp"

namespace shortener::store {
namespace {

using pg_value::OptInt;
using pg_value::Sanitized;
using pg_value::Str;

#define DOMAIN_COLUMNS \
    "id, host, owner_id, https, hsts_max_age, root_redirect, not_found_redirect, ts_to_ms(created_at)"

constexpr PgStatement kInsert{
    "domain_insert",
    "INSERT INTO domains (host, owner_id, https, hsts_max_age, root_redirect, not_found_redirect, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, ms_to_ts($7)) ON CONFLICT (host) DO NOTHING RETURNING id"};
constexpr PgStatement kSelect{"domain_select", "SELECT " DOMAIN_COLUMNS " FROM domains WHERE host = $1"};
constexpr PgStatement kList{"domain_list", "SELECT " DOMAIN_COLUMNS " FROM domains ORDER BY host"};
// $4/$6: the patch sets (or clears, with NULL) the redirect in $5/$7.
constexpr PgStatement kUpdate{
    "domain_update",
    "UPDATE domains SET https = COALESCE($2::boolean, https), hsts_max_age = COALESCE($3::integer, hsts_max_age), "
    "root_redirect = CASE WHEN $4::boolean THEN $5::text ELSE root_redirect END, "
    "not_found_redirect = CASE WHEN $6::boolean THEN $7::text ELSE not_found_redirect END "
    "WHERE host = $1 RETURNING " DOMAIN_COLUMNS};
constexpr PgStatement kDelete{"domain_delete", "DELETE FROM domains WHERE host = $1"};
constexpr PgStatement kCountLinks{"domain_count_links",
                                  "SELECT count(*) FROM links WHERE domain_id = $1 AND deleted_at IS NULL"};

std::optional<std::string> OptionalText(const PgResult& r, int row, int column) {
    if (r.IsNull(row, column)) return std::nullopt;
    return std::string(r.Text(row, column));
}

Domain ReadDomain(const PgResult& r, int row) {
    Domain d;
    d.id = r.Int(row, 0);
    d.host = std::string(r.Text(row, 1));
    d.owner_id = r.OptionalInt(row, 2);
    d.https = r.Text(row, 3) == "t";
    d.hsts_max_age = r.Int(row, 4);
    d.root_redirect = OptionalText(r, row, 5);
    d.not_found_redirect = OptionalText(r, row, 6);
    d.created_at = core::FromUnixMillis(r.Int(row, 7));
    return d;
}

std::optional<std::string> OptSanitized(const std::optional<std::string>& s) {
    if (!s) return std::nullopt;
    return Sanitized(*s);
}

}  // namespace

Task<core::Result<Domain>> PostgresDomainStore::Create(const Domain& domain) {
    PgParams params{Sanitized(domain.host),
                    OptInt(domain.owner_id),
                    pg_value::Bool(domain.https),
                    Str(domain.hsts_max_age),
                    OptSanitized(domain.root_redirect),
                    OptSanitized(domain.not_found_redirect),
                    Str(core::ToUnixMillis(domain.created_at))};
    auto r = co_await pool_->Execute(kInsert, params);
    if (r.Rows() == 0) co_return make_error_code(core::Errc::kDomainExists);
    Domain stored = domain;
    stored.id = r.Int(0, 0);
    co_return stored;
}

Task<std::optional<Domain>> PostgresDomainStore::Find(std::string_view host) {
    PgParams params{Sanitized(host)};
    auto r = co_await pool_->Execute(kSelect, params);
    if (r.Rows() == 0) co_return std::nullopt;
    co_return ReadDomain(r, 0);
}

Task<std::vector<Domain>> PostgresDomainStore::List() {
    PgParams params;
    auto r = co_await pool_->Execute(kList, params);
    std::vector<Domain> out;
    out.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) out.push_back(ReadDomain(r, i));
    co_return out;
}

Task<core::Result<Domain>> PostgresDomainStore::Update(std::string_view host, const DomainPatch& patch) {
    std::optional<std::string> https, hsts;
    if (patch.https) https = pg_value::Bool(*patch.https);
    if (patch.hsts_max_age) hsts = Str(*patch.hsts_max_age);
    PgParams params{Sanitized(host),
                    https,
                    hsts,
                    pg_value::Bool(patch.root_redirect.has_value()),
                    patch.root_redirect ? OptSanitized(*patch.root_redirect) : std::nullopt,
                    pg_value::Bool(patch.not_found_redirect.has_value()),
                    patch.not_found_redirect ? OptSanitized(*patch.not_found_redirect) : std::nullopt};
    auto r = co_await pool_->Execute(kUpdate, params);
    if (r.Rows() == 0) co_return make_error_code(core::Errc::kNotFound);
    co_return ReadDomain(r, 0);
}

Task<bool> PostgresDomainStore::Delete(std::string_view host) {
    PgParams params{Sanitized(host)};
    auto r = co_await pool_->Execute(kDelete, params);
    co_return r.Affected() == 1;
}

Task<std::int64_t> PostgresDomainStore::CountLinks(std::int64_t id) {
    PgParams params{Str(id)};
    auto r = co_await pool_->Execute(kCountLinks, params);
    co_return r.Int(0, 0);
}

}  // namespace shortener::store
