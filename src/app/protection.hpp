#pragma once
/// @file
/// @brief Wiring of the abuse protection of issue #7, shared by embedded and distributed serve: the rate-limit
/// guard on the router, the blocklist file and the shortener list in the URL policy, the CORS policy.

#include <signal.h>

#include <functional>
#include <memory>

#include "app/blocklist_file.hpp"
#include "app/config.hpp"
#include "http/handlers/handlers.hpp"
#include "http/rate_limit/rate_limit_guard.hpp"

namespace shortener::app {

/// What the protection owns; keep it alive while the server runs.
struct Protection {
    std::unique_ptr<http::RateLimiter> limiter;
    std::unique_ptr<http::RateLimitGuard> guard;
    std::unique_ptr<BlocklistFile> blocklist;
};

/// Installs everything on `ctx` and `router` (before routes are served), using `limiter` (in-process or Redis).
/// Returns false, with one error logged, when the blocklist file cannot be loaded.
bool SetUpProtection(const Config& config, http::HandlerContext& ctx, http::Router& router,
                     std::unique_ptr<http::RateLimiter> limiter, Protection& out);

/// The URL rules of `config` apart from the length limit (set by the caller): own hosts, the blocklist file (loaded
/// into `blocklist`, not yet watched for changes) and the shortener list. Shared by `serve` and `shortener import`,
/// so that imported URLs meet the rules the API applies. False, with `*error` set, when the blocklist cannot be read.
bool ApplyUrlRules(const Config& config, core::UrlPolicyOptions& policy, std::unique_ptr<BlocklistFile>& blocklist,
                   std::string* error);

/// The hosts of the shortener itself for the redirect-loop rule: the public URL's host, the listen address
/// unless it is a wildcard, and all loopback names when either is a loopback name.
std::vector<std::string> OwnHosts(const Config& config, const std::string& public_url);

/// Waits for SIGINT or SIGTERM (returned); SIGHUP runs `on_reload` (if set) and keeps waiting.
int WaitForShutdownSignal(const sigset_t& signals, const std::function<void()>& on_reload);

}  // namespace shortener::app
