#include "http/rate_limit/rate_limit_guard.hpp"

#include <algorithm>

#include "auth/credentials.hpp"
#include "http/authorize.hpp"
#include "http/error_response.hpp"

namespace shortener::http {
namespace {

// Optional whitespace around header values (RFC 9110).
std::string_view TrimSpaces(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

std::string_view ClassName(RouteClass c) { return c == RouteClass::kCreate ? "create" : "api"; }

}  // namespace

std::string ClientBucketKey(std::string_view client_address) {
    auto ip = core::IpAddress::Parse(client_address);
    if (!ip) return std::string(client_address);
    if (ip->v4) return ip->ToString();
    core::IpAddress network = *ip;
    std::fill(network.bytes.begin() + 8, network.bytes.end(), 0);
    return network.ToString() + "/64";
}

std::string CredentialBucketKey(const Request& request) {
    std::string_view auth = TrimSpaces(request.Header("authorization"));
    if (auth.size() > 7 && IEquals(auth.substr(0, 7), "bearer ")) {
        std::string_view token = TrimSpaces(auth.substr(7));
        if (!token.empty()) return auth::Sha256Hex(token);
    }
    if (std::string_view session = CookieValue(request, kSessionCookie); !session.empty()) {
        return auth::Sha256Hex(session);
    }
    return {};
}

RateLimitGuard::RateLimitGuard(RateLimiter& limiter, RateLimitOptions options, core::TrustedProxies trusted,
                               metrics::Registry& registry)
    : limiter_(limiter),
      options_(options),
      trusted_(std::move(trusted)),
      limited_(registry, "shortener_rate_limited_total",
               "Requests refused with 429 by a rate limit, by route class (create, api) and bucket (address, "
               "credential).",
               "class", "bucket") {}

boost::asio::awaitable<std::optional<Response>> RateLimitGuard::Check(const Request& request, RouteClass route_class) {
    const std::optional<RateLimit>& limit = route_class == RouteClass::kCreate ? options_.create : options_.api;
    if (!limit) co_return std::nullopt;
    const std::string_view class_name = ClassName(route_class);

    std::string key(class_name);
    key += ":a:";
    key += ClientKey(request);
    RateDecision decision = co_await limiter_.Take(key, *limit);
    std::string_view bucket = "address";
    if (decision.allowed) {
        if (std::string credential = CredentialBucketKey(request); !credential.empty()) {
            key.assign(class_name);
            key += ":c:";
            key += credential;
            decision = co_await limiter_.Take(key, *limit);
            bucket = "credential";
        }
    }
    if (decision.allowed) co_return std::nullopt;

    limited_.With(class_name, bucket).Inc();
    co_return TooManyRequests(decision, *limit);
}

std::string RateLimitGuard::ClientKey(const Request& request) const {
    return ClientBucketKey(ResolvedClientAddress(request, trusted_));
}

std::string ResolvedClientAddress(const Request& request, const core::TrustedProxies& trusted) {
    if (trusted.empty()) return std::string(request.remote_address());
    return core::ResolveClientAddress(request.remote_address(),
                                      {request.Headers("x-forwarded-for"), request.Headers("forwarded")}, trusted);
}

boost::asio::awaitable<std::optional<Refusal>> TakeEach(RateLimiter* limiter,
                                                        std::vector<std::pair<std::string, RateLimit>> buckets) {
    if (!limiter) co_return std::nullopt;
    for (const auto& [bucket, limit] : buckets) {
        const RateDecision decision = co_await limiter->Take(bucket, limit);
        if (!decision.allowed) co_return Refusal{decision, limit};
    }
    co_return std::nullopt;
}

Response TooManyRequests(const RateDecision& decision, const RateLimit& limit) {
    Response r = ErrorResponse(core::Errc::kRateLimited);
    const std::string retry = std::to_string(std::max<std::int64_t>(1, decision.retry_after.count()));
    r.headers.emplace_back("Retry-After", retry);
    r.headers.emplace_back("RateLimit-Limit", std::to_string(static_cast<std::int64_t>(limit.burst)));
    r.headers.emplace_back("RateLimit-Remaining", "0");
    r.headers.emplace_back("RateLimit-Reset", retry);
    r.cache_control = kNoStore;
    return r;
}

Guard RateLimitGuard::AsGuard() {
    return [this](const Request& request, RouteClass route_class) { return Check(request, route_class); };
}

}  // namespace shortener::http
