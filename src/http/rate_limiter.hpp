#pragma once
/// @file
/// @brief Token-bucket rate limiting (issue #7): the limiter interface shared by the in-process adapter
/// (http/rate_limit/in_process_rate_limiter.hpp) and the Redis adapter (http/rate_limit/redis_rate_limiter.hpp),
/// the pure bucket arithmetic both follow, and the text form of a limit used by the configuration.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shortener::http {

template <class T>
using Task = boost::asio::awaitable<T>;

/// A token bucket: `burst` tokens at most, refilled at `per_second` tokens per second; each request takes one.
/// A bucket never seen before starts full.
struct RateLimit {
    double per_second = 0;
    double burst = 0;
};

/// The answer to one Take.
struct RateDecision {
    bool allowed = true;
    /// When denied: how long until a token is available, rounded up to whole seconds (at least 1).
    std::chrono::seconds retry_after{0};
    /// Whole tokens left after this request (for RateLimit-Remaining).
    std::int64_t remaining = 0;
};

/// Takes tokens from named buckets. Implementations are thread-safe, never throw for an unreachable backend
/// (they allow the request: a limiter outage must not become an API outage) and keep their memory bounded.
class RateLimiter {
  public:
    virtual ~RateLimiter() = default;
    /// Takes one token from `bucket` (an opaque key, e.g. "create:ip:192.0.2.1") under `limit`.
    virtual Task<RateDecision> Take(std::string_view bucket, const RateLimit& limit) = 0;
};

/// The state of one bucket: tokens left at time `updated` (seconds on the limiter's clock).
struct TokenBucket {
    double tokens = 0;
    double updated = 0;
};

/// Refills `bucket` up to `now` and takes one token if there is one. Pure; the Redis adapter's Lua script does
/// the same arithmetic. A clock going backwards refills nothing.
RateDecision TakeToken(TokenBucket& bucket, double now, const RateLimit& limit) noexcept;

/// Seconds after which an untouched bucket is full again (and forgetting it changes nothing).
double SecondsToRefill(const RateLimit& limit) noexcept;

/// Parses a limit: "N/s", "N/min" or "N/h", optionally followed by " burst M" (default burst: N, at least 1),
/// or a plain number of requests per minute ("30" = "30/min"). "0" or "off" turn limiting off (nullopt).
/// Throws std::invalid_argument with a readable message otherwise.
std::optional<RateLimit> ParseRateLimit(std::string_view text);

/// The canonical text form ("10/s burst 30"), for logs.
std::string FormatRateLimit(const RateLimit& limit);

}  // namespace shortener::http
