// The composition root. Opening a mode gives its adapters (adapters_embedded.cpp, adapters_distributed.cpp);
// everything else is wired here once, the same way for every mode: the handler context, the routes, the server,
// the click worker, the signal wait and the shutdown.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>

#include "app/adapters.hpp"
#include "app/click_worker.hpp"
#include "app/commands.hpp"
#include "app/enrichment.hpp"
#include "app/observability.hpp"
#include "app/protection.hpp"
#include "app/system.hpp"
#include "app/wiring.hpp"
#include "auth/password.hpp"
#include "cache/link_resolver.hpp"
#include "enrich/bot_detector.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/static_handler.hpp"
#include "http/https_policy.hpp"
#include "http/server.hpp"
#include "log/log.hpp"
#include "store/overview_cache.hpp"
#include "store/postgres/postgres_stores.hpp"

namespace shortener::app {
namespace {

// Metrics every `serve` has, whatever its mode; each mode registers its own extras when it opens.
void AddServeMetrics(metrics::Registry& registry, Adapters& a) {
    auto stats = a.sink_stats;
    registry.AddGauge("shortener_click_queue_depth",
                      "Clicks accepted but not yet handed on (in the in-process queue, or buffered in memory or in "
                      "the journal until Redis takes them).",
                      [stats] { return static_cast<double>(stats().depth); });
    registry.AddCounterFunction("shortener_clicks_enqueued_total", "Clicks handed to the click queue.",
                                [stats] { return static_cast<double>(stats().enqueued); });
    registry.AddCounterFunction("shortener_clicks_dropped_total", "Clicks dropped because the click queue was full.",
                                [stats] { return static_cast<double>(stats().dropped); });
    registry.AddGauge("shortener_l1_cache_entries", "Links in the in-process cache.",
                      [l1 = a.l1] { return static_cast<double>(l1->Size()); });
    registry.AddGauge("shortener_live_subscribers", "Open live (SSE) streams.",
                      [live = a.live] { return static_cast<double>(live->hub().Subscribers()); });
    registry.AddCounterFunction("shortener_live_subscribers_dropped_total", "Live streams dropped as too slow.",
                                [live = a.live] { return static_cast<double>(live->hub().Dropped()); });
}

// Every route, in one order. The router tries routes in the order they were added; only the redirect's catch-all
// `/{slug}` overlaps the others, so it comes last.
void AddRoutes(http::Router& router, http::HandlerContext& ctx, const Config& config) {
    http::AddHealthRoutes(router, ctx);
    http::AddAuthRoutes(router, ctx);
    http::AddOidcRoutes(router, ctx);
    http::AddLinkRoutes(router, ctx);
    http::AddImportRoutes(router, ctx);
    http::AddWebhookRoutes(router, ctx);
    http::AddDomainRoutes(router, ctx);
    http::AddQrRoutes(router, ctx);
    http::AddStatsRoutes(router, ctx);
    http::AddLiveRoutes(router, ctx);
    if (!http::AddStaticRoutes(router, config.web_dir.empty() ? http::BuiltInWebDir() : config.web_dir)) {
        http::AddUiRoutes(router, ctx);  // no built export: the built-in page
    }
    http::WrapDomainRoot(router, ctx);  // "/" per Host: a domain's root_redirect, a plain 404 on branded domains
    http::AddRedirectRoute(router, ctx);
}

core::UrlPolicyOptions UrlPolicyFrom(const Config& config) {
    core::UrlPolicyOptions o;
    o.max_length = config.max_url_length;
    o.own_hosts.push_back(HostOf(config.public_url));
    return o;
}

// The default domain: the public URL's host, https when the public URL is.
http::DomainSettings DefaultDomainOf(const Config& config) {
    http::DomainSettings d;
    d.host = HostOf(config.public_url);
    d.https = config.public_url.rfind("https://", 0) == 0;
    return d;
}

// `serve` over a mode's adapters: everything the handlers use, the router and the server.
class Api {
  public:
    Api(const Config& config, Adapters& a, metrics::Registry& registry)
        : config_(config),
          adapters_(a),
          cache_probe_(registry),
          resolver_(*a.links, *a.l1, a.l2, &cache_probe_),
          domains_(a.domains, clock_, config.domains_refresh, DefaultDomainOf(config)),
          authenticator_(*a.auth, clock_),
          ctx_{*a.links,
               resolver_,
               *a.sink,
               clock_,
               random_,
               core::SlugGenerator(random_, config.slug_length),
               UrlPolicyFrom(config),
               config.public_url,
               registry,
               a.readiness},
          server_probe_(registry) {
        ctx_.trusted_proxies = *core::TrustedProxies::Parse(config.trusted_proxies);  // validated by LoadConfig
        ctx_.stats = OverviewCacheOver(a.stats, registry);
        ctx_.live = a.live;
        ctx_.retention = a.retention;
        ctx_.import_jobs = a.import_jobs;
        ctx_.webhooks = a.webhooks;
        ctx_.domains = a.domains;
        ctx_.domain_directory = &domains_;
        ctx_.health = a.health;
        ctx_.webhook_policy = {config.webhook_allow_http, config.webhook_allow_private};
        ctx_.auth = AuthSettingsFrom(config);
        ctx_.authenticator = &authenticator_;
        ctx_.passwords = &passwords_;
        if (ctx_.auth.required && !config.oidc_issuer.empty()) {
            oidc_ = std::make_unique<auth::OidcClient>(OidcSettingsFrom(config), clock_);
            ctx_.oidc = oidc_.get();
        }
        ctx_.country_of = MakeCountryLookup(config);  // the geo database opens on the first country-targeted visit
        ctx_.is_bot = MakeBotCheck(config);           // the bot list loads on the first visit to a limited link
        ctx_.is_preview_agent = &enrich::BotDetector::IsPreviewFetcher;  // a built-in list: nothing to load
        ctx_.import_max_body = config.import_max_bytes;
    }

