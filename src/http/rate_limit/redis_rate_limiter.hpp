#pragma once
/// @file
/// @brief The rate limiter of distributed mode: token buckets in Redis, so that a limit holds across every API
/// replica. Each Take is one atomic Lua script (EVALSHA, falling back to EVAL when Redis does not know the
/// script yet, e.g. after a restart) that refills and takes on Redis's own clock (TIME), so replicas with
/// skewed clocks still share one bucket. Keys are `<prefix><bucket>` and expire once the bucket would be full
/// again, so Redis memory stays bounded by the clients active in the last few minutes.
///
/// Fail open: when Redis is down or does not answer within `timeout`, the request is allowed and
/// FailedOpen() counts it (exported as shortener_rate_limit_fail_open_total). A limiter outage must not take
/// the API down; the in-process limits of the other layers (request size, connection caps) still apply.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "http/rate_limiter.hpp"
#include "redis/redis_client.hpp"

namespace shortener::http {

struct RedisRateLimiterOptions {
    std::string key_prefix = "shortener:rl:";
    std::chrono::milliseconds timeout{50};  // per Take; then fail open
};

class RedisRateLimiter final : public RateLimiter {
  public:
    RedisRateLimiter(std::shared_ptr<redis::Client> client, RedisRateLimiterOptions options);

    Task<RateDecision> Take(std::string_view bucket, const RateLimit& limit) override;

    /// Takes that were allowed because Redis was unreachable, slow or answered with an error.
    std::uint64_t FailedOpen() const noexcept { return failed_open_.load(std::memory_order_relaxed); }

    /// The Lua script (for tests and docs).
    static const std::string& Script();

  private:
    RateDecision FailOpen(std::string_view why);

    std::shared_ptr<redis::Client> client_;
    RedisRateLimiterOptions options_;
    struct ScriptCache {
        std::mutex mutex;
        std::string sha;                   // of Script(), once Redis told us; empty: use EVAL
        std::atomic<bool> loading{false};  // a SCRIPT LOAD is in flight
    };
    // Shared with the SCRIPT LOAD callback, which may run after this object is gone (client shutdown).
    std::shared_ptr<ScriptCache> script_ = std::make_shared<ScriptCache>();
    std::atomic<std::uint64_t> failed_open_{0};
    std::atomic<std::int64_t> last_warning_{0};  // steady seconds of the last fail-open log line
};

}  // namespace shortener::http
