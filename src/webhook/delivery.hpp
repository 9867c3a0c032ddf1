#pragma once
/// @file
/// @brief The webhook delivery loop (docs/webhooks.md): claims due deliveries from the outbox with a lease, sends
/// each (signed, Standard Webhooks), and settles it: delivered, due again after a backoff, or failed for good once
/// older than the retry window; webhooks failing for days are disabled. Runs on the worker side: in embedded
/// `serve` next to the click worker, in distributed mode in `shortener worker` (any number of replicas: the store's
/// claim gives each delivery to one of them at a time).

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "metrics/registry.hpp"
#include "store/webhook_store.hpp"
#include "webhook/backoff.hpp"
#include "webhook/sender.hpp"

namespace shortener::webhook {

struct DeliveryOptions {
    SendOptions send;
    RetryPolicy retry;
    std::chrono::milliseconds lease{60'000};  // SHORTENER_WEBHOOK_LEASE_S: a claimed delivery's hold (> timeout)
    std::chrono::milliseconds poll{1'000};    // SHORTENER_WEBHOOK_POLL_MS: the wait when nothing is due
    std::chrono::milliseconds disable_after{5LL * 24 * 3'600'000};  // SHORTENER_WEBHOOK_DISABLE_AFTER_S
    std::size_t concurrency = 16;                                   // deliveries in flight per process
};

/// shortener_webhook_deliveries_total by result.
struct DeliveryProbe {
    explicit DeliveryProbe(metrics::Registry& registry);
    metrics::Counter& delivered;
    metrics::Counter& failed_attempt;
    metrics::Counter& gave_up;
};

/// The outcome to record for an attempt that ended with `result` (pure: the loop's policy, tested alone).
store::DeliveryOutcome OutcomeOf(const store::ClaimedDelivery& d, const SendResult& result, core::TimePoint now,
                                 double unit_random, const DeliveryOptions& options);

/// Runs until `stop` is set, then waits for the deliveries in flight (each ends within the send timeout).
/// Store failures are logged and retried after `poll`; never throws.
boost::asio::awaitable<void> RunDeliveryLoop(store::WebhookStore& store, const DeliveryOptions& options,
                                             DeliveryProbe& probe, std::atomic<bool>& stop);

}  // namespace shortener::webhook
