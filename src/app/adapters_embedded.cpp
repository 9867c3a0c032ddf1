// Embedded mode: one process, SQLite in the data dir, the in-process click queue read by the click-worker thread.

#include <chrono>
#include <filesystem>

#include "app/adapters.hpp"
#include "app/enrichment.hpp"
#include "http/rate_limit/in_process_rate_limiter.hpp"
#include "queue/in_process/in_process_click_queue.hpp"
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

// Everything embedded mode owns, in the order it is built.
struct Embedded {
    Embedded(const Config& config, std::shared_ptr<store::SqliteDb> sqlite)
        : db(std::move(sqlite)),
          links(db),
          clicks(db),
          stats(db),
          auth(db),
          retention(db),
          import_jobs(db),
          webhooks(db),
          domains(db),
          health(db),
          l1(L1OptionsFrom(config)),
          queue(config.click_queue_capacity) {}

    std::shared_ptr<store::SqliteDb> db;
    store::SqliteLinkStore links;
    store::SqliteClickStore clicks;
    store::SqliteStatsStore stats;
    store::SqliteAuthStore auth;
    store::SqliteRetention retention;
    store::SqliteImportJobs import_jobs;
    store::SqliteWebhookStore webhooks;
    store::SqliteDomainStore domains;
    store::SqliteLinkHealthStore health;
    live::InProcessBroadcaster broadcaster;
    cache::L1Cache l1;
    queue::InProcessClickQueue queue;
};

LogFields QueueFigures(const queue::QueueStats& stats) {
    return {{"clicks_enqueued", std::to_string(stats.enqueued)},
            {"clicks_dropped", std::to_string(stats.dropped)},
            {"clicks_unsaved", std::to_string(stats.depth)}};
}

}  // namespace

std::shared_ptr<store::SqliteDb> OpenSqliteFile(const Config& config) {
    std::filesystem::create_directories(config.data_dir);
    auto path = (std::filesystem::path(config.data_dir) / "shortener.db").string();
    auto db = std::make_shared<store::SqliteDb>(path);
    db->Migrate(store::SqliteMigrations());
    return db;
}

Adapters OpenEmbedded(const Config& config, metrics::Registry& registry) {
    auto e = std::make_shared<Embedded>(config, OpenSqliteFile(config));
    Adapters a;
    a.owner = e;
    a.mode = "embedded";
    a.description = {{"database", e->db->path()}};
    a.links = &e->links;
    a.clicks = &e->clicks;
    a.webhooks = &e->webhooks;
    a.domains = &e->domains;
    a.health = &e->health;
    a.stats = &e->stats;
    a.auth = &e->auth;
    a.retention = &e->retention;
    a.import_jobs = &e->import_jobs;
    a.live = &e->broadcaster;
    a.l1 = &e->l1;
    a.readiness.push_back({"database", [links = &e->links]() { return links->Ping(); }});
    a.sink = &e->queue;
    a.sink_stats = [q = &e->queue] { return q->Stats(); };
    a.stopped_fields = [q = &e->queue] { return QueueFigures(q->Stats()); };
    a.source = &e->queue;
    a.close_source = [q = &e->queue] { q->Close(); };
    a.queue_lag = [q = &e->queue] {
        auto oldest = q->Stats().oldest;
        return oldest ? std::chrono::duration<double>(std::chrono::system_clock::now() - *oldest).count() : 0.0;
    };
    a.enricher = MakeEnricher(config, std::make_unique<store::SqliteSaltStore>(*e->db));
    auto limiter = std::make_unique<http::InProcessRateLimiter>();
    registry.AddGauge("shortener_rate_limit_buckets", "Rate-limit buckets held in memory.",
                      [l = limiter.get()] { return static_cast<double>(l->Size()); });
    a.limiter = std::move(limiter);
    return a;
}

cache::L1Options L1OptionsFrom(const Config& config) {
    cache::L1Options o;
    o.capacity = config.cache_size;
    o.ttl = config.cache_ttl;
    o.stale_if_error = config.stale_if_error;
    return o;
}

}  // namespace shortener::app
