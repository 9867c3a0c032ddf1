// Enrichment throughput (issue #4): User-Agent parsing uncached and cached, geo lookups, and whole-click
// enrichment with a realistic User-Agent mix. Built as `enrich_bench`; not run by ctest. Results:
// docs/benchmarks.md. Run: build-dir/enrich_bench --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "enrich/bot_detector.hpp"
#include "enrich/click_enricher.hpp"

namespace {

using namespace shortener;

// A traffic-like mix: mostly current mobile and desktop browsers, some in-app browsers, bots and previews.
const std::vector<std::string>& UserAgents() {
    static const std::vector<std::string> uas = {
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
        "Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 "
        "Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile "
        "Safari/537.36",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile "
        "Safari/537.36",
        "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 "
        "Chrome/115.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
        "Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
        "Safari/537.36 Edg/120.0.0.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
        "Safari/605.1.15",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 "
        "Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
        "Instagram 309.0.2.18.110",
        "Mozilla/5.0 (Linux; Android 13; SM-A536B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Version/4.0 Chrome/119.0.6045.193 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/441.0.0.23.105;]",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Twitterbot/1.0",
        "curl/8.4.0",
    };
    return uas;
}

enrich::Enricher& SharedEnricher() {
    static enrich::InMemorySaltStore salts;
    static enrich::Enricher e = [] {
        auto o = enrich::DefaultDataPaths(enrich::BuiltInNpmDir());
        o.own_hosts = {"sho.rt"};
        return enrich::Enricher(o, salts);
    }();
    return e;
}

// Distinct UAs for the uncached case: real strings with a changing version so no two are equal.
std::string Variant(std::size_t i) {
    const auto& uas = UserAgents();
    return uas[i % uas.size()] + " v/" + std::to_string(i);
}

void BM_UserAgentUncached(benchmark::State& state) {
    auto& e = SharedEnricher();
    std::size_t i = 0;
    for (auto _ : state) {
        auto facts = e.ParseUserAgentUncached(Variant(i++));
        benchmark::DoNotOptimize(facts);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UserAgentUncached);

// The redirect's click-limit check (issue #12): isbot's list plus the preview fetchers, no cache, on the
// event loop of every visit to a limited link.
void BM_BotCheck(benchmark::State& state) {
    static const auto bots =
        enrich::BotDetector::FromIsbotFile(enrich::DefaultDataPaths(enrich::BuiltInNpmDir()).isbot_js);
    std::size_t i = 0;
    for (auto _ : state) {
        bool bot = bots->IsBot(Variant(i++));
        benchmark::DoNotOptimize(bot);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BotCheck);

void BM_UserAgentCached(benchmark::State& state) {
    auto& e = SharedEnricher();
    const auto& uas = UserAgents();
    for (const auto& ua : uas) e.UserAgent(ua);
    std::size_t i = 0;
    for (auto _ : state) {
        auto facts = e.UserAgent(uas[i++ % uas.size()]);
        benchmark::DoNotOptimize(facts);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UserAgentCached);

std::vector<core::IpAddress> PublicAddresses() {
    std::mt19937 rng(42);
    std::vector<core::IpAddress> v;
    while (v.size() < 4096) {
        core::IpAddress a;
        a.v4 = true;
        for (int b = 0; b < 4; ++b) a.bytes[b] = static_cast<std::uint8_t>(rng());
        if (a.IsPublic()) v.push_back(a);
    }
    return v;
}

void BM_GeoLookup(benchmark::State& state) {
    auto& e = SharedEnricher();
    if (!e.geo()->enabled()) {
        state.SkipWithError("GeoLite2-City.mmdb not installed (scripts/install-deps.sh)");
        return;
    }
    auto addrs = PublicAddresses();
    std::size_t i = 0;
    for (auto _ : state) {
        auto r = e.geo()->Lookup(addrs[i++ % addrs.size()]);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_GeoLookup);

// Whole clicks: UA from the mix (cache warm after the first round), random public IPv4, referrer, language, UTM.
void BM_EnrichClickCached(benchmark::State& state) {
    auto& e = SharedEnricher();
    auto addrs = PublicAddresses();
    const auto& uas = UserAgents();
    const char* referers[] = {"",
                              "https://www.google.com/",
                              "https://t.co/abc",
                              "https://mail.google.com/",
                              "https://news.example.org/post/1",
                              "https://www.facebook.com/"};
    std::vector<core::ClickEvent> clicks;
    for (std::size_t i = 0; i < 1024; ++i) {
        std::string addr = addrs[i % addrs.size()].ToString();
        clicks.push_back(core::ClickEvent::Make({}, 1, core::FromUnixMillis(1'780'000'000'000 + i),
                                                {.client_address = addr,
                                                 .user_agent = uas[i % uas.size()],
                                                 .referer = referers[i % 6],
                                                 .accept_language = "en-US,en;q=0.9,de;q=0.8",
                                                 .query = i % 3 ? "" : "utm_source=news&utm_medium=email"}));
    }
    std::size_t i = 0;
    for (auto _ : state) {
        auto d = e.Enrich(clicks[i++ % clicks.size()]);
        benchmark::DoNotOptimize(d);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EnrichClickCached);

}  // namespace

BENCHMARK_MAIN();
