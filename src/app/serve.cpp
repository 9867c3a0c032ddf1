// The composition root: the only place that picks adapters (embedded: SQLite + in-process queue).

#include <pthread.h>
#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <future>
#include <thread>

#include "app/commands.hpp"
#include "app/enrichment.hpp"
#include "app/observability.hpp"
#include "app/protection.hpp"
#include "app/system.hpp"
#include "app/wiring.hpp"
#include "app/worker.hpp"
#include "auth/password.hpp"
#include "cache/l1_cache.hpp"
#include "cache/link_resolver.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/static_handler.hpp"
#include "http/rate_limit/in_process_rate_limiter.hpp"
#include "http/server.hpp"
#include "live/broadcaster.hpp"
#include "log/log.hpp"
#include "queue/in_process/in_process_click_queue.hpp"
#include "store/postgres/postgres_stores.hpp"
#include "store/sqlite/sqlite_auth_store.hpp"
#include "store/sqlite/sqlite_salt_store.hpp"
#include "store/sqlite/sqlite_stats_store.hpp"
#include "store/sqlite/sqlite_stores.hpp"

namespace shortener::app {
namespace {

std::shared_ptr<store::SqliteDb> OpenSqlite(const Config& config) {
    std::filesystem::create_directories(config.data_dir);
    auto path = (std::filesystem::path(config.data_dir) / "shortener.db").string();
    auto db = std::make_shared<store::SqliteDb>(path);
    db->Migrate(store::SqliteMigrations());
    return db;
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

int Migrate(const Config& config) {
    if (!config.database_url.empty()) {
        store::PostgresOptions options;
        options.dsn = config.database_url;
        try {
            store::MigratePostgres(options);
        } catch (const std::exception& e) {
            log::Error("migrations_failed", {{"backend", "postgres"}, {"error", e.what()}});
            return 1;
        }
        log::Info("migrations_applied", {{"backend", "postgres"}});
        return 0;
    }
    OpenSqlite(config);
    log::Info("migrations_applied", {{"backend", "sqlite"}});
    return 0;
}

int Worker(const Config& config) { return RunDistributedWorker(config); }

http::AuthSettings AuthSettingsFrom(const Config& config) {
    http::AuthSettings s;
    s.required = config.auth == AuthMode::kRequired;
    s.signup_open = config.signup_open;
    s.anonymous_shortening = config.anonymous_shortening;
    s.secure_cookies = config.public_url.rfind("https://", 0) == 0;
    s.authenticated_rate_limit = config.rate_limit_authenticated;
    return s;
}

int Serve(const Config& config) {
    if (!config.database_url.empty() || !config.redis_url.empty()) return ServeDistributed(config);
    sigset_t signals = BlockShutdownSignals();

    auto db = OpenSqlite(config);
    store::SqliteLinkStore links(db);
    store::SqliteClickStore clicks(db);
    store::SqliteStatsStore stats_store(db);
    store::SqliteAuthStore auth_store(db);
    live::InProcessBroadcaster broadcaster;

    cache::L1Options l1_options;
    l1_options.capacity = config.cache_size;
    l1_options.ttl = config.cache_ttl;
    l1_options.stale_if_error = config.stale_if_error;
    cache::L1Cache l1(l1_options);
    metrics::Registry registry;
    AddProcessWideMetrics(registry);
    cache::CacheProbe cache_probe(registry);
    cache::LinkResolver resolver(links, l1, nullptr, &cache_probe);
    queue::InProcessClickQueue click_queue(config.click_queue_capacity);

    registry.AddGauge("shortener_click_queue_depth", "Clicks waiting in the in-process queue.",
                      [&] { return static_cast<double>(click_queue.Stats().depth); });
    registry.AddGauge("shortener_click_queue_lag_seconds", "Age of the oldest click not yet stored.", [&] {
        auto oldest = click_queue.Stats().oldest;
        return oldest ? std::chrono::duration<double>(std::chrono::system_clock::now() - *oldest).count() : 0.0;
    });
    registry.AddCounterFunction("shortener_clicks_enqueued_total", "Clicks handed to the click queue.",
                                [&] { return static_cast<double>(click_queue.Stats().enqueued); });
    registry.AddCounterFunction("shortener_clicks_dropped_total", "Clicks dropped because the queue was full.",
                                [&] { return static_cast<double>(click_queue.Stats().dropped); });
    registry.AddGauge("shortener_l1_cache_entries", "Links in the in-process cache.",
                      [&] { return static_cast<double>(l1.Size()); });

    SystemClock clock;
    SodiumRandom random;
    core::UrlPolicyOptions url_policy;
    url_policy.max_length = config.max_url_length;
    url_policy.own_hosts.push_back(HostOf(config.public_url));

    http::HandlerContext ctx{
        links,      resolver,          click_queue, clock, random, core::SlugGenerator(random, config.slug_length),
        url_policy, config.public_url, registry,    {}};
    ctx.trusted_proxies = *core::TrustedProxies::Parse(config.trusted_proxies);  // validated by LoadConfig
    ctx.stats = &stats_store;
    ctx.live = &broadcaster;
    auth::Authenticator authenticator(auth_store, clock);
    auth::PasswordHasher passwords;  // account and link passwords (argon2id on its own threads)
    ctx.auth = AuthSettingsFrom(config);
    ctx.authenticator = &authenticator;
    ctx.passwords = &passwords;
    ctx.country_of = MakeCountryLookup(config);  // the geo database opens on the first country-targeted visit
    ctx.is_bot = MakeBotCheck(config);           // the bot list loads on the first visit to a limited link
    registry.AddGauge("shortener_live_subscribers", "Open live (SSE) streams.",
                      [&] { return static_cast<double>(broadcaster.hub().Subscribers()); });
    registry.AddCounterFunction("shortener_live_subscribers_dropped_total", "Live streams dropped as too slow.",
                                [&] { return static_cast<double>(broadcaster.hub().Dropped()); });
    std::atomic<bool> worker_alive{true};
    ctx.readiness.push_back({"database", [&links]() { return links.Ping(); }});
    ctx.readiness.push_back({"click_worker", [&worker_alive]() -> boost::asio::awaitable<void> {
                                 if (!worker_alive.load()) throw std::runtime_error("the click worker has stopped");
                                 co_return;
                             }});

    http::Router router;
    http::AddHealthRoutes(router, ctx);
    http::AddAuthRoutes(router, ctx);
    http::AddLinkRoutes(router, ctx);
    http::AddQrRoutes(router, ctx);
    http::AddStatsRoutes(router, ctx);
    http::AddLiveRoutes(router, ctx);
    if (!http::AddStaticRoutes(router, config.web_dir.empty() ? http::BuiltInWebDir() : config.web_dir)) {
        http::AddUiRoutes(router, ctx);  // no built export: the built-in page
    }
    http::AddRedirectRoute(router, ctx);
    Protection protection;
    if (!SetUpProtection(config, ctx, router, std::make_unique<http::InProcessRateLimiter>(), protection)) return 1;
    registry.AddGauge("shortener_rate_limit_buckets", "Rate-limit buckets held in memory.", [&protection] {
        return static_cast<double>(static_cast<http::InProcessRateLimiter&>(*protection.limiter).Size());
    });

    auto server_options = ServerOptionsFrom(config, config.listen_host, config.listen_port);
    http::ServerProbe probe(registry);
    http::Server server(server_options, router, probe);

    // The click worker: its own thread and event loop, so storing clicks never delays a redirect.
    WorkerProbe worker_probe(registry);
    WorkerOptions worker_options;
    worker_options.batch_size = config.click_batch_size;
    std::atomic<bool> worker_stop{false};
    boost::asio::io_context worker_context(1);
    std::promise<void> worker_done;
    auto worker_finished = worker_done.get_future();
    auto enricher = MakeEnricher(config, std::make_unique<store::SqliteSaltStore>(*db));
    boost::asio::co_spawn(worker_context,
                          RunClickWorker(click_queue, *enricher, clicks, worker_probe, worker_options, worker_stop,
                                         &broadcaster, &stats_store),
                          [&](std::exception_ptr e) {
                              worker_alive.store(false);
                              if (e) {
                                  try {
                                      std::rethrow_exception(e);
                                  } catch (const std::exception& ex) {
                                      log::Error("worker_failed", {{"error", ex.what()}});
                                  }
                              }
                          });
    std::thread worker_thread([&] {
        pthread_setname_np(pthread_self(), "click-worker");
        worker_context.run();
        worker_done.set_value();
    });

    if (!StartApiServer(server, ctx, config, {{"mode", "embedded"}, {"database", db->path()}})) {
        click_queue.Close();
        worker_thread.join();
        return 1;
    }

    int sig = WaitForShutdownSignal(signals, [&protection] {
        if (protection.blocklist) protection.blocklist->ReloadNow();
    });
    log::Info("shutting_down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    server.Shutdown();
    // Every request has finished, so no more clicks come in: close the queue and let the worker drain it.
    click_queue.Close();
    if (worker_finished.wait_for(config.shutdown_grace) != std::future_status::ready) {
        worker_stop.store(true);
        worker_context.stop();
    }
    worker_thread.join();
    auto stats = click_queue.Stats();
    log::Info("stopped", {{"clicks_enqueued", std::to_string(stats.enqueued)},
                          {"clicks_dropped", std::to_string(stats.dropped)},
                          {"clicks_unsaved", std::to_string(stats.depth)}});
    return 0;
}

}  // namespace shortener::app
