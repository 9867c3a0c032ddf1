#include "http/error_response.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace shortener::http {

using core::Errc;

// NOLINTNEXTLINE(readability-function-size): a table, one case per Errc
unsigned StatusFor(Errc e) noexcept {
    switch (e) {
        case Errc::kOk:
            return 200;
        case Errc::kPayloadTooLarge:
            return 413;
        case Errc::kHeadersTooLarge:
            return 431;
        case Errc::kUnsupportedMediaType:
            return 415;
        case Errc::kMethodNotAllowed:
            return 405;
        case Errc::kSlugTaken:
            return 409;
        case Errc::kNotFound:
            return 404;
        case Errc::kGone:
            return 410;
        case Errc::kLinkDisabled:
            return 404;
        case Errc::kPasswordRequired:
        case Errc::kWrongPassword:
            return 401;
        case Errc::kBackendUnavailable:
        case Errc::kOverloaded:
        case Errc::kSlugSpaceExhausted:
            return 503;
        case Errc::kInvalidJson:
        case Errc::kInvalidRequest:
        case Errc::kInvalidQuery:
        case Errc::kInvalidCursor:
        case Errc::kInvalidUrl:
        case Errc::kUrlTooLong:
        case Errc::kUrlRelative:
        case Errc::kUrlSchemeNotAllowed:
        case Errc::kUrlMissingHost:
        case Errc::kUrlHasCredentials:
        case Errc::kUrlWhitespace:
        case Errc::kUrlControlCharacters:
        case Errc::kUrlInvalidHost:
        case Errc::kUrlSelfReference:
        case Errc::kUrlMissing:
        case Errc::kInvalidSlug:
        case Errc::kSlugReserved:
        case Errc::kInvalidExpiry:
        case Errc::kInvalidMaxClicks:
        case Errc::kInvalidRedirectType:
        case Errc::kInvalidTags:
        case Errc::kInvalidTimeZone:
        case Errc::kInvalidInterval:
        case Errc::kInvalidRange:
        case Errc::kRangeTooLarge:
        case Errc::kTooManyBuckets:
        case Errc::kInvalidPassword:
        case Errc::kInvalidTargeting:
        case Errc::kInvalidRules:
        case Errc::kInvalidSplit:
        case Errc::kUrlBlocked:
        case Errc::kUrlShortener:
        case Errc::kInvalidQrOptions:
        case Errc::kWebhookUrlInsecure:
        case Errc::kWebhookTargetForbidden:
        case Errc::kWebhookUrlUnresolvable:
        case Errc::kInvalidWebhookEvents:
        case Errc::kInvalidPreview:
            return 400;
        case Errc::kRateLimited:
            return 429;
        case Errc::kUnauthorized:
        case Errc::kInvalidCredentials:
            return 401;
        case Errc::kForbidden:
        case Errc::kInsufficientScope:
        case Errc::kCsrfFailed:
        case Errc::kSignupClosed:
            return 403;
        case Errc::kEmailTaken:
            return 409;
        case Errc::kInvalidEmail:
        case Errc::kWeakPassword:
        case Errc::kInvalidScopes:
            return 400;
        case Errc::kNotImplemented:
            return 501;
        case Errc::kInvalidIdempotencyKey:
            return 400;
        case Errc::kIdempotencyKeyReused:
            return 422;
        case Errc::kIdempotencyKeyInProgress:
            return 409;
        case Errc::kSsoStateInvalid:
            return 400;
        case Errc::kSsoFailed:
            return 401;
        case Errc::kSsoNotAllowed:
        case Errc::kPasswordLoginOff:
            return 403;
        case Errc::kSsoUnavailable:
            return 502;
        case Errc::kInvalidDomain:
            return 400;
        case Errc::kDomainExists:
        case Errc::kDefaultDomain:
        case Errc::kDomainHasLinks:
            return 409;
        case Errc::kDomainForbidden:
            return 403;
    }
    return 500;
}

Response ErrorResponse(Errc e, std::string_view message) {
    boost::json::object error;
    error["code"] = core::ErrcName(e);
    error["message"] = message.empty() ? core::ErrcCategory().message(static_cast<int>(e)) : std::string(message);
    boost::json::object body;
    body["error"] = std::move(error);
    Response r = Response::Json(StatusFor(e), boost::json::serialize(body));
    if (r.status == 503) r.headers.emplace_back("Retry-After", "5");
    if (e == Errc::kUnauthorized) r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"shortener\"");
    return r;
}

Response ErrorResponse(const boost::system::error_code& ec, std::string_view message) {
    return ErrorResponse(core::ToErrc(ec), message);
}

Response ShortLinkErrorPage(Errc e) {
    const bool gone = e == Errc::kGone;
    std::string body =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<meta name=\"robots\" content=\"noindex\"><title>";
    body += gone ? "Link no longer available" : "Link not found";
    body +=
        "</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:15vh auto;padding:0 1rem;"
        "line-height:1.5;color:#1f2328;background:#fff}@media(prefers-color-scheme:dark){body{color:#e6edf3;"
        "background:#0d1117}a{color:#58a6ff}}</style></head><body><h1>";
    body += gone ? "This link is no longer available" : "This link does not exist";
    body += "</h1><p>";
    body += gone ? "The short link you followed has expired or was removed by its owner."
                 : "Check the address for typos: short links are case-sensitive.";
    body += "</p><p><a href=\"/\">Shorten a link</a></p></body></html>\n";
    Response r = Response::Html(StatusFor(e), std::move(body));
    r.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return r;
}

std::string UnknownFieldMessage(std::string_view what, std::string_view name) {
    const bool plain = !name.empty() && name.size() <= 40 &&
                       name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos;
    std::string m = "Unknown " + std::string(what);
    if (plain) m += " \"" + std::string(name) + "\"";
    return m + ".";
}

}  // namespace shortener::http
