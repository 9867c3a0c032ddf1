#include "health/health_checker.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <random>

#include "log/log.hpp"

namespace shortener::health {
namespace {

namespace asio = boost::asio;
namespace urls = boost::urls;
using Headers = std::vector<std::pair<std::string, std::string>>;

double UnitRandom() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

core::TimePoint Now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// The next hop of a redirect: `location` (absolute or relative) against `base`, without a fragment.
std::optional<std::string> ResolveLocation(const std::string& base, const std::string& location) {
    auto b = urls::parse_uri(base);
    auto ref = urls::parse_uri_reference(location);
    if (!b || !ref) return std::nullopt;
    urls::url dest;
    if (!urls::resolve(*b, *ref, dest)) return std::nullopt;
    dest.remove_fragment();
    return std::string(dest.buffer());
}

// Links of the same host are checked one after the other: one request per host at a time.
std::string HostOf(const std::string& url) {
    auto u = urls::parse_uri(url);
    if (!u) return url;
    std::string host(u->encoded_host());
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
    return host;
}

struct InFlight {
    std::size_t count = 0;
};

asio::awaitable<void> RecordOne(store::LinkHealthStore& store, const HealthOptions& options, HealthProbe& probe,
                                const store::DueLink& link, const CheckOutcome& o, std::int64_t duration_ms) {
    store::HealthCheckResult r;
    r.link_id = link.link_id;
    r.ok = o.ok;
    r.status_code = o.status_code;
    r.final_url = o.final_url;
    r.error = o.error.substr(0, 500);
    r.checked_at = Now();
    r.duration_ms = duration_ms;
    r.next_check_at = NextCheckAt(r.checked_at, options.interval, UnitRandom());
    r.fail_threshold = options.fail_threshold;
    (o.ok ? probe.ok : probe.failed).Inc();
    try {
        const bool turned_broken = co_await store.Record(r);
        if (turned_broken) {
            probe.turned_broken.Inc();
            log::Info("link_broken", {{"link", std::to_string(link.link_id)}, {"error", r.error}});
        }
    } catch (const std::exception& e) {  // checked again after the claim's lease
        log::Warn("health_record_failed", {{"link", std::to_string(link.link_id)}, {"error", e.what()}});
    }
}

// Takes or renews the host's lease for one more link's check; false when another checker holds it (or the store
// cannot be reached: then nothing is checked, and the links come due again when their claim's lease ends).
asio::awaitable<bool> RenewHost(store::LinkHealthStore& store, const std::string& host, const HostLeaseOptions& lease) {
    try {
        const core::TimePoint now = Now();
        auto renewal = store.LeaseHost(host, lease.holder, now, now + lease.hold);
        const bool held = co_await std::move(renewal);
        co_return held;
    } catch (const std::exception& e) {
        log::Warn("health_lease_failed", {{"error", e.what()}});
        co_return false;
    }
}

// One host's links, one after the other, under the host's lease: one request per host at a time across workers.
asio::awaitable<void> CheckHost(store::LinkHealthStore& store, webhook::Sender& sender, const HealthOptions& options,
                                HealthProbe& probe, const HostLeaseOptions& lease, std::string host,
                                std::vector<store::DueLink> links) {
    const bool acquired = co_await AcquireHost(store, host, lease);
    if (!acquired) {  // another worker kept it all along: these links come due again when their claim's lease ends
        log::Info("health_host_busy", {{"host", host}, {"links", std::to_string(links.size())}});
        co_return;
    }
    for (const auto& link : links) {
        const bool held = co_await RenewHost(store, host, lease);
        if (!held) break;
        const auto started = std::chrono::steady_clock::now();
        const CheckOutcome outcome = co_await CheckDestination(sender, link.url, options.max_redirects);
        const auto took =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
        co_await RecordOne(store, options, probe, link, outcome, took);
    }
    try {
        auto release = store.ReleaseHost(host, lease.holder);
        co_await std::move(release);
    } catch (const std::exception& e) {  // the lease then ends by itself
        log::Warn("health_lease_failed", {{"error", e.what()}});
    }
}

// Checks a claimed batch, one coroutine per host, and returns when all are done.
asio::awaitable<void> CheckBatch(store::LinkHealthStore& store, webhook::Sender& sender, const HealthOptions& options,
                                 HealthProbe& probe, const HostLeaseOptions& lease, std::vector<store::DueLink> due) {
    auto ex = co_await asio::this_coro::executor;
    std::map<std::string, std::vector<store::DueLink>> by_host;
    for (auto& d : due) by_host[HostOf(d.url)].push_back(std::move(d));
    auto in_flight = std::make_shared<InFlight>();
    for (auto& [host, links] : by_host) {
        ++in_flight->count;
        asio::co_spawn(ex, CheckHost(store, sender, options, probe, lease, host, std::move(links)),
                       [in_flight](const std::exception_ptr&) { --in_flight->count; });
    }
    asio::steady_timer timer(ex);
    while (in_flight->count > 0) {
        timer.expires_after(std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::use_awaitable);
    }
}

}  // namespace

HealthProbe::HealthProbe(metrics::Registry& r)
    : ok(r.AddCounter("shortener_health_checks_total", "Destination health checks by result.", "result=\"ok\"")),
      failed(
          r.AddCounter("shortener_health_checks_total", "Destination health checks by result.", "result=\"failed\"")),
      turned_broken(r.AddCounter("shortener_links_turned_broken_total",
                                 "Links marked broken by the destination health checker.", "")) {}

asio::awaitable<CheckOutcome> CheckDestination(webhook::Sender& sender, const std::string& start_url,
                                               int max_redirects) {
    CheckOutcome out;
    // All named: GCC 12 mishandles non-trivial temporaries in a co_await expression.
    const Headers headers = {{"accept", "*/*"}};
    const std::string head = "HEAD", get = "GET", no_body;
    std::string url = start_url;
    for (int hop = 0; hop <= max_redirects; ++hop) {
        webhook::SendResult r = co_await sender.Send(head, url, headers, no_body);
        if (r.status && (*r.status == 405 || *r.status == 501)) r = co_await sender.Send(get, url, headers, no_body);
        out.final_url = url;
        out.status_code = r.status;
        if (r.status && *r.status >= 300 && *r.status < 400 && !r.location.empty()) {
            auto next = ResolveLocation(url, r.location);
            if (!next) {
                out.error = "redirect to an invalid URL";
                co_return out;
            }
            url = std::move(*next);
            continue;
        }
        out.ok = r.ok;
        out.error = r.ok ? std::string() : r.error;
        co_return out;
    }
    out.error = "more than " + std::to_string(max_redirects) + " redirects";
    co_return out;
}

asio::awaitable<bool> AcquireHost(store::LinkHealthStore& store, const std::string& host,
                                  const HostLeaseOptions& lease) {
    auto ex = co_await asio::this_coro::executor;
    asio::steady_timer timer(ex);
    const auto give_up = std::chrono::steady_clock::now() + lease.max_wait;
    for (;;) {
        const bool held = co_await RenewHost(store, host, lease);
        if (held) co_return true;
        if (std::chrono::steady_clock::now() + lease.poll > give_up) co_return false;
        timer.expires_after(lease.poll);
        co_await timer.async_wait(asio::use_awaitable);
    }
}

std::string NewLeaseHolder() {
    std::random_device random;
    const std::uint64_t r = (std::uint64_t{random()} << 32) | random();
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(r));
    return std::to_string(::getpid()) + "-" + hex;
}

