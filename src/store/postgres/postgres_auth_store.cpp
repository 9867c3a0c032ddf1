#include "store/postgres/postgres_auth_store.hpp"

namespace shortener::store {
namespace {

using core::Errc;

#define USER_COLUMNS "u.id, u.email, u.password_hash, u.is_admin, ts_to_ms(u.created_at)"
#define KEY_COLUMNS                                                                                   \
    "k.id, k.user_id, k.name, k.prefix, k.scopes, ts_to_ms(k.created_at), ts_to_ms(k.last_used_at), " \
    "ts_to_ms(k.revoked_at), k.rate_limit"

constexpr PgStatement kInsertUser{
    "auth_user_insert",
    "INSERT INTO users (email, password_hash, is_admin, created_at) VALUES ($1, $2, $3, ms_to_ts($4)) RETURNING id"};
constexpr PgStatement kUserByEmail{"auth_user_by_email", "SELECT " USER_COLUMNS " FROM users u WHERE u.email = $1"};
constexpr PgStatement kListUsers{"auth_users", "SELECT " USER_COLUMNS " FROM users u ORDER BY u.id"};
constexpr PgStatement kInsertKey{
    "auth_key_insert",
    "INSERT INTO api_keys AS k (user_id, name, prefix, key_hash, scopes, created_at, rate_limit) "
    "VALUES ($1, $2, $3, $4, $5, ms_to_ts($6), $7) RETURNING " KEY_COLUMNS};
constexpr PgStatement kKeyByHash{"auth_key_by_hash",
                                 "SELECT " KEY_COLUMNS ", " USER_COLUMNS
                                 " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = $1"};
constexpr PgStatement kListKeys{
    "auth_keys", "SELECT " KEY_COLUMNS " FROM api_keys k WHERE $1::bigint IS NULL OR k.user_id = $1 ORDER BY k.id"};
constexpr PgStatement kRevokeKey{"auth_key_revoke",
                                 "UPDATE api_keys SET revoked_at = coalesce(revoked_at, ms_to_ts($2)) "
                                 "WHERE id = $1 AND ($3::bigint IS NULL OR user_id = $3)"};
constexpr PgStatement kSetKeyRateLimit{"auth_key_rate_limit",
                                       "UPDATE api_keys AS k SET rate_limit = $2 "
                                       "WHERE id = $1 AND ($3::bigint IS NULL OR user_id = $3) RETURNING " KEY_COLUMNS};
constexpr PgStatement kTouchKey{
    "auth_key_touch", "UPDATE api_keys SET last_used_at = greatest(last_used_at, ms_to_ts($2)) WHERE id = $1"};
constexpr PgStatement kInsertSession{"auth_session_insert",
                                     "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) "
                                     "VALUES ($1, $2, $3, ms_to_ts($4), ms_to_ts($5))"};
constexpr PgStatement kSessionByHash{
    "auth_session_by_hash",
    "SELECT s.csrf_token, ts_to_ms(s.expires_at), " USER_COLUMNS
    " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > ms_to_ts($2)"};
constexpr PgStatement kUserByIdentity{"auth_user_by_identity",
                                      "SELECT " USER_COLUMNS
                                      " FROM user_identities i JOIN users u ON u.id = i.user_id "
                                      "WHERE i.issuer = $1 AND i.subject = $2"};
constexpr PgStatement kInsertIdentity{"auth_identity_insert",
                                      "INSERT INTO user_identities (issuer, subject, user_id, created_at) "
                                      "VALUES ($1, $2, $3, ms_to_ts($4)) ON CONFLICT DO NOTHING"};
// One statement, so one transaction: the user and its identity exist together or not at all.
constexpr PgStatement kInsertUserWithIdentity{
    "auth_user_insert_with_identity",
    "WITH u AS (INSERT INTO users (email, password_hash, is_admin, created_at) VALUES ($1, $2, $3, ms_to_ts($4)) "
    "RETURNING id, created_at) INSERT INTO user_identities (issuer, subject, user_id, created_at) "
    "SELECT $5, $6, u.id, u.created_at FROM u RETURNING user_id"};
constexpr PgStatement kSetAdmin{"auth_user_set_admin", "UPDATE users SET is_admin = $2 WHERE id = $1"};
constexpr PgStatement kDeleteSession{"auth_session_delete", "DELETE FROM sessions WHERE token_hash = $1"};
constexpr PgStatement kPurgeSessions{"auth_session_purge", "DELETE FROM sessions WHERE expires_at <= ms_to_ts($1)"};

std::string Str(std::int64_t v) { return std::to_string(v); }

std::optional<std::string> OptInt(const std::optional<std::int64_t>& v) {
    if (!v) return std::nullopt;
    return Str(*v);
}

User ReadUser(const PgResult& r, int row, int first) {
    User u;
    u.id = r.Int(row, first);
    u.email = r.Text(row, first + 1);
    u.password_hash = r.Text(row, first + 2);
    u.is_admin = r.Text(row, first + 3) == "t";
    u.created_at = core::FromUnixMillis(r.Int(row, first + 4));
    return u;
}

ApiKey ReadKey(const PgResult& r, int row) {
    ApiKey k;
    k.id = r.Int(row, 0);
    k.user_id = r.Int(row, 1);
    k.name = r.Text(row, 2);
    k.prefix = r.Text(row, 3);
    k.scopes = r.Text(row, 4);
    k.created_at = core::FromUnixMillis(r.Int(row, 5));
    if (auto v = r.OptionalInt(row, 6)) k.last_used_at = core::FromUnixMillis(*v);
    if (auto v = r.OptionalInt(row, 7)) k.revoked_at = core::FromUnixMillis(*v);
    if (!r.IsNull(row, 8)) k.rate_limit = r.Text(row, 8);
    return k;
}

}  // namespace

Task<core::Result<User>> PostgresAuthStore::CreateUser(const NewUser& user) {
    PgParams params{user.email, user.password_hash, std::string(user.is_admin ? "t" : "f"),
                    Str(core::ToUnixMillis(user.created_at))};
    std::optional<PgResult> r;
    bool taken = false;
    try {
        r.emplace(co_await pool_->Execute(kInsertUser, params));
    } catch (const PgError& e) {
        if (!e.IsUniqueViolation()) throw;
        taken = true;
    }
    if (taken) co_return make_error_code(Errc::kEmailTaken);
    co_return User{r->Int(0, 0), user.email, user.password_hash, user.is_admin, user.created_at};
}

Task<std::optional<User>> PostgresAuthStore::FindUserByEmail(std::string_view email) {
    PgParams params{std::string(email)};
    auto r = co_await pool_->Execute(kUserByEmail, params);
    if (r.Rows() == 0) co_return std::nullopt;
    co_return ReadUser(r, 0, 0);
}

Task<std::vector<User>> PostgresAuthStore::ListUsers() {
    PgParams params;
    auto r = co_await pool_->Execute(kListUsers, params);
    std::vector<User> users;
    users.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) users.push_back(ReadUser(r, i, 0));
    co_return users;
}

