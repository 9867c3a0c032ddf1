#pragma once
/// @file
/// @brief The server-to-server side of OpenID Connect (docs/sso.md): the discovery document, the JWKS (cached,
/// refetched once when a token names an unknown kid, at most every kJwksRefetchInterval) and the token endpoint,
/// over libcurl. Its calls block, so they run on the client's own small thread pool, never on an HTTP event loop.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "auth/oidc.hpp"
#include "core/random.hpp"

namespace shortener::auth {

/// What discovery yields (only the members this client uses).
struct ProviderMetadata {
    std::string authorization_endpoint;
    std::string token_endpoint;
    std::string jwks_uri;
    bool secret_in_body = false;  // client_secret_post instead of client_secret_basic
};

/// A failure talking to the provider, with a sentence for logs and the error answer.
struct ProviderError {
    enum class Kind { kUnavailable, kRejected } kind = Kind::kUnavailable;  // rejected: the provider said no (4xx)
    std::string message;
};

class OidcClient {
  public:
    /// A token naming an unknown kid refetches the JWKS at most this often.
    static constexpr std::chrono::seconds kJwksRefetchInterval{10};

    OidcClient(OidcSettings settings, core::Clock& clock);
    ~OidcClient();
    OidcClient(const OidcClient&) = delete;
    OidcClient& operator=(const OidcClient&) = delete;

    const OidcSettings& settings() const { return settings_; }

    /// The discovery document, fetched once (again after a failure); its `issuer` must equal the setting.
    boost::asio::awaitable<std::variant<ProviderMetadata, ProviderError>> Metadata();
    /// The id_token of the token endpoint's answer to the authorization code.
    boost::asio::awaitable<std::variant<std::string, ProviderError>> ExchangeCode(std::string code,
                                                                                  std::string verifier,
                                                                                  std::string redirect_uri);
    /// Verifies an ID token with the provider's keys (refetching them once for an unknown kid).
    boost::asio::awaitable<std::variant<IdClaims, IdTokenError, ProviderError>> Verify(std::string id_token,
                                                                                       std::string nonce);

  private:
    struct Impl;
    OidcSettings settings_;
    core::Clock& clock_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace shortener::auth
