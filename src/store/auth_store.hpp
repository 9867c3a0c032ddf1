#pragma once
/// @file
/// @brief Storage of accounts, API keys and web sessions (issue #7). Adapters: SqliteAuthStore (embedded
/// mode) and PostgresAuthStore (distributed mode); one contract suite (tests/store/auth_contract.hpp) runs
/// over both. Secrets are never stored: API keys and session tokens only as their SHA-256 (hex), passwords
/// only as argon2id hashes. Schema: migrations 0006 and 0007 of each backend; single sign-on identities:
/// SQLite 0017, PostgreSQL 0020.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errc.hpp"
#include "core/time.hpp"
#include "store/link_store.hpp"

namespace shortener::store {

/// The email of the built-in service owner: the user that keys made by `shortener keys create` without
/// --user belong to. It has no password (cannot log in) and is an admin. Not a valid email address, so
/// no sign-up can take it.
inline constexpr std::string_view kServiceUserEmail = "service";

struct User {
    std::int64_t id = 0;
    std::string email;          // lower-case
    std::string password_hash;  // argon2id; empty: cannot log in (the service owner)
    bool is_admin = false;
    core::TimePoint created_at{};
};

struct NewUser {
    std::string email;  // lower-case, validated by the caller
    std::string password_hash;
    bool is_admin = false;
    core::TimePoint created_at{};
};

struct ApiKey {
    std::int64_t id = 0;
    std::int64_t user_id = 0;
    std::string name;
    std::string prefix;  // the first characters of the key, for people to recognise it ("sk_AbC12345")
    std::string scopes;  // space-separated scope names, as given at creation
    core::TimePoint created_at{};
    std::optional<core::TimePoint> last_used_at;  // updated at most about once a minute
    std::optional<core::TimePoint> revoked_at;
    /// The key's own rate limit as text ("100/s burst 1000", "off"), validated by the caller; nullopt: the
    /// server's default for authenticated callers.
    std::optional<std::string> rate_limit;
};

struct NewApiKey {
    std::int64_t user_id = 0;
    std::string name;
    std::string prefix;
    std::string key_hash;  // hex SHA-256 of the whole key
    std::string scopes;
    core::TimePoint created_at{};
    std::optional<std::string> rate_limit;  // as ApiKey::rate_limit
};

/// A key with its owner, as authentication needs it.
struct ApiKeyWithUser {
    ApiKey key;
    User user;
};

struct NewSession {
    std::string token_hash;  // hex SHA-256 of the cookie value
    std::int64_t user_id = 0;
    std::string csrf_token;  // given to the page; alone it grants nothing
    core::TimePoint created_at{};
    core::TimePoint expires_at{};
};

struct SessionWithUser {
    std::string csrf_token;
    core::TimePoint expires_at{};
    User user;
};

/// Thread-safe. Every method throws core::BackendUnavailable when the store cannot be reached; domain
/// outcomes come back as values. Callers must co_await each call at once (string_view arguments are not
/// copied).
class AuthStore {
  public:
    virtual ~AuthStore() = default;

    /// kEmailTaken when the email exists.
    virtual Task<core::Result<User>> CreateUser(const NewUser& user) = 0;
    virtual Task<std::optional<User>> FindUserByEmail(std::string_view email) = 0;
    /// Every user, by id.
    virtual Task<std::vector<User>> ListUsers() = 0;

    virtual Task<ApiKey> CreateApiKey(const NewApiKey& key) = 0;
    /// The key with this hash and its owner, revoked or not; nullopt if there is none.
    virtual Task<std::optional<ApiKeyWithUser>> FindApiKey(std::string_view key_hash) = 0;
    /// The keys of one user (nullopt: of every user), by id.
    virtual Task<std::vector<ApiKey>> ListApiKeys(std::optional<std::int64_t> user_id) = 0;
    /// Revokes the key (a second revocation keeps the first time). False if no such key, or (with
    /// `user_id`) it belongs to someone else.
    virtual Task<bool> RevokeApiKey(std::int64_t id, std::optional<std::int64_t> user_id, core::TimePoint at) = 0;
    /// Sets (or with nullopt clears) the key's own rate limit; returns the updated key. nullopt if no such key,
    /// or (with `user_id`) it belongs to someone else. Revoked keys can be changed too (it does not matter).
    virtual Task<std::optional<ApiKey>> SetApiKeyRateLimit(std::int64_t id, std::optional<std::int64_t> user_id,
                                                           std::optional<std::string> rate_limit) = 0;
    /// Records a use of the key.
    virtual Task<void> TouchApiKey(std::int64_t id, core::TimePoint at) = 0;

    /// Single sign-on (issue #16): the user linked to the identity (issuer, subject); nullopt if none.
    virtual Task<std::optional<User>> FindUserByIdentity(std::string_view issuer, std::string_view subject) = 0;
    /// Links the identity to the user. False (nothing changed) when the identity is linked already, or the user
    /// has an identity at this issuer already: an account is linked to one subject per issuer, once.
    virtual Task<bool> LinkIdentity(std::int64_t user_id, std::string_view issuer, std::string_view subject,
                                    core::TimePoint at) = 0;
    /// Creates the user and links the identity in one transaction; kEmailTaken when the email has an account.
    virtual Task<core::Result<User>> CreateUserWithIdentity(const NewUser& user, std::string_view issuer,
                                                            std::string_view subject) = 0;

    /// Sets the instance admin flag (single sign-on's SHORTENER_OIDC_ADMIN_GROUP); false if no such user.
    virtual Task<bool> SetUserAdmin(std::int64_t user_id, bool is_admin) = 0;

    virtual Task<void> CreateSession(const NewSession& session) = 0;
    /// The session with this token hash if it has not expired at `now`.
    virtual Task<std::optional<SessionWithUser>> FindSession(std::string_view token_hash, core::TimePoint now) = 0;
    virtual Task<void> DeleteSession(std::string_view token_hash) = 0;
    /// Deletes sessions expired at `now`; returns how many.
    virtual Task<std::size_t> PurgeExpiredSessions(core::TimePoint now) = 0;
};

}  // namespace shortener::store
