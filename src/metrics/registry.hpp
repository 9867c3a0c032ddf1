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

/// Updates go to one of kShards cache-line-sized slots chosen per thread, so threads updating the same
/// metric on the hot path never contend for a cache line; reads add the slots up.
inline constexpr std::size_t kShards = 16;
std::size_t ThisThreadShard() noexcept;

class Counter {
  public:
    void Inc(std::uint64_t n = 1) noexcept { slots_[ThisThreadShard()].value.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t Value() const noexcept;

  private:
    struct alignas(64) Slot {
        std::atomic<std::uint64_t> value{0};
    };
    std::array<Slot, kShards> slots_;
};

/// Fixed buckets. The sum is kept as an integer count of `resolution` units (1e-9: nanoseconds, for
/// durations in seconds; 1 for counts such as batch sizes), so updates stay lock-free.
class Histogram {
  public:
    explicit Histogram(std::vector<double> bounds, double resolution = 1e-9);
    void Observe(double seconds) noexcept;
    std::vector<double> bounds() const { return bounds_; }
    std::vector<std::uint64_t> CumulativeCounts() const;
    double Sum() const noexcept;
    std::uint64_t Count() const noexcept;

  private:
    // One row per shard: bucket counts, then the count of observations, then the sum in nanoseconds;
    // each row starts on its own cache line.
    struct alignas(64) Block {
        std::atomic<std::uint64_t> cells[8];
    };
    std::size_t Row() const noexcept { return (bounds_.size() + 3 + 7) / 8 * 8; }
    std::atomic<std::uint64_t>& Cell(std::size_t shard, std::size_t i) const noexcept {
        std::size_t index = shard * Row() + i;
        return blocks_[index / 8].cells[index % 8];
    }
    std::vector<double> bounds_;
    double resolution_;
    std::unique_ptr<Block[]> blocks_;
};

/// Latency buckets from 50 µs to 10 s.
std::vector<double> LatencyBuckets();

class Registry;

/// A counter family with two label dimensions chosen at run time from bounded sets (e.g. route name and
/// status code). A per-thread cache of the last series makes the common case lock-free.
class CounterVec {
  public:
    CounterVec(Registry& registry, std::string name, std::string help, std::string label1, std::string label2);
    Counter& With(std::string_view value1, std::string_view value2);

  private:
    Registry& registry_;
    std::string name_, help_, label1_, label2_;
    std::mutex mutex_;
    std::vector<std::pair<std::string, Counter*>> series_;  // key: value1 + '\0' + value2
    // Process-unique, never reused (unlike `this`): the per-thread last-hit cache of With() keys on it, so a
    // CounterVec allocated where a destroyed one lived cannot be served the old one's counter.
    std::uint64_t id_;
    static std::uint64_t NextCounterVecId() noexcept;
};

class Registry {
  public:
    Registry();
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    /// `labels` is the rendered label set without braces, e.g. `route="redirect",status="302"`, or empty.
    Counter& AddCounter(const std::string& name, const std::string& help, std::string labels = {});
    Histogram& AddHistogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                            std::string labels = {}, double resolution = 1e-9);
    void AddGauge(const std::string& name, const std::string& help, std::function<double()> read,
                  std::string labels = {});
    /// A counter whose value is read from elsewhere (e.g. an atomic owned by another module).
    void AddCounterFunction(const std::string& name, const std::string& help, std::function<double()> read,
                            std::string labels = {});

    /// The exposition text (format version 0.0.4).
    std::string Render() const;

  private:
    struct Family;
    Family& FamilyFor(const std::string& name, const std::string& help, std::string_view type);

    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<Family>> families_;
};

}  // namespace shortener::metrics
