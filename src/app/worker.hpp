#pragma once
/// @file
/// @brief The track flow: read batches of clicks from the queue, store them, then acknowledge. A batch that
/// cannot be stored is retried with backoff and never acknowledged before it is stored.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "core/enriched_click.hpp"
#include "live/broadcaster.hpp"
#include "metrics/registry.hpp"
#include "queue/click_queue.hpp"
#include "store/link_store.hpp"
#include "store/stats_store.hpp"
#include "store/webhook_store.hpp"

namespace shortener::app {

struct WorkerOptions {
    std::size_t batch_size = 1000;
    std::chrono::milliseconds read_wait{100};
    std::chrono::milliseconds max_backoff{5000};
};

struct WorkerProbe {
    explicit WorkerProbe(metrics::Registry& registry);
    metrics::Counter& clicks_stored;
    metrics::Counter& clicks_duplicate;
    metrics::Counter& batch_failures;
    metrics::Histogram& batch_duration;
    metrics::Histogram& batch_size;
    /// Capture time (Unix ms) of the oldest click of the batch read last; 0 after an empty read. The queue
    /// lag as the worker sees it.
    std::atomic<std::int64_t> oldest_read_ms{0};
};

/// link.clicked webhook events (docs/webhooks.md) for stored clicks. Asks the store whether any webhook subscribes
/// at most once per `recheck`, so that the click path costs nothing more while nobody listens. Used by one worker
/// loop (not thread-safe).
class ClickNotifier {
  public:
    explicit ClickNotifier(store::WebhookStore& store, std::chrono::milliseconds recheck = std::chrono::seconds(5))
        : store_(store), recheck_(recheck) {}
    /// Adds the events of `clicks` to the outbox when someone subscribes. Throws when the store fails.
    boost::asio::awaitable<void> Notify(const std::vector<core::EnrichedClick>& clicks);

  private:
    store::WebhookStore& store_;
    std::chrono::milliseconds recheck_;
    std::chrono::steady_clock::time_point checked_{};
    bool subscribed_ = false;
};

/// The JSON object of a click in a link.clicked event: id, time and the enriched dimensions (never the address).
std::string ClickEventJson(const core::EnrichedClick& click);

/// Turns raw clicks into enriched ones (moving them). Never fails: an enricher error leaves dimensions
/// unknown.
std::vector<core::EnrichedClick> EnrichBatch(std::vector<core::ClickEvent>&& clicks, core::ClickEnricher& enricher);

/// Stores enriched clicks (idempotently), adds their link.clicked events (with `notifier`), then acknowledges their
/// batch. Throws if the store fails (nothing acknowledged), so the caller retries: a batch stored again may announce
/// its clicks again (at least once; receivers deduplicate on data.click.id).
boost::asio::awaitable<void> StoreBatch(const std::vector<core::EnrichedClick>& enriched,
                                        const queue::ClickBatch& batch, queue::ClickSource& source,
                                        store::ClickStore& clicks, WorkerProbe& probe,
                                        ClickNotifier* notifier = nullptr);

/// After a batch is committed: one live event per link of the batch (new totals read from `stats`, the
/// dimensions of the batch's clicks). Never throws: live updates are best effort, the counts are not.
boost::asio::awaitable<void> PublishBatch(const std::vector<core::EnrichedClick>& enriched, store::StatsStore& stats,
                                          live::Broadcaster& live);

/// Runs until the source is closed and drained, or `stop` is set while a batch cannot be stored. With
/// `live` and `stats`, publishes each committed batch (PublishBatch).
boost::asio::awaitable<void> RunClickWorker(queue::ClickSource& source, core::ClickEnricher& enricher,
                                            store::ClickStore& clicks, WorkerProbe& probe, WorkerOptions options,
                                            std::atomic<bool>& stop, live::Broadcaster* live = nullptr,
                                            store::StatsStore* stats = nullptr, ClickNotifier* notifier = nullptr);

}  // namespace shortener::app
