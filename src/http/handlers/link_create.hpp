#pragma once
/// @file
/// @brief What the create endpoints share (links_handler.cpp: POST /api/v1/links and /api/shorten;
/// bulk_handler.cpp: POST /api/v1/links/bulk and the export): the link JSON, the validation of one link's
/// fields, the authorization of creators and the Idempotency-Key flow. Internal to http/handlers.

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "auth/principal.hpp"
#include "http/handlers/handlers.hpp"

namespace shortener::http::links {

// A failed request or item: the error code and, optionally, a specific message.
struct Failure {
    core::Errc code;
    std::string message;
};

template <class T>
using Parsed = std::variant<T, Failure>;

/// Draws of a generated slug before giving up (slug_space_exhausted): collisions are rare at any sane fill.
inline constexpr int kMaxSlugAttempts = 8;

/// The fields POST /api/v1/links (and each item of the bulk create) accepts.
inline constexpr std::string_view kCreateFields[] = {"url",           "slug",     "expires_at",     "max_clicks",
                                                     "redirect_type", "tags",     "disabled",       "expired_url",
                                                     "forward_query", "password", "targeting",      "rules",
                                                     "split",         "og_title", "og_description", "og_image"};

core::TimePoint NowMillis(core::Clock& clock);
std::string ShortUrl(const HandlerContext& ctx, std::string_view slug);
/// The link object of the API (docs/api-spec.md).
boost::json::object LinkJson(const HandlerContext& ctx, const core::Link& link);
/// LinkJson of each with its "broken" and "health" (one store read for all of them): what GET answers.
boost::asio::awaitable<boost::json::array> LinksWithHealth(const HandlerContext& ctx,
                                                           std::span<const core::Link> links);
Response Fail(const Failure& f);
/// Checks Content-Type (application/json) and parses the body.
Parsed<boost::json::value> ParseJsonValue(const Request& req);
/// A failure as the API's error object {"code", "message"}.
boost::json::object ErrorJson(const Failure& f);
std::optional<Failure> RejectUnknownFields(const boost::json::object& o, std::span<const std::string_view> known);

/// A validated new link, not stored yet: `custom` is the caller's slug ("" for a generated one).
struct PreparedLink {
    core::NewLink link;
    std::string custom;
};

/// Validates one create body (URL policy, options when `allow_options`, custom slug) and sets its owner.
boost::asio::awaitable<Parsed<PreparedLink>> PrepareLink(HandlerContext& ctx, const boost::json::object& o,
                                                         bool allow_options, const auth::Principal& principal,
                                                         std::string_view stats_token_hash);

/// The message of a taken custom slug. CheckCustomSlug allowed only [A-Za-z0-9_-] in it: naming it echoes
/// nothing unsafe.
std::string SlugTakenMessage(std::string_view slug);

/// Authorization of the create endpoints: links:write, or nobody at all when anonymous shortening is on
/// (and `anonymous_ok`). An anonymous link gets a stats token (returned once; only its digest is stored).
struct Creator {
    auth::Principal principal;
    std::string stats_token;  // anonymous callers only
};
boost::asio::awaitable<std::variant<Creator, Response>> AuthorizeCreate(HandlerContext& ctx, const Request& req,
                                                                        bool anonymous_ok = true);
std::string TokenHash(const Creator& c);

/// Runs `create` under the request's Idempotency-Key (docs/api-spec.md "Idempotency"): without the header it
/// just runs it; with one, a retry of the same request by the same caller gets the first answer (status, body,
/// Location) and creates nothing, the same key with another request is 422 idempotency_key_reused, and a retry
/// while the first still runs waits for it (a few seconds at most, then 409 idempotency_key_in_progress). 5xx
/// answers are not kept: a retry runs again.
boost::asio::awaitable<Response> Idempotent(HandlerContext& ctx, const Request& req, const Creator& creator,
                                            std::function<boost::asio::awaitable<Response>()> create);

/// POST /api/v1/links/bulk and GET /api/v1/links/export (bulk_handler.cpp). Added by AddLinkRoutes before
/// /api/v1/links/{slug}, which would otherwise own these paths.
void AddBulkRoutes(Router& router, HandlerContext& ctx);

}  // namespace shortener::http::links
