#pragma once
/// @file
/// @brief Applies the rate limits of issue #7 to API requests (installed with Router::SetGuard): creation
/// (RouteClass::kCreate) and every other /api/ call (kApi) each have a limit, enforced on two buckets per
/// request: the client address (resolved through trusted proxies; IPv6 by /64, since one host holds a whole
/// /64) and, when the request carries one, the credential (SHA-256 of the bearer token or of the
/// `shortener_session` cookie, so no authentication lookup is needed). A request must pass both; a refusal
/// is 429 `rate_limited` with Retry-After and RateLimit-* headers.

#include <optional>
#include <string>
#include <vector>

#include "core/client_address.hpp"
#include "http/rate_limiter.hpp"
#include "http/router.hpp"
#include "metrics/registry.hpp"

namespace shortener::http {

struct RateLimitOptions {
    std::optional<RateLimit> create;  // POST /api/v1/links, /api/shorten; nullopt: unlimited
    std::optional<RateLimit> api;     // every other /api/ route; nullopt: unlimited
};

class RateLimitGuard {
  public:
    /// `limiter` and `registry` must outlive the guard. Registers shortener_rate_limited_total.
    RateLimitGuard(RateLimiter& limiter, RateLimitOptions options, core::TrustedProxies trusted,
                   metrics::Registry& registry);

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
    RateLimiter& limiter_;
    RateLimitOptions options_;
    core::TrustedProxies trusted_;
    metrics::CounterVec limited_;  // {class, bucket}
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

/// Hex SHA-256 of the request's credential: the bearer token of `Authorization`, else the value of the
/// `shortener_session` cookie; empty when the request has neither.
std::string CredentialBucketKey(const Request& request);

}  // namespace shortener::http
