#pragma once
/// @file
/// @brief The rate limiter of embedded mode: token buckets in this process's memory, sharded by bucket key so
/// that threads rarely contend, and bounded: each shard keeps at most its share of `max_buckets`, forgetting
/// the least recently used bucket first. A client cannot grow it without bound by inventing keys (random
/// bearer tokens, many addresses); at worst it makes the limiter forget idle buckets, which then start full.

#include <chrono>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/rate_limiter.hpp"

namespace shortener::http {

struct InProcessRateLimiterOptions {
    std::size_t max_buckets = 200'000;  // all shards together (about 100 bytes each)
    std::size_t shards = 32;
    /// Monotonic time in seconds; tests pass a fake. Default: std::chrono::steady_clock.
    std::function<double()> now;
};

class InProcessRateLimiter final : public RateLimiter {
  public:
    explicit InProcessRateLimiter(InProcessRateLimiterOptions options = {});
    ~InProcessRateLimiter() override;

    Task<RateDecision> Take(std::string_view bucket, const RateLimit& limit) override;
    /// The same, synchronously (the in-process limiter never waits).
    RateDecision TakeNow(std::string_view bucket, const RateLimit& limit);
    /// Buckets held now (all shards).
    std::size_t Size() const;

  private:
    struct Shard;
    InProcessRateLimiterOptions options_;
    std::vector<std::unique_ptr<Shard>> shards_;
};

}  // namespace shortener::http
