#pragma once
/// @file
/// @brief Turns a credential (an API key or a session token) into a Principal.
///
/// Lookups are cached in-process for `cache_ttl` (default 5 s) so that a busy client costs one database
/// read per key per replica every few seconds, not one per request. A revocation or logout through this
/// process takes effect at once (Forget*); on other replicas within cache_ttl — the documented
/// cross-replica delay (docs/api-spec.md). Unknown credentials are never cached, so a key created on one
/// replica works on every other at once. A key's last_used_at is written at most once per `touch_every`
/// per replica.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include "auth/principal.hpp"
#include "core/random.hpp"
#include "store/auth_store.hpp"

namespace shortener::auth {

struct AuthenticatorOptions {
    std::chrono::milliseconds cache_ttl{5000};  // how long a looked-up key or session is trusted
    std::size_t cache_capacity = 10'000;        // entries before the cache starts afresh
    std::chrono::seconds touch_every{60};       // least time between last_used_at writes of one key
};

/// Thread-safe. Methods throw core::BackendUnavailable when the store cannot be reached.
class Authenticator {
  public:
    Authenticator(store::AuthStore& store, core::Clock& clock, AuthenticatorOptions options = {});
    ~Authenticator();
    Authenticator(const Authenticator&) = delete;
    Authenticator& operator=(const Authenticator&) = delete;

    /// The principal of an API key; nullopt if the key is malformed, unknown or revoked.
    boost::asio::awaitable<std::optional<Principal>> AuthenticateKey(std::string key);
    /// The principal of a session token (cookie value); nullopt if unknown or expired.
    boost::asio::awaitable<std::optional<Principal>> AuthenticateSession(std::string token);

    /// True if the credential whose hex SHA-256 is `credential_hash` (a key or a session token) is in the cache
    /// and still fresh: authenticating it now needs no store lookup. Lets the rate-limit guard bound the
    /// lookups of unknown credentials without charging known ones.
    bool Remembers(std::string_view credential_hash) const;

    /// Drops every cached key (call after revoking one, so that it stops working here at once).
    void ForgetKeys();
    /// Drops a cached session (after logout).
    void ForgetSession(std::string_view token_hash);

    store::AuthStore& store() noexcept { return store_; }

  private:
    struct Cache;
    store::AuthStore& store_;
    core::Clock& clock_;
    AuthenticatorOptions options_;
    std::unique_ptr<Cache> cache_;
};

}  // namespace shortener::auth
