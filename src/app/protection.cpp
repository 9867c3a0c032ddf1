#include "app/protection.hpp"

#include "app/wiring.hpp"
#include "log/log.hpp"

namespace shortener::app {

std::vector<std::string> OwnHosts(const Config& config, const std::string& public_url) {
    std::vector<std::string> hosts{HostOf(public_url)};
    if (config.listen_host != "0.0.0.0" && config.listen_host != "::" && config.listen_host != hosts.front()) {
        hosts.push_back(config.listen_host);
    }
    const bool loopback =
        std::any_of(hosts.begin(), hosts.end(), [](const std::string& h) { return IsLoopbackHost(h); });
    if (loopback) {
        for (const char* name : {"localhost", "127.0.0.1", "::1"}) {
            if (std::find(hosts.begin(), hosts.end(), name) == hosts.end()) hosts.emplace_back(name);
        }
    }
    return hosts;
}

bool ApplyUrlRules(const Config& config, core::UrlPolicyOptions& policy, std::unique_ptr<BlocklistFile>& blocklist,
                   std::string* error) {
    policy.own_hosts = OwnHosts(config, config.public_url);
    if (!config.blocklist_file.empty()) {
        blocklist = std::make_unique<BlocklistFile>(config.blocklist_file);
        if (!blocklist->Load(error)) return false;
        policy.blocklist = blocklist.get();
    }
    auto shorteners = std::make_shared<core::DomainSet>();
    if (config.refuse_shorteners) {
        for (std::string_view d : core::KnownShortenerDomains()) shorteners->Add(d);
    }
    for (const auto& d : config.extra_shorteners) shorteners->Add(d);
    if (!shorteners->empty()) policy.shorteners = std::move(shorteners);
    return true;
}

bool SetUpProtection(const Config& config, http::HandlerContext& ctx, http::Router& router,
                     std::unique_ptr<http::RateLimiter> limiter, Protection& out) {
    std::string error;
    if (!ApplyUrlRules(config, ctx.url_policy, out.blocklist, &error)) {
        log::Error("config_invalid", {{"error", "SHORTENER_BLOCKLIST_FILE: " + error}});
        return false;
    }
    if (out.blocklist) {
        log::Info("blocklist_loaded",
                  {{"path", config.blocklist_file}, {"domains", std::to_string(out.blocklist->Current()->size())}});
        out.blocklist->Start();
    }

    out.limiter = std::move(limiter);
    ctx.rate_limiter = out.limiter.get();
    http::RateLimitOptions limits{config.rate_limit_create, config.rate_limit_api, config.rate_limit_authenticated};
    // Auth mode none: no credentials to look at; the owner is charged by address under `authenticated` alone.
    auth::Authenticator* authenticator = ctx.auth.required ? ctx.authenticator : nullptr;
    out.guard =
        std::make_unique<http::RateLimitGuard>(*out.limiter, limits, ctx.trusted_proxies, ctx.metrics, authenticator);
    // Required mode always: a key may carry a limit of its own even when every default is off.
    if (authenticator != nullptr || limits.authenticated) router.SetGuard(out.guard->AsGuard());
    router.SetCors(http::CorsPolicy{config.cors_origins});
    return true;
}

int WaitForShutdownSignal(const sigset_t& signals, const std::function<void()>& on_reload) {
    for (;;) {
        int sig = 0;
        sigwait(&signals, &sig);
        if (sig != SIGHUP) return sig;
        log::Info("sighup", {{"action", on_reload ? "reloading the blocklist" : "nothing to reload"}});
        if (on_reload) on_reload();
    }
}

}  // namespace shortener::app
