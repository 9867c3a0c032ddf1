#pragma once
/// @file
/// @brief Domain error codes. Each value maps to exactly one public error code and HTTP status
/// (the table lives in http/error_response.cpp); the machine-readable names below are part of the API
/// contract and never change once released.

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace shortener::core {

enum class Errc {
    kOk = 0,
    // Request shape
    kInvalidJson = 1,       // body is not JSON
    kInvalidRequest,        // JSON of the wrong shape: unknown or mistyped field
    kPayloadTooLarge,       // request body over the limit
    kHeadersTooLarge,       // request line + headers over the limit
    kUnsupportedMediaType,  // body not application/json
    kMethodNotAllowed,
    kInvalidQuery,  // bad query-string parameter
    kInvalidCursor,
    // URL policy
    kInvalidUrl,  // not parseable as an absolute URL
    kUrlTooLong,
    kUrlRelative,
    kUrlSchemeNotAllowed,  // anything but http/https (javascript:, data:, file:, ftp:, ...)
    kUrlMissingHost,
    kUrlHasCredentials,  // user-info such as https://bank.com@evil.example
    kUrlWhitespace,
    kUrlControlCharacters,
    kUrlInvalidHost,    // host that is neither a valid DNS name, IDN nor IP literal
    kUrlSelfReference,  // points at the shortener itself: a redirect loop
    kUrlMissing,        // "url" absent or empty
    // Slugs
    kInvalidSlug,
    kSlugReserved,
    kSlugTaken,
    kSlugSpaceExhausted,  // repeated collisions of generated slugs
    // Link fields
    kInvalidExpiry,
    kInvalidMaxClicks,
    kInvalidRedirectType,
    kInvalidTags,
    // Lookups
    kNotFound,
    kGone,
    // Infrastructure
    kBackendUnavailable,
    kOverloaded,
    // Analytics (stats, exports)
    kInvalidTimeZone,  // tz is not an IANA zone name
    kInvalidInterval,  // interval not minute|hour|day|week|month
    kInvalidRange,     // from/to unparseable, or from >= to
    kRangeTooLarge,    // to - from over the maximum range
    kTooManyBuckets,   // the range holds more buckets of the interval than allowed
    // Link management (issue #7, branch links)
    kLinkDisabled,      // the owner disabled the link (404 on redirect)
    kPasswordRequired,  // a password-protected link was followed without a password
    kWrongPassword,     // ... with a wrong one
    kInvalidPassword,   // a link password that breaks the rules (length)
    kInvalidTargeting,  // malformed targeting object, bad country code, too many countries
    kInvalidRules,      // redirect rules (issue #17): malformed, too many, a bad condition
    kInvalidSplit,      // an A/B split (issue #17): malformed, too many variants, a bad weight
    // Abuse protection (issue #7, branch protect)
    kRateLimited,   // a token bucket of the caller is empty (429 + Retry-After)
    kUrlBlocked,    // the URL's host is on the operator's blocklist
    kUrlShortener,  // the URL points at another known URL shortener
    // QR codes (issue #7, branch fuzzqr)
    kInvalidQrOptions,  // size, margin, ecc, fg or bg out of range
    // Accounts and API keys (issue #7, branch auth)
    kUnauthorized,        // no credential, or an unknown, revoked or expired one (401)
    kForbidden,           // authenticated but not allowed (e.g. /metrics from afar without admin)
    kInsufficientScope,   // the credential lacks the scope the endpoint needs
    kCsrfFailed,          // cookie-authenticated write without the session's X-CSRF-Token
    kInvalidCredentials,  // login: wrong email or password (the same answer for both)
    kEmailTaken,          // sign-up or users create: the email has an account
    kSignupClosed,        // self sign-up is off (SHORTENER_SIGNUP=closed)
    kInvalidEmail,
    kWeakPassword,   // account password too short or too long
    kInvalidScopes,  // unknown scope, or one the caller may not grant
    // HTTP framing (issue #12)
    kNotImplemented,  // a transfer coding the server does not implement (501)
    // Idempotency-Key (issue #15)
    kInvalidIdempotencyKey,     // empty, over 255 bytes, or with control characters (400)
    kIdempotencyKeyReused,      // the key was used with another request body (422)
    kIdempotencyKeyInProgress,  // the first request with the key has not finished yet (409, retry)
    // Social previews (issue #17)
    kInvalidPreview,  // og_title/og_description too long or with control characters, og_image not an https URL
    // Single sign-on (issue #16)
    kSsoStateInvalid,   // the callback's state is missing, unknown, expired or not this browser's (400)
    kSsoFailed,         // the provider refused the code or sent an ID token that does not verify (401)
    kSsoNotAllowed,     // no account for the identity and no just-in-time creation for its email (403)
    kSsoUnavailable,    // the provider cannot be reached or answers nonsense (502)
    kPasswordLoginOff,  // SHORTENER_PASSWORD_LOGIN=off: login and sign-up with a password are refused (403)
    // Webhooks (issue #15)
    kWebhookUrlInsecure,      // http target while SHORTENER_WEBHOOK_ALLOW_HTTP is off (400)
    kWebhookTargetForbidden,  // the target is or resolves to a loopback, private or metadata address (400)
    kWebhookUrlUnresolvable,  // the target's host name does not resolve (400)
    kInvalidWebhookEvents,    // events missing, empty, or naming an unknown event (400)
    // Branded domains (issue #14)
    kInvalidDomain,    // not a host name (IP literals, ports, paths, bad labels), or a bad domain setting (400)
    kDomainExists,     // a domain with this host is configured (409)
    kDefaultDomain,    // the default domain (the public URL's host) cannot be added, changed or deleted (409)
    kDomainHasLinks,   // DELETE of a domain that still has links, without ?force=true (409)
    kDomainForbidden,  // the caller may not use this domain (403)
};

/// The error category of Errc; messages are the human-readable default texts.
const boost::system::error_category& ErrcCategory() noexcept;

inline boost::system::error_code make_error_code(Errc e) noexcept {  // NOLINT: ADL hook name
    return {static_cast<int>(e), ErrcCategory()};
}

/// The stable machine-readable code for the API, e.g. "slug_taken".
std::string_view ErrcName(Errc e) noexcept;

/// Recovers the Errc of an error code of our category, or kBackendUnavailable for foreign codes.
Errc ToErrc(const boost::system::error_code& ec) noexcept;

template <class T>
using Result = boost::system::result<T, boost::system::error_code>;

/// Thrown by adapters when a backing store is unreachable or broken; the HTTP layer answers 503.
class BackendUnavailable : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Thrown when a bounded internal queue is full (e.g. password hashing); the HTTP layer answers 503
/// `overloaded` with Retry-After instead of letting work pile up.
class Overloaded : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace shortener::core

template <>
struct boost::system::is_error_code_enum<shortener::core::Errc> : std::true_type {};
