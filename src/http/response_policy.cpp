#include "http/response_policy.hpp"

#include <algorithm>

namespace shortener::http {
namespace {

constexpr std::string_view kAllowHeaders = "Authorization, Content-Type, X-CSRF-Token, X-Stats-Token, X-Request-Id";
constexpr std::string_view kExposeHeaders =
    "Location, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset";
constexpr std::string_view kPreflightMaxAge = "600";

bool StartsWithI(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && IEquals(s.substr(0, prefix.size()), prefix);
}

// Types a browser renders as a document, where injected markup could run script.
bool IsDocumentType(std::string_view type) noexcept {
    return StartsWithI(type, "text/html") || StartsWithI(type, "image/svg+xml") ||
           StartsWithI(type, "application/xhtml+xml") || StartsWithI(type, "text/xml") ||
           StartsWithI(type, "application/xml");
}

bool IsApiPath(std::string_view path) noexcept { return path.starts_with("/api/"); }

}  // namespace

bool HasHeader(const Response& response, std::string_view name) noexcept {
    return std::any_of(response.headers.begin(), response.headers.end(),
                       [name](const auto& h) { return IEquals(h.first, name); });
}

void ApplySecurityHeaders(Response& r) {
    if (r.content_type.empty() && r.body.empty() && !r.stream) return;
    if (!HasHeader(r, "X-Content-Type-Options")) r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (!IsDocumentType(r.content_type)) return;
    if (!HasHeader(r, "Content-Security-Policy")) {
        r.headers.emplace_back("Content-Security-Policy", std::string(kDefaultDocumentCsp));
    }
    if (!HasHeader(r, "Referrer-Policy")) r.headers.emplace_back("Referrer-Policy", "strict-origin-when-cross-origin");
    if (!HasHeader(r, "X-Frame-Options")) r.headers.emplace_back("X-Frame-Options", "DENY");
}

std::optional<Response> CorsPreflight(const Router& router, const Request& request) {
    const CorsPolicy& cors = router.cors();
    if (cors.origins.empty() || request.method() != Method::kOptions || !IsApiPath(request.path())) return std::nullopt;
    const std::string_view origin = request.Header("origin");
    if (!cors.Allows(origin) || request.Header("access-control-request-method").empty()) return std::nullopt;
    auto match = router.Find(Method::kOther, request.path());  // kOther matches no route: collects every method
    if (match.allowed.empty()) return std::nullopt;
    std::string methods;
    for (Method m : match.allowed) {
        if (!methods.empty()) methods += ", ";
        methods += MethodName(m);
    }
    Response r;
    r.status = 204;
    r.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
    r.headers.emplace_back("Access-Control-Allow-Credentials", "true");
    r.headers.emplace_back("Access-Control-Allow-Methods", std::move(methods));
    r.headers.emplace_back("Access-Control-Allow-Headers", std::string(kAllowHeaders));
    r.headers.emplace_back("Access-Control-Max-Age", std::string(kPreflightMaxAge));
    r.headers.emplace_back("Vary", "Origin");
    return r;
}

void ApplyCors(const CorsPolicy& cors, const Request& request, Response& response) {
    if (cors.origins.empty() || !IsApiPath(request.path())) return;
    if (HasHeader(response, "Access-Control-Allow-Origin")) return;  // a preflight answer, complete already
    const std::string_view origin = request.Header("origin");
    if (cors.Allows(origin)) {
        response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
        response.headers.emplace_back("Access-Control-Allow-Credentials", "true");
        response.headers.emplace_back("Access-Control-Expose-Headers", std::string(kExposeHeaders));
    }
    // The answer depends on Origin even when it carries no CORS headers: caches must keep them apart.
    response.headers.emplace_back("Vary", "Origin");
}

}  // namespace shortener::http
