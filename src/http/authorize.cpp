#include "http/authorize.hpp"

#include "auth/credentials.hpp"
#include "http/error_response.hpp"

namespace shortener::http {
namespace {

using core::Errc;

bool IsWrite(Method m) {
    return m == Method::kPost || m == Method::kPatch || m == Method::kPut || m == Method::kDelete;
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

Response Unauthorized(std::string_view message = {}) { return ErrorResponse(Errc::kUnauthorized, message); }

}  // namespace

std::string_view CookieValue(const Request& req, std::string_view name) {
    for (std::string_view header : req.Headers("cookie")) {
        while (!header.empty()) {
            auto semi = header.find(';');
            std::string_view pair = Trim(header.substr(0, semi));
            header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
            auto eq = pair.find('=');
            if (eq != std::string_view::npos && Trim(pair.substr(0, eq)) == name) {
                std::string_view value = Trim(pair.substr(eq + 1));
                if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
                    value = value.substr(1, value.size() - 2);
                return value;
            }
        }
    }
    return {};
}

boost::asio::awaitable<std::variant<auth::Principal, Response>> Authenticate(HandlerContext& ctx, const Request& req) {
    if (!ctx.auth.required || ctx.authenticator == nullptr) co_return auth::Principal::Trusted();
    std::optional<auth::Principal> principal;
    if (std::string_view header = req.Header("authorization"); !header.empty()) {
        header = Trim(header);
        if (header.size() < 7 || !IEquals(header.substr(0, 7), "Bearer ")) {
            co_return Unauthorized("Use Authorization: Bearer <API key>.");
        }
        // A local, not a temporary, as the argument of an awaited call (GCC 12 coroutine bug).
        std::string key(Trim(header.substr(7)));
        std::optional<auth::Principal> p = co_await ctx.authenticator->AuthenticateKey(std::move(key));
        if (!p) co_return Unauthorized("The API key is unknown or revoked.");
        principal = std::move(p);
    } else if (std::string_view cookie = CookieValue(req, kSessionCookie); !cookie.empty()) {
        std::string token(cookie);
        std::optional<auth::Principal> p = co_await ctx.authenticator->AuthenticateSession(std::move(token));
        if (!p) co_return Unauthorized("The session has expired; log in again.");
        principal = std::move(p);
    } else {
        co_return auth::Principal{};  // anonymous
    }
    // Cookies ride along with cross-site requests; a header that only our own page can read cannot.
    if (principal->kind == auth::Principal::Kind::kSession && IsWrite(req.method()) &&
        !auth::ConstantTimeEquals(req.Header(kCsrfHeader), principal->csrf_token)) {
        co_return ErrorResponse(Errc::kCsrfFailed);
    }
    co_return std::move(*principal);
}

boost::asio::awaitable<std::variant<auth::Principal, Response>> Authorize(HandlerContext& ctx, const Request& req,
                                                                          auth::Scope scope, Anonymous anonymous) {
    std::variant<auth::Principal, Response> result = co_await Authenticate(ctx, req);
    if (auto* p = std::get_if<auth::Principal>(&result)) {
        if (!p->authenticated()) {
            if (anonymous == Anonymous::kAllow) co_return result;
            co_return Unauthorized();
        }
        if (!p->Has(scope)) {
            co_return ErrorResponse(Errc::kInsufficientScope,
                                    "This needs the scope " + auth::ScopeNames(scope).front() + ".");
        }
    }
    co_return result;
}

boost::asio::awaitable<std::variant<core::Link, Response>> AuthorizeLinkStats(HandlerContext& ctx, const Request& req,
                                                                              std::string_view slug) {
    std::variant<auth::Principal, Response> authn = co_await Authenticate(ctx, req);
    if (auto* r = std::get_if<Response>(&authn)) co_return std::move(*r);
    const auth::Principal& p = std::get<auth::Principal>(authn);
    const std::string token = StatsTokenOf(req);
    std::optional<core::Link> link;
    bool looked_up = false;
    if (!token.empty() && core::IsSlugShaped(slug)) {
        link = co_await ctx.links.FindBySlug(slug);
        looked_up = true;
        if (link && StatsTokenMatches(token, *link)) {
            if (link->deleted_at) co_return ErrorResponse(Errc::kGone);
            co_return std::move(*link);
        }
    }
    // Without a credential a wrong token answers like a missing one: nothing tells whether the slug exists.
    if (!p.authenticated()) co_return Unauthorized("Send an API key, log in, or give the link's stats token.");
    if (!p.Has(auth::kStatsRead)) co_return ErrorResponse(Errc::kInsufficientScope, "This needs the scope stats:read.");
    if (!core::IsSlugShaped(slug)) co_return ErrorResponse(Errc::kNotFound);
    if (!looked_up) link = co_await ctx.links.FindBySlug(slug);
    if (!link || !MayAccess(p, *link)) co_return ErrorResponse(Errc::kNotFound);
    if (link->deleted_at) co_return ErrorResponse(Errc::kGone);
    co_return std::move(*link);
}

boost::asio::awaitable<std::variant<OverviewScope, Response>> AuthorizeOverview(HandlerContext& ctx,
                                                                                const Request& req) {
    std::variant<auth::Principal, Response> authz = co_await Authorize(ctx, req, auth::kStatsRead);
    if (auto* r = std::get_if<Response>(&authz)) co_return std::move(*r);
    const auth::Principal& p = std::get<auth::Principal>(authz);
    OverviewScope scope;
    if (!p.is_admin()) scope.owner = p.user_id;
    co_return scope;
}

bool MayAccess(const auth::Principal& p, const core::Link& link) {
    if (p.is_admin()) return true;
    return p.authenticated() && link.owner_id && *link.owner_id == p.user_id;
}

boost::asio::awaitable<std::variant<core::Link, Response>> AccessibleLink(HandlerContext& ctx, const auth::Principal& p,
                                                                          std::string_view slug, bool gone_is_error) {
    if (!core::IsSlugShaped(slug)) co_return ErrorResponse(core::Errc::kNotFound);
    std::optional<core::Link> link = co_await ctx.links.FindBySlug(slug);
    if (!link || !MayAccess(p, *link)) co_return ErrorResponse(core::Errc::kNotFound);
    if (gone_is_error && link->deleted_at) co_return ErrorResponse(core::Errc::kGone, "This link was deleted.");
    co_return std::move(*link);
}

std::string StatsTokenOf(const Request& req) {
    if (std::string_view h = req.Header(kStatsTokenHeader); !h.empty()) return std::string(Trim(h));
    return req.QueryParam("token").value_or("");
}

bool StatsTokenMatches(std::string_view token, const core::Link& link) {
    const std::string& stored = link.stats_token_hash;
    if (stored.empty() || !auth::LooksLikeStatsToken(token)) return false;
    return auth::ConstantTimeEquals(auth::Sha256Hex(token), stored);
}

void ScopeListQuery(const auth::Principal& p, store::ListQuery& query) {
    if (!p.is_admin()) query.owner_id = p.user_id;
}

void SetOwnership(core::NewLink& link, const auth::Principal& p, std::string_view stats_token_hash) {
    std::optional<std::int64_t> owner;
    if (p.kind == auth::Principal::Kind::kApiKey || p.kind == auth::Principal::Kind::kSession) owner = p.user_id;
    link.owner_id = owner;
    link.stats_token_hash = std::string(stats_token_hash);
}

}  // namespace shortener::http
