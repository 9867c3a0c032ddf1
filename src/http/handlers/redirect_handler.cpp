// The redirect flow: GET|HEAD /{slug} → cache → store → 30x, then hand the click to the queue without
// waiting. The response never depends on the queue, the worker or click storage.

#include "core/click_event.hpp"
#include "http/error_response.hpp"
#include "http/handlers/handlers.hpp"

namespace shortener::http {
namespace {

// Browsers and proxies must ask us again on every visit (even for 301/308), or clicks go uncounted.
constexpr std::string_view kRedirectCacheControl = "private, no-store, max-age=0";

Response Miss(const Request& req, core::Errc e) {
    return req.WantsHtml() ? ShortLinkErrorPage(e) : ErrorResponse(e);
}

boost::asio::awaitable<Response> HandleRedirect(HandlerContext& ctx, const Request& req, std::string_view slug) {
    // Anything that cannot be a slug (dots, '%', too long) is refused before any lookup.
    if (!core::IsSlugShaped(slug)) co_return Miss(req, core::Errc::kNotFound);
    auto target = co_await ctx.resolver.Resolve(slug);
    if (!target) co_return Miss(req, core::Errc::kNotFound);
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(ctx.clock.Now());
    if (!core::CheckFollowable(*target, now)) co_return Miss(req, core::Errc::kGone);
    if (target->max_clicks) {
        const bool allowed = co_await ctx.links.TryConsumeUse(target->id, *target->max_clicks);
        if (!allowed) co_return Miss(req, core::Errc::kGone);
    }

    thread_local core::EventIdGenerator ids(ctx.random);
    // Forwarding headers count only from trusted proxies (ResolveClientAddress); the rest see the TCP peer.
    std::string client_address;
    if (ctx.trusted_proxies.empty()) {
        client_address = req.remote_address();
    } else {
        client_address = core::ResolveClientAddress(
            req.remote_address(), {req.Headers("x-forwarded-for"), req.Headers("forwarded")}, ctx.trusted_proxies);
    }
    ctx.clicks.TryEnqueue(core::ClickEvent::Make(
        ids.Next(now), target->id, now,
        {.client_address = client_address,
         .user_agent = req.Header("user-agent"),
         .referer = req.Header("referer"),
         .accept_language = req.Header("accept-language"),
         .query = req.query(),
         .ch_ua_mobile = req.Header("sec-ch-ua-mobile"),
         .ch_ua_platform = req.Header("sec-ch-ua-platform"),
         .head_request = req.method() == Method::kHead,
         .do_not_track = req.Header("dnt") == "1" || req.Header("sec-gpc") == "1"}));

    Response r;
    r.status = static_cast<unsigned>(target->redirect_type);
    r.location = target->long_url;
    r.cache_control = kRedirectCacheControl;
    co_return r;
}

}  // namespace

void AddRedirectRoute(Router& router, HandlerContext& ctx) {
    router.Add({Method::kGet}, "/{slug}", "redirect",
               [&ctx](const Request& req, const Params& p) { return HandleRedirect(ctx, req, p.Get("slug")); });
}

}  // namespace shortener::http