Task<ApiKey> PostgresAuthStore::CreateApiKey(const NewApiKey& key) {
    PgParams params{Str(key.user_id), key.name,   key.prefix,
                    key.key_hash,     key.scopes, Str(core::ToUnixMillis(key.created_at)),
                    key.rate_limit};
    auto r = co_await pool_->Execute(kInsertKey, params);
    co_return ReadKey(r, 0);
}

Task<std::optional<ApiKeyWithUser>> PostgresAuthStore::FindApiKey(std::string_view key_hash) {
    PgParams params{std::string(key_hash)};
    auto r = co_await pool_->Execute(kKeyByHash, params);
    if (r.Rows() == 0) co_return std::nullopt;
    co_return ApiKeyWithUser{ReadKey(r, 0), ReadUser(r, 0, 9)};
}

Task<std::vector<ApiKey>> PostgresAuthStore::ListApiKeys(std::optional<std::int64_t> user_id) {
    PgParams params{OptInt(user_id)};
    auto r = co_await pool_->Execute(kListKeys, params);
    std::vector<ApiKey> keys;
    keys.reserve(static_cast<std::size_t>(r.Rows()));
    for (int i = 0; i < r.Rows(); ++i) keys.push_back(ReadKey(r, i));
    co_return keys;
}

Task<bool> PostgresAuthStore::RevokeApiKey(std::int64_t id, std::optional<std::int64_t> user_id, core::TimePoint at) {
    PgParams params{Str(id), Str(core::ToUnixMillis(at)), OptInt(user_id)};
    auto r = co_await pool_->Execute(kRevokeKey, params);
    co_return r.Affected() == 1;
}

