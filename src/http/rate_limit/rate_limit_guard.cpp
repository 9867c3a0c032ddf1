#include "http/rate_limit/rate_limit_guard.hpp"

#include <algorithm>
#include <stdexcept>

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

Credential CredentialOf(const Request& request) {
    if (std::string_view auth = TrimSpaces(request.Header("authorization")); !auth.empty()) {
        // A malformed Authorization header is refused by authentication, whatever cookie rides along.
        if (auth.size() <= 7 || !IEquals(auth.substr(0, 7), "bearer ")) return {};
        std::string_view token = TrimSpaces(auth.substr(7));
        if (token.empty()) return {};
        return {Credential::Kind::kBearer, token};
    }
    if (std::string_view session = CookieValue(request, kSessionCookie); !session.empty()) {
        return {Credential::Kind::kSession, session};
    }
    return {};
}

std::string CredentialBucketKey(const Request& request) {
    const Credential credential = CredentialOf(request);
    if (credential.kind == Credential::Kind::kNone) return {};
    return auth::Sha256Hex(credential.token);
}

std::optional<RateLimit> EffectiveLimit(const std::optional<std::string>& own,
                                        const std::optional<RateLimit>& fallback) {
    if (!own) return fallback;
    try {
        return ParseRateLimit(*own);
    } catch (const std::invalid_argument&) {
        return fallback;  // validated when stored; a bad row must not lift the limit
    }
}

struct RateLimitGuard::Charge {
    std::string key;
    std::optional<RateLimit> limit;   // nullopt: not limited
    std::string_view bucket;          // the metric label
    std::optional<Response> refused;  // refused before any charge (credential lookups)
};

RateLimitGuard::RateLimitGuard(RateLimiter& limiter, RateLimitOptions options, core::TrustedProxies trusted,
                               metrics::Registry& registry, auth::Authenticator* authenticator)
    : limiter_(limiter),
      options_(options),
      trusted_(std::move(trusted)),
      limited_(registry, "shortener_rate_limited_total",
               "Requests refused with 429 by a rate limit, by route class (create, api) and bucket (address, "
               "credential, lookup, owner).",
               "class", "bucket"),
      authenticator_(authenticator) {}

boost::asio::awaitable<std::optional<Response>> RateLimitGuard::Check(const Request& request, RouteClass route_class) {
    Charge charge = co_await ChargeFor(request, route_class);
    if (charge.refused) co_return std::move(charge.refused);
    if (!charge.limit) co_return std::nullopt;
    const RateDecision decision = co_await limiter_.Take(charge.key, *charge.limit);
    if (decision.allowed) co_return std::nullopt;
    limited_.With(ClassName(route_class), charge.bucket).Inc();
    co_return TooManyRequests(decision, *charge.limit);
}

boost::asio::awaitable<RateLimitGuard::Charge> RateLimitGuard::ChargeFor(const Request& request,
                                                                         RouteClass route_class) {
    const std::string address = ClientKey(request);
    if (authenticator_ == nullptr) co_return Charge{"owner:a:" + address, options_.authenticated, "owner", {}};
    const std::string_view class_name = ClassName(route_class);
    Charge anonymous{std::string(class_name) + ":a:" + address,
                     route_class == RouteClass::kCreate ? options_.create : options_.api,
                     "address",
                     {}};
    std::optional<Response> refused;
    std::optional<auth::Principal> p = co_await Resolve(request, address, route_class, refused);
    if (refused) {
        anonymous.refused = std::move(refused);
        co_return anonymous;
    }
    if (!p) co_return anonymous;
    if (p->kind == auth::Principal::Kind::kApiKey) {
        co_return Charge{"auth:k:" + std::to_string(p->key_id),
                         EffectiveLimit(p->rate_limit, options_.authenticated),
                         "credential",
                         {}};
    }
    co_return Charge{"auth:u:" + std::to_string(p->user_id), options_.authenticated, "credential", {}};
}

boost::asio::awaitable<std::optional<auth::Principal>> RateLimitGuard::Resolve(const Request& request,
                                                                               const std::string& address,
                                                                               RouteClass route_class,
                                                                               std::optional<Response>& refused) {
    const Credential credential = CredentialOf(request);
    if (credential.kind == Credential::Kind::kNone) co_return std::nullopt;
    if (!authenticator_->Remembers(auth::Sha256Hex(credential.token))) {
        const std::string key = "lookup:a:" + address;
        const RateDecision decision = co_await limiter_.Take(key, kCredentialLookupsPerAddress);
        if (!decision.allowed) {
            limited_.With(ClassName(route_class), "lookup").Inc();
            refused = TooManyRequests(decision, kCredentialLookupsPerAddress);
            co_return std::nullopt;
        }
    }
    // Locals, not temporaries, as arguments of awaited calls (GCC 12 coroutine bug).
    std::string token(credential.token);
    std::optional<auth::Principal> p;
    if (credential.kind == Credential::Kind::kBearer) {
        p = co_await authenticator_->AuthenticateKey(std::move(token));
    } else {
        p = co_await authenticator_->AuthenticateSession(std::move(token));
    }
    co_return p;
}

std::string RateLimitGuard::ClientKey(const Request& request) const {
    return ClientBucketKey(ResolvedClientAddress(request, trusted_));
}

std::string ResolvedClientAddress(const Request& request, const core::TrustedProxies& trusted) {
    if (trusted.empty()) return std::string(request.remote_address());
    core::ForwardingHeaders forwarding{request.Headers("x-forwarded-for"), {}};
    // Forwarded counts only without X-Forwarded-For: not looked up on the usual proxied request.
    if (forwarding.x_forwarded_for.empty()) forwarding.forwarded = request.Headers("forwarded");
    return core::ResolveClientAddress(request.remote_address(), forwarding, trusted);
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
