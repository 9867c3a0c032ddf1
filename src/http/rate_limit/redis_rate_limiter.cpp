#include "http/rate_limit/redis_rate_limiter.hpp"

#include <cmath>
#include <cstdio>

#include "log/log.hpp"

namespace shortener::http {
namespace {

// KEYS[1]: the bucket. ARGV: tokens per second, burst, key lifetime in ms. Returns {allowed, retry_after_ms,
// whole tokens left}. The same arithmetic as TakeToken (rate_limiter.cpp), on Redis's clock in microseconds.
// Scripts calling TIME are fine since Redis 5 replicates their effects, not the script.
constexpr std::string_view kScript = R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tokens = burst
local updated = now
local state = redis.call('GET', KEYS[1])
if state then
  local sep = string.find(state, ' ', 1, true)
  if sep then
    tokens = tonumber(string.sub(state, 1, sep - 1)) or burst
    updated = tonumber(string.sub(state, sep + 1)) or now
  end
end
if now > updated then
  tokens = math.min(burst, tokens + (now - updated) * rate / 1000000)
  updated = now
end
local allowed = 0
local retry_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry_ms = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('SET', KEYS[1], string.format('%.6f %d', tokens, updated), 'PX', ARGV[3])
return {allowed, retry_ms, math.floor(tokens)}
)lua";

std::string Number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

}  // namespace

RedisRateLimiter::RedisRateLimiter(std::shared_ptr<redis::Client> client, RedisRateLimiterOptions options)
    : client_(std::move(client)), options_(std::move(options)) {}

const std::string& RedisRateLimiter::Script() {
    static const std::string script(kScript);
    return script;
}

RateDecision RedisRateLimiter::FailOpen(std::string_view why) {
    failed_open_.fetch_add(1, std::memory_order_relaxed);
    // One line per minute at most: an outage must not flood the log with one line per request.
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
    auto last = last_warning_.load(std::memory_order_relaxed);
    if (now - last >= 60 && last_warning_.compare_exchange_strong(last, now)) {
        log::Warn("rate_limit_fail_open", {{"error", why}, {"action", "requests are allowed until Redis answers"}});
    }
    return RateDecision{true, std::chrono::seconds(0), 0};
}

Task<RateDecision> RedisRateLimiter::Take(std::string_view bucket, const RateLimit& limit) {
    if (!client_->Connected()) co_return FailOpen("redis not connected");
    const auto ttl_ms = static_cast<long long>(std::ceil(SecondsToRefill(limit) * 1000)) + 1000;
    std::string key = options_.key_prefix;
    key += bucket;
    std::string sha;
    {
        std::lock_guard lock(script_->mutex);
        sha = script_->sha;
    }
    redis::Reply reply;
    if (!sha.empty()) {
        redis::Client::Args args{
            "EVALSHA", sha, "1", key, Number(limit.per_second), Number(limit.burst), std::to_string(ttl_ms)};
        reply = co_await client_->Call(std::move(args), options_.timeout);
    }
    if (sha.empty() || (reply.IsError() && reply.str.rfind("NOSCRIPT", 0) == 0)) {
        if (!sha.empty()) {
            std::lock_guard lock(script_->mutex);
            script_->sha.clear();  // Redis lost its script cache (restart, SCRIPT FLUSH): learn it again
        }
        if (!script_->loading.exchange(true)) {
            client_->Command({"SCRIPT", "LOAD", Script()}, [cache = script_](const redis::Reply& r) {
                if (r.type == redis::Reply::Type::kString) {
                    std::lock_guard lock(cache->mutex);
                    cache->sha = r.str;
                }
                cache->loading.store(false);
            });
        }
        redis::Client::Args args{
            "EVAL", Script(), "1", key, Number(limit.per_second), Number(limit.burst), std::to_string(ttl_ms)};
        reply = co_await client_->Call(std::move(args), options_.timeout);
    }
    if (reply.type != redis::Reply::Type::kArray || reply.elements.size() != 3) {
        co_return FailOpen(reply.IsError() ? reply.str : "unexpected reply");
    }
    RateDecision d;
    d.allowed = reply.elements[0].integer == 1;
    if (!d.allowed) {
        const long long ms = reply.elements[1].integer;
        d.retry_after = std::chrono::seconds(std::max<long long>(1, (ms + 999) / 1000));
    }
    d.remaining = reply.elements[2].integer;
    co_return d;
}

}  // namespace shortener::http
