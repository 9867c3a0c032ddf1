#pragma once
/// @file
/// @brief The link: a slug that redirects to a long URL, with its optional limits.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/errc.hpp"
#include "core/routing.hpp"
#include "core/time.hpp"

namespace shortener::core {

using LinkId = std::int64_t;

/// HTTP status used for the redirect. 302 is the default so that every visit reaches the server.
enum class RedirectType : std::uint16_t { k301 = 301, k302 = 302, k307 = 307, k308 = 308 };

std::optional<RedirectType> RedirectTypeFromInt(std::int64_t code) noexcept;

inline constexpr std::size_t kMaxTags = 20;
inline constexpr std::size_t kMaxTagLength = 64;
inline constexpr std::size_t kMaxTargetedCountries = 50;
/// Largest click limit a link may have.
inline constexpr std::int64_t kMaxClicksLimit = 1'000'000'000'000;
/// Link passwords are shared secrets typed by visitors, not account passwords: no strength rules, but a bound so
/// that hostile input cannot buy hashing time.
inline constexpr std::size_t kMaxLinkPasswordLength = 128;

/// Per-visitor destinations. Empty strings mean "no special destination". Checked in this order on every
/// redirect: device (iOS, Android), then country, then the link's own URL.
struct Targeting {
    std::string ios;
    std::string android;
    std::map<std::string, std::string> countries;  // ISO 3166-1 alpha-2 code (upper case) → URL

    bool Empty() const noexcept { return ios.empty() && android.empty() && countries.empty(); }
    bool operator==(const Targeting&) const = default;
};

/// Social preview (issue #17): what link-preview fetchers (chat and social apps unfurling a pasted link) are shown
/// as Open Graph and Twitter card tags instead of the redirect. All empty = no preview page: the link redirects
/// every visitor. `image` is an https URL that passed the URL policy.
struct SocialPreview {
    std::string title;
    std::string description;
    std::string image;