Task<std::optional<ApiKey>> PostgresAuthStore::SetApiKeyRateLimit(std::int64_t id, std::optional<std::int64_t> user_id,
                                                                  std::optional<std::string> rate_limit) {
    PgParams params{Str(id), std::move(rate_limit), OptInt(user_id)};
    auto r = co_await pool_->Execute(kSetKeyRateLimit, params);
    if (r.Rows() == 0) co_return std::nullopt;
    co_return ReadKey(r, 0);
}

Task<void> PostgresAuthStore::TouchApiKey(std::int64_t id, core::TimePoint at) {
    PgParams params{Str(id), Str(core::ToUnixMillis(at))};
    co_await pool_->Execute(kTouchKey, params);
}

Task<std::optional<User>> PostgresAuthStore::FindUserByIdentity(std::string_view issuer, std::string_view subject) {
    PgParams params{std::string(issuer), std::string(subject)};
    auto r = co_await pool_->Execute(kUserByIdentity, params);
    if (r.Rows() == 0) co_return std::nullopt;
    co_return ReadUser(r, 0, 0);
}

Task<bool> PostgresAuthStore::LinkIdentity(std::int64_t user_id, std::string_view issuer, std::string_view subject,
                                           core::TimePoint at) {
    PgParams params{std::string(issuer), std::string(subject), Str(user_id), Str(core::ToUnixMillis(at))};
    auto r = co_await pool_->Execute(kInsertIdentity, params);
    co_return r.Affected() == 1;
}

Task<core::Result<User>> PostgresAuthStore::CreateUserWithIdentity(const NewUser& user, std::string_view issuer,
                                                                   std::string_view subject) {
    PgParams params{user.email,
                    user.password_hash,
                    std::string(user.is_admin ? "t" : "f"),
                    Str(core::ToUnixMillis(user.created_at)),
                    std::string(issuer),
                    std::string(subject)};
    std::optional<PgResult> r;
    bool taken = false;
    try {
        r.emplace(co_await pool_->Execute(kInsertUserWithIdentity, params));
    } catch (const PgError& e) {
        if (!e.IsUniqueViolation()) throw;
        taken = true;  // the email (or, in a race, the identity) exists
    }
    if (taken) co_return make_error_code(Errc::kEmailTaken);
    co_return User{r->Int(0, 0), user.email, user.password_hash, user.is_admin, user.created_at};
}

Task<bool> PostgresAuthStore::SetUserAdmin(std::int64_t user_id, bool is_admin) {
    PgParams params{Str(user_id), std::string(is_admin ? "t" : "f")};
    auto r = co_await pool_->Execute(kSetAdmin, params);
    co_return r.Affected() == 1;
}

Task<void> PostgresAuthStore::CreateSession(const NewSession& session) {
    PgParams params{session.token_hash, Str(session.user_id), session.csrf_token,
                    Str(core::ToUnixMillis(session.created_at)), Str(core::ToUnixMillis(session.expires_at))};
    co_await pool_->Execute(kInsertSession, params);
}

Task<std::optional<SessionWithUser>> PostgresAuthStore::FindSession(std::string_view token_hash, core::TimePoint now) {
    PgParams params{std::string(token_hash), Str(core::ToUnixMillis(now))};
    auto r = co_await pool_->Execute(kSessionByHash, params);
    if (r.Rows() == 0) co_return std::nullopt;
    co_return SessionWithUser{std::string(r.Text(0, 0)), core::FromUnixMillis(r.Int(0, 1)), ReadUser(r, 0, 2)};
}

Task<void> PostgresAuthStore::DeleteSession(std::string_view token_hash) {
    PgParams params{std::string(token_hash)};
    co_await pool_->Execute(kDeleteSession, params);
}

Task<std::size_t> PostgresAuthStore::PurgeExpiredSessions(core::TimePoint now) {
    PgParams params{Str(core::ToUnixMillis(now))};
    auto r = co_await pool_->Execute(kPurgeSessions, params);
    co_return static_cast<std::size_t>(r.Affected());
}

}  // namespace shortener::store
