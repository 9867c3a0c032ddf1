#include "app/click_worker.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <future>
#include <thread>

#include "app/system.hpp"
#include "app/worker.hpp"
#include "health/health_checker.hpp"
#include "log/log.hpp"
#include "webhook/delivery.hpp"

namespace shortener::app {

struct ClickWorkerThread::State {
    State(const Config& c, Adapters& a, metrics::Registry& r)
        : config(c),
          adapters(a),
          probe(r),
          delivery_probe(a.webhooks ? std::make_unique<webhook::DeliveryProbe>(r) : nullptr),
          notifier(a.webhooks ? std::make_unique<ClickNotifier>(*a.webhooks) : nullptr),
          health_probe(a.health ? std::make_unique<health::HealthProbe>(r) : nullptr),
          expired(&r.AddCounter("shortener_clicks_expired_total",
                                "Raw clicks deleted by SHORTENER_CLICK_RETENTION_DAYS (rollups and totals kept; whole "
                                "PostgreSQL partitions dropped are not counted).")) {}

    const Config& config;
    Adapters& adapters;
    WorkerProbe probe;
    std::unique_ptr<webhook::DeliveryProbe> delivery_probe;  // with a webhook store
    std::unique_ptr<ClickNotifier> notifier;                 // with a webhook store: link.clicked events
    std::atomic<bool> deliveries_stop{false};
    webhook::DeliveryOptions delivery_options;
    std::unique_ptr<health::HealthProbe> health_probe;  // with a health store
    health::HealthOptions health_options;
    metrics::Counter* expired;
    std::atomic<bool> alive{false};
    std::atomic<bool> stop{false};
    boost::asio::io_context context{1};
    SystemClock clock;
    std::promise<void> done;
    std::future<void> finished = done.get_future();
    std::thread thread;
};

namespace {

// The age of the oldest click of the batch read last (the lag as a worker reading a shared stream sees it).
double LagOfLastRead(const WorkerProbe& probe) {
    auto oldest = probe.oldest_read_ms.load(std::memory_order_relaxed);
    if (oldest == 0) return 0.0;
    auto now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    return std::max<double>(0, static_cast<double>(now - oldest) / 1000.0);
}

void LogFailure(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        log::Error("worker_failed", {{"error", ex.what()}});
    }
}

webhook::DeliveryOptions DeliveryOptionsOf(const Config& c) {
    webhook::DeliveryOptions o;
    o.send.policy = {c.webhook_allow_http, c.webhook_allow_private};
    o.retry.base = c.webhook_retry_base;
    o.retry.retry_for = c.webhook_retry_for;
    o.lease = c.webhook_lease;
    o.poll = c.webhook_poll;
    o.disable_after = c.webhook_disable_after;
    return o;
}

health::HealthOptions HealthOptionsOf(const Config& c) {
    health::HealthOptions o;
    o.interval = c.health_interval;
    o.timeout = c.health_timeout;
    o.fail_threshold = static_cast<int>(c.health_fail_threshold);
    o.policy = {true, c.health_allow_private};
    o.user_agent = "url-shortener-health/1 (+" + c.public_url + ")";
    return o;
}

}  // namespace

ClickWorkerThread::ClickWorkerThread(const Config& config, Adapters& adapters, metrics::Registry& registry)
    : state_(std::make_unique<State>(config, adapters, registry)) {
    auto lag = adapters.queue_lag;
    if (!lag) lag = [probe = &state_->probe] { return LagOfLastRead(*probe); };
    registry.AddGauge("shortener_click_queue_lag_seconds", "Age of the oldest click not yet stored.", lag);
}

ClickWorkerThread::~ClickWorkerThread() {
    if (state_->thread.joinable()) Stop(std::chrono::milliseconds(0));
}

void ClickWorkerThread::Start(std::function<void()> on_failure) {
    State& s = *state_;
    WorkerOptions options;
    options.batch_size = s.config.click_batch_size;
    Adapters& a = s.adapters;
    s.alive.store(true);
    boost::asio::co_spawn(
        s.context,
        RunClickWorker(*a.source, *a.enricher, *a.clicks, s.probe, options, s.stop, a.live, a.stats, s.notifier.get()),
        [&s, on_failure = std::move(on_failure)](const std::exception_ptr& e) {
            s.alive.store(false);
            s.done.set_value();
            if (!e) return;
            LogFailure(e);
            if (on_failure) on_failure();
        });
    if (a.maintenance) boost::asio::co_spawn(s.context, a.maintenance(), [](const std::exception_ptr&) {});
    // Webhook deliveries (docs/webhooks.md) on the worker's loop: sends are asynchronous, so clicks keep flowing.
    if (a.webhooks) {
        s.delivery_options = DeliveryOptionsOf(s.config);
        boost::asio::co_spawn(
            s.context, webhook::RunDeliveryLoop(*a.webhooks, s.delivery_options, *s.delivery_probe, s.deliveries_stop),
            [](const std::exception_ptr& e) {
                if (e) LogFailure(e);
            });
    }
    // Destination health (docs/health.md): checks are asynchronous too; one whose loop stops is claimed again later.
    if (a.health && s.config.health_interval.count() > 0) {
        s.health_options = HealthOptionsOf(s.config);
        boost::asio::co_spawn(s.context,
                              health::RunHealthChecker(*a.health, s.health_options, *s.health_probe, s.deliveries_stop),
                              [](const std::exception_ptr& e) {
                                  if (e) LogFailure(e);
                              });
    }
    if (a.retention && s.config.click_retention_days > 0) {
        store::RetentionOptions retention;
        retention.keep = std::chrono::days(s.config.click_retention_days);
        retention.on_deleted = [expired = s.expired](std::size_t n) { expired->Inc(n); };
        boost::asio::co_spawn(s.context, store::RunClickRetention(*a.retention, s.clock, retention),
                              [](const std::exception_ptr&) {});
    }
    s.thread = std::thread([&s] {
        pthread_setname_np(pthread_self(), "click-worker");
        s.context.run();
    });
}

bool ClickWorkerThread::Alive() const noexcept { return state_->alive.load(); }

void ClickWorkerThread::Stop(std::chrono::milliseconds grace) {
    State& s = *state_;
    s.deliveries_stop.store(true);  // no new claims; a delivery cut short is sent again after its lease
    s.adapters.close_source();
    if (s.finished.wait_for(grace) != std::future_status::ready) {
        s.stop.store(true);  // the worker gives up the batch it cannot store
        s.finished.wait_for(std::chrono::seconds(2));
    }
    s.context.stop();  // also ends the maintenance
    if (s.thread.joinable()) s.thread.join();
}

std::uint64_t ClickWorkerThread::Stored() const noexcept {
    return static_cast<std::uint64_t>(state_->probe.clicks_stored.Value());
}

}  // namespace shortener::app