    http::HandlerContext& ctx() { return ctx_; }
    Protection& protection() { return protection_; }

    /// Installs the HTTPS policy (308 to https, HSTS) for every route but the probes; null: none.
    void SetHttpsPolicy(std::shared_ptr<const http::HttpsPolicy> policy) {
        router_.SetHttps(policy ? std::make_shared<const http::HttpsGate>(std::move(policy), ctx_.trusted_proxies)
                                : nullptr);
    }

    // Routes and protection; false (logged) when the protection cannot be set up.
    bool Wire() {
        AddRoutes(router_, ctx_, config_);
        return SetUpProtection(config_, ctx_, router_, std::move(adapters_.limiter), protection_);
    }

    // Binds and starts; false (logged) if the address cannot be bound.
    bool Start() {
        auto options = ServerOptionsFrom(config_, config_.listen_host, config_.listen_port);
        options.tls_address = config_.tls_listen_host;  // empty: no TLS listener
        options.tls_port = config_.tls_listen_port;
        options.tls_dir = config_.tls_dir;
        options.handshake_timeout = config_.tls_handshake_timeout;
        server_ = std::make_unique<http::Server>(std::move(options), router_, server_probe_);
        LogFields fields{{"mode", adapters_.mode}};
        fields.insert(fields.end(), adapters_.description.begin(), adapters_.description.end());
        return StartApiServer(*server_, ctx_, config_, fields);
    }

    // Lets the requests in flight finish (within the grace period).
    void Shutdown() { server_->Shutdown(); }

  private:
    // The stats store the handlers use: `stats` behind the overview cache unless it is off.
    store::StatsStore* OverviewCacheOver(store::StatsStore* stats, metrics::Registry& registry) {
        if (stats == nullptr || config_.overview_cache.count() == 0) return stats;
        store::OverviewCacheOptions o;
        o.fresh_for = config_.overview_cache;
        o.stale_for = 10 * config_.overview_cache;
        overview_ = std::make_unique<store::OverviewCache>(*stats, clock_, o);
        for (const char* result : {"fresh", "stale", "miss"}) {
            registry.AddCounterFunction(
                "shortener_overview_cache_total",
                "Overview answers (GET /api/v1/stats) by how they were found: fresh and stale from the cache (stale: "
                "recomputed in the background), miss computed before answering.",
                [c = overview_.get(), r = std::string(result)] {
                    const auto n = c->counts();
                    return static_cast<double>(r == "fresh" ? n.fresh : r == "stale" ? n.stale : n.miss);
                },
                std::string("result=\"") + result + "\"");
        }
        return overview_.get();
    }

