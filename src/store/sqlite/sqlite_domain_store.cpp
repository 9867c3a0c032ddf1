#include "store/sqlite/sqlite_domain_store.hpp"

namespace shortener::store {
namespace {

#define DOMAIN_COLUMNS "id, host, owner_id, https, hsts_max_age, root_redirect, not_found_redirect, created_at"

constexpr const char* kInsert =
    "INSERT INTO domains (host, owner_id, https, hsts_max_age, root_redirect, not_found_redirect, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (host) DO NOTHING";
constexpr const char* kSelect = "SELECT " DOMAIN_COLUMNS " FROM domains WHERE host = ?1";
constexpr const char* kList = "SELECT " DOMAIN_COLUMNS " FROM domains ORDER BY host";
// ?5/?7 = 1: the patch sets (or clears, with NULL) the redirect in ?6/?8.
constexpr const char* kUpdate =
    "UPDATE domains SET https = COALESCE(?2, https), hsts_max_age = COALESCE(?3, hsts_max_age), "
    "root_redirect = CASE WHEN ?4 = 1 THEN ?5 ELSE root_redirect END, "
    "not_found_redirect = CASE WHEN ?6 = 1 THEN ?7 ELSE not_found_redirect END WHERE host = ?1";
constexpr const char* kDelete = "DELETE FROM domains WHERE host = ?1";
constexpr const char* kCountLinks = "SELECT count(*) FROM links WHERE domain_id = ?1 AND deleted_at IS NULL";

std::optional<std::string> OptionalText(const Statement& s, int column) {
    if (s.IsNull(column)) return std::nullopt;
    return s.Text(column);
}

Domain ReadDomain(const Statement& s) {
    Domain d;
    d.id = s.Int(0);
    d.host = s.Text(1);
    d.owner_id = s.OptionalInt(2);
    d.https = s.Int(3) != 0;
    d.hsts_max_age = s.Int(4);
    d.root_redirect = OptionalText(s, 5);
    d.not_found_redirect = OptionalText(s, 6);
    d.created_at = core::FromUnixMillis(s.Int(7));
    return d;
}

std::optional<Domain> FindIn(SqliteConnection& c, std::string_view host) {
    auto s = c.Prepare(kSelect);
    s.Bind(1, host);
    if (!s.Step()) return std::nullopt;
    return ReadDomain(s);
}

std::optional<std::int64_t> OptionalBool(const std::optional<bool>& v) {
    if (!v) return std::nullopt;
    return *v ? 1 : 0;
}

}  // namespace

Task<core::Result<Domain>> SqliteDomainStore::Create(const Domain& domain) {
    core::Result<Domain> created = co_await db_->OffLoop([&] {
        return GuardBackend([&]() -> core::Result<Domain> {
            auto c = db_->AcquireWriter();
            c->Prepare(kInsert)
                .Bind(1, domain.host)
                .Bind(2, domain.owner_id)
                .Bind(3, std::int64_t{domain.https ? 1 : 0})
                .Bind(4, domain.hsts_max_age)
                .Bind(5, domain.root_redirect)
                .Bind(6, domain.not_found_redirect)
                .Bind(7, core::ToUnixMillis(domain.created_at))
                .Run();
            if (c->Changes() == 0) return make_error_code(core::Errc::kDomainExists);
            Domain stored = domain;
            stored.id = c->LastInsertRowId();
            return stored;
        });
    });
    co_return created;
}

Task<std::optional<Domain>> SqliteDomainStore::Find(std::string_view host) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        return FindIn(*c, host);
    });
}

Task<std::vector<Domain>> SqliteDomainStore::List() {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(kList);
        std::vector<Domain> out;
        while (s.Step()) out.push_back(ReadDomain(s));
        return out;
    });
}

Task<core::Result<Domain>> SqliteDomainStore::Update(std::string_view host, const DomainPatch& patch) {
    core::Result<Domain> updated = co_await db_->OffLoop([&] {
        return GuardBackend([&]() -> core::Result<Domain> {
            auto c = db_->AcquireWriter();
            c->Prepare(kUpdate)
                .Bind(1, host)
                .Bind(2, OptionalBool(patch.https))
                .Bind(3, patch.hsts_max_age)
                .Bind(4, std::int64_t{patch.root_redirect ? 1 : 0})
                .Bind(5, patch.root_redirect ? *patch.root_redirect : std::nullopt)
                .Bind(6, std::int64_t{patch.not_found_redirect ? 1 : 0})
                .Bind(7, patch.not_found_redirect ? *patch.not_found_redirect : std::nullopt)
                .Run();
            auto found = FindIn(*c, host);
            if (!found) return make_error_code(core::Errc::kNotFound);
            return std::move(*found);
        });
    });
    co_return updated;
}

Task<bool> SqliteDomainStore::Delete(std::string_view host) {
    const bool deleted = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            c->Prepare(kDelete).Bind(1, host).Run();
            return c->Changes() == 1;
        });
    });
    co_return deleted;
}

Task<std::int64_t> SqliteDomainStore::CountLinks(std::int64_t id) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(kCountLinks);
        s.Bind(1, id);
        return s.Step() ? s.Int(0) : std::int64_t{0};
    });
}

}  // namespace shortener::store
