#pragma once
/// @file
/// @brief Destination health (issue #15, docs/health.md): the worker checks each active link's destination about once
/// per interval, spread over it. A check is `HEAD` (then `GET` when the server answers 405 or 501), following up to 5
/// redirects, each hop under the webhooks' SSRF rules and through their one outbound HTTP client (webhook::Sender),
/// with a polite User-Agent and one request per host at a time, across every worker (a lease per host in the store). A
/// link fails `fail_threshold` checks in a row: broken (and a link.broken webhook event); one success makes it ok
/// again. Runs on the worker side, as the webhook delivery loop does; in distributed mode the store's claim gives each
/// link to one worker at a time.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>

#include "metrics/registry.hpp"
#include "store/link_health_store.hpp"
#include "webhook/sender.hpp"

namespace shortener::health {

struct HealthOptions {
    std::chrono::milliseconds interval{24LL * 3'600'000};  // SHORTENER_HEALTH_INTERVAL_S: between two checks of a link
    std::chrono::milliseconds timeout{10'000};             // SHORTENER_HEALTH_TIMEOUT_MS: one request (one hop)
    int fail_threshold = 3;                                // SHORTENER_HEALTH_FAIL_THRESHOLD
    webhook::TargetPolicy policy{true, false};             // http allowed; private per SHORTENER_HEALTH_ALLOW_PRIVATE
    std::string user_agent = "url-shortener-health/1";     // "+ (+public URL)" added by the app
    std::size_t batch = 32;                                // links claimed at once
    int max_redirects = 5;
};

/// What one check found (the store's HealthCheckResult without the bookkeeping).
struct CheckOutcome {
    bool ok = false;
    std::optional<int> status_code;
    std::string final_url;
    std::string error;
};

/// shortener_health_checks_total by result.
struct HealthProbe {
    explicit HealthProbe(metrics::Registry& registry);
    metrics::Counter& ok;
    metrics::Counter& failed;
    metrics::Counter& turned_broken;
};

/// Checks `url` once: HEAD, GET on 405/501, redirects followed (each hop checked by the sender's policy).
boost::asio::awaitable<CheckOutcome> CheckDestination(webhook::Sender& sender, const std::string& url,
                                                      int max_redirects);

/// When a link checked at `now` is due again: now + interval + a jitter below a tenth of the interval (pure).
core::TimePoint NextCheckAt(core::TimePoint now, std::chrono::milliseconds interval, double unit_random);

/// How a checker shares hosts with the other workers' checkers (store::LinkHealthStore::LeaseHost).
struct HostLeaseOptions {
    std::string holder;                      // this checker: NewLeaseHolder()
    std::chrono::milliseconds hold{60'000};  // one link's check at most: the lease is renewed before each link
    std::chrono::milliseconds max_wait{0};   // for a host another checker holds
    std::chrono::milliseconds poll{500};     // between two tries
};

/// "<pid>-<16 random hex digits>": a holder name no other checker (process or restart) has.
std::string NewLeaseHolder();

/// Waits until `lease.holder` holds `host`'s lease (trying every `poll`), at most `max_wait`; false when another
/// checker kept it all along or the store could not be reached.
boost::asio::awaitable<bool> AcquireHost(store::LinkHealthStore& store, const std::string& host,
                                         const HostLeaseOptions& lease);

/// Runs until `stop` is set: claims due links, checks them (one request per host at a time) and records the results.
/// Store failures are logged and retried after a pause; never throws.
boost::asio::awaitable<void> RunHealthChecker(store::LinkHealthStore& store, const HealthOptions& options,
                                              HealthProbe& probe, std::atomic<bool>& stop);

}  // namespace shortener::health
