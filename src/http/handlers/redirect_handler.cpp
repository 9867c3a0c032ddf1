// The redirect flow: GET|HEAD /{slug} → cache → store → 30x, then hand the click to the queue without
// waiting. The response never depends on the queue, the worker or click storage.
//
// Link management (issue #7) decides the answer in this order: deleted → 410; disabled → 404
// link_disabled; expired by date → expired_url or 410; password (GET: X-Link-Password or the interstitial
// form; POST /{slug}: the form's password) → 401 until right; click limit (consumed only now, so wrong
// passwords never use up clicks) → expired_url or 410; then the destination by device, country, default,
// with the query string forwarded when the link asks for it.

#include <sodium.h>

#include "core/click_event.hpp"
#include "core/targeting.hpp"
#include "http/error_response.hpp"
#include "http/handlers/handlers.hpp"
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

void AppendHtmlEscaped(std::string& out, std::string_view s) {
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out.push_back(c);
        }
    }
}

constexpr std::string_view kFormStyle =
    "body{font-family:system-ui,sans-serif;max-width:24rem;margin:15vh auto;padding:0 1rem;line-height:1.5;"
    "color:#1f2328;background:#fff}label{display:block;font-weight:600;margin:1rem 0 .25rem}"
    "input{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid #8c959f;border-radius:6px}"
    "input[aria-invalid=true]{border-color:#cf222e}button{margin-top:1rem;font:inherit;padding:.5rem 1rem;"
    "border:0;border-radius:6px;background:#1f6feb;color:#fff;cursor:pointer}"
    "button:focus-visible,input:focus-visible{outline:3px solid #0969da;outline-offset:2px}"
    ".error{color:#cf222e}@media(prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}"
    "input{background:#0d1117;color:#e6edf3}.error{color:#ff7b72}}";

// The page's CSP allows exactly its own inline style by hash: no script, no external resource, no frames.
// No form-action: browsers apply it to the redirect that follows the POST, whose destination is external
// (and naming it here would reveal the destination before the password is given).
const std::string& FormCsp() {
    static const std::string csp = [] {
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(kFormStyle.data()), kFormStyle.size());
        char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
        return "default-src 'none'; style-src 'sha256-" + std::string(b64) +
               "'; base-uri 'none'; frame-ancestors 'none'";
    }();
    return csp;
}

// The interstitial form for a password-protected link. It posts to the same path (and query, so that
// forwarding still works); the password travels only in the POST body. The action is built from the
// slug, never from the raw request target: an absolute-form target ("http://elsewhere/slug") must not
// send the password to another host.
enum class PasswordError { kNone, kWrong, kTooManyAttempts };

Response PasswordPage(const Request& req, std::string_view slug, PasswordError error = PasswordError::kNone) {
    const bool wrong = error != PasswordError::kNone;
    std::string body =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<meta name=\"robots\" content=\"noindex\"><meta name=\"referrer\" content=\"no-referrer\">"
        "<title>Password required</title><style>";
    body += kFormStyle;
    body +=
        "</style></head><body><main><h1>This link is protected</h1>"
        "<p id=\"hint\">Enter the password you were given to continue.</p>";
    if (error == PasswordError::kWrong) {
        body += "<p id=\"error\" class=\"error\" role=\"alert\">Wrong password. Try again.</p>";
    } else if (error == PasswordError::kTooManyAttempts) {
        body += "<p id=\"error\" class=\"error\" role=\"alert\">Too many attempts. Wait a minute, then try again.</p>";
    }
    body += "<form method=\"post\" action=\"/";
    AppendHtmlEscaped(body, slug);
    if (!req.query().empty()) {
        body += '?';
        AppendHtmlEscaped(body, req.query());
    }
    body +=
        "\"><label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" "
        "autocomplete=\"off\" required autofocus maxlength=\"128\" aria-describedby=\"";
    body += wrong ? "error hint\" aria-invalid=\"true\">" : "hint\">";
    body += "<button type=\"submit\">Continue</button></form></main></body></html>\n";
    Response r = Response::Html(error == PasswordError::kTooManyAttempts ? 429 : wrong ? 401 : 200, std::move(body));
    r.cache_control = kRedirectCacheControl;
    r.headers.emplace_back("Content-Security-Policy", FormCsp());
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    return r;
}

// The `password` field of an application/x-www-form-urlencoded body; "" when absent.
std::string FormPassword(std::string_view body) {
    while (!body.empty()) {
        auto amp = body.find('&');
        std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        auto eq = pair.find('=');
        if (PercentDecode(pair.substr(0, eq), true) != "password") continue;
        return eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
    }
    return {};
}