    const Config& config_;
    Adapters& adapters_;
    SystemClock clock_;
    SodiumRandom random_;
    cache::CacheProbe cache_probe_;
    cache::LinkResolver resolver_;
    http::DomainDirectory domains_;  // Host → branded domain (issue #14)
    auth::Authenticator authenticator_;
    auth::PasswordHasher passwords_;                  // account and link passwords (argon2id on its own threads)
    std::unique_ptr<auth::OidcClient> oidc_;          // single sign-on; null: off
    std::unique_ptr<store::OverviewCache> overview_;  // before the server: destroyed after it
    http::HandlerContext ctx_;
    http::Router router_;
    Protection protection_;
    http::ServerProbe server_probe_;
    std::unique_ptr<http::Server> server_;
};

// The in-process click worker of embedded mode (when the mode reads its own clicks), with its readiness check.
std::unique_ptr<ClickWorkerThread> StartInProcessWorker(const Config& config, Adapters& a, metrics::Registry& registry,
                                                        http::HandlerContext& ctx) {
    if (!a.source) return nullptr;
    auto worker = std::make_unique<ClickWorkerThread>(config, a, registry);
    worker->Start({});
    ctx.readiness.push_back({"click_worker", [w = worker.get()]() -> boost::asio::awaitable<void> {
                                 if (!w->Alive()) throw std::runtime_error("the click worker has stopped");
                                 co_return;
                             }});
    return worker;
}

// ":port" of an https public URL with an explicit port, else "": where branded domains' HTTPS is served too.
std::string HttpsPortSuffix(std::string_view public_url) {
    if (public_url.rfind("https://", 0) != 0) return {};
    const std::string_view authority = public_url.substr(8, public_url.find('/', 8) - 8);
    const auto colon = authority.rfind(':');
    if (colon == std::string_view::npos || authority.find(']', colon) != std::string_view::npos) return {};
    return std::string(authority.substr(colon));
}

// The public URL decides for the default domain, each branded domain for itself (its `https`, `hsts_max_age`).
// Plain HTTP is redirected only where the server can tell HTTPS from it: its own TLS listener, or a trusted proxy's
// X-Forwarded-Proto. Without either, a TLS-terminating load balancer's plain requests would be sent to https
// forever; then there is no policy (one warning at startup when the public URL is https://).
std::shared_ptr<const http::HttpsPolicy> HttpsPolicyFrom(const Config& config, const http::DomainDirectory* domains) {
    const bool https_public = config.public_url.rfind("https://", 0) == 0;
    if (config.tls_listen_host.empty() && config.trusted_proxies.empty()) {
        if (https_public) {
            log::Warn("https_redirect_off", {{"reason",
                                              "neither SHORTENER_TLS_LISTEN nor SHORTENER_TRUSTED_PROXIES "
                                              "is set, so HTTPS cannot be told from plain HTTP"}});
        }
        return nullptr;
    }
    http::SingleHostHttpsPolicy single(config.public_url, config.hsts_max_age);
    if (domains != nullptr) {
        return std::make_shared<const http::DomainHttpsPolicy>(*domains, std::move(single),
                                                               HttpsPortSuffix(config.public_url));
    }
    if (!https_public && config.hsts_max_age == 0) return nullptr;
    return std::make_shared<const http::SingleHostHttpsPolicy>(std::move(single));
}

void LogShutdown(int sig) { log::Info("shutting_down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}}); }

void LogStopped(const LogFields& fields) {
    std::vector<std::pair<std::string_view, std::string_view>> view(fields.begin(), fields.end());
    log::WriteFields(log::Level::kInfo, "stopped", view);
}

// Serves until SIGINT/SIGTERM, then drains: requests in flight, then every click accepted.
int ServeWith(const Config& config, Adapters& a, metrics::Registry& registry, const sigset_t& signals) {
    AddServeMetrics(registry, a);
    Api api(config, a, registry);
    if (!api.Wire()) return 1;
    api.SetHttpsPolicy(HttpsPolicyFrom(config, api.ctx().domain_directory));
    auto worker = StartInProcessWorker(config, a, registry, api.ctx());
    if (!api.Start()) return 1;  // the worker's destructor closes the queue and joins
    auto& protection = api.protection();
    LogShutdown(WaitForShutdownSignal(signals, [&protection] {
        if (protection.blocklist) protection.blocklist->ReloadNow();
    }));
    api.Shutdown();
    // Every request has finished, so no more clicks come in: hand them all on.
    if (a.flush) a.flush();
    if (worker) worker->Stop(config.shutdown_grace);
    LogStopped(a.stopped_fields());
    return 0;
}

// Opens the adapters of the configured mode.
Adapters Open(const Config& config, metrics::Registry& registry, Role role) {
    if (role == Role::kServe && config.database_url.empty() && config.redis_url.empty())
        return OpenEmbedded(config, registry);
    return OpenDistributed(config, registry, role);
}

// `shortener worker` over the adapters: the click worker, its health/metrics listener, until SIGINT/SIGTERM.
int WorkWith(const Config& config, Adapters& a, metrics::Registry& registry, const sigset_t& signals) {
    ClickWorkerThread worker(config, a, registry);
    WorkerObservability observability(config, registry, a.readiness);
    if (!observability.Start()) return 1;
    std::atomic<bool> failed{false};
    worker.Start([&failed] {
        failed.store(true);
        kill(getpid(), SIGTERM);  // wakes the sigwait below: exit instead of idling
    });
    LogFields fields(a.description);
    std::vector<std::pair<std::string_view, std::string_view>> view(fields.begin(), fields.end());
    log::WriteFields(log::Level::kInfo, "worker_started", view);
    LogShutdown(WaitForShutdownSignal(signals, {}));
    // Finish the batch in hand (stored and acknowledged), then stop; a batch that cannot be stored within the
    // grace period stays unacknowledged and another worker claims it.
    worker.Stop(config.shutdown_grace);
    LogStopped({{"clicks_stored", std::to_string(worker.Stored())}});
    return failed.load() ? 1 : 0;
}

// Opens the mode for `role` and runs `run` over its adapters; StartupFailure becomes the exit status.
template <typename Run>
int RunProcess(const Config& config, Role role, Run run) {
    sigset_t signals = BlockShutdownSignals();  // before any thread starts
    metrics::Registry registry;
    AddProcessWideMetrics(registry);
    try {
        Adapters adapters = Open(config, registry, role);
        return run(config, adapters, registry, signals);
    } catch (const StartupFailure& failure) {
        return failure.exit_code;
    }
}

}  // namespace

std::string HostOf(const std::string& url) {
    auto start = url.find("://");
    start = start == std::string::npos ? 0 : start + 3;
    auto end = url.find_first_of(":/", url[start] == '[' ? url.find(']', start) : start);
    std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return host;
}

sigset_t BlockShutdownSignals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);  // reloads (the blocklist file); see WaitForShutdownSignal
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
    return set;
}

http::AuthSettings AuthSettingsFrom(const Config& config) {
    http::AuthSettings s;
    s.required = config.auth == AuthMode::kRequired;
    s.signup_open = config.signup_open;
    s.anonymous_shortening = config.anonymous_shortening;
    s.secure_cookies = config.public_url.rfind("https://", 0) == 0;
    s.authenticated_rate_limit = config.rate_limit_authenticated;
    s.password_login = config.password_login;
    return s;
}

auth::OidcSettings OidcSettingsFrom(const Config& config) {
    auth::OidcSettings s;
    s.issuer = config.oidc_issuer;
    s.client_id = config.oidc_client_id;
    s.client_secret = config.oidc_client_secret;
    s.scopes = config.oidc_scopes;
    s.allowed_domains = config.oidc_allowed_domains;
    s.name = config.oidc_name;
    s.admin_group = config.oidc_admin_group;
    return s;
}

int Serve(const Config& config) { return RunProcess(config, Role::kServe, ServeWith); }

int Worker(const Config& config) { return RunProcess(config, Role::kWorker, WorkWith); }

int Migrate(const Config& config) {
    if (config.database_url.empty()) {
        OpenSqliteFile(config);
        log::Info("migrations_applied", {{"backend", "sqlite"}});
        return 0;
    }
    store::PostgresOptions options = PostgresOptionsOf(config);
    try {
        store::MigratePostgres(options);
    } catch (const std::exception& e) {
        log::Error("migrations_failed", {{"backend", "postgres"}, {"error", e.what()}});
        return 1;
    }
    log::Info("migrations_applied", {{"backend", "postgres"}});
    return 0;
}

}  // namespace shortener::app
