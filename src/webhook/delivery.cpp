#include "webhook/delivery.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <memory>
#include <random>

#include "log/log.hpp"
#include "webhook/signature.hpp"

namespace shortener::webhook {
namespace {

namespace asio = boost::asio;

double UnitRandom() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

// Unique per claim (not secret): a settle with a lost lease must not touch the delivery's new holder.
std::string LeaseToken() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string token(32, '0');
    for (char& c : token) c = kHex[engine() % 16];
    return token;
}

core::TimePoint Now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

struct InFlight {
    std::size_t count = 0;
};

asio::awaitable<void> DeliverOne(store::WebhookStore& store, Sender& sender, const DeliveryOptions& options,
                                 DeliveryProbe& probe, store::ClaimedDelivery d) {
    const std::int64_t timestamp =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    SendResult result;
    auto signature = Sign(d.secret, d.event_id, timestamp, d.payload);
    if (signature) {
        const std::vector<std::pair<std::string, std::string>> headers = {
            {"webhook-id", d.event_id},
            {"webhook-timestamp", std::to_string(timestamp)},
            {"webhook-signature", *signature},
        };
        result = co_await sender.Post(d.url, headers, d.payload);
    } else {
        result.error = "the webhook's secret is unreadable";
    }
    const store::DeliveryOutcome outcome = OutcomeOf(d, result, Now(), UnitRandom(), options);
    try {
        co_await store.Settle(d, outcome);
    } catch (const std::exception& e) {  // the lease runs out and the delivery is claimed again
        log::Warn("webhook_settle_failed", {{"delivery", std::to_string(d.id)}, {"error", e.what()}});
        co_return;
    }
    (outcome.delivered ? probe.delivered : outcome.retry_at ? probe.failed_attempt : probe.gave_up).Inc();
    if (!outcome.delivered) {
        log::Info("webhook_attempt_failed", {{"webhook", std::to_string(d.webhook_id)},
                                             {"delivery", std::to_string(d.id)},
                                             {"attempts", std::to_string(d.attempts)},
                                             {"gave_up", outcome.retry_at ? "false" : "true"},
                                             {"error", result.error}});
    }
}

}  // namespace

DeliveryProbe::DeliveryProbe(metrics::Registry& r)
    : delivered(r.AddCounter("shortener_webhook_deliveries_total", "Webhook delivery attempts by result.",
                             "result=\"delivered\"")),
      failed_attempt(r.AddCounter("shortener_webhook_deliveries_total", "Webhook delivery attempts by result.",
                                  "result=\"failed_attempt\"")),
      gave_up(r.AddCounter("shortener_webhook_deliveries_total", "Webhook delivery attempts by result.",
                           "result=\"gave_up\"")) {}

store::DeliveryOutcome OutcomeOf(const store::ClaimedDelivery& d, const SendResult& result, core::TimePoint now,
                                 double unit_random, const DeliveryOptions& options) {
    store::DeliveryOutcome o;
    o.now = now;
    o.delivered = result.ok;
    o.status_code = result.status;
    if (result.ok) return o;
    o.error = result.error.substr(0, 500);
    // Retried for at least retry_for: the last retry is the first one scheduled after the window closed.
    if (now - d.created_at < options.retry.retry_for)
        o.retry_at = now + RetryDelay(d.attempts, unit_random, options.retry);
    o.disable_failing_before = now - options.disable_after;
    const auto days = std::chrono::duration_cast<std::chrono::hours>(options.disable_after).count() / 24.0;
    std::string span = days >= 1 ? std::to_string(static_cast<long long>(days)) + " days"
                                 : std::to_string(options.disable_after.count() / 1000) + " s";
    o.disable_reason = "every delivery failed for " + span + "; last error: " + o.error;
    return o;
}

asio::awaitable<void> RunDeliveryLoop(store::WebhookStore& store, const DeliveryOptions& options, DeliveryProbe& probe,
                                      std::atomic<bool>& stop) {
    auto ex = co_await asio::this_coro::executor;
    Sender sender(options.send);
    auto in_flight = std::make_shared<InFlight>();
    asio::steady_timer timer(ex);
    while (!stop.load()) {
        std::vector<store::ClaimedDelivery> claimed;
        const std::size_t free = options.concurrency - in_flight->count;
        if (free > 0) {
            try {
                const core::TimePoint now = Now();
                const core::TimePoint lease_until = now + options.lease;
                const std::string token = LeaseToken();
                claimed = co_await store.Claim(now, lease_until, free, token);
            } catch (const std::exception& e) {
                log::Warn("webhook_claim_failed", {{"error", e.what()}});
            }
        }
        for (auto& d : claimed) {
            ++in_flight->count;
            asio::co_spawn(ex, DeliverOne(store, sender, options, probe, std::move(d)),
                           [in_flight](const std::exception_ptr&) { --in_flight->count; });
        }
        if (claimed.empty() || free == claimed.size()) {
            timer.expires_after(claimed.empty() ? options.poll : std::chrono::milliseconds(50));
            co_await timer.async_wait(asio::use_awaitable);
        }
    }
    while (in_flight->count > 0) {  // each ends within the send timeout
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::use_awaitable);
    }
}

}  // namespace shortener::webhook
