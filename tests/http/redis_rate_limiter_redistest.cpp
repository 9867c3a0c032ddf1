// The Redis rate limiter (issue #7) on a real server: two limiters (two replicas, each its own connection)
// share one bucket; keys expire; Redis forgetting the script (SCRIPT FLUSH) and an unreachable Redis (fail open).

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "http/rate_limit/redis_rate_limiter.hpp"
#include "support/redis_env.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::http {
namespace {

using namespace std::chrono_literals;
using shortener::testing::RunAwaitable;

std::shared_ptr<redis::Client> Connect(redis::IoThread& io, redis::ClientOptions o) {
    auto client = std::make_shared<redis::Client>(io.context(), o);
    client->Start();
    for (int i = 0; i < 200 && !client->Connected(); ++i) std::this_thread::sleep_for(10ms);
    return client;
}

TEST(RedisRateLimiter, TwoReplicasShareOneBucket) {
    SHORTENER_REQUIRE_REDIS(url);
    redis::IoThread io("redis-test");
    auto a_client = Connect(io, redis::ParseRedisUrl(url));
    auto b_client = Connect(io, redis::ParseRedisUrl(url));
    ASSERT_TRUE(a_client->Connected() && b_client->Connected());
    RedisRateLimiterOptions options;
    options.key_prefix = shortener::testing::UniqueName("rltest:") + ":";
    options.timeout = 1000ms;
    RedisRateLimiter a(a_client, options);
    RedisRateLimiter b(b_client, options);
    const RateLimit limit{0.01, 10};  // 10 at once, then one per 100 s

    int allowed = 0;
    for (int i = 0; i < 10; ++i) {
        RedisRateLimiter& limiter = i % 2 ? b : a;
        allowed += RunAwaitable(limiter.Take("create:a:192.0.2.1", limit)).allowed;
    }
    EXPECT_EQ(allowed, 10);
    RateDecision eleventh_a = RunAwaitable(a.Take("create:a:192.0.2.1", limit));
    RateDecision eleventh_b = RunAwaitable(b.Take("create:a:192.0.2.1", limit));
    EXPECT_FALSE(eleventh_a.allowed);
    EXPECT_FALSE(eleventh_b.allowed);
    EXPECT_GE(eleventh_a.retry_after.count(), 99);
    EXPECT_LE(eleventh_a.retry_after.count(), 100);
    // Another bucket is independent.
    EXPECT_TRUE(RunAwaitable(b.Take("create:a:192.0.2.2", limit)).allowed);

    // The key lives only as long as the bucket needs to refill (+1 s), in milliseconds.
    auto ttl = RunAwaitable(a_client->Call({"PTTL", options.key_prefix + "create:a:192.0.2.1"}));
    EXPECT_GT(ttl.integer, 990'000);
    EXPECT_LE(ttl.integer, 1'001'000);

    // Redis loses its script cache: EVALSHA fails with NOSCRIPT and the limiter falls back to EVAL.
    RunAwaitable(a_client->Call({"SCRIPT", "FLUSH"}));
    EXPECT_FALSE(RunAwaitable(a.Take("create:a:192.0.2.1", limit)).allowed);
    EXPECT_EQ(a.FailedOpen(), 0u);
    EXPECT_EQ(b.FailedOpen(), 0u);
    a_client->Stop();
    b_client->Stop();
    io.Stop();
}

TEST(RedisRateLimiter, RefillsOnRedisTime) {
    SHORTENER_REQUIRE_REDIS(url);
    redis::IoThread io("redis-test");
    auto client = Connect(io, redis::ParseRedisUrl(url));
    RedisRateLimiterOptions options;
    options.key_prefix = shortener::testing::UniqueName("rltest:") + ":";
    options.timeout = 1000ms;
    RedisRateLimiter limiter(client, options);
    const RateLimit limit{5, 1};  // one token per 200 ms
    EXPECT_TRUE(RunAwaitable(limiter.Take("k", limit)).allowed);
    auto denied = RunAwaitable(limiter.Take("k", limit));
    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.retry_after.count(), 1);  // 200 ms, rounded up to a whole second
    std::this_thread::sleep_for(250ms);
    EXPECT_TRUE(RunAwaitable(limiter.Take("k", limit)).allowed);
    client->Stop();
    io.Stop();
}

TEST(RedisRateLimiter, FailsOpenWhenRedisIsUnreachable) {
    redis::IoThread io("redis-test");
    redis::ClientOptions o;
    o.host = "127.0.0.1";
    o.port = 1;  // nothing listens there
    auto client = std::make_shared<redis::Client>(io.context(), o);
    client->Start();
    RedisRateLimiter limiter(client, {});
    const RateLimit limit{0.001, 1};
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(RunAwaitable(limiter.Take("k", limit)).allowed);
    EXPECT_EQ(limiter.FailedOpen(), 5u);
    client->Stop();
    io.Stop();
}

// A Redis that answers too late counts as down: the request is allowed after the timeout, not after Redis.
TEST(RedisRateLimiter, FailsOpenWhenRedisAnswersTooLate) {
    SHORTENER_REQUIRE_REDIS(url);
    redis::IoThread io("redis-test");
    auto admin = Connect(io, redis::ParseRedisUrl(url));
    auto o = redis::ParseRedisUrl(url);
    o.reset_on_timeout = true;  // as the limiter's own connection in distributed mode
    auto client = Connect(io, o);
    ASSERT_TRUE(admin->Connected() && client->Connected());
    RedisRateLimiterOptions options;
    options.key_prefix = shortener::testing::UniqueName("rltest:") + ":";
    options.timeout = 50ms;
    RedisRateLimiter limiter(client, options);
    // WRITE mode holds every script (EVAL, EVALSHA) and still lets the admin connection UNPAUSE.
    RunAwaitable(admin->Call({"CLIENT", "PAUSE", "1500", "WRITE"}));
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(RunAwaitable(limiter.Take("k", RateLimit{0.001, 0})).allowed);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 1000ms);
    EXPECT_EQ(limiter.FailedOpen(), 1u);
    RunAwaitable(admin->Call({"CLIENT", "UNPAUSE"}));
    admin->Stop();
    client->Stop();
    io.Stop();
}

}  // namespace
}  // namespace shortener::http
