#pragma once
/// @file
/// @brief Prometheus metrics: counters, histograms and callback gauges, rendered in the text exposition
/// format. Labels are fixed at registration (bounded by construction: never label by slug, URL or IP).
/// Updating a metric is lock-free; registration and rendering take a lock.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace shortener::metrics {

class Counter {
public:
    void Inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t Value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> value_{0};
};

/// Fixed buckets in seconds.
class Histogram {
public:
    explicit Histogram(std::vector<double> bounds);
    void Observe(double seconds) noexcept;
    std::vector<double> bounds() const { return bounds_; }
    std::vector<std::uint64_t> CumulativeCounts() const;
    double Sum() const noexcept;
    std::uint64_t Count() const noexcept { return count_.load(std::memory_order_relaxed); }

private:
    std::vector<double> bounds_;
    std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;
    std::atomic<std::uint64_t> count_{0};
    std::atomic<std::uint64_t> sum_nanos_{0};
};

/// Latency buckets from 50 µs to 10 s.
std::vector<double> LatencyBuckets();

class Registry {
public:
    Registry();
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    /// `labels` is the rendered label set without braces, e.g. `route="redirect",status="302"`, or empty.
    Counter& AddCounter(std::string name, std::string help, std::string labels = {});
    Histogram& AddHistogram(std::string name, std::string help, std::vector<double> bounds, std::string labels = {});
    void AddGauge(std::string name, std::string help, std::function<double()> read, std::string labels = {});
    /// A counter whose value is read from elsewhere (e.g. an atomic owned by another module).
    void AddCounterFunction(std::string name, std::string help, std::function<double()> read, std::string labels = {});

    /// The exposition text (format version 0.0.4).
    std::string Render() const;

private:
    struct Family;
    Family& FamilyFor(const std::string& name, const std::string& help, std::string_view type);

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Family>> families_;
};

}  // namespace shortener::metrics
