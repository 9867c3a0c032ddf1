// LinkResolver's stale-if-error: L1 entries kept across a re-subscribe (MarkAllStale) or past their TTL are
// revalidated with L2 and the store, and answered stale only when those cannot be reached, within the bound,
// and never once invalidated.

#include "cache/link_resolver.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <stdexcept>

#include "support/run_awaitable.hpp"

namespace shortener::cache {
namespace {

using namespace std::chrono_literals;
using testing::RunAwaitable;

// The resolver's clock in these tests: a global, not testing::FakeClock, as LinkResolver::Clock is a plain function.
SteadyTime g_now{};
SteadyTime FakeNow() { return g_now; }

// Links by slug; FindBySlug throws BackendUnavailable while `down` (after running `on_find`, if set).
class FakeLinkStore final : public store::LinkStore {
  public:
    std::map<std::string, core::Link, std::less<>> links;
    bool down = false;
    int finds = 0;
    std::function<void()> on_find;

    void Set(const std::string& slug, const std::string& url, bool deleted = false) {
        core::Link link;
        link.id = 1;
        link.slug = slug;
        link.long_url = url;
        if (deleted) link.deleted_at = core::TimePoint{};
        links[slug] = link;
    }

    store::Task<std::optional<core::Link>> FindBySlug(std::string_view slug) override {
        ++finds;
        if (on_find) on_find();
        if (down) throw core::BackendUnavailable("store down");
        auto it = links.find(slug);
        co_return it == links.end() ? std::nullopt : std::optional<core::Link>(it->second);
    }
    store::Task<core::Result<core::Link>> Create(const core::NewLink&) override { throw std::logic_error("unused"); }
    store::Task<store::LinkPage> List(const store::ListQuery&) override { throw std::logic_error("unused"); }
    store::Task<core::Result<core::Link>> Update(std::string_view, const core::LinkPatch&) override {
        throw std::logic_error("unused");
    }
    store::Task<core::Result<void>> Delete(std::string_view, core::TimePoint) override {
        throw std::logic_error("unused");
    }
    store::Task<bool> TryConsumeUse(core::LinkId) override { co_return true; }
    store::Task<bool> HasUsesLeft(core::LinkId) override { co_return true; }
    store::Task<void> Ping() override { co_return; }
    store::Task<std::vector<core::Result<core::Link>>> CreateMany(std::span<const core::NewLink>) override {
        throw std::logic_error("unused");
    }
    store::Task<store::IdempotencyRecord> ClaimIdempotencyKey(const store::IdempotencyKey&, core::TimePoint,
                                                              core::TimePoint, core::TimePoint) override {
        throw std::logic_error("unused");
    }
    store::Task<void> FinishIdempotencyKey(const store::IdempotencyKey&, int, std::string_view,
                                           std::string_view) override {
        throw std::logic_error("unused");
    }
    store::Task<void> ReleaseIdempotencyKey(const store::IdempotencyKey&) override { throw std::logic_error("unused"); }
    store::Task<std::size_t> PurgeIdempotencyKeys(core::TimePoint) override { throw std::logic_error("unused"); }
};

// An L2 that starts empty (a restarted Redis) and answers misses while `down`.
class FakeL2 final : public LinkCache {
  public:
    std::map<std::string, TargetPtr, std::less<>> entries;
    bool down = false;

