#include "store/sqlite/sqlite_auth_store.hpp"

namespace shortener::store {
namespace {

using core::Errc;

#define USER_COLUMNS "u.id, u.email, u.password_hash, u.is_admin, u.created_at"
#define KEY_COLUMNS \
    "k.id, k.user_id, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.revoked_at, k.rate_limit"

constexpr const char* kInsertUser =
    "INSERT INTO users (email, password_hash, is_admin, created_at) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kUserByEmail = "SELECT " USER_COLUMNS " FROM users u WHERE u.email = ?1";
constexpr const char* kListUsers = "SELECT " USER_COLUMNS " FROM users u ORDER BY u.id";
constexpr const char* kInsertKey =
    "INSERT INTO api_keys (user_id, name, prefix, key_hash, scopes, created_at, rate_limit) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kKeyByHash =
    "SELECT " KEY_COLUMNS ", " USER_COLUMNS " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?1";
constexpr const char* kKeyById = "SELECT " KEY_COLUMNS " FROM api_keys k WHERE k.id = ?1";
constexpr const char* kListKeys =
    "SELECT " KEY_COLUMNS " FROM api_keys k WHERE ?1 IS NULL OR k.user_id = ?1 ORDER BY k.id";
constexpr const char* kRevokeKey =
    "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1 AND (?3 IS NULL OR user_id = ?3)";
constexpr const char* kSetKeyRateLimit =
    "UPDATE api_keys SET rate_limit = ?2 WHERE id = ?1 AND (?3 IS NULL OR user_id = ?3)";
constexpr const char* kTouchKey = "UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), ?2) WHERE id = ?1";
constexpr const char* kInsertSession =
    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kSessionByHash =
    "SELECT s.csrf_token, s.expires_at, " USER_COLUMNS
    " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1 AND s.expires_at > ?2";
constexpr const char* kUserByIdentity =
    "SELECT " USER_COLUMNS
    " FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.issuer = ?1 AND "
    "i.subject = ?2";
constexpr const char* kInsertIdentity =
    "INSERT INTO user_identities (issuer, subject, user_id, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING";
constexpr const char* kSetAdmin = "UPDATE users SET is_admin = ?2 WHERE id = ?1";
constexpr const char* kDeleteSession = "DELETE FROM sessions WHERE token_hash = ?1";
constexpr const char* kPurgeSessions = "DELETE FROM sessions WHERE expires_at <= ?1";

User ReadUser(const Statement& s, int first) {
    User u;
    u.id = s.Int(first);
    u.email = s.Text(first + 1);
    u.password_hash = s.Text(first + 2);
    u.is_admin = s.Int(first + 3) != 0;
    u.created_at = core::FromUnixMillis(s.Int(first + 4));
    return u;
}

ApiKey ReadKey(const Statement& s) {
    ApiKey k;
    k.id = s.Int(0);
    k.user_id = s.Int(1);
    k.name = s.Text(2);
    k.prefix = s.Text(3);
    k.scopes = s.Text(4);
    k.created_at = core::FromUnixMillis(s.Int(5));
    if (auto v = s.OptionalInt(6)) k.last_used_at = core::FromUnixMillis(*v);
    if (auto v = s.OptionalInt(7)) k.revoked_at = core::FromUnixMillis(*v);
    if (!s.IsNull(8)) k.rate_limit = s.Text(8);
    return k;
}

// The one insert of a user row (password sign-up, admin creation, single sign-on's first login): kEmailTaken when
// the address is in use.
core::Result<User> InsertUser(SqliteConnection& c, const NewUser& user) {
    try {
        c.Prepare(kInsertUser)
            .Bind(1, std::string_view(user.email))
            .Bind(2, std::string_view(user.password_hash))
            .Bind(3, std::int64_t{user.is_admin})
            .Bind(4, core::ToUnixMillis(user.created_at))
            .Run();
    } catch (const SqliteError& e) {
        if (e.IsUniqueViolation()) return make_error_code(Errc::kEmailTaken);
        throw;
    }
    return User{c.LastInsertRowId(), user.email, user.password_hash, user.is_admin, user.created_at};
}

// Links (issuer, subject) to a user; false when that identity is linked already.
bool InsertIdentity(SqliteConnection& c, std::string_view issuer, std::string_view subject, std::int64_t user_id,
                    core::TimePoint at) {
    c.Prepare(kInsertIdentity).Bind(1, issuer).Bind(2, subject).Bind(3, user_id).Bind(4, core::ToUnixMillis(at)).Run();
    return c.Changes() == 1;
}

}  // namespace

Task<core::Result<User>> SqliteAuthStore::CreateUser(const NewUser& user) {
    co_return GuardBackend([&]() -> core::Result<User> {
        auto c = db_->AcquireWriter();
        return InsertUser(*c, user);
    });
}

Task<std::optional<User>> SqliteAuthStore::FindUserByEmail(std::string_view email) {
    co_return GuardBackend([&]() -> std::optional<User> {
        auto c = db_->Acquire();
        auto s = c->Prepare(kUserByEmail);
        s.Bind(1, email);
        if (!s.Step()) return std::nullopt;
        return ReadUser(s, 0);
    });
}

Task<std::vector<User>> SqliteAuthStore::ListUsers() {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(kListUsers);
        std::vector<User> users;
        while (s.Step()) users.push_back(ReadUser(s, 0));
        return users;
    });
}

