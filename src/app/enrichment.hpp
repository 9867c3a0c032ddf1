#pragma once
/// @file
/// @brief Builds the click enricher (issue #4) from the configuration: data paths, SHORTENER_GEOIP_DB,
/// SHORTENER_DNT, the public host, and the visitor-id salt store of the deployment.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "app/config.hpp"
#include "core/enriched_click.hpp"
#include "enrich/salt_store.hpp"

namespace shortener::app {

/// The enricher, owning `salts` (SqliteSaltStore in embedded mode; distributed mode needs a store shared by all
/// workers). Missing data files are logged once each (warn) and leave their dimensions unknown; never throws
/// for them.
std::unique_ptr<core::ClickEnricher> MakeEnricher(const Config& config, std::unique_ptr<enrich::SaltStore> salts);

/// Client address → ISO 3166-1 alpha-2 country ("" = unknown), for the redirect's country targeting. The
/// geolocation database (SHORTENER_GEOIP_DB or the bundled one) is opened on the first call, so API
/// processes whose links never target countries never load it. Thread-safe.
std::function<std::string(std::string_view)> MakeCountryLookup(const Config& config);

/// User-Agent → bot or link-preview fetcher (the isbot list plus the built-in preview fetchers; an empty
/// User-Agent is a bot), for the redirect's click limits. The list loads on the first call, so processes whose
/// links have no click limit never load it; a list that cannot be read leaves the built-in fetchers. Thread-safe.
std::function<bool(std::string_view)> MakeBotCheck(const Config& config);

}  // namespace shortener::app
