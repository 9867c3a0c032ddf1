#pragma once
/// @file
/// @brief What a mode is made of: opening a mode (embedded or distributed) returns its adapters, and one
/// composition root (serve.cpp) wires them into the HTTP server or the click worker, the same way for every mode.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/config.hpp"
#include "cache/l1_cache.hpp"
#include "cache/link_cache.hpp"
#include "core/enriched_click.hpp"
#include "http/handlers/handlers.hpp"
#include "http/rate_limiter.hpp"
#include "live/broadcaster.hpp"
#include "metrics/registry.hpp"
#include "queue/click_queue.hpp"
#include "store/auth_store.hpp"
#include "store/domain_store.hpp"
#include "store/import_jobs.hpp"
#include "store/link_health_store.hpp"
#include "store/link_store.hpp"
#include "store/retention.hpp"
#include "store/stats_store.hpp"
#include "store/webhook_store.hpp"

namespace shortener::store {
class SqliteDb;
struct PostgresOptions;
}  // namespace shortener::store

namespace shortener::app {

/// The PostgreSQL adapter's options from DATABASE_URL and SHORTENER_DATABASE_STATEMENTS.
store::PostgresOptions PostgresOptionsOf(const Config& config);

/// What the process is for: `shortener serve` (HTTP API and redirects) or `shortener worker` (click consumer).
enum class Role { kServe, kWorker };

/// Start-log fields, such as {"database", "postgres"}.
using LogFields = std::vector<std::pair<std::string, std::string>>;

/// The adapters of one mode. Everything is owned by `owner`; destroying it stops them (Redis connections, I/O
/// threads). The pointers stay valid while `owner` lives. Members a role does not need are null.
struct Adapters {
    std::shared_ptr<void> owner;
    std::string mode;       // "embedded" | "distributed"
    LogFields description;  // start-log fields: database, redis
    store::LinkStore* links = nullptr;
    store::ClickStore* clicks = nullptr;
    store::StatsStore* stats = nullptr;
    store::AuthStore* auth = nullptr;
    store::ClickRetention* retention = nullptr;    // erasure (serve) and retention (the click worker)
    store::ImportJobStore* import_jobs = nullptr;  // serve: background imports' progress
    store::DomainStore* domains = nullptr;         // branded domains (issue #14)
    store::WebhookStore* webhooks = nullptr;       // the API (serve) and the delivery loop and link.clicked (worker)
    store::LinkHealthStore* health = nullptr;      // the API (serve) and the destination health checker (worker)
    live::Broadcaster* live = nullptr;
    cache::L1Cache* l1 = nullptr;                // serve
    cache::LinkCache* l2 = nullptr;              // serve, distributed: the Redis cache
    std::unique_ptr<http::RateLimiter> limiter;  // serve
    std::vector<http::ReadinessCheck> readiness;

    // Serve: where redirects hand clicks over, and its figures.
    queue::ClickSink* sink = nullptr;
    std::function<queue::QueueStats()> sink_stats;
    /// After the server stopped (no more clicks come in): hand on every click accepted (serve).
    std::function<void()> flush;
    /// Fields of the "stopped" log line (after `flush` and the click worker ended).
    std::function<LogFields()> stopped_fields;

    // The click worker (embedded serve: an in-process thread; `shortener worker`).
    queue::ClickSource* source = nullptr;
    std::function<void()> close_source;  // no more clicks: the worker drains the source, then ends
    /// Age in seconds of the oldest click not yet stored; null: the worker's own view (the batch read last).
    std::function<double()> queue_lag;
    std::unique_ptr<core::ClickEnricher> enricher;
    /// Also run on the worker's event loop until it stops (PostgreSQL click partitions); may be null.
    std::function<boost::asio::awaitable<void>()> maintenance;
};

/// Thrown by the Open functions after logging why the mode cannot start; `exit_code` is the process status.
struct StartupFailure {
    int exit_code;
};

/// Embedded mode: SQLite in the data dir, the in-process click queue (sink and source), the in-process
/// broadcaster and rate limiter. Registers the mode's own metrics. Throws StartupFailure.
Adapters OpenEmbedded(const Config& config, metrics::Registry& registry);

/// Distributed mode (REDIS_URL, and PostgreSQL when DATABASE_URL is set, else SQLite): Redis L2 cache and
/// invalidations, Redis Streams click sink (serve) or source (worker), Redis pub/sub live updates, the Redis
/// rate limiter. Starts the Redis connections. Registers the mode's own metrics. Throws StartupFailure.
Adapters OpenDistributed(const Config& config, metrics::Registry& registry, Role role);

/// The SQLite file in the data dir, created and migrated. Throws if it cannot be.
std::shared_ptr<store::SqliteDb> OpenSqliteFile(const Config& config);

/// The shared L1 options from the configuration.
cache::L1Options L1OptionsFrom(const Config& config);

}  // namespace shortener::app