Task<ApiKey> SqliteAuthStore::CreateApiKey(const NewApiKey& key) {
    co_return GuardBackend([&] {
        auto c = db_->AcquireWriter();
        c->Prepare(kInsertKey)
            .Bind(1, key.user_id)
            .Bind(2, std::string_view(key.name))
            .Bind(3, std::string_view(key.prefix))
            .Bind(4, std::string_view(key.key_hash))
            .Bind(5, std::string_view(key.scopes))
            .Bind(6, core::ToUnixMillis(key.created_at))
            .Bind(7, key.rate_limit)
            .Run();
        auto s = c->Prepare(kKeyById);
        s.Bind(1, c->LastInsertRowId());
        s.Step();
        return ReadKey(s);
    });
}

Task<std::optional<ApiKeyWithUser>> SqliteAuthStore::FindApiKey(std::string_view key_hash) {
    co_return GuardBackend([&]() -> std::optional<ApiKeyWithUser> {
        auto c = db_->Acquire();
        auto s = c->Prepare(kKeyByHash);
        s.Bind(1, key_hash);
        if (!s.Step()) return std::nullopt;
        return ApiKeyWithUser{ReadKey(s), ReadUser(s, 9)};
    });
}

Task<std::vector<ApiKey>> SqliteAuthStore::ListApiKeys(std::optional<std::int64_t> user_id) {
    co_return GuardBackend([&] {
        auto c = db_->Acquire();
        auto s = c->Prepare(kListKeys);
        s.Bind(1, user_id);
        std::vector<ApiKey> keys;
        while (s.Step()) keys.push_back(ReadKey(s));
        return keys;
    });
}

Task<bool> SqliteAuthStore::RevokeApiKey(std::int64_t id, std::optional<std::int64_t> user_id, core::TimePoint at) {
    co_return GuardBackend([&] {
        auto c = db_->AcquireWriter();
        c->Prepare(kRevokeKey).Bind(1, id).Bind(2, core::ToUnixMillis(at)).Bind(3, user_id).Run();
        return c->Changes() == 1;
    });
}

Task<std::optional<ApiKey>> SqliteAuthStore::SetApiKeyRateLimit(std::int64_t id, std::optional<std::int64_t> user_id,
                                                                std::optional<std::string> rate_limit) {
    co_return GuardBackend([&]() -> std::optional<ApiKey> {
        auto c = db_->AcquireWriter();
        c->Prepare(kSetKeyRateLimit).Bind(1, id).Bind(2, rate_limit).Bind(3, user_id).Run();
        if (c->Changes() != 1) return std::nullopt;
        auto s = c->Prepare(kKeyById);
        s.Bind(1, id);
        if (!s.Step()) return std::nullopt;
        return ReadKey(s);
    });
}