core::TimePoint NextCheckAt(core::TimePoint now, std::chrono::milliseconds interval, double unit_random) {
    const auto jitter = std::chrono::milliseconds(
        static_cast<std::int64_t>(static_cast<double>(interval.count()) * 0.1 * std::clamp(unit_random, 0.0, 1.0)));
    return now + interval + jitter;
}

asio::awaitable<void> RunHealthChecker(store::LinkHealthStore& store, const HealthOptions& options, HealthProbe& probe,
                                       std::atomic<bool>& stop) {
    auto ex = co_await asio::this_coro::executor;
    webhook::SendOptions send;
    send.policy = options.policy;
    send.timeout = options.timeout;
    send.user_agent = options.user_agent;
    send.max_response_bytes = 16 * 1024;
    webhook::Sender sender(send);
    const auto poll = std::clamp<std::chrono::milliseconds>(options.interval / 20, std::chrono::milliseconds(200),
                                                            std::chrono::milliseconds(30'000));
    // A claimed link may wait for its host's earlier links of the batch: each of those may take two requests per hop.
    const auto lease = options.timeout * static_cast<std::int64_t>(options.batch) * 2 * (options.max_redirects + 1) +
                       std::chrono::milliseconds(60'000);
    // A host's lease covers one link's check (renewed before each); a host another worker holds is waited for up to
    // half the claim's lease, so that the wait and the checks still end within it.
    HostLeaseOptions host_lease;
    host_lease.holder = NewLeaseHolder();
    host_lease.hold = options.timeout * 2 * (options.max_redirects + 1) + std::chrono::milliseconds(10'000);
    host_lease.max_wait = lease / 2;
    asio::steady_timer timer(ex);
    while (!stop.load()) {
        std::vector<store::DueLink> due;
        try {
            const core::TimePoint now = Now();
            due = co_await store.ClaimDue(now, now + lease, options.interval, options.batch);
        } catch (const std::exception& e) {
            log::Warn("health_claim_failed", {{"error", e.what()}});
        }
        const std::size_t claimed = due.size();
        if (claimed > 0) co_await CheckBatch(store, sender, options, probe, host_lease, std::move(due));
        if (claimed < options.batch) {
            timer.expires_after(poll);
            co_await timer.async_wait(asio::use_awaitable);
        }
    }
}

}  // namespace shortener::health
