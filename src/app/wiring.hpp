#pragma once
/// @file
/// @brief Pieces of wiring shared by the embedded (serve.cpp) and distributed (distributed.cpp) set-ups.

#include <signal.h>

#include <memory>
#include <string>

#include "app/config.hpp"
#include "http/handlers/handlers.hpp"

namespace shortener::app {

/// The lower-case host of a URL (for the redirect-loop policy).
std::string HostOf(const std::string& url);

/// The auth settings of the HTTP handlers (cookies get Secure when the public URL is https).
http::AuthSettings AuthSettingsFrom(const Config& config);

/// Blocks SIGINT and SIGTERM in every thread (call before starting any), so that sigwait gets them.
sigset_t BlockShutdownSignals();

/// `shortener serve` with DATABASE_URL / REDIS_URL: distributed mode (distributed.cpp).
int ServeDistributed(const Config& config);
/// `shortener worker`: the click worker of distributed mode (distributed.cpp).
int RunDistributedWorker(const Config& config);

}  // namespace shortener::app
