#pragma once
/// @file
/// @brief Single sign-on with OpenID Connect (issue #16; docs/sso.md): the pieces without network I/O. ID-token
/// verification against a JWKS (cjose: JWK import, JWS signature), PKCE (S256), and the sealed login-state cookie
/// (libsodium secretbox under a key derived from the client secret, so that every API replica can open it).

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/time.hpp"

namespace shortener::auth {

/// The SHORTENER_OIDC_* settings. `issuer` empty: single sign-on is off.
struct OidcSettings {
    std::string issuer;  // exactly as the provider's discovery document spells it
    std::string client_id;
    std::string client_secret;
    std::string scopes = "openid email profile";
    std::vector<std::string> allowed_domains;  // email domains that may get an account at first sign-in
    std::string name = "SSO";                  // what the login button says: "Sign in with <name>"
    std::string admin_group;                   // members (`groups` claim) are instance admins; empty: not managed
    bool enabled() const { return !issuer.empty(); }
};

/// A provider's signing keys (a JWKS), imported with cjose; RSA and EC keys only (symmetric keys are skipped).
class Jwks {
  public:
    /// nullopt when `json` is not a JWKS ({"keys": [...]}).
    static std::optional<Jwks> Parse(std::string_view json);
    Jwks();
    ~Jwks();
    Jwks(Jwks&&) noexcept;
    Jwks& operator=(Jwks&&) noexcept;
    Jwks(const Jwks&) = delete;
    Jwks& operator=(const Jwks&) = delete;

    bool Has(std::string_view kid) const;
    std::size_t size() const;

  private:
    friend class IdTokenVerifier;
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The claims a sign-in uses.
struct IdClaims {
    std::string issuer;
    std::string subject;
    std::string email;  // as the provider sent it ("" when absent)
    bool email_verified = false;
    std::vector<std::string> groups;  // the `groups` claim's strings (absent: none)
};

enum class IdTokenError {
    kMalformed,    // not a compact JWS with a JSON payload
    kAlgorithm,    // alg other than RS256 or ES256 (none, HS256, ...)
    kUnknownKey,   // no key in the JWKS has the token's kid (or kid missing and more than one key)
    kSignature,    // the signature does not verify
    kIssuer,       // iss is not the configured issuer
    kAudience,     // aud does not contain the client id, or azp is another client
    kExpired,      // exp (with leeway) is past
    kIssuedLater,  // iat is in the future beyond the leeway, or missing
    kNonce,        // nonce is not the one of this login
    kSubject,      // sub missing or empty
};

/// A sentence naming the problem (for logs and the error answer; never the token's content).
std::string_view Describe(IdTokenError e);

struct IdTokenChecks {
    std::string issuer;
    std::string client_id;
    std::string nonce;
    core::TimePoint now{};
    std::chrono::seconds leeway{60};
};

/// Checks the token's kid against a JWKS (so that a caller can refetch the keys once) and then the whole token.
class IdTokenVerifier {
  public:
    /// The kid in the token's protected header ("" when it has none), or nullopt when it is not a compact JWS.
    static std::optional<std::string> KeyId(std::string_view compact);
    static std::variant<IdClaims, IdTokenError> Verify(std::string_view compact, const Jwks& keys,
                                                       const IdTokenChecks& checks);
};

/// base64url without padding of 32 random bytes: a state, nonce or PKCE verifier.
std::string RandomUrlToken();
/// The PKCE S256 challenge of `verifier`: base64url(SHA-256(verifier)), no padding.
std::string PkceChallenge(std::string_view verifier);

/// What the login step keeps for its callback, sealed in a short-lived cookie.
struct LoginState {
    std::string state;
    std::string nonce;
    std::string verifier;
    std::string next;  // a path of this site to return to
    core::TimePoint expires_at{};
};

/// Encrypted and authenticated (secretbox) under a key derived from `secret`; base64url.
std::string SealLoginState(std::string_view secret, const LoginState& state);
/// nullopt when the cookie was not sealed under `secret`, is malformed, or expired at `now`.
std::optional<LoginState> OpenLoginState(std::string_view secret, std::string_view sealed, core::TimePoint now);

/// True for an issuer URL the client may talk to: https, or http on a loopback host (127.0.0.0/8, ::1,
/// localhost) for tests and local providers.
bool IsAcceptableIssuer(std::string_view issuer);

}  // namespace shortener::auth
