// Distributed mode (REDIS_URL, DATABASE_URL): PostgreSQL (or SQLite on one host) behind a Redis L2 cache with
// invalidations; clicks go through a Redis stream (RedisStreamClickSink in `serve`, RedisStreamClickSource in
// `shortener worker`); live updates through Redis pub/sub; rate limits in Redis.

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <random>

#include "app/adapters.hpp"
#include "app/enrichment.hpp"
#include "cache/redis/redis_link_cache.hpp"
#include "http/rate_limit/redis_rate_limiter.hpp"
#include "live/redis_pubsub/redis_broadcaster.hpp"
#include "log/log.hpp"
#include "queue/redis_streams/redis_stream_click_queue.hpp"
#include "redis/redis_client.hpp"
#include "store/postgres/postgres_auth_store.hpp"
#include "store/postgres/postgres_import_jobs.hpp"
#include "store/postgres/postgres_retention.hpp"
#include "store/postgres/postgres_salt_store.hpp"
#include "store/postgres/postgres_stats_store.hpp"
#include "store/postgres/postgres_stores.hpp"
#include "store/sqlite/sqlite_auth_store.hpp"
#include "store/sqlite/sqlite_domain_store.hpp"
#include "store/sqlite/sqlite_import_jobs.hpp"
#include "store/sqlite/sqlite_link_health_store.hpp"
#include "store/sqlite/sqlite_retention.hpp"
#include "store/sqlite/sqlite_salt_store.hpp"
#include "store/sqlite/sqlite_stats_store.hpp"
#include "store/sqlite/sqlite_stores.hpp"
#include "store/sqlite/sqlite_webhook_store.hpp"

namespace shortener::app {
namespace {

// The stores of this mode, and what they run on (declared first: it outlives them).
struct Stores {
    std::shared_ptr<store::PostgresBackend> postgres;  // PostgreSQL only: its pools and the read router
    std::shared_ptr<store::SqliteDb> sqlite;           // SQLite only
    std::unique_ptr<store::LinkStore> links;
    std::unique_ptr<store::ClickStore> clicks;
    std::unique_ptr<store::StatsStore> stats;
    std::unique_ptr<store::AuthStore> auth;
    std::unique_ptr<store::ClickRetention> retention;
    std::unique_ptr<store::ImportJobStore> import_jobs;
    std::unique_ptr<store::WebhookStore> webhooks;
    std::unique_ptr<store::DomainStore> domains;
    std::unique_ptr<store::LinkHealthStore> health;
    std::string description;
};

// PostgreSQL, migrated first (replicas starting together are serialized by the migrations' advisory lock).
Stores OpenPostgresStores(const Config& config) {
    store::PostgresOptions options = PostgresOptionsOf(config);
    store::MigratePostgres(options);
    std::optional<store::PostgresOptions> replica;
    if (!config.database_read_url.empty()) {
        replica = options;
        replica->dsn = config.database_read_url;
    }
    auto backend = std::make_shared<store::PostgresBackend>(store::OpenPostgres(options, replica));
    Stores s;
    s.links = std::move(backend->links);
    s.clicks = std::move(backend->clicks);
    s.webhooks = std::move(backend->webhooks);
    s.domains = std::move(backend->domains);
    s.health = std::move(backend->health);
    s.stats = std::make_unique<store::PostgresStatsStore>(backend->router);
    s.auth = std::make_unique<store::PostgresAuthStore>(backend->pool);
    s.retention = std::make_unique<store::PostgresRetention>(backend->pool);
    s.import_jobs = std::make_unique<store::PostgresImportJobs>(backend->pool);
    s.postgres = backend;
    s.description = replica ? "postgres+replica" : "postgres";
    return s;
}

// PostgreSQL when DATABASE_URL is set; otherwise the SQLite file in the data dir (REDIS_URL alone: one host, Redis
// cache and queue in front of SQLite — for tests and small set-ups). Logs why not and throws StartupFailure.
Stores OpenStores(const Config& config) {
    try {
        if (!config.database_url.empty()) return OpenPostgresStores(config);
        Stores s;
        s.sqlite = OpenSqliteFile(config);
        s.links = std::make_unique<store::SqliteLinkStore>(s.sqlite);
        s.clicks = std::make_unique<store::SqliteClickStore>(s.sqlite);
        s.webhooks = std::make_unique<store::SqliteWebhookStore>(s.sqlite);
        s.domains = std::make_unique<store::SqliteDomainStore>(s.sqlite);
        s.health = std::make_unique<store::SqliteLinkHealthStore>(s.sqlite);
        s.stats = std::make_unique<store::SqliteStatsStore>(s.sqlite);
        s.auth = std::make_unique<store::SqliteAuthStore>(s.sqlite);
        s.retention = std::make_unique<store::SqliteRetention>(s.sqlite);
        s.import_jobs = std::make_unique<store::SqliteImportJobs>(s.sqlite);
        s.description = "sqlite:" + s.sqlite->path();
        return s;
    } catch (const std::exception& e) {
        log::Error("database_unavailable", {{"error", e.what()}});
        throw StartupFailure{1};
    }
}

redis::ClientOptions RedisOptions(const Config& config) {
    if (config.redis_url.empty()) {
        log::Error("config_invalid", {{"error",
                                       "distributed mode needs REDIS_URL (redis://host:port) for the cache "
                                       "and the click queue"}});
        throw StartupFailure{2};
    }
    try {
        return redis::ParseRedisUrl(config.redis_url);
    } catch (const std::exception& e) {
        log::Error("config_invalid", {{"error", e.what()}});
        throw StartupFailure{2};
    }
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
    o.journal_path = (std::filesystem::path(config.data_dir) / "click-journal.bin").string();
    return o;
}

std::string ConsumerName() {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    std::random_device rd;
    return std::string(host) + "-" + std::to_string(getpid()) + "-" + std::to_string(rd() % 100000);
}

// Everything distributed mode owns. Every Redis connection of the process is driven by one I/O thread; HTTP
// threads only hand over. The destructor stops the Redis side (its callbacks reference the members).
struct Distributed {
    Distributed(const Config& c, Stores s, const redis::ClientOptions& r)
        : config(c), options(r), stores(std::move(s)) {}
    ~Distributed() {
        if (sink) sink->Stop();
        for (auto& client : clients) client->Stop();
        io.Stop();
    }

