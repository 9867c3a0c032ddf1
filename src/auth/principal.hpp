#pragma once
/// @file
/// @brief Who a request acts for, once its credential has been checked.

#include <cstdint>
#include <optional>
#include <string>

#include "auth/credentials.hpp"

namespace shortener::auth {

struct Principal {
    enum class Kind : std::uint8_t {
        kAnonymous,  // no credential (required mode)
        kTrusted,    // auth mode none: the one trusted user, admin
        kApiKey,     // Authorization: Bearer sk_…
        kSession,    // the shortener_session cookie of a web login
    };
    Kind kind = Kind::kAnonymous;
    std::int64_t user_id = 0;  // 0 for anonymous and trusted
    std::string email;
    Scopes scopes = 0;
    std::int64_t key_id = 0;                // kApiKey only
    std::optional<std::string> rate_limit;  // kApiKey only: the key's own limit (text); nullopt: the default
    std::string csrf_token;                 // kSession only: what X-CSRF-Token must carry on writes
    std::string session_token_hash;         // kSession only

    /// Admin: every scope, every owner's links.
    bool is_admin() const noexcept { return (scopes & kAdmin) != 0; }
    bool Has(Scope s) const noexcept { return HasScope(scopes, s); }
    bool authenticated() const noexcept { return kind != Kind::kAnonymous; }

    static Principal Trusted() {
        Principal p;
        p.kind = Kind::kTrusted;
        p.scopes = kAllScopes;
        return p;
    }
};

}  // namespace shortener::auth
