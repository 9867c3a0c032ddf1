#include "metrics/registry.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace shortener::metrics {
namespace {

TEST(Counter, SumsAcrossThreads) {
    Registry r;
    Counter& c = r.AddCounter("test_total", "A test counter.");
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) c.Inc();
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(c.Value(), 80000u);
}

TEST(Histogram, CountsCumulativelyAcrossThreads) {
    Histogram h({0.001, 0.01, 0.1});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 1000; ++i) {
                h.Observe(0.0005);
                h.Observe(0.05);
                h.Observe(5);
            }
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(h.CumulativeCounts(), (std::vector<std::uint64_t>{4000, 4000, 8000, 12000}));
    EXPECT_EQ(h.Count(), 12000u);
    EXPECT_NEAR(h.Sum(), 4000 * (0.0005 + 0.05 + 5), 1e-3);
}

TEST(Registry, RendersPrometheusText) {
    Registry r;
    r.AddCounter("app_requests_total", "Requests.", "class=\"2xx\"").Inc(3);
    r.AddCounter("app_requests_total", "Requests.", "class=\"5xx\"").Inc();
    r.AddGauge("app_depth", "Depth.", [] { return 7.0; });
    r.AddHistogram("app_seconds", "Latency.", {0.5}).Observe(0.25);
    std::string text = r.Render();
    EXPECT_NE(text.find("# TYPE app_requests_total counter\n"), std::string::npos) << text;
    EXPECT_NE(text.find("app_requests_total{class=\"2xx\"} 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("app_requests_total{class=\"5xx\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("app_depth 7\n"), std::string::npos) << text;
    EXPECT_NE(text.find("app_seconds_bucket{le=\"0.5\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("app_seconds_bucket{le=\"+Inf\"} 1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("app_seconds_count 1\n"), std::string::npos) << text;
    // One HELP/TYPE per family, however many series.
    EXPECT_EQ(text.find("# TYPE app_requests_total"), text.rfind("# TYPE app_requests_total"));
}

}  // namespace
}  // namespace shortener::metrics

namespace shortener::metrics {
namespace {

TEST(CounterVec, OneSeriesPerLabelPair) {
    Registry r;
    CounterVec vec(r, "app_requests_by_route_total", "Requests.", "route", "status");
    vec.With("redirect", "302").Inc();
    vec.With("redirect", "302").Inc();
    vec.With("redirect", "404").Inc();
    vec.With("links_create", "201").Inc();
    EXPECT_EQ(&vec.With("redirect", "302"), &vec.With("redirect", "302"));
    std::string text = r.Render();
    EXPECT_NE(text.find("app_requests_by_route_total{route=\"redirect\",status=\"302\"} 2\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("app_requests_by_route_total{route=\"redirect\",status=\"404\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("app_requests_by_route_total{route=\"links_create\",status=\"201\"} 1\n"), std::string::npos);
}

// Regression: With() caches the last series per thread; keyed on the CounterVec's address, a new CounterVec
// built where a destroyed one lived (as test fixtures do) was handed the dead one's counter — a write into freed
// memory that corrupted the heap of the HTTP tests.
TEST(CounterVec, ANewVecAtADeadOnesAddressGetsItsOwnSeries) {
    alignas(CounterVec) unsigned char storage[sizeof(CounterVec)];
    Registry first;
    auto* a = new (storage) CounterVec(first, "x_total", "X.", "k", "v");
    a->With("1", "2").Inc();
    a->~CounterVec();
    Registry second;
    auto* b = new (storage) CounterVec(second, "x_total", "X.", "k", "v");
    b->With("1", "2").Inc();
    EXPECT_NE(second.Render().find("x_total{k=\"1\",v=\"2\"} 1\n"), std::string::npos) << second.Render();
    EXPECT_NE(first.Render().find("x_total{k=\"1\",v=\"2\"} 1\n"), std::string::npos) << first.Render();
    b->~CounterVec();
}

}  // namespace
}  // namespace shortener::metrics

namespace shortener::metrics {
namespace {

TEST(Histogram, CountsWithUnitResolutionDoNotOverflow) {
    Histogram h({100, 1000}, 1.0);
    for (int i = 0; i < 1000; ++i) h.Observe(5000);  // would be 5e15 per batch in nanosecond units
    EXPECT_DOUBLE_EQ(h.Sum(), 5'000'000.0);
    EXPECT_EQ(h.CumulativeCounts(), (std::vector<std::uint64_t>{0, 0, 1000}));
}

}  // namespace
}  // namespace shortener::metrics
