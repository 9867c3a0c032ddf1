#pragma once
/// @file
/// @brief The one authorization path every protected route goes through (docs/api-spec.md
/// "Authentication"), in the contract's order:
///   1. authenticate: `Authorization: Bearer sk_…`, else the `shortener_session` cookie. A credential that is
///      malformed, unknown, revoked or expired → 401 `unauthorized`; none at all → 401 too, unless the route
///      accepts anonymous callers;
///   2. CSRF: a cookie-authenticated POST/PATCH/PUT/DELETE must carry the session's `X-CSRF-Token` → else 403
///      `csrf_failed`;
///   3. scope → 403 `insufficient_scope`;
///   4. ownership (per link, MayAccess): another owner's link → 404 `not_found`, so slugs do not reveal owners.
/// In auth mode none every request is the trusted admin.

#include <boost/asio/awaitable.hpp>
#include <optional>
#include <string_view>
#include <variant>

#include "auth/principal.hpp"
#include "core/link.hpp"
#include "http/handlers/handlers.hpp"
#include "http/request.hpp"
#include "store/link_store.hpp"

namespace shortener::http {

inline constexpr std::string_view kSessionCookie = "shortener_session";
inline constexpr std::string_view kCsrfCookie = "shortener_csrf";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";
inline constexpr std::string_view kStatsTokenHeader = "x-stats-token";

/// Whether a route serves callers without any credential.
enum class Anonymous { kRefuse, kAllow };

/// Steps 1–3. `anonymous` kAllow returns an anonymous principal (no scope check) instead of 401. The
/// response alternative is the finished error answer.
boost::asio::awaitable<std::variant<auth::Principal, Response>> Authorize(HandlerContext& ctx, const Request& req,
                                                                          auth::Scope scope,
                                                                          Anonymous anonymous = Anonymous::kRefuse);

/// Step 1 alone (and step 2 for writes), for routes that need a principal but no particular scope
/// (key management, logout).
boost::asio::awaitable<std::variant<auth::Principal, Response>> Authenticate(HandlerContext& ctx, const Request& req);

/// Step 4: may `p` see and manage `link`? Admins (and auth mode none) see every link; others their own.
/// Links without an owner (anonymous, or made in mode none) belong to admins only.
bool MayAccess(const auth::Principal& p, const core::Link& link);

/// Step 4 for one link: the link with this slug if `p` may see it. Unknown slugs and other owners' links are both
/// 404 (so a slug does not reveal that it exists); a deleted link of one's own is 410 when `gone_is_error`.
boost::asio::awaitable<std::variant<core::Link, Response>> AccessibleLink(HandlerContext& ctx, const auth::Principal& p,
                                                                          std::string_view slug, bool gone_is_error);

/// Authorization of one link's analytics (stats, click export, live stream): the link's stats token
/// (anonymous links), or stats:read and ownership as for any link route. Returns the link, or the error
/// answer (401/403 as Authorize, 404 unknown or another owner's, 410 deleted).
boost::asio::awaitable<std::variant<core::Link, Response>> AuthorizeLinkStats(HandlerContext& ctx, const Request& req,
                                                                              std::string_view slug);

/// Whose links an all-links view (overview stats, overview live stream) covers.
struct OverviewScope {
    std::optional<std::int64_t> owner;  // nullopt: every link (admins, auth mode none)
};

/// Authorization of the all-links views: stats:read. Admins see every link; anyone else sees the sums of
/// their own links only.
boost::asio::awaitable<std::variant<OverviewScope, Response>> AuthorizeOverview(HandlerContext& ctx,
                                                                                const Request& req);

/// The stats token of the request (`X-Stats-Token` header, else `?token=`), empty if none.
std::string StatsTokenOf(const Request& req);

/// True if `token` is the stats token of `link` (compared as SHA-256 digests, in constant time).
bool StatsTokenMatches(std::string_view token, const core::Link& link);

/// The value of one cookie of the request, empty if absent.
std::string_view CookieValue(const Request& req, std::string_view name);

/// Restricts a list query to what `p` may see (its owner's links unless admin).
void ScopeListQuery(const auth::Principal& p, store::ListQuery& query);

/// Sets the owner and stats-token digest of a new link.
void SetOwnership(core::NewLink& link, const auth::Principal& p, std::string_view stats_token_hash);

}  // namespace shortener::http
