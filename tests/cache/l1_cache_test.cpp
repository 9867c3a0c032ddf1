#include "cache/l1_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace shortener::cache {
namespace {

using namespace std::chrono_literals;

TargetPtr Target(core::LinkId id, std::string url) {
    auto t = std::make_shared<core::RedirectTarget>();
    t->id = id;
    t->long_url = std::move(url);
    return t;
}

L1Options SmallOptions() {
    L1Options o;
    o.capacity = 4;
    o.negative_capacity = 2;
    o.shards = 1;
    o.ttl = 10s;
    o.negative_ttl = 2s;
    return o;
}

TEST(L1Cache, HitMissAndNegative) {
    L1Cache cache(SmallOptions());
    SteadyTime t0{};
    EXPECT_EQ(cache.Get("abc", t0).kind, L1Cache::Kind::kMiss);
    cache.Put("abc", Target(1, "https://a.example/"), t0);
    auto hit = cache.Get("abc", t0);
    ASSERT_EQ(hit.kind, L1Cache::Kind::kHit);
    EXPECT_EQ(hit.target->long_url, "https://a.example/");
    cache.PutNegative("zzz", t0);
    EXPECT_EQ(cache.Get("zzz", t0).kind, L1Cache::Kind::kNegative);
}

TEST(L1Cache, SlugsAreCaseSensitive) {
    L1Cache cache(SmallOptions());
    SteadyTime t0{};
    cache.Put("AbC", Target(1, "https://upper.example/"), t0);
    EXPECT_EQ(cache.Get("abc", t0).kind, L1Cache::Kind::kMiss);
}

TEST(L1Cache, EntriesExpire) {
    L1Cache cache(SmallOptions());
    SteadyTime t0{};
    cache.Put("abc", Target(1, "u"), t0);
    cache.PutNegative("neg", t0);
    EXPECT_EQ(cache.Get("abc", t0 + 9s).kind, L1Cache::Kind::kHit);
    EXPECT_EQ(cache.Get("neg", t0 + 3s).kind, L1Cache::Kind::kMiss);  // negative TTL is shorter
    EXPECT_EQ(cache.Get("abc", t0 + 11s).kind, L1Cache::Kind::kMiss);
    EXPECT_EQ(cache.Size(), 0u);
}

L1Options StaleOptions() {
    L1Options o = SmallOptions();
    o.stale_if_error = 100s;
    return o;
}

TEST(L1Cache, ExpiredEntriesAreKeptStaleWithinTheBound) {
    L1Cache cache(StaleOptions());
    SteadyTime t0{};
    cache.Put("abc", Target(1, "u"), t0);
    auto stale = cache.Get("abc", t0 + 11s);  // past the TTL
    ASSERT_EQ(stale.kind, L1Cache::Kind::kStale);
    EXPECT_EQ(stale.target->long_url, "u");
    EXPECT_EQ(cache.Size(), 1u);
    // A revalidating Fill makes it fresh again, and restarts the bound.
    cache.Fill("abc", Target(1, "u2"), t0 + 90s, stale.generation);
    EXPECT_EQ(cache.Get("abc", t0 + 95s).kind, L1Cache::Kind::kHit);
    EXPECT_EQ(cache.Get("abc", t0 + 185s).kind, L1Cache::Kind::kStale);
    // Past the bound since it was last confirmed: forgotten.
    EXPECT_EQ(cache.Get("abc", t0 + 190s).kind, L1Cache::Kind::kMiss);
    EXPECT_EQ(cache.Size(), 0u);
}

TEST(L1Cache, MarkAllStaleKeepsLinksForRevalidation) {
    L1Cache cache(StaleOptions());
    SteadyTime t0{};
    cache.Put("abc", Target(1, "u"), t0);
    cache.PutNegative("neg", t0);
    cache.MarkAllStale();
    auto stale = cache.Get("abc", t0 + 1s);  // within the TTL, but from before the re-subscribe
    ASSERT_EQ(stale.kind, L1Cache::Kind::kStale);
    EXPECT_EQ(stale.target->long_url, "u");
    EXPECT_EQ(cache.Get("neg", t0 + 1s).kind, L1Cache::Kind::kMiss);  // negative entries are dropped
    cache.Fill("abc", Target(1, "changed"), t0 + 1s, stale.generation);
    auto hit = cache.Get("abc", t0 + 2s);
    ASSERT_EQ(hit.kind, L1Cache::Kind::kHit);
    EXPECT_EQ(hit.target->long_url, "changed");
}

TEST(L1Cache, MarkAllStaleWithoutStaleIfErrorForgetsLinks) {
    L1Cache cache(SmallOptions());  // stale_if_error 0
    SteadyTime t0{};
    cache.Put("abc", Target(1, "u"), t0);
    cache.MarkAllStale();
    EXPECT_EQ(cache.Get("abc", t0).kind, L1Cache::Kind::kMiss);
}

TEST(L1Cache, FillFromBeforeMarkAllStaleIsDropped) {
    L1Cache cache(StaleOptions());
    SteadyTime t0{};
    auto miss = cache.Get("abc", t0);
    cache.MarkAllStale();  // what the reader fetched may predate a missed invalidation
    cache.Fill("abc", Target(1, "old"), t0, miss.generation);
    EXPECT_EQ(cache.Get("abc", t0).kind, L1Cache::Kind::kMiss);
}

TEST(L1Cache, ErasedEntriesAreNeverStale) {
    L1Cache cache(StaleOptions());
    SteadyTime t0{};
    cache.Put("abc", Target(1, "u"), t0);
    cache.MarkAllStale();
    cache.Erase("abc");
    EXPECT_EQ(cache.Get("abc", t0 + 1s).kind, L1Cache::Kind::kMiss);
    cache.Put("def", Target(2, "u"), t0);
    cache.Erase("def");
    EXPECT_EQ(cache.Get("def", t0 + 11s).kind, L1Cache::Kind::kMiss);
}

TEST(L1Cache, StaleEntriesStayBounded) {
    L1Cache cache(StaleOptions());  // capacity 4
    SteadyTime t0{};
    for (int i = 0; i < 10; ++i) cache.Put("s" + std::to_string(i), Target(i, "u"), t0);
    cache.MarkAllStale();
    EXPECT_EQ(cache.Size(), 4u);
    for (int i = 10; i < 14; ++i) cache.Put("s" + std::to_string(i), Target(i, "u"), t0 + 20s);
    EXPECT_EQ(cache.Size(), 4u);
    EXPECT_EQ(cache.Get("s9", t0 + 20s).kind, L1Cache::Kind::kMiss);  // evicted, not kept
}

TEST(L1Cache, EvictsLeastRecentlyUsed) {
    L1Cache cache(SmallOptions());
    SteadyTime t0{};
    for (int i = 0; i < 4; ++i) cache.Put("s" + std::to_string(i), Target(i, "u"), t0);
    EXPECT_EQ(cache.Get("s0", t0).kind, L1Cache::Kind::kHit);  // s0 is now the most recent
    cache.Put("s4", Target(4, "u"), t0);                       // evicts s1
    EXPECT_EQ(cache.Size(), 4u);
    EXPECT_EQ(cache.Get("s1", t0).kind, L1Cache::Kind::kMiss);
    EXPECT_EQ(cache.Get("s0", t0).kind, L1Cache::Kind::kHit);
    EXPECT_EQ(cache.Get("s4", t0).kind, L1Cache::Kind::kHit);
}

TEST(L1Cache, NegativeEntriesNeverEvictLinks) {
    L1Cache cache(SmallOptions());
    SteadyTime t0{};
    for (int i = 0; i < 4; ++i) cache.Put("s" + std::to_string(i), Target(i, "u"), t0);
    for (int i = 0; i < 1000; ++i) cache.PutNegative("scan" + std::to_string(i), t0);
    EXPECT_EQ(cache.Size(), 4u);
    EXPECT_EQ(cache.NegativeSize(), 2u);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(cache.Get("s" + std::to_string(i), t0).kind, L1Cache::Kind::kHit);
}

TEST(L1Cache, PutReplacesNegativeAndEraseForgets) {
    L1Cache cache(SmallOptions());
    SteadyTime t0{};
    cache.PutNegative("new", t0);
    cache.Put("new", Target(1, "u"), t0);
    EXPECT_EQ(cache.Get("new", t0).kind, L1Cache::Kind::kHit);
    cache.Erase("new");
    EXPECT_EQ(cache.Get("new", t0).kind, L1Cache::Kind::kMiss);
    cache.Put("x", Target(1, "old"), t0);
    cache.Put("x", Target(1, "new"), t0);
    EXPECT_EQ(cache.Get("x", t0).target->long_url, "new");
    EXPECT_EQ(cache.Size(), 1u);
}

TEST(L1Cache, StaleFillNeverOverwritesANewerWrite) {
    L1Cache cache(SmallOptions());
    SteadyTime t0{};
    // A reader misses, then (while it reads the store) a writer deletes the link: its old copy must not
    // come back.
    auto miss = cache.Get("s", t0);
    cache.Erase("s");
    cache.Fill("s", Target(1, "old"), t0, miss.generation);
    EXPECT_EQ(cache.Get("s", t0).kind, L1Cache::Kind::kMiss);
    // A reader finds nothing, then a writer creates the link: "not found" must not replace it.
    auto miss2 = cache.Get("t", t0);
    cache.Put("t", Target(2, "new"), t0);
    cache.Fill("t", nullptr, t0, miss2.generation);
    EXPECT_EQ(cache.Get("t", t0).kind, L1Cache::Kind::kHit);
    // Without interference, a fill lands.
    auto miss3 = cache.Get("u", t0);
    cache.Fill("u", nullptr, t0, miss3.generation);
    EXPECT_EQ(cache.Get("u", t0).kind, L1Cache::Kind::kNegative);
}

TEST(L1Cache, ZeroCapacityCachesNothing) {
    L1Options o = SmallOptions();
    o.capacity = 0;
    L1Cache cache(o);
    cache.Put("abc", Target(1, "u"), SteadyTime{});
    EXPECT_EQ(cache.Get("abc", SteadyTime{}).kind, L1Cache::Kind::kMiss);
}

TEST(L1Cache, ConcurrentUseStaysBounded) {
    L1Options o;
    o.capacity = 1000;
    o.shards = 16;
    L1Cache cache(o);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            auto now = std::chrono::steady_clock::now();
            for (int i = 0; i < 20000; ++i) {
                auto key = "k" + std::to_string((i * 7 + t) % 5000);
                if (cache.Get(key, now).kind == L1Cache::Kind::kMiss) cache.Put(key, Target(i, "u"), now);
            }
        });
    }
    for (auto& th : threads) th.join();
    // Each of the 16 shards holds at most ceil(1000 / 16) = 63 links.
    EXPECT_LE(cache.Size(), 16u * 63u);
    EXPECT_GT(cache.Size(), 0u);
}

}  // namespace
}  // namespace shortener::cache
