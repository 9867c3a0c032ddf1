#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "cache/redis/redis_link_cache.hpp"
#include "support/redis_env.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::cache {
namespace {

using namespace std::chrono_literals;
using testing::RunAwaitable;

TargetPtr MakeTarget(core::LinkId id, std::string url) {
    core::RedirectTarget t;
    t.id = id;
    t.long_url = std::move(url);
    t.redirect_type = core::RedirectType::k307;
    t.expires_at = core::FromUnixMillis(1'900'000'000'000);
    t.max_clicks = 7;
    return std::make_shared<const core::RedirectTarget>(std::move(t));
}

bool WaitUntil(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 3000ms) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
        if (pred()) return true;
        std::this_thread::sleep_for(5ms);
    }
    return pred();
}

TEST(RedisLinkCacheCodec, RoundTripsTargets) {
    auto t = MakeTarget(42, "https://example.com/a\tb?c=d");
    auto parsed = ParseTarget(SerializeTarget(t));
    ASSERT_TRUE(parsed && *parsed);
    EXPECT_EQ((*parsed)->id, 42);
    EXPECT_EQ((*parsed)->long_url, t->long_url);
    EXPECT_EQ((*parsed)->redirect_type, core::RedirectType::k307);
    EXPECT_EQ((*parsed)->expires_at, t->expires_at);
    EXPECT_EQ((*parsed)->max_clicks, 7);
    EXPECT_FALSE((*parsed)->deleted);
    EXPECT_FALSE((*parsed)->disabled);
    EXPECT_TRUE((*parsed)->targeting.Empty());

    // Link management fields (issue #7) survive the trip too.
    core::RedirectTarget full = *t;
    full.disabled = true;
    full.forward_query = true;
    full.deleted = true;
    full.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    full.expired_url = "https://expired.example/?a=1";
    full.targeting.ios = "https://ios.example/";
    full.targeting.countries = {{"DE", "https://de.example/\"q"}, {"US", "https://us.example/"}};
    full.preview = std::make_shared<const core::SocialPreview>(
        core::SocialPreview{"Title\twith a tab \"and\" quotes", "Line\nbreak ü", "https://cdn.example/i.png?a=1&b=2"});
    full.rules =
        core::EffectiveRules({{.when = {.languages = {"de"}}, .url = "https://de.example/?a=1"}}, full.targeting);
    full.split = {{"https://a.example/", 70}, {"https://b.example/", 30}};
    auto full_parsed = ParseTarget(SerializeTarget(std::make_shared<const core::RedirectTarget>(full)));
    ASSERT_TRUE(full_parsed && *full_parsed);
    EXPECT_TRUE((*full_parsed)->disabled);
    EXPECT_TRUE((*full_parsed)->forward_query);
    EXPECT_TRUE((*full_parsed)->deleted);
    EXPECT_EQ((*full_parsed)->password_hash, full.password_hash);
    EXPECT_EQ((*full_parsed)->expired_url, full.expired_url);
    EXPECT_EQ((*full_parsed)->targeting, full.targeting);
    EXPECT_EQ((*full_parsed)->long_url, full.long_url);
    ASSERT_TRUE((*full_parsed)->preview);  // issue #17: the social preview too
    EXPECT_EQ(*(*full_parsed)->preview, *full.preview);
    EXPECT_FALSE((*parsed)->preview);              // none stays none
    EXPECT_EQ((*full_parsed)->rules, full.rules);  // redirect rules and splits (issue #17) beside the preview
    EXPECT_EQ((*full_parsed)->split, full.split);
    EXPECT_FALSE((*parsed)->Routed());

    auto negative = ParseTarget(SerializeTarget(nullptr));
    ASSERT_TRUE(negative);
    EXPECT_EQ(*negative, nullptr);
    EXPECT_FALSE(ParseTarget("2\tfuture"));
    EXPECT_FALSE(ParseTarget("2\tx\t302\t-\t-\t0\t0\t0\t\t\t\thttps://e"));
    EXPECT_FALSE(ParseTarget("1\t5\t302\t-\t-\t0\thttps://e"));              // an older release's entry: a miss
    EXPECT_FALSE(ParseTarget("2\t5\t302\t-\t-\t0\t0\t0\t\t\t\thttps://e"));  // version 2 had no preview: a miss
    // Version 3 was written by either the rules build or the previews build (each with one of the two): a miss.
    EXPECT_FALSE(ParseTarget("3\t5\t302\t-\t-\t0\t0\t0\t\t\t\t\thttps://e"));
    EXPECT_FALSE(ParseTarget("3\t5\t302\t-\t-\t0\t0\t0\t\t\t\t\t\thttps://e"));
    EXPECT_FALSE(ParseTarget("4\t5\t302\t-\t-\t0\t0\t0\t\t\t{bad\t\t\t\thttps://e"));
    EXPECT_FALSE(ParseTarget("4\t5\t302\t-\t-\t0\t0\t0\t\t\t\t\t\t{bad\thttps://e"));
    EXPECT_TRUE(ParseTarget("4\t5\t302\t-\t-\t0\t0\t0\t\t\t\t\t\t\thttps://e"));
}

