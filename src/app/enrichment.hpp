#pragma once
/// @file
/// @brief Builds the click enricher (issue #4) from the configuration: data paths, SHORTENER_GEOIP_DB,
/// SHORTENER_DNT, the public host, and the visitor-id salt store of the deployment.

#include <memory>

#include "app/config.hpp"
#include "core/enriched_click.hpp"
#include "enrich/salt_store.hpp"

namespace shortener::app {

/// The enricher, owning `salts` (SqliteSaltStore in embedded mode; distributed mode needs a store shared by all
/// workers). Missing data files are logged once each (warn) and leave their dimensions unknown; never throws
/// for them.
std::unique_ptr<core::ClickEnricher> MakeEnricher(const Config& config, std::unique_ptr<enrich::SaltStore> salts);

}  // namespace shortener::app
