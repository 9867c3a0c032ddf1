#include "app/worker.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <map>

#include "log/log.hpp"

namespace shortener::app {

WorkerProbe::WorkerProbe(metrics::Registry& r)
    : clicks_stored(r.AddCounter("shortener_clicks_stored_total", "Clicks written to the click store.")),
      clicks_duplicate(
          r.AddCounter("shortener_clicks_duplicate_total", "Clicks delivered again and skipped (already stored).")),
      batch_failures(r.AddCounter("shortener_click_batch_failures_total", "Click batches that failed to store.")),
      batch_duration(r.AddHistogram("shortener_click_batch_duration_seconds", "Time to store one batch of clicks.",
                                    metrics::LatencyBuckets())),
      batch_size(r.AddHistogram("shortener_click_batch_size", "Clicks per stored batch.",
                                {1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000}, {}, 1.0)) {}

std::vector<core::EnrichedClick> EnrichBatch(std::vector<core::ClickEvent>&& clicks, core::ClickEnricher& enricher) {
    std::vector<core::EnrichedClick> enriched;
    enriched.reserve(clicks.size());
    for (auto& click : clicks) {
        core::ClickDimensions dimensions;
        try {
            dimensions = enricher.Enrich(click);
        } catch (const std::exception& e) {  // a click is never lost to enrichment: store it with unknowns
            log::Warn("enrich_failed", {{"error", e.what()}});
        }
        enriched.push_back({std::move(click), std::move(dimensions)});
    }
    clicks.clear();
    return enriched;
}

std::string ClickEventJson(const core::EnrichedClick& click) {
    const core::ClickDimensions& d = click.dimensions;
    auto known = [](const std::string& s) { return s.empty() ? boost::json::value(nullptr) : boost::json::value(s); };
    return boost::json::serialize(boost::json::object{{"id", click.event.id.ToString()},
                                                      {"at", core::FormatRfc3339(click.event.at)},
                                                      {"country", known(d.country_code)},
                                                      {"browser", known(d.browser)},
                                                      {"os", known(d.os)},
                                                      {"device", known(d.device)},
                                                      {"referrer_host", known(d.referrer_host)},
                                                      {"is_bot", d.is_bot}});
}

boost::asio::awaitable<void> ClickNotifier::Notify(const std::vector<core::EnrichedClick>& clicks) {
    const auto now = std::chrono::steady_clock::now();
    if (checked_ == std::chrono::steady_clock::time_point{} || now - checked_ >= recheck_) {
        subscribed_ = co_await store_.AnySubscriber(store::kLinkClicked);
        checked_ = now;
    }
    if (!subscribed_ || clicks.empty()) co_return;
    std::vector<store::ClickNotice> notices;
    notices.reserve(clicks.size());
    for (const auto& c : clicks) notices.push_back({c.event.link_id, c.event.at, ClickEventJson(c)});
    const core::TimePoint stamp =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    co_await store_.EnqueueClicks(notices, stamp);
}

boost::asio::awaitable<void> StoreBatch(const std::vector<core::EnrichedClick>& enriched,
                                        const queue::ClickBatch& batch, queue::ClickSource& source,
                                        store::ClickStore& clicks, WorkerProbe& probe, ClickNotifier* notifier) {
    auto started = std::chrono::steady_clock::now();
    std::size_t added = co_await clicks.Record(enriched);
    if (notifier != nullptr) co_await notifier->Notify(enriched);
    co_await source.Ack(batch);
    probe.clicks_stored.Inc(added);
    probe.clicks_duplicate.Inc(enriched.size() - added);
    probe.batch_size.Observe(static_cast<double>(enriched.size()));
    probe.batch_duration.Observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
}

boost::asio::awaitable<void> PublishBatch(const std::vector<core::EnrichedClick>& enriched, store::StatsStore& stats,
                                          live::Broadcaster& live) {
    // Only the links somebody watches (embedded: an SSE client on this process): no totals query and no event
    // JSON for the others, a sixth of the click path's instructions under load (docs/benchmarks.md).
    std::map<core::LinkId, std::vector<const core::EnrichedClick*>> by_link;
    for (const auto& c : enriched) by_link[c.event.link_id].push_back(&c);
    std::erase_if(by_link, [&](const auto& kv) { return !live.Watched(kv.first); });
    if (by_link.empty()) co_return;
    std::vector<core::LinkId> ids;
    ids.reserve(by_link.size());
    for (const auto& [link, clicks] : by_link) ids.push_back(link);
    std::vector<store::LinkTotals> totals;
    try {
        // One round trip for every link of the batch: a batch may touch a thousand links.
        totals = co_await stats.TotalsOf(ids);
    } catch (const std::exception& ex) {
        log::Warn("live_publish_failed", {{"error", ex.what()}});
        co_return;
    }
    for (const store::LinkTotals& t : totals) {
        auto it = by_link.find(t.link_id);
        if (it == by_link.end()) continue;
        const auto& clicks = it->second;
        live::LiveEvent e;
        e.link_id = t.link_id;
        e.id = t.clicks;
        e.prev = t.clicks - static_cast<std::int64_t>(clicks.size());
        e.data =
            live::BatchEventJson(t.link_id, t.slug, t.clicks, t.human_clicks, t.bot_clicks, t.unique_visitors, clicks);
        live.Publish(std::move(e));
    }
}

boost::asio::awaitable<void> RunClickWorker(queue::ClickSource& source, core::ClickEnricher& enricher,
                                            store::ClickStore& clicks, WorkerProbe& probe, WorkerOptions options,
                                            std::atomic<bool>& stop, live::Broadcaster* live, store::StatsStore* stats,
                                            ClickNotifier* notifier) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    while (!source.Drained()) {
        auto batch = co_await source.Read(options.batch_size, options.read_wait);
        if (batch.empty()) {
            probe.oldest_read_ms.store(0, std::memory_order_relaxed);
            continue;
        }
        auto oldest = std::min_element(batch.clicks.begin(), batch.clicks.end(),
                                       [](const auto& a, const auto& b) { return a.at < b.at; });
        probe.oldest_read_ms.store(core::ToUnixMillis(oldest->at), std::memory_order_relaxed);
        const std::size_t size = batch.clicks.size();
        auto enriched = EnrichBatch(std::move(batch.clicks), enricher);
        std::chrono::milliseconds backoff{100};
        for (;;) {
            try {
                co_await StoreBatch(enriched, batch, source, clicks, probe, notifier);
                if (live != nullptr && stats != nullptr) co_await PublishBatch(enriched, *stats, *live);
                break;
            } catch (const std::exception& e) {
                probe.batch_failures.Inc();
                log::Error("click_batch_failed", {{"clicks", std::to_string(size)},
                                                  {"retry_in_ms", std::to_string(backoff.count())},
                                                  {"error", e.what()}});
            }
            if (stop.load()) {
                log::Error("click_batch_abandoned", {{"clicks", std::to_string(size)}});
                co_return;
            }
            timer.expires_after(backoff);
            co_await timer.async_wait(boost::asio::use_awaitable);
            backoff = std::min(backoff * 2, options.max_backoff);
        }
    }
}

}  // namespace shortener::app
