#pragma once
// Test doubles shared by the suites (issue #13): a settable clock, deterministic random sources, a click sink that
// records, a temporary directory and a bounded wait. Each is thread-safe where the interface it fakes requires it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/click_event.hpp"
#include "core/random.hpp"
#include "core/slug.hpp"
#include "queue/click_queue.hpp"

namespace shortener::testing {

/// A clock that stands still until told to move (core::Clock; thread-safe).
class FakeClock final : public core::Clock {
  public:
    explicit FakeClock(std::chrono::system_clock::time_point start =
                           std::chrono::system_clock::time_point(std::chrono::milliseconds(1'750'000'000'000)))
        : ms_(std::chrono::duration_cast<std::chrono::milliseconds>(start.time_since_epoch()).count()) {}
    std::chrono::system_clock::time_point Now() const noexcept override {
        return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms_.load()));
    }
    void Set(std::chrono::system_clock::time_point t) {
        ms_.store(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
    }
    void Advance(std::chrono::milliseconds d) { ms_.fetch_add(d.count()); }
    /// The same time in seconds, for the parts that take a `std::function<double()>` (the rate limiter).
    std::function<double()> Seconds() const {
        return [this] { return static_cast<double>(ms_.load()) / 1000.0; };
    }

  private:
    std::atomic<std::int64_t> ms_;
};

/// Bytes 1, 2, 3, … (wrapping): distinct ids and slugs, the same on every run (thread-safe).
class SequenceRandom final : public core::RandomSource {
  public:
    void Fill(std::span<std::uint8_t> out) noexcept override {
        for (auto& b : out) b = static_cast<std::uint8_t>(next_.fetch_add(1) + 1);
    }

  private:
    std::atomic<std::uint64_t> next_{0};
};

/// A seeded Mersenne twister: spread-out bytes, reproducible (thread-safe).
class SeededRandom final : public core::RandomSource {
  public:
    explicit SeededRandom(std::uint32_t seed = 42) : seed_(seed), engine_(seed) {}
    void Fill(std::span<std::uint8_t> out) noexcept override {
        std::lock_guard lock(mutex_);
        for (auto& b : out) b = static_cast<std::uint8_t>(engine_());
    }
    /// Starts the same sequence again (the fuzz harness resets before every input).
    void Reset() {
        std::lock_guard lock(mutex_);
        engine_.seed(seed_);
    }

  private:
    std::mutex mutex_;
    std::uint32_t seed_;
    std::mt19937 engine_;
};

/// Produces the given slugs in order (the last one repeats), for collision and retry tests.
class ScriptedSlugs final : public core::RandomSource {
  public:
    explicit ScriptedSlugs(std::vector<std::string> slugs) : slugs_(std::move(slugs)) {}
    void Fill(std::span<std::uint8_t> out) noexcept override {
        std::lock_guard lock(mutex_);
        const std::string& s = slugs_[std::min(next_, slugs_.size() - 1)];
        if (out.size() == s.size()) ++next_;
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i] = i < s.size() ? static_cast<std::uint8_t>(core::kSlugAlphabet.find(s[i])) : 1;
        }
    }

  private:
    std::mutex mutex_;
    std::vector<std::string> slugs_;
    std::size_t next_ = 0;
};

/// A click sink that keeps every click (thread-safe); `accept = false` makes it refuse, as a full queue does.
class RecordingSink final : public queue::ClickSink {
  public:
    bool TryEnqueue(core::ClickEvent&& click) noexcept override {
        std::lock_guard lock(mutex_);
        if (!accept) return false;
        clicks_.push_back(std::move(click));
        return true;
    }
    std::vector<core::ClickEvent> Clicks() const {
        std::lock_guard lock(mutex_);
        return clicks_;
    }
    std::atomic<bool> accept{true};

  private:
    mutable std::mutex mutex_;
    std::vector<core::ClickEvent> clicks_;
};

/// A directory under the system's temporary directory, removed with everything in it at scope exit.
class TempDir {
  public:
    explicit TempDir(const std::string& prefix = "shortener-test-") {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() / (prefix + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::string File(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

/// Polls `pred` every 5 ms until it holds or `timeout` passes; returns its last value.
inline bool WaitUntil(const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
}

}  // namespace shortener::testing
