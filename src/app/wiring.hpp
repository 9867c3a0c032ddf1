#pragma once
/// @file
/// @brief Small pieces of the composition root (serve.cpp), shared with protection.cpp and observability.cpp.

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

/// The single sign-on settings (docs/sso.md).
auth::OidcSettings OidcSettingsFrom(const Config& config);

/// Blocks SIGINT and SIGTERM in every thread (call before starting any), so that sigwait gets them.
sigset_t BlockShutdownSignals();

}  // namespace shortener::app
