#pragma once
/// @file
/// @brief Redirect rules and A/B splits (issue #17): which destination one visitor gets. A link's rules are
/// evaluated in order and the first whose every condition holds wins; else a split (weighted, sticky per visitor)
/// picks a variant; else the link's URL. Legacy device/country targeting is converted into rules evaluated after
/// the link's own ones (TargetingRules), so it keeps redirecting as it always did.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time.hpp"

namespace shortener::core {

struct Targeting;

inline constexpr std::size_t kMaxRules = 25;
inline constexpr std::size_t kMaxSplitVariants = 10;
inline constexpr std::size_t kMaxRuleListValues = 50;   // countries, languages or query parameters in one condition
inline constexpr std::size_t kMaxRuleTokenLength = 64;  // a language tag, query parameter name or value
inline constexpr std::int64_t kMaxSplitWeight = 1'000'000;

/// Device classes a rule can ask for, as a bit set. "other" is every device that is neither iOS, Android nor a
/// desktop browser (other phones and tablets, TVs, consoles).
enum DeviceBit : std::uint8_t { kDeviceBitIos = 1, kDeviceBitAndroid = 2, kDeviceBitDesktop = 4, kDeviceBitOther = 8 };

/// The bit of a device name ("ios", "android", "desktop", "other"); 0 for anything else.
std::uint8_t DeviceBitOf(std::string_view name) noexcept;
/// The names of the bits set, in the order above.
std::vector<std::string_view> DeviceNames(std::uint8_t bits);

/// Every member is one condition; an empty/absent one holds for everybody.
struct RuleCondition {
    std::vector<std::string> countries;  // ISO 3166-1 alpha-2, upper case: the visitor's country is one of them
    std::uint8_t devices = 0;            // DeviceBit set: the visitor's device is one of them
    std::vector<std::string> languages;  // lower-case tags: the visitor's preferred language matches one of them
    std::vector<std::pair<std::string, std::string>> query;  // each parameter present with exactly this value
    std::optional<TimePoint> after;                          // now >= after
    std::optional<TimePoint> before;                         // now < before

    bool operator==(const RuleCondition&) const = default;
};

struct Rule {
    RuleCondition when;
    std::string url;
    bool from_targeting = false;  // converted from the legacy targeting field (never stored as a rule)

    bool operator==(const Rule&) const = default;
};

struct SplitVariant {
    std::string url;
    std::int64_t weight = 1;  // 1..kMaxSplitWeight

    bool operator==(const SplitVariant&) const = default;
};

/// Legacy targeting as rules, in the order it was always checked: iOS, Android, then one rule per country.
std::vector<Rule> TargetingRules(const Targeting& targeting);

/// What the redirect evaluates: the link's own rules (any converted ones in `own` left out), then its targeting's.
std::vector<Rule> EffectiveRules(const std::vector<Rule>& own, const Targeting& targeting);

/// A language tag a rule may name: 1..8 letters, then "-" subtags of 1..8 letters or digits, at most
/// kMaxRuleTokenLength bytes. Returns it lower-cased, or "" when invalid.
std::string NormalizeLanguageTag(std::string_view tag);

/// The most preferred language of an Accept-Language header (highest q, the first of equals; q=0 and "*" never
/// count), lower-cased; "" when there is none.
std::string PreferredLanguage(std::string_view accept_language);

/// True when a rule's language `tag` covers `preferred`: equal, or a prefix ending at a subtag ("de" covers
/// "de-at", "de-at" does not cover "de").
bool LanguageMatches(std::string_view tag, std::string_view preferred) noexcept;

/// The device class bit of a visitor from the User-Agent and client hints.
std::uint8_t DeviceBitFor(std::string_view user_agent, std::string_view ch_ua_platform,
                          std::string_view ch_ua_mobile) noexcept;

/// True when the raw query string (without '?') has parameter `name` with value `value` (both compared after
/// percent-decoding, '+' as space).
bool QueryHas(std::string_view query, std::string_view name, std::string_view value);

/// A stable 64-bit visitor key for sticky splits: a hash of the client address, the User-Agent and the link id
/// (no cookie, no stored state; the same visitor gets the same variant on every visit).
std::uint64_t SplitVisitorKey(std::string_view client_address, std::string_view user_agent,
                              std::int64_t link_id) noexcept;

/// The variant index for a visitor key: variants own consecutive ranges of the total weight. `split` not empty.
std::size_t PickVariant(const std::vector<SplitVariant>& split, std::uint64_t visitor_key) noexcept;

/// What a visitor brings to rule evaluation. Country is asked for only when a rule needs it (a geo lookup costs).
struct VisitorFacts {
    std::string_view client_address;
    std::string_view user_agent;
    std::string_view ch_ua_platform;
    std::string_view ch_ua_mobile;
    std::string_view accept_language;
    std::string_view query;
    TimePoint now{};
};

enum class RouteKind : std::uint8_t { kDefault, kRule, kVariant, kTargeting };

/// Which destination was chosen and by what: the rule's index in the link's rules, the variant's in its split.
struct Route {
    const std::string* url = nullptr;
    RouteKind kind = RouteKind::kDefault;
    int index = -1;
};

/// The route's label as clicks record it: "rule:N", "variant:N", "targeting", or "url" for the link's own URL.
std::string RouteLabel(RouteKind kind, int index);

/// Lazily computed visitor facts shared by the rules of one evaluation.
class RuleContext {
  public:
    template <class CountryFn>
    RuleContext(const VisitorFacts& facts, CountryFn& country)
        : facts_(facts), country_(&country), ask_(&Ask<CountryFn>) {}

    bool Matches(const RuleCondition& c);

  private:
    template <class CountryFn>
    static std::string Ask(void* fn) {
        return (*static_cast<CountryFn*>(fn))();
    }
    const VisitorFacts& facts_;
    void* country_;
    std::string (*ask_)(void*);
    std::optional<std::string> country_value_;
    std::optional<std::string> language_;
    std::uint8_t device_ = 0;
};

/// Evaluates `rules` (in order, first match wins), then `split`, else `default_url`.
template <class CountryFn>
Route PickRoute(const std::vector<Rule>& rules, const std::vector<SplitVariant>& split, const std::string& default_url,
                std::int64_t link_id, const VisitorFacts& facts, CountryFn&& country) {
    RuleContext context(facts, country);
    int own = 0;
    for (const Rule& rule : rules) {
        if (context.Matches(rule.when)) {
            return {&rule.url, rule.from_targeting ? RouteKind::kTargeting : RouteKind::kRule,
                    rule.from_targeting ? -1 : own};
        }
        if (!rule.from_targeting) ++own;
    }
    if (!split.empty()) {
        const std::size_t i = PickVariant(split, SplitVisitorKey(facts.client_address, facts.user_agent, link_id));
        return {&split[i].url, RouteKind::kVariant, static_cast<int>(i)};
    }
    return {&default_url, RouteKind::kDefault, -1};
}

}  // namespace shortener::core
