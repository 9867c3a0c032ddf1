#include "app/enrichment.hpp"

#include <malloc.h>

#include <mutex>

#include "enrich/bot_detector.hpp"
#include "enrich/click_enricher.hpp"
#include "enrich/geo_locator.hpp"
#include "log/log.hpp"

namespace shortener::app {
namespace {

// The enricher together with the salt store it borrows.
class OwningEnricher final : public core::ClickEnricher {
  public:
    OwningEnricher(const enrich::EnricherOptions& options, std::unique_ptr<enrich::SaltStore> salts,
                   std::vector<std::string>* warnings)
        : salts_(std::move(salts)), enricher_(options, *salts_, warnings) {}
    core::ClickDimensions Enrich(const core::ClickEvent& click) override { return enricher_.Enrich(click); }

  private:
    std::unique_ptr<enrich::SaltStore> salts_;
    enrich::Enricher enricher_;
};

std::string HostAndPortOf(const std::string& url) {
    auto start = url.find("://");
    start = start == std::string::npos ? 0 : start + 3;
    return url.substr(start, url.find_first_of("/?#", start) - start);
}

// Opens the database on first use; a database that cannot be opened is logged once and answers "unknown".
class LazyCountryLookup {
  public:
    explicit LazyCountryLookup(std::string path) : path_(std::move(path)) {}

    std::string CountryOf(std::string_view client_address) {
        std::call_once(once_, [this] {
            geo_ = std::make_unique<enrich::GeoLocator>(path_);
            if (geo_->enabled()) {
                log::Info("geo_targeting_ready", {{"geoip_db", path_}, {"type", geo_->database_type()}});
            } else {
                log::Warn("geo_targeting_unavailable", {{"geoip_db", path_}, {"error", geo_->error()}});
            }
        });
        if (!geo_->enabled()) return {};
        auto address = core::IpAddress::ParseLoose(client_address);
        if (!address) return {};
        return geo_->Lookup(*address, true).country_code;
    }

  private:
    std::string path_;
    std::once_flag once_;
    std::unique_ptr<enrich::GeoLocator> geo_;
};

// Loads isbot's list on first use. Matching is one RE2 (DFA) pass and, for the few lookaround patterns, one
// PCRE2 JIT pass over the User-Agent: microseconds, cheap enough for the redirect's event loop.
class LazyBotCheck {
  public:
    explicit LazyBotCheck(std::string isbot_js) : isbot_js_(std::move(isbot_js)) {}

    bool IsBot(std::string_view user_agent) {
        std::call_once(once_, [this] {
            try {
                bots_ = enrich::BotDetector::FromIsbotFile(isbot_js_);
            } catch (const std::exception& e) {
                log::Warn("bot_list_unavailable", {{"isbot", isbot_js_}, {"error", e.what()}});
                bots_ = std::make_unique<enrich::BotDetector>(std::vector<std::string>());
            }
        });
        return bots_->IsBot(user_agent);
    }

  private:
    std::string isbot_js_;
    std::once_flag once_;
    std::unique_ptr<enrich::BotDetector> bots_;
};

}  // namespace

namespace {

// Where the data packages (uap-core, isbot, referrers, GeoLite2) are: SHORTENER_ENRICH_DATA_DIR or the built-in one.
std::string NpmDir(const Config& config) {
    return config.enrich_data_dir.empty() ? enrich::BuiltInNpmDir() : config.enrich_data_dir;
}

}  // namespace

std::function<bool(std::string_view)> MakeBotCheck(const Config& config) {
    const std::string npm_dir = NpmDir(config);
    auto check = std::make_shared<LazyBotCheck>(enrich::DefaultDataPaths(npm_dir).isbot_js);
    return [check](std::string_view user_agent) { return check->IsBot(user_agent); };
}

std::function<std::string(std::string_view)> MakeCountryLookup(const Config& config) {
    std::string path = config.geoip_db;
    if (path.empty()) {
        const std::string npm_dir = NpmDir(config);
        path = enrich::DefaultDataPaths(npm_dir).geoip_db;
    }
    auto lookup = std::make_shared<LazyCountryLookup>(std::move(path));
    return [lookup](std::string_view client_address) { return lookup->CountryOf(client_address); };
}

std::unique_ptr<core::ClickEnricher> MakeEnricher(const Config& config, std::unique_ptr<enrich::SaltStore> salts) {
    const std::string npm_dir = NpmDir(config);
    enrich::EnricherOptions options = enrich::DefaultDataPaths(npm_dir);
    if (!config.geoip_db.empty()) options.geoip_db = config.geoip_db;
    options.dnt = config.dnt == "ignore" ? enrich::DntMode::kIgnore : enrich::DntMode::kAnonymize;
    options.own_hosts = {HostAndPortOf(config.public_url)};
    std::vector<std::string> warnings;
    auto enricher = std::make_unique<OwningEnricher>(options, std::move(salts), &warnings);
    // Loading parses megabytes of YAML/JSON into short-lived nodes; hand those pages back (about 30 MiB).
    malloc_trim(0);
    for (const auto& w : warnings) log::Warn("enrich_data_missing", {{"error", w}});
    log::Info(
        "enrich_ready",
        {{"geoip_db", options.geoip_db}, {"data_files_missing", std::to_string(warnings.size())}, {"dnt", config.dnt}});
    return enricher;
}

}  // namespace shortener::app
