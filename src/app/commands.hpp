#pragma once

#include <string>
#include <vector>

#include "app/config.hpp"

namespace shortener::app {

/// `shortener serve`: wires the adapters for the configured mode and serves until SIGINT/SIGTERM.
int Serve(const Config& config);
/// `shortener migrate`: applies the schema migrations and exits.
int Migrate(const Config& config);
/// `shortener worker`: the click worker of distributed mode.
int Worker(const Config& config);
/// `shortener keys create|list|revoke` and `shortener users create|list` (accounts.cpp). `args` follow the
/// command; settings such as --data-dir or --database-url among them pick the database. Returns the exit status.
int Accounts(const std::string& command, const std::vector<std::string>& args);

/// `shortener domains add HOST [--https on|off] [--root-redirect URL] [--not-found-redirect URL] [--user EMAIL]`,
/// `domains list`, `domains remove HOST [--force]` (domains_command.cpp; docs/domains.md).
int Domains(const std::vector<std::string>& args);

/// `shortener import --format FORMAT FILE [--domain HOST] [--user EMAIL] [--dry-run]` (import_command.cpp; docs/
/// import.md). Returns 0 when every row was imported or skipped, 1 when any failed, 2 on a usage error.
int Import(const std::vector<std::string>& args);

}  // namespace shortener::app
