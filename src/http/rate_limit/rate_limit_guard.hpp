#pragma once
/// @file
/// @brief Applies the rate limits of issues #7 and #12 to API requests (installed with Router::SetGuard). Each
/// /api/ request is charged to exactly one bucket, chosen by who the caller is:
///   - an API key: its own bucket (by key id) under the key's own limit, else RateLimitOptions::authenticated;
///     every /api/ call of the key (creates and the rest) takes from it;
///   - a web session: one bucket per user under `authenticated`, likewise;
///   - the trusted owner of auth mode none: one bucket per client address under `authenticated` (the server
///     passes nullopt unless SHORTENER_RATE_LIMIT_AUTHENTICATED was set: the local owner is not limited);
///   - anonymous callers, and credentials that do not authenticate: the client address (resolved through
///     trusted proxies; IPv6 by /64, since one host holds a whole /64) under `create` or `api`.
/// So anonymous traffic from an address never starves a key used from the same address. Authenticating needs a
/// store lookup only when the credential is not in the Authenticator's cache; such lookups are first charged to
/// a per-address bucket of their own (kCredentialLookupsPerAddress), so that floods of made-up keys cannot reach
/// the database faster than that. A refusal is 429 `rate_limited` with Retry-After and RateLimit-* headers.

#include <optional>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "core/client_address.hpp"
#include "http/rate_limiter.hpp"
#include "http/router.hpp"
#include "metrics/registry.hpp"

namespace shortener::http {

struct RateLimitOptions {
    std::optional<RateLimit> create;  // anonymous POST /api/v1/links, /api/shorten, per address; nullopt: unlimited
    std::optional<RateLimit> api;     // every other anonymous /api/ call, per address; nullopt: unlimited
    /// API keys without a limit of their own and sessions (per key, per user); in auth mode none the trusted
    /// owner (per address). nullopt: unlimited.
    std::optional<RateLimit> authenticated;
};

/// Store lookups of credentials the Authenticator has not cached, per client address: generous (a real key
/// needs one every few seconds per replica), but made-up keys cannot hammer the database.
inline constexpr RateLimit kCredentialLookupsPerAddress{20, 100};

/// The limit an authenticated caller is held to: the key's own limit when it has a valid one ("off": none),
/// else `fallback`.
std::optional<RateLimit> EffectiveLimit(const std::optional<std::string>& own,
                                        const std::optional<RateLimit>& fallback);

class RateLimitGuard {
  public:
    /// `limiter`, `registry` and `authenticator` must outlive the guard. Registers shortener_rate_limited_total.
    /// `authenticator` null: auth mode none (every caller is the trusted owner).
    RateLimitGuard(RateLimiter& limiter, RateLimitOptions options, core::TrustedProxies trusted,
                   metrics::Registry& registry, auth::Authenticator* authenticator = nullptr);

    /// nullopt to let the request through, or the 429 response.
    boost::asio::awaitable<std::optional<Response>> Check(const Request& request, RouteClass route_class);

    /// A Guard for Router::SetGuard, calling Check on this object.
    Guard AsGuard();

    const RateLimitOptions& options() const noexcept { return options_; }

    /// The address part of a bucket key for `request` (resolved through the trusted proxies, see
    /// ClientBucketKey), for handlers that take their own buckets from HandlerContext::rate_limiter (login,
    /// password forms) and must count clients the same way.
    std::string ClientKey(const Request& request) const;

  private:
    struct Charge;
    /// The bucket, limit and metric label a request is charged to; nullopt limit: not limited.
    boost::asio::awaitable<Charge> ChargeFor(const Request& request, RouteClass route_class);
    /// The principal of the request's credential; nullopt for none or one that does not authenticate, or when
    /// the lookup was refused (then `refused` holds the 429).
    boost::asio::awaitable<std::optional<auth::Principal>> Resolve(const Request& request, const std::string& address,
                                                                   RouteClass route_class,
                                                                   std::optional<Response>& refused);

    RateLimiter& limiter_;
    RateLimitOptions options_;
    core::TrustedProxies trusted_;
    metrics::CounterVec limited_;  // {class, bucket}
    auth::Authenticator* authenticator_;
};

/// The client's address: the TCP peer, or what trusted proxies forwarded (X-Forwarded-For / Forwarded, see
/// core::ResolveClientAddress) when the peer is one of them.
std::string ResolvedClientAddress(const Request& request, const core::TrustedProxies& trusted);

/// Takes one token from each of `buckets` in order under its limit (build the vector before co_await-ing); the first
/// refusal is returned with its limit (for TooManyRequests), nullopt when every bucket allowed. No limiter: always
/// allowed.
struct Refusal {
    RateDecision decision;
    RateLimit limit;
};
boost::asio::awaitable<std::optional<Refusal>> TakeEach(RateLimiter* limiter,
                                                        std::vector<std::pair<std::string, RateLimit>> buckets);

/// The bucket key part naming a client address: the address itself for IPv4, its /64 network for IPv6
/// ("2001:db8:1:2::/64"), or the text as given when it is not an address.
std::string ClientBucketKey(std::string_view client_address);

/// The 429 `rate_limited` answer for a refused Take: Retry-After, RateLimit-Limit/-Remaining/-Reset, no-store.
Response TooManyRequests(const RateDecision& decision, const RateLimit& limit);

/// The credential a request carries, as authentication reads it: the bearer token of `Authorization`, else the
/// value of the `shortener_session` cookie.
struct Credential {
    enum class Kind : std::uint8_t { kNone, kBearer, kSession };
    Kind kind = Kind::kNone;
    std::string_view token;  // a view into the request
};
Credential CredentialOf(const Request& request);

/// Hex SHA-256 of the request's credential (CredentialOf); empty when the request has none.
std::string CredentialBucketKey(const Request& request);

}  // namespace shortener::http
