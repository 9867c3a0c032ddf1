#include "core/errc.hpp"

#include <string>

namespace shortener::core {
namespace {

struct ErrcInfo {
    std::string_view name;
    std::string_view message;
};

// NOLINTNEXTLINE(readability-function-size): a table, one case per Errc
ErrcInfo Info(Errc e) noexcept {
    switch (e) {
        case Errc::kOk:
            return {"ok", "success"};
        case Errc::kInvalidJson:
            return {"invalid_json", "The request body is not valid JSON."};
        case Errc::kInvalidRequest:
            return {"invalid_request", "The request has an invalid shape."};
        case Errc::kPayloadTooLarge:
            return {"payload_too_large", "The request body is too large."};
        case Errc::kHeadersTooLarge:
            return {"headers_too_large", "The request line and headers are too large."};
        case Errc::kUnsupportedMediaType:
            return {"unsupported_media_type", "Send the request body as application/json."};
        case Errc::kMethodNotAllowed:
            return {"method_not_allowed", "This method is not allowed on this path."};
        case Errc::kInvalidQuery:
            return {"invalid_query", "A query parameter is invalid."};
        case Errc::kInvalidCursor:
            return {"invalid_cursor", "The pagination cursor is invalid."};
        case Errc::kInvalidUrl:
            return {"invalid_url", "The URL is not a valid absolute http(s) URL."};
        case Errc::kUrlTooLong:
            return {"url_too_long", "The URL is longer than allowed."};
        case Errc::kUrlRelative:
            return {"relative_url", "The URL must be absolute, starting with http:// or https://."};
        case Errc::kUrlSchemeNotAllowed:
            return {"unsupported_scheme", "Only http:// and https:// URLs can be shortened."};
        case Errc::kUrlMissingHost:
            return {"missing_host", "The URL has no host."};
        case Errc::kUrlHasCredentials:
            return {"url_credentials", "URLs with a user name or password (user@host) are not allowed."};
        case Errc::kUrlWhitespace:
            return {"url_whitespace", "The URL contains whitespace."};
        case Errc::kUrlControlCharacters:
            return {"url_control_characters", "The URL contains control characters."};
        case Errc::kUrlInvalidHost:
            return {"invalid_host", "The URL's host name is not valid."};
        case Errc::kUrlSelfReference:
            return {"redirect_loop", "The URL points at this shortener itself, which would make a redirect loop."};
        case Errc::kUrlMissing:
            return {"url_required", "The field \"url\" is required."};
        case Errc::kInvalidSlug:
            return {"invalid_slug", "A custom slug must be 3 to 64 characters of A-Z, a-z, 0-9, '_' and '-'."};
        case Errc::kSlugReserved:
            return {"slug_reserved", "This slug is reserved by the service."};
        case Errc::kSlugTaken:
            return {"slug_taken", "This slug is already in use."};
        case Errc::kSlugSpaceExhausted:
            return {"slug_space_exhausted", "Could not find a free slug; try again or use a longer slug length."};
        case Errc::kInvalidExpiry:
            return {"invalid_expires_at", "\"expires_at\" must be an RFC 3339 time in the future."};
        case Errc::kInvalidMaxClicks:
            return {"invalid_max_clicks", "\"max_clicks\" must be a positive integer."};
        case Errc::kInvalidRedirectType:
            return {"invalid_redirect_type", "\"redirect_type\" must be one of 301, 302, 307, 308."};
        case Errc::kInvalidTags:
            return {"invalid_tags", "\"tags\" must be a list of at most 20 distinct strings of 1 to 64 bytes."};
        case Errc::kNotFound:
            return {"not_found", "No such link."};
        case Errc::kGone:
            return {"gone", "This link is no longer available."};
        case Errc::kBackendUnavailable:
            return {"backend_unavailable", "A backing store is unavailable; try again shortly."};
        case Errc::kOverloaded:
            return {"overloaded", "The server is overloaded; try again shortly."};
        case Errc::kInvalidTimeZone:
            return {"invalid_tz", "\"tz\" must be an IANA time zone name such as Europe/Berlin."};
        case Errc::kInvalidInterval:
            return {"invalid_interval", "\"interval\" must be one of minute, hour, day, week, month."};
        case Errc::kInvalidRange:
            return {"invalid_range", "\"from\" and \"to\" must be RFC 3339 times with from before to."};
        case Errc::kRangeTooLarge:
            return {"range_too_large", "The time range is longer than allowed."};
        case Errc::kTooManyBuckets:
            return {"too_many_buckets", "The range holds too many buckets of this interval; use a longer interval."};
        case Errc::kLinkDisabled:
            return {"link_disabled", "This link is disabled."};
        case Errc::kPasswordRequired:
            return {"password_required", "This link is protected by a password."};
        case Errc::kWrongPassword:
            return {"wrong_password", "The password is wrong."};
        case Errc::kInvalidPassword:
            return {"invalid_password", "\"password\" must be a string of 1 to 128 bytes, or null to remove it."};
        case Errc::kInvalidTargeting:
            return {"invalid_targeting",
                    "\"targeting\" must be {\"ios\": url|null, \"android\": url|null, \"countries\": "
                    "{\"DE\": url, ...}} with at most 50 ISO 3166-1 alpha-2 country codes."};
        case Errc::kInvalidRules:
            return {"invalid_rules",
                    "\"rules\" must be an array of at most 25 {\"if\": {conditions}, \"url\": url} objects."};
        case Errc::kInvalidSplit:
            return {"invalid_split",
                    "\"split\" must be an array of at most 10 {\"url\": url, \"weight\": positive integer} objects."};
        case Errc::kRateLimited:
            return {"rate_limited", "Too many requests; retry after the time in Retry-After."};
        case Errc::kUrlBlocked:
            return {"url_blocked", "Links to this domain are not allowed here."};
        case Errc::kUrlShortener:
            return {"url_shortener", "Links to other URL shorteners are not allowed; shorten the final URL instead."};
        case Errc::kInvalidQrOptions:
            return {"invalid_qr_options", "A QR code parameter (size, margin, ecc, fg, bg) is invalid."};
        case Errc::kUnauthorized:
            return {"unauthorized", "Authentication required: send an API key (Authorization: Bearer) or log in."};
        case Errc::kForbidden:
            return {"forbidden", "You are not allowed to do this."};
        case Errc::kInsufficientScope:
            return {"insufficient_scope", "The credential lacks the scope this needs."};
        case Errc::kCsrfFailed:
            return {"csrf_failed", "Missing or wrong X-CSRF-Token header."};
        case Errc::kInvalidCredentials:
            return {"invalid_credentials", "Wrong email or password."};
        case Errc::kEmailTaken:
            return {"email_taken", "An account with this email exists."};
        case Errc::kSignupClosed:
            return {"signup_closed", "Sign-up is closed on this server."};
        case Errc::kInvalidEmail:
            return {"invalid_email", "Not a valid email address."};
        case Errc::kWeakPassword:
            return {"weak_password", "The password must be 8 to 1024 characters long."};
        case Errc::kInvalidScopes:
            return {"invalid_scopes",
                    "Unknown scope, or one you may not grant (links:write links:read stats:read admin)."};
        case Errc::kNotImplemented:
            return {"not_implemented", "The server does not implement what the request needs."};
        case Errc::kInvalidIdempotencyKey:
            return {"invalid_idempotency_key", "Idempotency-Key must be 1 to 255 printable ASCII characters."};
        case Errc::kIdempotencyKeyReused:
            return {"idempotency_key_reused", "This Idempotency-Key was used with a different request."};
        case Errc::kIdempotencyKeyInProgress:
            return {"idempotency_key_in_progress",
                    "A request with this Idempotency-Key is still running; retry after the time in Retry-After."};
        case Errc::kInvalidPreview:
            return {"invalid_preview",
                    "\"og_title\" (at most 200 bytes) and \"og_description\" (at most 500 bytes) must be text without "
                    "control characters, \"og_image\" an https URL; null or \"\" removes one."};
        case Errc::kSsoStateInvalid:
            return {"sso_state_invalid",
                    "This sign-in is unknown, expired or was started in another browser; start "
                    "again."};
        case Errc::kSsoFailed:
            return {"sso_failed", "Single sign-on failed."};
        case Errc::kSsoNotAllowed:
            return {"sso_not_allowed", "There is no account for this identity and the server does not create one."};
        case Errc::kSsoUnavailable:
            return {"sso_unavailable", "The identity provider cannot be reached; try again later."};
        case Errc::kPasswordLoginOff:
            return {"password_login_off", "Password login is off on this server; sign in with single sign-on."};
        case Errc::kWebhookUrlInsecure:
            return {"webhook_url_insecure", "A webhook URL must be https."};
        case Errc::kWebhookTargetForbidden:
            return {"webhook_target_forbidden",
                    "A webhook URL must not point at a loopback, private, link-local or cloud metadata address."};
        case Errc::kWebhookUrlUnresolvable:
            return {"webhook_url_unresolvable", "The webhook URL's host name does not resolve."};
        case Errc::kInvalidWebhookEvents:
            return {"invalid_webhook_events",
                    "\"events\" must be a non-empty array of link.created, link.updated, link.deleted, link.clicked."};
        case Errc::kInvalidDomain:
            return {"invalid_domain", "\"host\" must be a DNS host name, without scheme, port or path."};
        case Errc::kDomainExists:
            return {"domain_exists", "This domain is already configured."};
        case Errc::kDefaultDomain:
            return {"default_domain", "The default domain follows the public URL and cannot be changed here."};
        case Errc::kDomainHasLinks:
            return {"domain_has_links", "The domain still has links; delete them first or pass ?force=true."};
        case Errc::kDomainForbidden:
            return {"domain_forbidden", "You may not use this domain."};
    }
    return {"internal", "Internal error."};
}

class Category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "shortener"; }
    std::string message(int ev) const override { return std::string(Info(static_cast<Errc>(ev)).message); }
    char const* message(int ev, char* buffer, std::size_t len) const noexcept override {
        auto m = Info(static_cast<Errc>(ev)).message;
        std::size_t n = m.size() < len ? m.size() : len - 1;
        m.copy(buffer, n);
        buffer[n] = '\0';
        return buffer;
    }
};

}  // namespace

const boost::system::error_category& ErrcCategory() noexcept {
    static const Category category;
    return category;
}

std::string_view ErrcName(Errc e) noexcept { return Info(e).name; }

Errc ToErrc(const boost::system::error_code& ec) noexcept {
    if (!ec) return Errc::kOk;
    if (&ec.category() == &ErrcCategory()) return static_cast<Errc>(ec.value());
    return Errc::kBackendUnavailable;
}

}  // namespace shortener::core