    // A connection named `name`; `reset_on_timeout`: a hung Redis drops it (the caller fails open or journals).
    // `watched` connections make up shortener_redis_up and the readiness check.
    std::shared_ptr<redis::Client> Connect(const char* name, bool watched, bool reset_on_timeout = false) {
        auto o = options;
        o.name = name;
        if (reset_on_timeout) o.reset_on_timeout = true;
        clients.push_back(std::make_shared<redis::Client>(io.context(), std::move(o)));
        if (watched) this->watched.push_back(clients.back().get());
        return clients.back();
    }
    bool RedisUp() const {
        for (const auto* client : watched) {
            if (!client->Connected()) return false;
        }
        return true;
    }

    const Config& config;
    redis::ClientOptions options;
    Stores stores;
    redis::IoThread io{"redis-io"};
    std::vector<std::shared_ptr<redis::Client>> clients;
    std::vector<const redis::Client*> watched;
    std::unique_ptr<cache::L1Cache> l1;
    std::unique_ptr<cache::RedisLinkCache> l2;
    std::unique_ptr<live::RedisBroadcaster> broadcaster;
    std::unique_ptr<queue::RedisStreamClickSink> sink;
    std::unique_ptr<queue::RedisStreamClickSource> source;
};

// After the subscriber (re)connects, invalidations may have been missed (and a restarted Redis has lost L2): L1
// keeps its links but revalidates each before its next use, and can still answer them while PostgreSQL is
// unreachable (stale-if-error).
void OpenCaches(Distributed& d) {
    d.l1 = std::make_unique<cache::L1Cache>(L1OptionsFrom(d.config));
    cache::RedisLinkCacheOptions o;
    o.key_prefix = d.config.redis_prefix + "link:";
    o.channel = d.config.redis_prefix + "link-changes";
    o.ttl = d.config.redis_cache_ttl;  // 0: no L2 entries, invalidation messages only
    auto cache_client = d.Connect("cache", true);
    auto subscriber = d.Connect("invalidation", true);
    auto* l1 = d.l1.get();
    d.l2 = std::make_unique<cache::RedisLinkCache>(
        cache_client, subscriber, o, [l1](std::string_view slug) { l1->Erase(slug); },
        [l1] {
            l1->MarkAllStale();
            log::Info("l1_cache_marked_stale", {{"entries", std::to_string(l1->Size())}});
        });
}

// The producer of the click stream: a hung Redis must not stall the flusher, so the connection resets on
// timeout and clicks go to the journal instead.
void OpenSink(Distributed& d) {
    std::filesystem::create_directories(d.config.data_dir);
    auto stream = StreamOptions(d.config);
    auto client = d.Connect("click-queue", true, true);
    // The group exists before the first click, so no click is ever added before a worker can see it.
    client->SetOnConnect([weak = std::weak_ptr<redis::Client>(client), stream] {
        if (auto c = weak.lock())
            c->Command({"XGROUP", "CREATE", stream.stream, stream.group, "0", "MKSTREAM"}, [](const redis::Reply&) {});
    });
    d.sink = std::make_unique<queue::RedisStreamClickSink>(client, stream);
}

// Rate limits on their own connection: a slow answer never queues behind cache or queue traffic, and a timed-out
// one drops the connection (fail open, then reconnect).
std::unique_ptr<http::RateLimiter> OpenLimiter(Distributed& d, metrics::Registry& registry) {
    http::RedisRateLimiterOptions o;
    o.key_prefix = d.config.redis_prefix + "rl:";
    o.timeout = d.config.rate_limit_timeout;
    auto client = d.Connect("rate-limit", false, true);
    auto limiter = std::make_unique<http::RedisRateLimiter>(client, o);
    registry.AddCounterFunction("shortener_rate_limit_fail_open_total",
                                "Rate-limited requests allowed because Redis did not answer in time.",
                                [l = limiter.get()] { return static_cast<double>(l->FailedOpen()); });
    return limiter;
}

// Connection-pool figures of the PostgreSQL backend.
void AddPoolMetrics(metrics::Registry& registry, const std::shared_ptr<store::PgPool>& pool) {
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

// Where reads went when a replica is configured (DATABASE_READ_URL).
void AddReplicaMetrics(metrics::Registry& registry, const std::shared_ptr<store::PgRouter>& router) {
    if (!router->has_replica()) return;
    const std::string help = "Reads meant for the replica (link lists, stats), by who answered them and why.";
    registry.AddCounterFunction(
        "shortener_db_reads_total", help, [router] { return static_cast<double>(router->GetStats().replica_reads); },
        "served_by=\"replica\"");
    registry.AddCounterFunction(
        "shortener_db_reads_total", help, [router] { return static_cast<double>(router->GetStats().behind_reads); },
        "served_by=\"primary\",reason=\"replica_behind\"");
    registry.AddCounterFunction(
        "shortener_db_reads_total", help,
        [router] { return static_cast<double>(router->GetStats().unavailable_reads); },
        "served_by=\"primary\",reason=\"replica_unavailable\"");
}

// The readiness checks: the database, and Redis (serve: not critical — without Redis, redirects and the API keep
// working with no L2 and clicks buffered or journaled; worker: critical).
void AddReadiness(Adapters& a, Distributed& d, Role role) {
    a.readiness.push_back({"database", [links = d.stores.links.get()]() { return links->Ping(); }});
    auto* sink = d.sink.get();
    a.readiness.push_back({"redis",
                           [&d, sink]() -> boost::asio::awaitable<void> {
                               if (d.RedisUp()) co_return;
                               if (!sink) throw std::runtime_error("redis unreachable");
                               throw std::runtime_error("redis unreachable; clicks buffered: " +
                                                        std::to_string(sink->Stats().depth));
                           },
                           role == Role::kWorker});
}

// `serve`: caches, the click sink, live updates received from the workers, the rate limiter.
void OpenServe(Adapters& a, Distributed& d, metrics::Registry& registry) {
    OpenCaches(d);
    d.broadcaster =
        std::make_unique<live::RedisBroadcaster>(nullptr, d.Connect("live", false), d.config.redis_prefix + "live");
    OpenSink(d);
    a.limiter = OpenLimiter(d, registry);
    a.l1 = d.l1.get();
    a.l2 = d.l2.get();
    auto* sink = d.sink.get();
    a.sink = sink;
    a.sink_stats = [sink] { return sink->Stats(); };
    a.flush = [sink] { sink->Stop(); };  // send (or journal) every buffered click
    a.stopped_fields = [sink] {
        auto stats = sink->Stats();
        return LogFields{{"clicks_enqueued", std::to_string(stats.enqueued)},
                         {"clicks_dropped", std::to_string(stats.dropped)},
                         {"clicks_journaled", std::to_string(sink->Journaled())}};
    };
    registry.AddGauge("shortener_click_journal_clicks", "Clicks in the journal file, waiting for Redis.",
                      [sink] { return static_cast<double>(sink->Journaled()); });
}

// `shortener worker`: the stream consumer, live updates published, visitor-id salts shared by every worker.
void OpenWorker(Adapters& a, Distributed& d) {
    auto client = d.Connect("click-queue", true);
    d.broadcaster = std::make_unique<live::RedisBroadcaster>(client, nullptr, d.config.redis_prefix + "live");
    const std::string consumer = ConsumerName();
    d.source = std::make_unique<queue::RedisStreamClickSource>(client, StreamOptions(d.config), consumer);
    a.description.insert(a.description.begin(), std::pair<std::string, std::string>("consumer", consumer));
    a.source = d.source.get();
    a.close_source = [source = d.source.get()] { source->Close(); };
    std::unique_ptr<enrich::SaltStore> salts;
    if (d.stores.postgres)
        salts = std::make_unique<store::PostgresSaltStore>(d.stores.postgres->pool);
    else
        salts = std::make_unique<store::SqliteSaltStore>(*d.stores.sqlite);
    a.enricher = MakeEnricher(d.config, std::move(salts));
    if (d.stores.postgres) {
        a.maintenance = [pool = d.stores.postgres->pool] { return store::MaintainClickPartitions(pool); };
    }
}

}  // namespace

store::PostgresOptions PostgresOptionsOf(const Config& config) {
    store::PostgresOptions options;
    options.dsn = config.database_url;
    options.statements =
        config.database_statements == "unnamed" ? store::PgStatementMode::kUnnamed : store::PgStatementMode::kPrepared;
    return options;
}

Adapters OpenDistributed(const Config& config, metrics::Registry& registry, Role role) {
    auto redis_options = RedisOptions(config);
    auto d = std::make_shared<Distributed>(config, OpenStores(config), redis_options);
    Adapters a;
    a.owner = d;
    a.mode = "distributed";
    a.description = {{"database", d->stores.description},
                     {"redis", redis_options.host + ":" + std::to_string(redis_options.port)}};
    a.links = d->stores.links.get();
    a.clicks = d->stores.clicks.get();
    a.webhooks = d->stores.webhooks.get();
    a.domains = d->stores.domains.get();
    a.health = d->stores.health.get();
    a.stats = d->stores.stats.get();
    a.auth = d->stores.auth.get();
    a.retention = d->stores.retention.get();
    a.import_jobs = d->stores.import_jobs.get();
    if (role == Role::kServe)
        OpenServe(a, *d, registry);
    else
        OpenWorker(a, *d);
    a.live = d->broadcaster.get();
    AddReadiness(a, *d, role);
    if (d->stores.postgres) {
        AddPoolMetrics(registry, d->stores.postgres->pool);
        AddReplicaMetrics(registry, d->stores.postgres->router);
    }
    registry.AddGauge("shortener_redis_up", "1 while the Redis connections of this process are up.",
                      [raw = d.get()] { return raw->RedisUp() ? 1.0 : 0.0; });
    for (auto& client : d->clients) client->Start();
    if (d->sink) d->sink->Start();
    return a;
}

}  // namespace shortener::app
