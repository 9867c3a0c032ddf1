#pragma once

#include "app/config.hpp"

namespace shortener::app {

/// `shortener serve`: wires the adapters for the configured mode and serves until SIGINT/SIGTERM.
int Serve(const Config& config);
/// `shortener migrate`: applies the schema migrations and exits.
int Migrate(const Config& config);
/// `shortener worker`: the click worker of distributed mode.
int Worker(const Config& config);

}  // namespace shortener::app
