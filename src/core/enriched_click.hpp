#pragma once
/// @file
/// @brief A click with the dimensions the dashboard shows, as the worker stores it. Empty strings and
/// absent numbers mean "unknown"; enrichment failure never drops a click, it leaves dimensions unknown.

#include <optional>
#include <string>

#include "core/click_event.hpp"

namespace shortener::core {

/// Device classes, as stored (docs/enrichment.md gives the rules).
inline constexpr std::string_view kDeviceDesktop = "desktop";
inline constexpr std::string_view kDeviceMobile = "mobile";
inline constexpr std::string_view kDeviceTablet = "tablet";
inline constexpr std::string_view kDeviceTv = "tv";
inline constexpr std::string_view kDeviceConsole = "console";
inline constexpr std::string_view kDeviceBot = "bot";
inline constexpr std::string_view kDeviceOther = "other";

/// Bot reasons, as stored (ClickDimensions::bot_reason).
inline constexpr std::string_view kBotReasonPreview = "preview";
inline constexpr std::string_view kBotReasonHead = "head";
inline constexpr std::string_view kBotReasonUserAgent = "user_agent";

struct ClickDimensions {
    bool is_bot = false;
    std::string country_code;        // ISO 3166-1 alpha-2
    std::string country_name;        // English
    std::string region;              // first subdivision, English
    std::string city;                // English
    std::optional<double> latitude;  // rounded (privacy): see the enricher
    std::optional<double> longitude;
    std::string browser;         // family, e.g. "Chrome Mobile"
    std::string os;              // family, e.g. "iOS"
    std::string device;          // one of the kDevice* classes
    std::string referrer_host;   // normalized, no "www."
    std::string referrer_class;  // direct | search | social | email | internal | other
    std::string language;        // primary language subtag from Accept-Language, lower-case
    std::string visitor_id;      // keyed daily hash; never the address itself
    std::string utm_source;
    std::string utm_medium;
    std::string utm_campaign;
    std::string utm_term;
    std::string utm_content;
    std::string bot_reason;  // why is_bot: "preview" (served the social preview page), "head", "user_agent"; "" = human
};

struct EnrichedClick {
    ClickEvent event;
    ClickDimensions dimensions;
};

/// Turns a raw click into its dimensions. Implementations must not throw for bad input (unknowns
/// instead) and must be thread-safe.
class ClickEnricher {
  public:
    virtual ~ClickEnricher() = default;
    virtual ClickDimensions Enrich(const ClickEvent& click) = 0;
};

}  // namespace shortener::core