    boost::asio::awaitable<Lookup> Get(std::string_view slug) override {
        auto it = entries.find(slug);
        if (down || it == entries.end()) co_return Lookup{};
        co_return Lookup{it->second ? Kind::kHit : Kind::kNegative, it->second};
    }
    void Fill(std::string_view slug, const TargetPtr& target) noexcept override {
        if (!down) entries.emplace(std::string(slug), target);
    }
    void Put(std::string_view slug, const TargetPtr& target) noexcept override {
        if (!down) entries[std::string(slug)] = target;
    }
    void Invalidate(std::string_view slug) noexcept override { entries.erase(std::string(slug)); }
};

class LinkResolverStale : public ::testing::Test {
  protected:
    LinkResolverStale() : l1_(Options()), probe_(registry_), resolver_(store_, l1_, &l2_, &probe_, &FakeNow) {
        g_now = SteadyTime{} + 1000s;
        store_.Set("abc", "https://old.example/");
    }
    static L1Options Options() {
        L1Options o;
        o.shards = 1;
        o.ttl = 10s;
        o.stale_if_error = 100s;
        return o;
    }
    TargetPtr Resolve(std::string_view slug) { return RunAwaitable(resolver_.Resolve(slug)); }
    // Redis restarted (L2 empty), the replica re-subscribed, then the stores became unreachable.
    void RedisRestartThenOutage() {
        l2_.entries.clear();
        l1_.MarkAllStale();
        l2_.down = true;
        store_.down = true;
    }

