// The redirect flow: GET|HEAD /{slug} → cache → store → 30x, then hand the click to the queue without
// waiting. The response never depends on the queue, the worker or click storage.
//
// Link management (issue #7) decides the answer in this order: deleted → 410; disabled → 404
// link_disabled; expired by date → expired_url or 410; password (GET: X-Link-Password or the interstitial
// form; POST /{slug}: the form's password) → 401 until right; click limit (consumed only now, so wrong
// passwords never use up clicks) → expired_url or 410; then the destination: the link's rules (issue #17; legacy
// device/country targeting converted into rules after them), its split, else its URL, with the query string
// forwarded when the link asks for it.
//
// Social previews (issue #17): a link with og_* fields answers link-preview fetchers with the preview page instead
// (after the deleted, disabled and expiry checks, before the password); such a hit is a bot click that never uses up
// a click limit. Links without them never look at the User-Agent for it.

#include "core/click_event.hpp"
#include "core/routing.hpp"
#include "core/targeting.hpp"
#include "http/error_response.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/password_page.hpp"
#include "http/handlers/preview_page.hpp"
#include "http/rate_limit/rate_limit_guard.hpp"

namespace shortener::http {
namespace {

// Browsers and proxies must ask us again on every visit (even for 301/308), or clicks go uncounted, limits
// and expiry are bypassed and targeting answers one visitor with another's destination.
constexpr std::string_view kRedirectCacheControl = "private, no-store, max-age=0";

Response Miss(const Request& req, core::Errc e) { return req.WantsHtml() ? ShortLinkErrorPage(e) : ErrorResponse(e); }

Response RedirectTo(unsigned status, std::string location) {
    Response r;
    r.status = status;
    r.location = std::move(location);
    r.cache_control = kRedirectCacheControl;
    return r;
}

// An expired link (by date or by clicks) sends visitors to its expired_url when it has one. Always 302:
// the link may be edited back to life, so no client may remember this answer.
Response Expired(const Request& req, const core::RedirectTarget& target) {
    if (target.expired_url.empty()) return Miss(req, core::Errc::kGone);
    return RedirectTo(302, target.expired_url);
}

// Password guesses cost an argon2id computation each and are what a brute-force attack tries, so they are
// limited before verifying: per client address (an address, or an IPv6 /64, guessing at any link) and per
// link (many addresses guessing at one link). Held in Redis in distributed mode, like every other bucket.
constexpr RateLimit kPasswordAttemptsPerAddress{10.0 / 60.0, 10};
constexpr RateLimit kPasswordAttemptsPerLink{1.0, 30};

// Only a person's visit uses up a click limit: HEAD requests, bots and link-preview fetchers (a chat app
// unfurling a pasted link) are answered like anyone else but leave the limit alone.
bool CountsAgainstLimit(const HandlerContext& ctx, const Request& req, std::string_view user_agent) {
    if (req.method() == Method::kHead) return false;
    return !(ctx.is_bot && ctx.is_bot(user_agent));
}

// The password page, never stored by browsers or proxies.
Response ProtectedPage(const Request& req, std::string_view slug, PasswordError error = PasswordError::kNone) {
    Response r = PasswordPage(req, slug, error);
    r.cache_control = kRedirectCacheControl;
    return r;
}

// The password given with the request: the form's field on POST (the caller checked the body's type), else
// the X-Link-Password header; nullopt when there is none.
std::optional<std::string> GivenPassword(const Request& req) {
    if (req.method() == Method::kPost) return FormPassword(req.body());
    if (auto header = req.Headers("x-link-password"); !header.empty()) return std::string(header.front());
    return std::nullopt;
}

// Rate limits on password guesses (kPasswordAttemptsPerAddress, kPasswordAttemptsPerLink): the 429 answer
// once either is used up, else nullopt.
boost::asio::awaitable<std::optional<Response>> LimitGuesses(HandlerContext& ctx, const Request& req,
                                                             std::string_view slug, core::LinkId link,
                                                             const std::string& client_address) {
    std::vector<std::pair<std::string, RateLimit>> buckets{
        {"pw:a:" + ClientBucketKey(client_address), kPasswordAttemptsPerAddress},
        {"pw:l:" + std::to_string(link), kPasswordAttemptsPerLink}};
    const auto limited = co_await TakeEach(ctx.rate_limiter, std::move(buckets));
    if (!limited) co_return std::nullopt;
    if (!req.WantsHtml()) co_return TooManyRequests(limited->decision, limited->limit);
    Response r = ProtectedPage(req, slug, PasswordError::kTooManyAttempts);
    r.headers.emplace_back("Retry-After",
                           std::to_string(std::max<std::int64_t>(1, limited->decision.retry_after.count())));
    co_return r;
}

// The password gate: nullopt lets the visitor on to the link; otherwise the answer (the form, 401 wrong
// password, 429 too many guesses, 415 for a form of another type, 405 for a POST to an unprotected link).
boost::asio::awaitable<std::optional<Response>> PasswordGate(HandlerContext& ctx, const Request& req,
                                                             std::string_view slug, const core::RedirectTarget& target,
                                                             const std::string& client_address) {
    const bool form_post = req.method() == Method::kPost;
    if (target.password_hash.empty()) {
        if (!form_post) co_return std::nullopt;
        Response r = ErrorResponse(core::Errc::kMethodNotAllowed);
        r.headers.emplace_back("Allow", "GET, HEAD");
        co_return r;
    }
    if (form_post && !IsFormBody(req)) {
        co_return ErrorResponse(core::Errc::kUnsupportedMediaType,
                                "Send the password as application/x-www-form-urlencoded.");
    }
    std::optional<std::string> given = GivenPassword(req);
    if (!given) co_return req.WantsHtml() ? ProtectedPage(req, slug) : ErrorResponse(core::Errc::kPasswordRequired);
    auto limited = co_await LimitGuesses(ctx, req, slug, target.id, client_address);
    if (limited) co_return limited;
    bool right = false;
    if (!given->empty() && given->size() <= auth::kMaxPasswordLength && ctx.passwords) {
        right = co_await ctx.passwords->Verify(target.password_hash, std::move(*given));
    }
    if (right) co_return std::nullopt;
    co_return req.WantsHtml() ? ProtectedPage(req, slug, PasswordError::kWrong)
                              : ErrorResponse(core::Errc::kWrongPassword);
}

// Whether the click limit (if any) lets this visit through; a counted visit uses up one click.
boost::asio::awaitable<bool> WithinClickLimit(HandlerContext& ctx, const Request& req,
                                              const core::RedirectTarget& target) {
    if (!target.max_clicks) co_return true;
    if (CountsAgainstLimit(ctx, req, req.Header("user-agent"))) co_return co_await ctx.links.TryConsumeUse(target.id);
    co_return co_await ctx.links.HasUsesLeft(target.id);
}

// The route a routed link (rules, targeting or a split) takes for this visitor, from the in-memory target.
core::Route PickRoute(HandlerContext& ctx, const Request& req, const core::RedirectTarget& target,
                      const std::string& client_address, core::TimePoint now) {
    const core::VisitorFacts facts{.client_address = client_address,
                                   .user_agent = req.Header("user-agent"),
                                   .ch_ua_platform = req.Header("sec-ch-ua-platform"),
                                   .ch_ua_mobile = req.Header("sec-ch-ua-mobile"),
                                   .accept_language = req.Header("accept-language"),
                                   .query = req.query(),
                                   .now = now};
    return core::PickRoute(target.rules, target.split, target.long_url, target.id, facts, [&]() -> std::string {
        return ctx.country_of ? ctx.country_of(client_address) : std::string();
    });
}

// The destination `destination` with the query forwarded if the link asks: without the QR code's scan marker, which
// is ours (the stored click keeps it: that is how the worker tells a scan).
std::string Forwarded(const Request& req, const core::RedirectTarget& target, const std::string& destination) {
    if (!target.forward_query) return destination;
    const std::string_view query = req.query();
    return core::HasQrScanMarker(query) ? core::AppendQuery(destination, core::WithoutQrScanMarker(query))
                                        : core::AppendQuery(destination, query);
}

// Hands the click to the queue without waiting; a full queue drops it. `destination`: what was served (its utm_*
// parameters stand in for the visit's missing ones); `preview`: the social preview page was.
void TrackClick(HandlerContext& ctx, const Request& req, core::LinkId link, core::TimePoint now,
                const std::string& client_address, std::string_view destination, const core::Route* route,
                bool preview = false) {
    const std::string label = route ? core::RouteLabel(route->kind, route->index) : std::string();
    thread_local core::EventIdGenerator ids(ctx.random);
    ctx.clicks.TryEnqueue(
        core::ClickEvent::Make(ids.Next(now), link, now,
                               {.client_address = client_address,
                                .user_agent = req.Header("user-agent"),
                                .referer = req.Header("referer"),
                                .accept_language = req.Header("accept-language"),
                                .query = req.query(),
                                .ch_ua_mobile = req.Header("sec-ch-ua-mobile"),
                                .ch_ua_platform = req.Header("sec-ch-ua-platform"),
                                .head_request = req.method() == Method::kHead,
                                .do_not_track = req.Header("dnt") == "1" || req.Header("sec-gpc") == "1",
                                .link_query = core::UtmQueryOf(destination),
                                .preview = preview,
                                .route = label,
                                .destination = route ? std::string_view(*route->url) : std::string_view()}));
}

// The destination for this visitor, with the query forwarded if the link asks. A plain link evaluates no rule and
// leaves `route` empty; a routed one (rules, targeting or a split) sets it to what chose the destination.
std::string Destination(HandlerContext& ctx, const Request& req, const core::RedirectTarget& target,
                        const std::string& client_address, core::TimePoint now, std::optional<core::Route>& route) {
    if (!target.Routed()) return Forwarded(req, target, target.long_url);
    route = PickRoute(ctx, req, target, client_address, now);
    return Forwarded(req, target, *route->url);
}

bool IsPreviewAgent(const HandlerContext& ctx, const Request& req) {
    return ctx.is_preview_agent && ctx.is_preview_agent(req.Header("user-agent"));
}

// The social preview page for a fetcher. A click limit is checked (used up: expired for fetchers too) but never
// consumed. A password-protected link's page names no destination: fetchers must not get past the password.
boost::asio::awaitable<Response> PreviewAnswer(HandlerContext& ctx, const Request& req, std::string_view slug,
                                               const core::RedirectTarget& target, core::TimePoint now) {
    if (target.max_clicks) {
        const bool left = co_await ctx.links.HasUsesLeft(target.id);
        if (!left) co_return Expired(req, target);
    }
    const std::string client_address = ResolvedClientAddress(req, ctx.trusted_proxies);
    std::optional<core::Route> route;
    const std::string destination =
        target.password_hash.empty() ? Destination(ctx, req, target, client_address, now, route) : std::string();
    TrackClick(ctx, req, target.id, now, client_address, destination, route ? &*route : nullptr, /*preview=*/true);
    Response r = PreviewPage(*target.preview, ctx.public_url + "/" + std::string(slug), destination);
    r.cache_control = kRedirectCacheControl;
    co_return r;
}

// An unknown slug: the domain's not_found_redirect (issue #14) if it has one, else 404.
Response NotFound(const Request& req, const DomainSettings* domain) {
    if (domain == nullptr || !domain->not_found_redirect) return Miss(req, core::Errc::kNotFound);
    return RedirectTo(302, *domain->not_found_redirect);
}

boost::asio::awaitable<Response> HandleRedirect(HandlerContext& ctx, const Request& req, std::string_view slug) {
    std::shared_ptr<const DomainSettings> domain;
    if (ctx.domain_directory != nullptr) {
        domain = ctx.domain_directory->Fresh(req.Header("host"));
        if (!domain) domain = co_await ctx.domain_directory->Resolve(req.Header("host"));
    }
    // Anything that cannot be a slug (dots, '%', too long) is refused before any lookup. Links live on the default
    // domain only so far: a branded domain has no slugs yet (docs/domains.md).
    if (!core::IsSlugShaped(slug) || (domain && !domain->is_default)) co_return NotFound(req, domain.get());
    auto target = co_await ctx.resolver.Resolve(slug);
    if (!target) co_return NotFound(req, domain.get());
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(ctx.clock.Now());
    if (auto followable = core::CheckFollowable(*target, now); !followable) {
        const auto e = core::ToErrc(followable.error());
        if (e == core::Errc::kGone && !target->deleted) co_return Expired(req, *target);
        co_return Miss(req, e);
    }
    if (target->preview && req.method() != Method::kPost && IsPreviewAgent(ctx, req)) {
        co_return co_await PreviewAnswer(ctx, req, slug, *target, now);
    }

    // Forwarding headers count only from trusted proxies; the rest see the TCP peer.
    const std::string client_address = ResolvedClientAddress(req, ctx.trusted_proxies);
    auto denied = co_await PasswordGate(ctx, req, slug, *target, client_address);
    if (denied) co_return std::move(*denied);
    const bool within_limit = co_await WithinClickLimit(ctx, req, *target);
    if (!within_limit) co_return Expired(req, *target);

    std::optional<core::Route> route;  // stays empty for a plain link: no rule evaluation, nothing more recorded
    std::string destination = Destination(ctx, req, *target, client_address, now, route);
    TrackClick(ctx, req, target->id, now, client_address, destination, route ? &*route : nullptr);
    // After the form's POST: 303, so the browser follows with a GET whatever the link's type (a 307/308
    // would send the password on to the destination).
    const unsigned status = req.method() == Method::kPost ? 303 : static_cast<unsigned>(target->redirect_type);
    co_return RedirectTo(status, std::move(destination));
}

}  // namespace

void AddRedirectRoute(Router& router, HandlerContext& ctx) {
    router.Add({Method::kGet}, "/{slug}", "redirect",
               [&ctx](const Request& req, const Params& p) { return HandleRedirect(ctx, req, p.Get("slug")); });
    // The password form of a protected link posts here.
    router.Add({Method::kPost}, "/{slug}", "redirect_password",
               [&ctx](const Request& req, const Params& p) { return HandleRedirect(ctx, req, p.Get("slug")); });
}

}  // namespace shortener::http