// Two replicas (each its own connections and L1 hooks) on one Redis.
struct Replica {
    Replica(redis::IoThread& io, const std::string& url, const RedisLinkCacheOptions& options) {
        auto o = redis::ParseRedisUrl(url);
        commands = std::make_shared<redis::Client>(io.context(), o);
        subscriber = std::make_shared<redis::Client>(io.context(), o);
        cache = std::make_unique<RedisLinkCache>(
            commands, subscriber, options,
            [this](std::string_view slug) {
                std::lock_guard lock(mutex);
                changed.emplace_back(slug);
            },
            [this] { resyncs++; });
        commands->Start();
        subscriber->Start();
    }
    ~Replica() {
        commands->Stop();
        subscriber->Stop();
    }
    bool Saw(const std::string& slug) {
        std::lock_guard lock(mutex);
        return std::find(changed.begin(), changed.end(), slug) != changed.end();
    }
    std::shared_ptr<redis::Client> commands, subscriber;
    std::unique_ptr<RedisLinkCache> cache;
    std::mutex mutex;
    std::vector<std::string> changed;
    std::atomic<int> resyncs{0};
};

RedisLinkCacheOptions TestOptions() {
    RedisLinkCacheOptions o;
    o.key_prefix = testing::UniqueName("test:link:") + ":";
    o.channel = testing::UniqueName("test:changes:");
    o.second_invalidation = 200ms;
    return o;
}

TEST(RedisLinkCache, PutIsSeenByOtherReplicasAndInvalidatesTheirL1) {
    SHORTENER_REQUIRE_REDIS(url);
    redis::IoThread io("redis-test");
    auto options = TestOptions();
    Replica a(io, url, options), b(io, url, options);
    ASSERT_TRUE(WaitUntil([&] { return a.commands->Connected() && b.subscriber->Connected() && b.resyncs > 0; }));

    EXPECT_EQ(RunAwaitable(b.cache->Get("abc123")).kind, LinkCache::Kind::kMiss);
    a.cache->Put("abc123", MakeTarget(1, "https://example.com/1"));
    ASSERT_TRUE(WaitUntil([&] { return b.Saw("abc123"); }, 1000ms)) << "invalidation not received within 1 s";
    EXPECT_FALSE(a.Saw("abc123")) << "a replica must skip its own messages";
    auto hit = RunAwaitable(b.cache->Get("abc123"));
    ASSERT_EQ(hit.kind, LinkCache::Kind::kHit);
    EXPECT_EQ(hit.target->long_url, "https://example.com/1");

    b.cache->Invalidate("abc123");
    ASSERT_TRUE(WaitUntil([&] { return a.Saw("abc123"); }, 1000ms));
    ASSERT_TRUE(WaitUntil([&] { return RunAwaitable(a.cache->Get("abc123")).kind == LinkCache::Kind::kMiss; }));
}

TEST(RedisLinkCache, FillNeverOverwritesAWriterAndRemembersUnknownSlugs) {
    SHORTENER_REQUIRE_REDIS(url);
    redis::IoThread io("redis-test");
    Replica a(io, url, TestOptions());
    ASSERT_TRUE(WaitUntil([&] { return a.commands->Connected(); }));
    a.cache->Put("s1", MakeTarget(1, "https://new.example/"));
    a.cache->Fill("s1", MakeTarget(1, "https://stale.example/"));
    a.cache->Fill("unknown", nullptr);
    ASSERT_TRUE(WaitUntil([&] { return RunAwaitable(a.cache->Get("unknown")).kind == LinkCache::Kind::kNegative; }));
    auto hit = RunAwaitable(a.cache->Get("s1"));
    ASSERT_EQ(hit.kind, LinkCache::Kind::kHit);
    EXPECT_EQ(hit.target->long_url, "https://new.example/");
}

TEST(RedisLinkCache, UnreachableRedisIsAQuickMiss) {
    redis::IoThread io("redis-test");
    redis::ClientOptions o;
    o.port = 1;  // nothing listens there
    auto commands = std::make_shared<redis::Client>(io.context(), o);
    auto subscriber = std::make_shared<redis::Client>(io.context(), o);
    RedisLinkCache cache(
        commands, subscriber, TestOptions(), [](std::string_view) {}, [] {});
    commands->Start();
    subscriber->Start();
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(RunAwaitable(cache.Get("x")).kind, LinkCache::Kind::kMiss);
    cache.Put("x", MakeTarget(1, "https://e/"));
    cache.Invalidate("x");
    EXPECT_LT(std::chrono::steady_clock::now() - started, 200ms);
    commands->Stop();
    subscriber->Stop();
}

TEST(RedisUrl, Parses) {
    auto o = redis::ParseRedisUrl("redis://:secret@10.0.0.1:6380/2");
    EXPECT_EQ(o.host, "10.0.0.1");
    EXPECT_EQ(o.port, 6380);
    EXPECT_EQ(o.db, 2);
    EXPECT_EQ(o.password, "secret");
    EXPECT_EQ(redis::ParseRedisUrl("redis://localhost").port, 6379);
    EXPECT_EQ(redis::ParseRedisUrl("redis://[::1]:7000").host, "::1");
    EXPECT_THROW(redis::ParseRedisUrl("http://x"), std::invalid_argument);
}

}  // namespace
}  // namespace shortener::cache