    FakeLinkStore store_;
    FakeL2 l2_;
    L1Cache l1_;
    metrics::Registry registry_;
    CacheProbe probe_;
    LinkResolver resolver_;
};

TEST_F(LinkResolverStale, KeptAcrossResubscribeIsRevalidatedAndPicksUpAChange) {
    ASSERT_EQ(Resolve("abc")->long_url, "https://old.example/");
    store_.Set("abc", "https://new.example/");  // edited on another replica; the invalidation was missed
    l2_.entries.clear();                        // Redis restarted
    l1_.MarkAllStale();
    const int finds = store_.finds;
    EXPECT_EQ(Resolve("abc")->long_url, "https://new.example/");
    EXPECT_EQ(store_.finds, finds + 1);
    EXPECT_EQ(Resolve("abc")->long_url, "https://new.example/");  // fresh again: an L1 hit
    EXPECT_EQ(store_.finds, finds + 1);
    EXPECT_EQ(probe_.l1_stale.Value(), 1u);
    EXPECT_EQ(probe_.stale_served.Value(), 0u);
}

TEST_F(LinkResolverStale, RevalidatedFromL2WhenOnlyTheStoreIsDown) {
    ASSERT_TRUE(Resolve("abc"));
    l1_.MarkAllStale();
    store_.down = true;
    EXPECT_EQ(Resolve("abc")->long_url, "https://old.example/");
    EXPECT_EQ(probe_.l2_hit.Value(), 1u);
    EXPECT_EQ(probe_.stale_served.Value(), 0u);
}

TEST_F(LinkResolverStale, ServedStaleWhenTheStoresFail) {
    ASSERT_TRUE(Resolve("abc"));
    RedisRestartThenOutage();
    for (int i = 0; i < 3; ++i) EXPECT_EQ(Resolve("abc")->long_url, "https://old.example/");
    EXPECT_EQ(probe_.stale_served.Value(), 3u);
    // The stores come back: the next lookup after the hold-off revalidates and the entry is fresh again.
    store_.down = false;
    l2_.down = false;
    g_now += LinkResolver::kRetryStoresAfter;
    EXPECT_EQ(Resolve("abc")->long_url, "https://old.example/");
    EXPECT_EQ(Resolve("abc")->long_url, "https://old.example/");
    EXPECT_EQ(probe_.stale_served.Value(), 3u);
    EXPECT_EQ(probe_.l1_hit.Value(), 1u);
}

TEST_F(LinkResolverStale, FailedStoresAreAskedAgainAtMostOncePerHoldOff) {
    ASSERT_TRUE(Resolve("abc"));
    RedisRestartThenOutage();
    const int finds = store_.finds;
    for (int i = 0; i < 5; ++i) EXPECT_EQ(Resolve("abc")->long_url, "https://old.example/");
    EXPECT_EQ(store_.finds, finds + 1) << "one failed revalidation, then stale answers without waiting on the store";
    g_now += LinkResolver::kRetryStoresAfter;
    EXPECT_EQ(Resolve("abc")->long_url, "https://old.example/");
    EXPECT_EQ(store_.finds, finds + 2);
    EXPECT_EQ(probe_.stale_served.Value(), 6u);
    store_.Set("abc", "https://new.example/");
    store_.down = false;
    l2_.down = false;
    g_now += LinkResolver::kRetryStoresAfter;
    EXPECT_EQ(Resolve("abc")->long_url, "https://new.example/") << "revalidated once the hold-off passed";
}

TEST_F(LinkResolverStale, ExpiredEntryServedStaleWhenTheStoresFail) {
    ASSERT_TRUE(Resolve("abc"));
    g_now += 30s;  // past the 10 s TTL
    l2_.down = true;
    store_.down = true;
    EXPECT_EQ(Resolve("abc")->long_url, "https://old.example/");
    EXPECT_EQ(probe_.stale_served.Value(), 1u);
}

TEST_F(LinkResolverStale, NotServedStaleAfterTheBound) {
    ASSERT_TRUE(Resolve("abc"));
    RedisRestartThenOutage();
    g_now += 99s;
    EXPECT_TRUE(Resolve("abc"));
    g_now += 2s;  // 101 s since it was last confirmed; the bound is 100 s
    EXPECT_THROW(Resolve("abc"), core::BackendUnavailable);
    EXPECT_EQ(probe_.stale_served.Value(), 1u);
}

TEST_F(LinkResolverStale, NotServedAfterAnInvalidation) {
    ASSERT_TRUE(Resolve("abc"));
    RedisRestartThenOutage();
    l1_.Erase("abc");  // a pub/sub invalidation (edit or delete on another replica)
    EXPECT_THROW(Resolve("abc"), core::BackendUnavailable);
    EXPECT_EQ(probe_.stale_served.Value(), 0u);
}

TEST_F(LinkResolverStale, NotServedAfterALocalDelete) {
    ASSERT_TRUE(Resolve("abc"));
    resolver_.Invalidate("abc");  // DELETE /api/v1/links/abc on this replica
    store_.down = true;
    EXPECT_THROW(Resolve("abc"), core::BackendUnavailable);
}

TEST_F(LinkResolverStale, InvalidationDuringAFailedRevalidationWins) {
    ASSERT_TRUE(Resolve("abc"));
    RedisRestartThenOutage();
    store_.on_find = [this] { l1_.Erase("abc"); };  // arrives while the store is being asked
    EXPECT_THROW(Resolve("abc"), core::BackendUnavailable);
    EXPECT_EQ(probe_.stale_served.Value(), 0u);
}

TEST_F(LinkResolverStale, DeletedLinkIsPickedUpOnRevalidation) {
    ASSERT_FALSE(Resolve("abc")->deleted);
    store_.Set("abc", "https://old.example/", /*deleted=*/true);
    l2_.entries.clear();
    l1_.MarkAllStale();
    EXPECT_TRUE(Resolve("abc")->deleted);  // the redirect handler answers 410
    store_.down = true;
    l2_.down = true;
    l1_.MarkAllStale();
    EXPECT_TRUE(Resolve("abc")->deleted);  // even stale, the deletion is what is remembered
}

TEST_F(LinkResolverStale, UnknownSlugIsAnErrorWhenTheStoreIsDown) {
    store_.down = true;
    EXPECT_THROW(Resolve("nope"), core::BackendUnavailable);
    EXPECT_EQ(probe_.stale_served.Value(), 0u);
}

TEST_F(LinkResolverStale, DisabledByAZeroBound) {
    L1Options o = Options();
    o.stale_if_error = 0s;
    L1Cache l1(o);
    LinkResolver resolver(store_, l1, &l2_, &probe_, &FakeNow);
    ASSERT_TRUE(RunAwaitable(resolver.Resolve("abc")));
    l2_.entries.clear();
    l1.MarkAllStale();
    l2_.down = true;
    store_.down = true;
    EXPECT_THROW(RunAwaitable(resolver.Resolve("abc")), core::BackendUnavailable);
}

}  // namespace
}  // namespace shortener::cache
