#include "metrics/registry.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace shortener::metrics {

struct Registry::Family {
    std::string name, help, type;
    struct Series {
        std::string labels;
        std::unique_ptr<Counter> counter;
        std::unique_ptr<Histogram> histogram;
        std::function<double()> gauge;
    };
    std::vector<Series> series;
};

Registry::Registry() = default;
Registry::~Registry() = default;

std::size_t ThisThreadShard() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local std::size_t shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
    return shard;
}

std::uint64_t Counter::Value() const noexcept {
    std::uint64_t total = 0;
    for (const auto& s : slots_) total += s.value.load(std::memory_order_relaxed);
    return total;
}

Histogram::Histogram(std::vector<double> bounds, double resolution)
    : bounds_(std::move(bounds)), resolution_(resolution) {
    std::sort(bounds_.begin(), bounds_.end());
    blocks_ = std::make_unique<Block[]>(Row() * kShards / 8);
    for (std::size_t shard = 0; shard < kShards; ++shard) {
        for (std::size_t i = 0; i < Row(); ++i) Cell(shard, i).store(0, std::memory_order_relaxed);
    }
}

void Histogram::Observe(double seconds) noexcept {
    const std::size_t shard = ThisThreadShard();
    auto bucket = static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), seconds) - bounds_.begin());
    Cell(shard, bucket).fetch_add(1, std::memory_order_relaxed);
    Cell(shard, bounds_.size() + 1).fetch_add(1, std::memory_order_relaxed);
    Cell(shard, bounds_.size() + 2)
        .fetch_add(static_cast<std::uint64_t>(std::max(0.0, seconds) / resolution_), std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::CumulativeCounts() const {
    std::vector<std::uint64_t> out(bounds_.size() + 1);
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        for (std::size_t shard = 0; shard < kShards; ++shard) {
            total += Cell(shard, i).load(std::memory_order_relaxed);
        }
        out[i] = total;
    }
    return out;
}

std::uint64_t Histogram::Count() const noexcept {
    std::uint64_t n = 0;
    for (std::size_t shard = 0; shard < kShards; ++shard) {
        n += Cell(shard, bounds_.size() + 1).load(std::memory_order_relaxed);
    }
    return n;
}

double Histogram::Sum() const noexcept {
    std::uint64_t units = 0;
    for (std::size_t shard = 0; shard < kShards; ++shard) {
        units += Cell(shard, bounds_.size() + 2).load(std::memory_order_relaxed);
    }
    return static_cast<double>(units) * resolution_;
}

CounterVec::CounterVec(Registry& registry, std::string name, std::string help, std::string label1, std::string label2)
    : registry_(registry),
      name_(std::move(name)),
      help_(std::move(help)),
      label1_(std::move(label1)),
      label2_(std::move(label2)),
      id_(NextCounterVecId()) {}

std::uint64_t CounterVec::NextCounterVecId() noexcept {
    static std::atomic<std::uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

Counter& CounterVec::With(std::string_view value1, std::string_view value2) {
    struct LastHit {
        std::uint64_t vec = 0;
        std::string key;
        Counter* counter = nullptr;
    };
    thread_local LastHit last;
    std::string key;
    key.reserve(value1.size() + value2.size() + 1);
    key.append(value1).push_back('\0');
    key.append(value2);
    if (last.vec == id_ && last.key == key) return *last.counter;
    Counter* counter = nullptr;
    {
        std::lock_guard lock(mutex_);
        for (auto& [k, c] : series_) {
            if (k == key) counter = c;
        }
        if (!counter) {
            counter = &registry_.AddCounter(
                name_, help_,
                label1_ + "=\"" + std::string(value1) + "\"," + label2_ + "=\"" + std::string(value2) + "\"");
            series_.emplace_back(key, counter);
        }
    }
    last = {id_, std::move(key), counter};
    return *counter;
}

std::vector<double> LatencyBuckets() {
    return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Registry::Family& Registry::FamilyFor(const std::string& name, const std::string& help, std::string_view type) {
    for (auto& f : families_) {
        if (f->name == name) return *f;
    }
    families_.push_back(std::make_unique<Family>(Family{name, help, std::string(type), {}}));
    return *families_.back();
}

Counter& Registry::AddCounter(const std::string& name, const std::string& help, std::string labels) {
    std::lock_guard lock(mutex_);
    auto& f = FamilyFor(name, help, "counter");
    for (auto& s : f.series) {
        if (s.labels == labels && s.counter) return *s.counter;
    }
    f.series.push_back({std::move(labels), std::make_unique<Counter>(), nullptr, nullptr});
    return *f.series.back().counter;
}

Histogram& Registry::AddHistogram(const std::string& name, const std::string& help, std::vector<double> bounds,
                                  std::string labels, double resolution) {
    std::lock_guard lock(mutex_);
    auto& f = FamilyFor(name, help, "histogram");
    for (auto& s : f.series) {
        if (s.labels == labels && s.histogram) return *s.histogram;
    }
    f.series.push_back(
        {std::move(labels), nullptr, std::make_unique<Histogram>(std::move(bounds), resolution), nullptr});
    return *f.series.back().histogram;
}

void Registry::AddGauge(const std::string& name, const std::string& help, std::function<double()> read,
                        std::string labels) {
    std::lock_guard lock(mutex_);
    auto& f = FamilyFor(name, help, "gauge");
    f.series.push_back({std::move(labels), nullptr, nullptr, std::move(read)});
}

void Registry::AddCounterFunction(const std::string& name, const std::string& help, std::function<double()> read,
                                  std::string labels) {
    std::lock_guard lock(mutex_);
    auto& f = FamilyFor(name, help, "counter");
    f.series.push_back({std::move(labels), nullptr, nullptr, std::move(read)});
}

namespace {

std::string FormatNumber(double v) {
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (std::isnan(v)) return "NaN";
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
    return std::string(buf, end);
}

std::string Braced(const std::string& labels, const std::string& extra = {}) {
    std::string all = labels;
    if (!extra.empty()) all += (all.empty() ? "" : ",") + extra;
    return all.empty() ? std::string() : "{" + all + "}";
}

}  // namespace

std::string Registry::Render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& f : families_) {
        out += "# HELP " + f->name + " " + f->help + "\n# TYPE " + f->name + " " + f->type + "\n";
        for (const auto& s : f->series) {
            if (s.counter) {
                out += f->name + Braced(s.labels) + " " + std::to_string(s.counter->Value()) + "\n";
            } else if (s.gauge) {
                out += f->name + Braced(s.labels) + " " + FormatNumber(s.gauge()) + "\n";
            } else if (s.histogram) {
                auto bounds = s.histogram->bounds();
                auto counts = s.histogram->CumulativeCounts();
                for (std::size_t i = 0; i < bounds.size(); ++i) {
                    out += f->name + "_bucket" + Braced(s.labels, "le=\"" + FormatNumber(bounds[i]) + "\"") + " " +
                           std::to_string(counts[i]) + "\n";
                }
                out +=
                    f->name + "_bucket" + Braced(s.labels, "le=\"+Inf\"") + " " + std::to_string(counts.back()) + "\n";
                out += f->name + "_sum" + Braced(s.labels) + " " + FormatNumber(s.histogram->Sum()) + "\n";
                out += f->name + "_count" + Braced(s.labels) + " " + std::to_string(counts.back()) + "\n";
            }
        }
    }
    return out;
}

}  // namespace shortener::metrics