Task<void> SqliteAuthStore::TouchApiKey(std::int64_t id, core::TimePoint at) {
    GuardBackend([&] {
        auto c = db_->AcquireWriter();
        c->Prepare(kTouchKey).Bind(1, id).Bind(2, core::ToUnixMillis(at)).Run();
    });
    co_return;
}

Task<std::optional<User>> SqliteAuthStore::FindUserByIdentity(std::string_view issuer, std::string_view subject) {
    co_return GuardBackend([&]() -> std::optional<User> {
        auto c = db_->Acquire();
        auto s = c->Prepare(kUserByIdentity);
        s.Bind(1, issuer).Bind(2, subject);
        if (!s.Step()) return std::nullopt;
        return ReadUser(s, 0);
    });
}

Task<bool> SqliteAuthStore::LinkIdentity(std::int64_t user_id, std::string_view issuer, std::string_view subject,
                                         core::TimePoint at) {
    co_return GuardBackend([&] {
        auto c = db_->AcquireWriter();
        return InsertIdentity(*c, issuer, subject, user_id, at);
    });
}

Task<core::Result<User>> SqliteAuthStore::CreateUserWithIdentity(const NewUser& user, std::string_view issuer,
                                                                 std::string_view subject) {
    co_return GuardBackend([&]() -> core::Result<User> {
        auto c = db_->AcquireWriter();
        return WriteTransaction(*c, [&]() -> core::Result<User> {
            auto created = InsertUser(*c, user);
            if (!created) return created;
            if (!InsertIdentity(*c, issuer, subject, created->id, user.created_at))
                throw SqliteError(19 /* SQLITE_CONSTRAINT */, "identity linked concurrently");
            return created;
        });
    });
}

Task<bool> SqliteAuthStore::SetUserAdmin(std::int64_t user_id, bool is_admin) {
    co_return GuardBackend([&] {
        auto c = db_->AcquireWriter();
        c->Prepare(kSetAdmin).Bind(1, user_id).Bind(2, std::int64_t{is_admin}).Run();
        return c->Changes() == 1;
    });
}

Task<void> SqliteAuthStore::CreateSession(const NewSession& session) {
    GuardBackend([&] {
        auto c = db_->AcquireWriter();
        c->Prepare(kInsertSession)
            .Bind(1, std::string_view(session.token_hash))
            .Bind(2, session.user_id)
            .Bind(3, std::string_view(session.csrf_token))
            .Bind(4, core::ToUnixMillis(session.created_at))
            .Bind(5, core::ToUnixMillis(session.expires_at))
            .Run();
    });
    co_return;
}

Task<std::optional<SessionWithUser>> SqliteAuthStore::FindSession(std::string_view token_hash, core::TimePoint now) {
    co_return GuardBackend([&]() -> std::optional<SessionWithUser> {
        auto c = db_->Acquire();
        auto s = c->Prepare(kSessionByHash);
        s.Bind(1, token_hash).Bind(2, core::ToUnixMillis(now));
        if (!s.Step()) return std::nullopt;
        return SessionWithUser{s.Text(0), core::FromUnixMillis(s.Int(1)), ReadUser(s, 2)};
    });
}

Task<void> SqliteAuthStore::DeleteSession(std::string_view token_hash) {
    GuardBackend([&] {
        auto c = db_->AcquireWriter();
        c->Prepare(kDeleteSession).Bind(1, token_hash).Run();
    });
    co_return;
}

Task<std::size_t> SqliteAuthStore::PurgeExpiredSessions(core::TimePoint now) {
    co_return GuardBackend([&] {
        auto c = db_->AcquireWriter();
        c->Prepare(kPurgeSessions).Bind(1, core::ToUnixMillis(now)).Run();
        return static_cast<std::size_t>(c->Changes());
    });
}

}  // namespace shortener::store