    bool Empty() const noexcept { return title.empty() && description.empty() && image.empty(); }
    bool operator==(const SocialPreview&) const = default;
};
inline constexpr std::size_t kMaxOgTitleLength = 200;        // bytes; cards show about 70 characters
inline constexpr std::size_t kMaxOgDescriptionLength = 500;  // bytes; cards show about 200 characters

/// A stored link as the API shows it.
struct Link {
    LinkId id = 0;
    std::string slug;
    std::string long_url;
    TimePoint created_at{};
    TimePoint updated_at{};
    std::optional<TimePoint> expires_at;
    std::optional<std::int64_t> max_clicks;
    RedirectType redirect_type = RedirectType::k302;
    std::vector<std::string> tags;
    std::optional<TimePoint> deleted_at;
    std::int64_t clicks = 0;               // recorded clicks (the click queue may hold a few more not yet written)
    std::int64_t human_clicks = 0;         // the recorded clicks that are not bots (HEAD, crawlers, previews)
    std::int64_t imported_clicks = 0;      // the click total another shortener reported at import; never in `clicks`
    std::optional<std::int64_t> owner_id;  // users.id of the owner; nullopt = anonymous (or auth mode none)
    std::string stats_token_hash;          // hex SHA-256 of an anonymous link's stats token; empty = none
    bool disabled = false;                 // answers 404 link_disabled on redirect, stays visible in the API
    std::string expired_url;               // where visitors go once expired (date or clicks); empty = 410
    bool forward_query = false;            // append the short link's query string to the destination
    std::string password_hash;             // argon2id (auth::PasswordHasher); empty = no password; never shown
    Targeting targeting;
    SocialPreview preview;            // og_title, og_description, og_image
    std::vector<Rule> rules;          // redirect rules (issue #17), in evaluation order
    std::vector<SplitVariant> split;  // A/B variants; empty = none
};

/// What a new link needs; `slug` empty means "generate one".
struct NewLink {
    std::string slug;
    std::string long_url;
    TimePoint created_at{};
    std::optional<TimePoint> expires_at;
    std::optional<std::int64_t> max_clicks;
    RedirectType redirect_type = RedirectType::k302;
    std::vector<std::string> tags;
    std::optional<std::int64_t> owner_id;
    std::string stats_token_hash;
    bool disabled = false;
    std::string expired_url;
    bool forward_query = false;
    std::string password_hash;
    Targeting targeting;
    std::vector<Rule> rules;
    std::vector<SplitVariant> split;
    std::int64_t imported_clicks = 0;  // set by imports only (see Link)
    SocialPreview preview;
};

/// A partial update; absent members stay as they are. `clear_*` removes an optional value.
struct LinkPatch {
    std::optional<std::string> long_url;
    std::optional<TimePoint> expires_at;
    bool clear_expires_at = false;
    std::optional<std::int64_t> max_clicks;
    bool clear_max_clicks = false;
    std::optional<RedirectType> redirect_type;
    std::optional<std::vector<std::string>> tags;
    std::optional<bool> disabled;
    std::optional<std::string> expired_url;  // "" clears
    std::optional<bool> forward_query;
    std::optional<std::string> password_hash;        // "" clears
    std::optional<Targeting> targeting;              // an empty Targeting clears
    std::optional<std::vector<Rule>> rules;          // empty clears
    std::optional<std::vector<SplitVariant>> split;  // empty clears
    std::optional<std::string> og_title;             // "" clears (each og_* on its own)
    std::optional<std::string> og_description;
    std::optional<std::string> og_image;
    TimePoint updated_at{};
};

/// Everything the redirect path needs, small and immutable so caches can share it between threads.
struct RedirectTarget {
    LinkId id = 0;
    std::string long_url;
    RedirectType redirect_type = RedirectType::k302;
    std::optional<TimePoint> expires_at;
    std::optional<std::int64_t> max_clicks;
    bool deleted = false;
    bool disabled = false;
    bool forward_query = false;
    std::string expired_url;
    std::string password_hash;
    Targeting targeting;
    /// Null for a link without og_* fields (most links): the redirect then never looks at the User-Agent for it.
    /// Shared, not held, so that every cached target pays one pointer for it, not three strings.
    std::shared_ptr<const SocialPreview> preview;
    std::vector<Rule> rules;  // EffectiveRules: the link's own, then its targeting's (empty: a plain link)
    std::vector<SplitVariant> split;

    /// True when the destination depends on the visitor (rules, targeting or a split).
    bool Routed() const noexcept { return !rules.empty() || !split.empty(); }
};

RedirectTarget ToRedirectTarget(const Link& link);

/// The link a store holds right after inserting `link` under `id` (no clicks, not updated yet).
Link StoredLink(LinkId id, const NewLink& link);

/// Whether the link may be followed at `now`: kGone once deleted or expired, kLinkDisabled when disabled. The click
/// limit is checked by the store, which counts exactly.
Result<void> CheckFollowable(const RedirectTarget& target, TimePoint now);

/// Expiry rule: a new expiry date must be in the future (kInvalidExpiry otherwise).
Result<void> CheckExpiresAt(TimePoint expires_at, TimePoint now);

/// Click limit rule: 1..kMaxClicksLimit.
Result<void> CheckMaxClicks(std::int64_t max_clicks);

/// Link password rule: 1..kMaxLinkPasswordLength bytes.
Result<void> CheckLinkPassword(std::string_view password);

/// Social preview text rule (og_title, og_description): at most `max_length` bytes, no control characters (the
/// JSON parser already refused invalid UTF-8). Empty is allowed (it clears).
Result<void> CheckPreviewText(std::string_view text, std::size_t max_length);

/// Tag rules: at most kMaxTags, each 1..kMaxTagLength bytes of printable UTF-8, no duplicates.
Result<void> CheckTags(const std::vector<std::string>& tags);

}  // namespace shortener::core
