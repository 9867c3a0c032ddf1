// Distributed-mode wiring (DATABASE_URL + REDIS_URL): `shortener serve` with the Redis L2 cache, the
// invalidation subscriber and the Redis Streams click producer (no in-process worker), and
// `shortener worker`, the Redis Streams consumer that enriches and stores clicks.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <future>
#include <random>
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
#include "cache/redis/redis_link_cache.hpp"
#include "http/handlers/handlers.hpp"
#include "http/handlers/static_handler.hpp"
#include "http/rate_limit/redis_rate_limiter.hpp"
#include "http/server.hpp"
#include "live/redis_pubsub/redis_broadcaster.hpp"
#include "log/log.hpp"
#include "queue/redis_streams/redis_stream_click_queue.hpp"
#include "redis/redis_client.hpp"
#include "store/postgres/postgres_auth_store.hpp"
#include "store/postgres/postgres_salt_store.hpp"
#include "store/postgres/postgres_stats_store.hpp"
#include "store/postgres/postgres_stores.hpp"
#include "store/sqlite/sqlite_auth_store.hpp"
#include "store/sqlite/sqlite_salt_store.hpp"
#include "store/sqlite/sqlite_stats_store.hpp"
#include "store/sqlite/sqlite_stores.hpp"

namespace shortener::app {
namespace {

// The link and click stores of this mode, and whatever keeps them alive.
struct Stores {
    std::shared_ptr<void> keep;
    std::unique_ptr<store::LinkStore> links;
    std::unique_ptr<store::ClickStore> clicks;
    std::unique_ptr<store::StatsStore> stats;  // analytics reads (issue #5)
    std::unique_ptr<store::AuthStore> auth;    // accounts, API keys, sessions (issue #7)
    std::shared_ptr<store::PgPool> pg_pool;    // PostgreSQL only
    std::shared_ptr<store::SqliteDb> sqlite;   // SQLite only
    std::string description;
};

// PostgreSQL when DATABASE_URL is set (migrated first: replicas starting together are serialized by the
// migrations' advisory lock); otherwise the SQLite file in the data dir (REDIS_URL alone: one host, Redis cache
// and queue in front of SQLite — for tests and small set-ups). Throws if the database cannot be prepared.
Stores OpenStores(const Config& config) {
    Stores s;
    if (!config.database_url.empty()) {
        store::PostgresOptions options;
        options.dsn = config.database_url;
        store::MigratePostgres(options);
        auto backend = std::make_shared<store::PostgresBackend>(store::OpenPostgres(options));
        s.links = std::move(backend->links);
        s.clicks = std::move(backend->clicks);
        s.stats = std::make_unique<store::PostgresStatsStore>(backend->pool);
        s.auth = std::make_unique<store::PostgresAuthStore>(backend->pool);
        s.pg_pool = backend->pool;
        s.description = "postgres";
        s.keep = backend;
        return s;
    }
    std::filesystem::create_directories(config.data_dir);
    auto path = (std::filesystem::path(config.data_dir) / "shortener.db").string();
    auto db = std::make_shared<store::SqliteDb>(path);
    db->Migrate(store::SqliteMigrations());
    s.links = std::make_unique<store::SqliteLinkStore>(db);
    s.clicks = std::make_unique<store::SqliteClickStore>(db);
    s.stats = std::make_unique<store::SqliteStatsStore>(db);
    s.auth = std::make_unique<store::SqliteAuthStore>(db);
    s.description = "sqlite:" + path;
    s.sqlite = db;
    s.keep = db;
    return s;
}

// Opens the stores, or logs why not (nullopt).
std::optional<Stores> TryOpenStores(const Config& config) {
    try {
        return OpenStores(config);
    } catch (const std::exception& e) {
        log::Error("database_unavailable", {{"error", e.what()}});
        return std::nullopt;
    }
}

std::optional<redis::ClientOptions> RedisOptions(const Config& config) {
    if (config.redis_url.empty()) {
        log::Error("config_invalid", {{"error",
                                       "distributed mode needs REDIS_URL (redis://host:port) for the cache "
                                       "and the click queue"}});
        return std::nullopt;
    }
    try {
        return redis::ParseRedisUrl(config.redis_url);
    } catch (const std::exception& e) {
        log::Error("config_invalid", {{"error", e.what()}});
        return std::nullopt;
    }
}

std::shared_ptr<redis::Client> MakeClient(redis::IoThread& io, redis::ClientOptions options, const char* name) {
    options.name = name;
    return std::make_shared<redis::Client>(io.context(), std::move(options));
}

queue::RedisStreamOptions StreamOptions(const Config& config) {
    queue::RedisStreamOptions o;
    o.stream = config.redis_prefix + "clicks";
    o.dead_letter_stream = config.redis_prefix + "clicks:dead";
    o.group = config.redis_prefix + "workers";
    o.buffer_capacity = config.click_queue_capacity;
    o.spill_threshold = std::min(config.click_spill_threshold, config.click_queue_capacity);
    o.claim_idle = config.claim_idle;
    o.claim_every = std::min(std::chrono::milliseconds(1000), config.claim_idle);
    return o;
}

std::string ConsumerName() {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    std::random_device rd;
    return std::string(host) + "-" + std::to_string(getpid()) + "-" + std::to_string(rd() % 100000);
}

}  // namespace

namespace {

// Connection-pool figures of the PostgreSQL backend (nothing for SQLite).
void AddPoolMetrics(metrics::Registry& registry, const std::shared_ptr<store::PgPool>& pool) {
    if (!pool) return;
    registry.AddGauge("shortener_db_pool_connections", "Database connections open.",
                      [pool] { return static_cast<double>(pool->GetStats().open); });
    registry.AddGauge("shortener_db_pool_idle_connections", "Database connections open and idle.",
                      [pool] { return static_cast<double>(pool->GetStats().idle); });
    registry.AddGauge("shortener_db_pool_waiting", "Requests waiting for a database connection.",
                      [pool] { return static_cast<double>(pool->GetStats().waiting); });
    registry.AddCounterFunction("shortener_db_pool_connect_failures_total", "Failed database connection attempts.",
                                [pool] { return static_cast<double>(pool->GetStats().connect_failures); });
    registry.AddCounterFunction("shortener_db_pool_acquire_timeouts_total",
                                "Requests that gave up waiting for a database connection.",
                                [pool] { return static_cast<double>(pool->GetStats().acquire_timeouts); });
}

}  // namespace

int ServeDistributed(const Config& config) {
    auto redis_options = RedisOptions(config);
    if (!redis_options) return 2;
    sigset_t signals = BlockShutdownSignals();

    auto opened = TryOpenStores(config);
    if (!opened) return 1;
    Stores& stores = *opened;

    cache::L1Options l1_options;
    l1_options.capacity = config.cache_size;
    l1_options.ttl = config.cache_ttl;
    l1_options.stale_if_error = config.stale_if_error;
    cache::L1Cache l1(l1_options);

    // Every Redis connection of this process is driven by one I/O thread; HTTP threads only hand over.
    redis::IoThread redis_io("redis-io");
    auto cache_client = MakeClient(redis_io, *redis_options, "cache");
    auto subscriber = MakeClient(redis_io, *redis_options, "invalidation");
    // Live updates (issue #5): workers publish per-link events; this replica subscribes and serves SSE.
    auto live_subscriber = MakeClient(redis_io, *redis_options, "live");
    live::RedisBroadcaster broadcaster(nullptr, live_subscriber, config.redis_prefix + "live");
    auto queue_options = *redis_options;
    queue_options.reset_on_timeout = true;  // a hung Redis must not stall the flusher: journal instead
    auto queue_client = MakeClient(redis_io, queue_options, "click-queue");
    // Rate limits (issue #7) on their own connection: a slow limiter answer must never queue behind cache or
    // queue traffic, and a timed-out one drops the connection (fail open, then reconnect).
    auto limiter_options = *redis_options;
    limiter_options.reset_on_timeout = true;
    auto limiter_client = MakeClient(redis_io, limiter_options, "rate-limit");
    cache::RedisLinkCacheOptions cache_options;
    cache_options.key_prefix = config.redis_prefix + "link:";
    cache_options.channel = config.redis_prefix + "link-changes";
    cache_options.ttl = config.redis_cache_ttl;  // 0: no L2 entries, invalidation messages only
    // After the subscriber (re)connects, invalidations may have been missed (and a restarted Redis has lost
    // L2): L1 keeps its links but revalidates each before its next use, and can still answer them while
    // PostgreSQL is unreachable (stale-if-error).
    cache::RedisLinkCache l2(
        cache_client, subscriber, cache_options, [&l1](std::string_view slug) { l1.Erase(slug); },
        [&l1] {
            l1.MarkAllStale();
            log::Info("l1_cache_marked_stale", {{"entries", std::to_string(l1.Size())}});
        });
    metrics::Registry registry;
    AddProcessWideMetrics(registry);
    cache::CacheProbe cache_probe(registry);
    cache::LinkResolver resolver(*stores.links, l1, &l2, &cache_probe);

    std::filesystem::create_directories(config.data_dir);
    auto stream_options = StreamOptions(config);
    stream_options.journal_path = (std::filesystem::path(config.data_dir) / "click-journal.bin").string();
    // The group exists before the first click, so no click is ever added before a worker can see it.
    queue_client->SetOnConnect([weak = std::weak_ptr<redis::Client>(queue_client), stream_options] {
        if (auto client = weak.lock())
            client->Command({"XGROUP", "CREATE", stream_options.stream, stream_options.group, "0", "MKSTREAM"},
                            [](redis::Reply) {});
    });
    queue::RedisStreamClickSink sink(queue_client, stream_options);
    cache_client->Start();
    subscriber->Start();
    live_subscriber->Start();
    queue_client->Start();
    limiter_client->Start();
    sink.Start();
    // Stops the Redis side whichever way we leave (its callbacks reference the objects above).
    struct RedisStop {
        std::function<void()> stop;
        ~RedisStop() { stop(); }
    } redis_stop{[&] {
        sink.Stop();
        cache_client->Stop();
        subscriber->Stop();
        live_subscriber->Stop();
        queue_client->Stop();
        limiter_client->Stop();
        redis_io.Stop();
    }};

    registry.AddGauge("shortener_click_queue_depth", "Clicks buffered in memory or in the journal, not yet in Redis.",
                      [&] { return static_cast<double>(sink.Stats().depth); });
    registry.AddGauge("shortener_click_journal_clicks", "Clicks in the journal file, waiting for Redis.",
                      [&] { return static_cast<double>(sink.Journaled()); });
    registry.AddCounterFunction("shortener_clicks_enqueued_total", "Clicks handed to the click queue.",
                                [&] { return static_cast<double>(sink.Stats().enqueued); });
    registry.AddCounterFunction("shortener_clicks_dropped_total", "Clicks dropped because the buffer was full.",
                                [&] { return static_cast<double>(sink.Stats().dropped); });
    AddPoolMetrics(registry, stores.pg_pool);
    registry.AddGauge("shortener_live_subscribers", "Open live (SSE) streams.",
                      [&] { return static_cast<double>(broadcaster.hub().Subscribers()); });
    registry.AddCounterFunction("shortener_live_subscribers_dropped_total", "Live streams dropped as too slow.",
                                [&] { return static_cast<double>(broadcaster.hub().Dropped()); });
    registry.AddGauge("shortener_l1_cache_entries", "Links in the in-process cache.",
                      [&] { return static_cast<double>(l1.Size()); });
    registry.AddGauge("shortener_redis_up", "1 while the Redis connections are up.", [&] {
        return cache_client->Connected() && queue_client->Connected() && subscriber->Connected() ? 1.0 : 0.0;
    });

    SystemClock clock;
    SodiumRandom random;
    core::UrlPolicyOptions url_policy;
    url_policy.max_length = config.max_url_length;
    url_policy.own_hosts.push_back(HostOf(config.public_url));

    http::HandlerContext ctx{
        *stores.links, resolver,          sink,     clock, random, core::SlugGenerator(random, config.slug_length),
        url_policy,    config.public_url, registry, {}};
    ctx.trusted_proxies = *core::TrustedProxies::Parse(config.trusted_proxies);  // validated by LoadConfig
    ctx.stats = stores.stats.get();
    ctx.live = &broadcaster;
    auth::Authenticator authenticator(*stores.auth, clock);
    auth::PasswordHasher passwords;  // account and link passwords (argon2id on its own threads)
    ctx.auth = AuthSettingsFrom(config);
    ctx.authenticator = &authenticator;
    ctx.passwords = &passwords;
    ctx.country_of = MakeCountryLookup(config);  // the geo database opens on the first country-targeted visit
    ctx.is_bot = MakeBotCheck(config);           // the bot list loads on the first visit to a limited link
    ctx.readiness.push_back({"database", [&stores]() { return stores.links->Ping(); }});
    // Redis down degrades (no L2, clicks buffered or journaled) but redirects and the API keep working.
    ctx.readiness.push_back(
        {"redis",
         [&]() -> boost::asio::awaitable<void> {
             if (!cache_client->Connected() || !queue_client->Connected() || !subscriber->Connected())
                 throw std::runtime_error("redis unreachable; clicks buffered: " + std::to_string(sink.Stats().depth));
             co_return;
         },
         false});

    http::Router router;
    http::AddHealthRoutes(router, ctx);
    http::AddAuthRoutes(router, ctx);
    http::AddLinkRoutes(router, ctx);
    http::AddQrRoutes(router, ctx);
    if (!http::AddStaticRoutes(router, config.web_dir.empty() ? http::BuiltInWebDir() : config.web_dir)) {
        http::AddUiRoutes(router, ctx);  // no built export: the built-in page
    }
    http::AddStatsRoutes(router, ctx);
    http::AddLiveRoutes(router, ctx);
    http::AddRedirectRoute(router, ctx);
    http::RedisRateLimiterOptions limiter_settings;
    limiter_settings.key_prefix = config.redis_prefix + "rl:";
    auto limiter = std::make_unique<http::RedisRateLimiter>(limiter_client, limiter_settings);
    auto* redis_limiter = limiter.get();
    Protection protection;
    if (!SetUpProtection(config, ctx, router, std::move(limiter), protection)) return 1;
    registry.AddCounterFunction("shortener_rate_limit_fail_open_total",
                                "Rate-limited requests allowed because Redis did not answer in time.",
                                [redis_limiter] { return static_cast<double>(redis_limiter->FailedOpen()); });

    auto server_options = ServerOptionsFrom(config, config.listen_host, config.listen_port);
    http::ServerProbe probe(registry);
    http::Server server(server_options, router, probe);
    const std::string redis_address = redis_options->host + ":" + std::to_string(redis_options->port);
    if (!StartApiServer(server, ctx, config,
                        {{"mode", "distributed"}, {"database", stores.description}, {"redis", redis_address}})) {
        return 1;
    }

    int sig = WaitForShutdownSignal(signals, [&protection] {
        if (protection.blocklist) protection.blocklist->ReloadNow();
    });
    log::Info("shutting_down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    server.Shutdown();
    // No request runs any more: send (or journal) every buffered click before leaving.
    sink.Stop();
    auto stats = sink.Stats();
    log::Info("stopped", {{"clicks_enqueued", std::to_string(stats.enqueued)},
                          {"clicks_dropped", std::to_string(stats.dropped)},
                          {"clicks_journaled", std::to_string(sink.Journaled())}});
    return 0;
}

int RunDistributedWorker(const Config& config) {
    auto redis_options = RedisOptions(config);
    if (!redis_options) return 2;
    sigset_t signals = BlockShutdownSignals();

    auto opened = TryOpenStores(config);
    if (!opened) return 1;
    Stores& stores = *opened;

    redis::IoThread redis_io("redis-io");
    auto client = MakeClient(redis_io, *redis_options, "click-queue");
    live::RedisBroadcaster broadcaster(client, nullptr, config.redis_prefix + "live");  // publishes only
    client->Start();
    const std::string consumer = ConsumerName();
    queue::RedisStreamClickSource source(client, StreamOptions(config), consumer);
    // Visitor-id salts shared by every worker of the deployment (one visitor, one id per day).
    std::unique_ptr<enrich::SaltStore> salts;
    if (stores.pg_pool)
        salts = std::make_unique<store::PostgresSaltStore>(stores.pg_pool);
    else
        salts = std::make_unique<store::SqliteSaltStore>(*stores.sqlite);
    auto enricher = MakeEnricher(config, std::move(salts));

    metrics::Registry registry;
    AddProcessWideMetrics(registry);
    WorkerProbe probe(registry);
    AddPoolMetrics(registry, stores.pg_pool);
    registry.AddGauge("shortener_click_queue_lag_seconds", "Age of the oldest click in the batch read last.", [&] {
        auto oldest = probe.oldest_read_ms.load(std::memory_order_relaxed);
        if (oldest == 0) return 0.0;
        auto now =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count();
        return std::max<double>(0, static_cast<double>(now - oldest) / 1000.0);
    });
    registry.AddGauge("shortener_redis_up", "1 while the Redis connection is up.",
                      [&] { return client->Connected() ? 1.0 : 0.0; });
    WorkerObservability observability(config, registry,
                                      {{"database", [&stores]() { return stores.links->Ping(); }},
                                       {"redis", [&client]() -> boost::asio::awaitable<void> {
                                            if (!client->Connected()) throw std::runtime_error("redis unreachable");
                                            co_return;
                                        }}});
    if (!observability.Start()) return 1;
    WorkerOptions options;
    options.batch_size = config.click_batch_size;
    std::atomic<bool> stop{false};
    boost::asio::io_context context(1);
    std::promise<void> done;
    auto finished = done.get_future();
    std::atomic<bool> failed{false};
    boost::asio::co_spawn(
        context,
        RunClickWorker(source, *enricher, *stores.clicks, probe, options, stop, &broadcaster, stores.stats.get()),
        [&done, &failed](std::exception_ptr e) {
            done.set_value();
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log::Error("worker_failed", {{"error", ex.what()}});
            }
            failed.store(true);
            kill(getpid(), SIGTERM);  // wakes the sigwait below: exit instead of idling
        });
    if (stores.pg_pool) {
        boost::asio::co_spawn(context, store::MaintainClickPartitions(stores.pg_pool), [](std::exception_ptr) {});
    }
    std::thread worker_thread([&] {
        pthread_setname_np(pthread_self(), "click-worker");
        context.run();
    });
    log::Info("worker_started", {{"consumer", consumer},
                                 {"database", stores.description},
                                 {"redis", redis_options->host + ":" + std::to_string(redis_options->port)}});

    int sig = WaitForShutdownSignal(signals, {});
    log::Info("shutting_down", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    // Finish the batch in hand (stored and acknowledged), then stop; a batch that cannot be stored within the
    // grace period stays unacknowledged and another worker claims it.
    source.Close();
    if (finished.wait_for(config.shutdown_grace) != std::future_status::ready) {
        stop.store(true);
        finished.wait_for(std::chrono::seconds(2));
    }
    context.stop();  // also ends the partition maintenance
    worker_thread.join();
    client->Stop();
    redis_io.Stop();
    log::Info("stopped", {{"clicks_stored", std::to_string(static_cast<std::uint64_t>(probe.clicks_stored.Value()))}});
    return failed.load() ? 1 : 0;
}

}  // namespace shortener::app