bool IsFormBody(const Request& req) {
    std::string_view type = req.Header("content-type");
    std::string_view media = type.substr(0, type.find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    return IEquals(media, "application/x-www-form-urlencoded");
}

// Only a person's visit uses up a click limit: HEAD requests, bots and link-preview fetchers (a chat app
// unfurling a pasted link) are answered like anyone else but leave the limit alone.
bool CountsAgainstLimit(const HandlerContext& ctx, const Request& req, std::string_view user_agent) {
    if (req.method() == Method::kHead) return false;
    return !(ctx.is_bot && ctx.is_bot(user_agent));
}

boost::asio::awaitable<Response> HandleRedirect(HandlerContext& ctx, const Request& req, std::string_view slug) {
    // Anything that cannot be a slug (dots, '%', too long) is refused before any lookup.
    if (!core::IsSlugShaped(slug)) co_return Miss(req, core::Errc::kNotFound);
    auto target = co_await ctx.resolver.Resolve(slug);
    if (!target) co_return Miss(req, core::Errc::kNotFound);
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(ctx.clock.Now());
    if (auto followable = core::CheckFollowable(*target, now); !followable) {
        const auto e = core::ToErrc(followable.error());
        if (e == core::Errc::kGone && !target->deleted) co_return Expired(req, *target);
        co_return Miss(req, e);
    }

    // Forwarding headers count only from trusted proxies; the rest see the TCP peer.
    const std::string client_address = ResolvedClientAddress(req, ctx.trusted_proxies);

    const bool form_post = req.method() == Method::kPost;
    if (!target->password_hash.empty()) {
        std::optional<std::string> given;
        if (form_post) {
            if (!IsFormBody(req)) {
                co_return ErrorResponse(core::Errc::kUnsupportedMediaType,
                                        "Send the password as application/x-www-form-urlencoded.");
            }
            given = FormPassword(req.body());
        } else if (auto header = req.Headers("x-link-password"); !header.empty()) {
            given = std::string(header.front());
        }
        if (!given) {
            co_return req.WantsHtml() ? PasswordPage(req, slug) : ErrorResponse(core::Errc::kPasswordRequired);
        }
        std::vector<std::pair<std::string, RateLimit>> buckets{
            {"pw:a:" + ClientBucketKey(client_address), kPasswordAttemptsPerAddress},
            {"pw:l:" + std::to_string(target->id), kPasswordAttemptsPerLink}};
        const auto limited = co_await TakeEach(ctx.rate_limiter, std::move(buckets));
        if (limited) {
            if (!req.WantsHtml()) co_return TooManyRequests(limited->decision, limited->limit);
            Response r = PasswordPage(req, slug, PasswordError::kTooManyAttempts);
            r.headers.emplace_back("Retry-After",
                                   std::to_string(std::max<std::int64_t>(1, limited->decision.retry_after.count())));
            co_return r;
        }
        bool right = false;
        if (!given->empty() && given->size() <= auth::kMaxPasswordLength && ctx.passwords) {
            right = co_await ctx.passwords->Verify(target->password_hash, std::move(*given));
        }
        if (!right) {
            co_return req.WantsHtml() ? PasswordPage(req, slug, PasswordError::kWrong)
                                      : ErrorResponse(core::Errc::kWrongPassword);
        }
    } else if (form_post) {
        Response r = ErrorResponse(core::Errc::kMethodNotAllowed);
        r.headers.emplace_back("Allow", "GET, HEAD");
        co_return r;
    }

    const std::string_view user_agent = req.Header("user-agent");
    if (target->max_clicks) {
        const bool allowed = CountsAgainstLimit(ctx, req, user_agent) ? co_await ctx.links.TryConsumeUse(target->id)
                                                                      : co_await ctx.links.HasUsesLeft(target->id);
        if (!allowed) co_return Expired(req, *target);
    }

    thread_local core::EventIdGenerator ids(ctx.random);
    const std::string_view ch_platform = req.Header("sec-ch-ua-platform");
    const bool device_targeted = !target->targeting.ios.empty() || !target->targeting.android.empty();
    const auto device = device_targeted ? core::DetectDevice(user_agent, ch_platform) : core::DeviceClass::kOther;
    const std::string& destination = core::PickDestination(*target, device, [&]() -> std::string {
        return ctx.country_of ? ctx.country_of(client_address) : std::string();
    });

    ctx.clicks.TryEnqueue(
        core::ClickEvent::Make(ids.Next(now), target->id, now,
                               {.client_address = client_address,
                                .user_agent = user_agent,
                                .referer = req.Header("referer"),
                                .accept_language = req.Header("accept-language"),
                                .query = req.query(),
                                .ch_ua_mobile = req.Header("sec-ch-ua-mobile"),
                                .ch_ua_platform = ch_platform,
                                .head_request = req.method() == Method::kHead,
                                .do_not_track = req.Header("dnt") == "1" || req.Header("sec-gpc") == "1"}));

    // After the form's POST: 303, so the browser follows with a GET whatever the link's type (a 307/308
    // would send the password on to the destination).
    const unsigned status = form_post ? 303 : static_cast<unsigned>(target->redirect_type);
    co_return RedirectTo(
        status, target->forward_query ? core::AppendQuery(destination, req.query()) : std::string(destination));
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
