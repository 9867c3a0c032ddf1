// Token buckets (issues #7, #12): the bucket arithmetic on a fake clock, the bounded in-process limiter, the limit
// syntax of the configuration, and the guard's 429 through the dispatcher: anonymous callers per address, API keys
// per key (with limits of their own) over a real SQLite auth store, the owner of auth mode none.

#include "http/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <stdexcept>

#include "auth/authenticator.hpp"
#include "auth/credentials.hpp"
#include "http/dispatcher.hpp"
#include "http/rate_limit/in_process_rate_limiter.hpp"
#include "http/rate_limit/rate_limit_guard.hpp"
#include "store/sqlite/sqlite_auth_store.hpp"
#include "store/sqlite/sqlite_stores.hpp"
#include "support/fakes.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::http {
namespace {

using namespace std::chrono_literals;
using shortener::testing::FakeClock;
using shortener::testing::RunAwaitable;
using shortener::testing::TempDir;

TEST(TokenBucket, AllowsTheBurstThenRefusesWithRetryAfter) {
    const RateLimit limit{0.5, 3};  // one token every 2 s, 3 at most
    TokenBucket b{3, 0};
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(TakeToken(b, 0, limit).allowed) << i;
    auto d = TakeToken(b, 0, limit);
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after.count(), 2);
    EXPECT_EQ(d.remaining, 0);
    d = TakeToken(b, 1.5, limit);  // 0.75 tokens: still none
    EXPECT_FALSE(d.allowed);
    EXPECT_EQ(d.retry_after.count(), 1);  // 0.5 s left, rounded up to a whole second
    EXPECT_TRUE(TakeToken(b, 2.0, limit).allowed);
}

TEST(TokenBucket, RefillStopsAtTheBurstAndIgnoresAClockGoingBack) {
    const RateLimit limit{10, 5};
    TokenBucket b{0, 100};
    auto d = TakeToken(b, 1000, limit);  // long idle: full (5), minus one
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, 4);
    d = TakeToken(b, 500, limit);  // backwards: no refill, no harm
    EXPECT_TRUE(d.allowed);
    EXPECT_EQ(d.remaining, 3);
}

TEST(InProcessRateLimiter, LimitsEachBucketOnItsOwn) {
    FakeClock clock;
    InProcessRateLimiter limiter({.max_buckets = 1000, .shards = 4, .now = clock.Seconds()});
    const RateLimit limit{1, 2};
    EXPECT_TRUE(limiter.TakeNow("a", limit).allowed);
    EXPECT_TRUE(limiter.TakeNow("a", limit).allowed);
    auto denied = limiter.TakeNow("a", limit);
    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.retry_after.count(), 1);
    EXPECT_TRUE(limiter.TakeNow("b", limit).allowed);  // another client is untouched
    clock.Advance(1s);
    EXPECT_TRUE(limiter.TakeNow("a", limit).allowed);
    EXPECT_FALSE(limiter.TakeNow("a", limit).allowed);
    // The awaitable interface gives the same answers.
    EXPECT_FALSE(RunAwaitable(limiter.Take("a", limit)).allowed);
}

TEST(InProcessRateLimiter, MemoryStaysBoundedUnderAFloodOfNewKeys) {
    FakeClock clock;
    InProcessRateLimiter limiter({.max_buckets = 64, .shards = 4, .now = clock.Seconds()});
    const RateLimit limit{1, 1};
    EXPECT_TRUE(limiter.TakeNow("victim", limit).allowed);
    for (int i = 0; i < 10'000; ++i) {
        limiter.TakeNow("attacker-" + std::to_string(i), limit);
        // An active client keeps its bucket: every request moves it to the front of its shard.
        if (i % 8 == 0) {
            EXPECT_FALSE(limiter.TakeNow("victim", limit).allowed) << i;
        }
    }
    EXPECT_LE(limiter.Size(), 64u);
}

TEST(RateLimitSyntax, ParsesEveryDocumentedForm) {
    auto l = ParseRateLimit("10/s burst 30");
    ASSERT_TRUE(l);
    EXPECT_DOUBLE_EQ(l->per_second, 10);
    EXPECT_DOUBLE_EQ(l->burst, 30);
    l = ParseRateLimit("60/min");
    ASSERT_TRUE(l);
    EXPECT_DOUBLE_EQ(l->per_second, 1);
    EXPECT_DOUBLE_EQ(l->burst, 60);
    l = ParseRateLimit("30");  // per minute
    ASSERT_TRUE(l);
    EXPECT_DOUBLE_EQ(l->per_second, 0.5);
    EXPECT_DOUBLE_EQ(l->burst, 30);
    l = ParseRateLimit(" 1000/h burst 5 ");
    ASSERT_TRUE(l);
    EXPECT_NEAR(l->per_second, 1000.0 / 3600, 1e-12);
    EXPECT_DOUBLE_EQ(l->burst, 5);
    l = ParseRateLimit("0.5/s");
    ASSERT_TRUE(l);
    EXPECT_DOUBLE_EQ(l->burst, 1);  // at least one request must fit
    EXPECT_FALSE(ParseRateLimit("off"));
    EXPECT_FALSE(ParseRateLimit("0"));
    for (const char* bad : {"", "-1/s", "ten/s", "10/day", "10/s burst", "10/s burst 0", "10/s burst 1.5",
                            "10/s burst x", "1e9/s", "/s", "10/s/s", "nan", "inf/s"}) {
        EXPECT_THROW(ParseRateLimit(bad), std::invalid_argument) << bad;
    }
}

TEST(RateLimitGuard, BucketsByAddressIpv6NetworkAndCredential) {
    EXPECT_EQ(ClientBucketKey("192.0.2.7"), "192.0.2.7");
    EXPECT_EQ(ClientBucketKey("2001:db8:1:2:aaaa::1"), ClientBucketKey("2001:db8:1:2:bbbb::9"));
    EXPECT_NE(ClientBucketKey("2001:db8:1:2::1"), ClientBucketKey("2001:db8:1:3::1"));
    EXPECT_EQ(ClientBucketKey("::ffff:192.0.2.7"), "192.0.2.7");

    RequestData data;
    data.method = Method::kGet;
    data.target = "/api/v1/links";
    data.headers = {{"authorization", "Bearer sk_abc"}};
    data.header_count = 1;
    Request bearer(data, "127.0.0.1");
    EXPECT_EQ(CredentialBucketKey(bearer), "7c8d93f8ffb4cdb85b2a4b0c10886a66959da2eb67707b1c54718850a56d158c");
    data.headers = {{"cookie", "theme=dark; shortener_session=sess123; x=1"}};
    Request session(data, "127.0.0.1");
    EXPECT_EQ(CredentialBucketKey(session), "7fae270b3f5c78b5867351b95f44f3be9669c97161458372d5c5c6aeaab98362");
    data.headers = {{"cookie", "shortener_session_x=1"}, {"authorization", "Basic abc"}};
    data.header_count = 2;
    Request none(data, "127.0.0.1");
    EXPECT_EQ(CredentialBucketKey(none), "");
}

Handler Ok() {
    return
        [](const Request&, const Params&) -> boost::asio::awaitable<Response> { co_return Response::Json(200, "{}"); };
}

struct Call {
    Call(Method m, std::string t, std::string r = "192.0.2.1", std::vector<HeaderField> h = {})
        : method(m), target(std::move(t)), remote(std::move(r)), headers(std::move(h)) {}
    Method method;
    std::string target;
    std::string remote;
    std::vector<HeaderField> headers;
};

Response Send(const Router& router, const Call& c) {
    RequestData data;
    data.method = c.method;
    data.target = c.target;
    data.headers = c.headers;
    data.header_count = c.headers.size();
    Request req(data, c.remote);
    return RunAwaitable(Dispatch(router, req)).response;
}

std::string HeaderOf(const Response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
        if (IEquals(n, name)) return v;
    }
    return {};
}

// Anonymous: creates 0.1/s burst 2, other calls 1/s burst 5 per address. Keys and sessions: 1/s burst 4.
class GuardedRouter : public ::testing::Test {
  protected:
    GuardedRouter()
        : dir_("guard-"),
          db_(std::make_shared<store::SqliteDb>(dir_.File("t.db"))),
          auth_store_(db_),
          authenticator_(auth_store_, clock_) {
        db_->Migrate(store::SqliteMigrations());
        alice_ = *RunAwaitable(auth_store_.CreateUser({"alice@example.com", "", false, {}}));
    }

    void SetUp() override {
        router_.Add({Method::kPost}, "/api/v1/links", "links_create", Ok(), RouteClass::kCreate);
        router_.Add({Method::kGet}, "/api/v1/links", "links_list", Ok());
        router_.Add({Method::kGet}, "/healthz", "healthz", Ok());
        router_.Add({Method::kGet}, "/{slug}", "redirect", Ok());
        router_.SetGuard(guard_.AsGuard());
    }

    // A new key of alice's; `rate_limit`: its own limit.
    std::vector<HeaderField> Key(std::optional<std::string> rate_limit = std::nullopt) {
        keys_.push_back(auth::GenerateApiKey());
        const std::string& key = keys_.back();
        store::NewApiKey row{alice_.id,     "k", auth::DisplayPrefix(key), auth::Sha256Hex(key),
                             "links:write", {},  std::move(rate_limit)};
        RunAwaitable(auth_store_.CreateApiKey(row));
        return {{"authorization", "Bearer " + key}};
    }

    TempDir dir_;
    std::shared_ptr<store::SqliteDb> db_;
    store::SqliteAuthStore auth_store_;
    FakeClock clock_;  // the authenticator's and the limiter's
    auth::Authenticator authenticator_;
    store::User alice_;
    std::deque<std::string> keys_;
    InProcessRateLimiter limiter_{{.max_buckets = 1000, .shards = 2, .now = clock_.Seconds()}};
    metrics::Registry registry_;
    RateLimitGuard guard_{limiter_,
                          {RateLimit{0.1, 2}, RateLimit{1, 5}, RateLimit{1, 4}},
                          *core::TrustedProxies::Parse("10.0.0.0/8"),
                          registry_,
                          &authenticator_};
    Router router_;
};

TEST_F(GuardedRouter, CreationGets429WithRetryAfterAfterTheBurst) {
    Call create{Method::kPost, "/api/v1/links"};
    EXPECT_EQ(Send(router_, create).status, 200u);
    EXPECT_EQ(Send(router_, create).status, 200u);
    Response r = Send(router_, create);
    EXPECT_EQ(r.status, 429u);
    EXPECT_NE(r.body.find("\"rate_limited\""), std::string::npos);
    EXPECT_EQ(HeaderOf(r, "Retry-After"), "10");
    EXPECT_EQ(HeaderOf(r, "RateLimit-Limit"), "2");
    EXPECT_EQ(HeaderOf(r, "RateLimit-Remaining"), "0");
    // Other API calls have their own, looser buckets; redirects and health checks are never limited.
    EXPECT_EQ(Send(router_, {Method::kGet, "/api/v1/links"}).status, 200u);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(Send(router_, {Method::kGet, "/abc123"}).status, 200u);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(Send(router_, {Method::kGet, "/healthz"}).status, 200u);
    // Another address is a new bucket; time refills.
    EXPECT_EQ(Send(router_, {Method::kPost, "/api/v1/links", "192.0.2.2"}).status, 200u);
    clock_.Advance(10s);
    EXPECT_EQ(Send(router_, create).status, 200u);
    EXPECT_NE(registry_.Render().find(R"(shortener_rate_limited_total{class="create",bucket="address"} 1)"),
              std::string::npos)
        << registry_.Render();
}

TEST_F(GuardedRouter, ForwardedForCountsOnlyFromTrustedProxies) {
    // Behind the trusted proxy 10.0.0.1, each forwarded client has its own bucket.
    for (int i = 0; i < 5; ++i) {
        Call c{Method::kPost, "/api/v1/links", "10.0.0.1", {{"x-forwarded-for", "198.51.100." + std::to_string(i)}}};
        EXPECT_EQ(Send(router_, c).status, 200u) << i;
    }
    // An untrusted peer cannot escape its bucket by inventing X-Forwarded-For values.
    for (int i = 0; i < 2; ++i) {
        Call c{Method::kPost,
               "/api/v1/links",
               "203.0.113.9",
               {{"x-forwarded-for", "198.51.100." + std::to_string(50 + i)}}};
        EXPECT_EQ(Send(router_, c).status, 200u);
    }
    Call c{Method::kPost, "/api/v1/links", "203.0.113.9", {{"x-forwarded-for", "198.51.100.99"}}};
    EXPECT_EQ(Send(router_, c).status, 429u);
}

TEST_F(GuardedRouter, OneKeyIsLimitedAcrossAddresses) {
    const auto key = Key();
    for (int i = 0; i < 4; ++i) {
        Call c{Method::kPost, "/api/v1/links", "192.0.2." + std::to_string(10 + i), key};
        EXPECT_EQ(Send(router_, c).status, 200u) << i;
    }
    // Creates and other calls of a key share its one bucket.
    EXPECT_EQ(Send(router_, {Method::kGet, "/api/v1/links", "192.0.2.20", key}).status, 429u);
    EXPECT_NE(registry_.Render().find(R"(shortener_rate_limited_total{class="api",bucket="credential"} 1)"),
              std::string::npos)
        << registry_.Render();
}

TEST_F(GuardedRouter, AKeyIsNotStarvedByAnonymousTrafficFromItsAddress) {
    const auto key = Key();
    for (int i = 0; i < 2; ++i) EXPECT_EQ(Send(router_, {Method::kPost, "/api/v1/links"}).status, 200u);
    EXPECT_EQ(Send(router_, {Method::kPost, "/api/v1/links"}).status, 429u);  // the address is spent
    for (int i = 0; i < 4; ++i)
        EXPECT_EQ(Send(router_, {Method::kPost, "/api/v1/links", "192.0.2.1", key}).status, 200u);
    // ... and keys do not spend the address's bucket either: another key from there is fresh.
    const auto other = Key();
    EXPECT_EQ(Send(router_, {Method::kPost, "/api/v1/links", "192.0.2.1", other}).status, 200u);
}

TEST_F(GuardedRouter, AKeyMayCarryItsOwnLimit) {
    const auto slow = Key("1/min burst 1");
    const auto fast = Key("100/s burst 50");
    const auto unlimited = Key("off");
    EXPECT_EQ(Send(router_, {Method::kPost, "/api/v1/links", "192.0.2.1", slow}).status, 200u);
    Response r = Send(router_, {Method::kPost, "/api/v1/links", "192.0.2.1", slow});
    EXPECT_EQ(r.status, 429u);
    EXPECT_EQ(HeaderOf(r, "RateLimit-Limit"), "1");
    EXPECT_EQ(HeaderOf(r, "Retry-After"), "60");
    for (int i = 0; i < 50; ++i)
        ASSERT_EQ(Send(router_, {Method::kPost, "/api/v1/links", "192.0.2.1", fast}).status, 200u);
    EXPECT_EQ(Send(router_, {Method::kPost, "/api/v1/links", "192.0.2.1", fast}).status, 429u);
    for (int i = 0; i < 100; ++i) {
        ASSERT_EQ(Send(router_, {Method::kPost, "/api/v1/links", "192.0.2.1", unlimited}).status, 200u);
    }
}

TEST_F(GuardedRouter, SessionsOfOneUserShareTheirBucket) {
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    std::vector<std::vector<HeaderField>> cookies;
    for (int i = 0; i < 2; ++i) {
        const std::string token = auth::GenerateToken();
        const store::NewSession session{auth::Sha256Hex(token), alice_.id, "csrf", now, now + std::chrono::hours(1)};
        RunAwaitable(auth_store_.CreateSession(session));
        cookies.push_back({{"cookie", "shortener_session=" + token}});
    }
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(Send(router_, {Method::kGet, "/api/v1/links", "192.0.2.1", cookies[i % 2]}).status, 200u) << i;
    }
    EXPECT_EQ(Send(router_, {Method::kGet, "/api/v1/links", "192.0.2.9", cookies[0]}).status, 429u);
    EXPECT_EQ(Send(router_, {Method::kGet, "/api/v1/links", "192.0.2.9", cookies[1]}).status, 429u);
    // The address was never charged: an anonymous caller there still has its 5.
    EXPECT_EQ(Send(router_, {Method::kGet, "/api/v1/links", "192.0.2.1"}).status, 200u);
}

TEST_F(GuardedRouter, CredentialsThatDoNotAuthenticateCountAsAnonymous) {
    // Another made-up bearer token per request does not escape the address's bucket.
    for (int i = 0; i < 2; ++i) {
        Call c{
            Method::kPost, "/api/v1/links", "192.0.2.1", {{"authorization", "Bearer sk_made_up_" + std::to_string(i)}}};
        EXPECT_EQ(Send(router_, c).status, 200u);
    }
    Call c{Method::kPost, "/api/v1/links", "192.0.2.1", {{"authorization", "Bearer sk_made_up_x"}}};
    EXPECT_EQ(Send(router_, c).status, 429u);
    Call session{Method::kPost, "/api/v1/links", "192.0.2.1", {{"cookie", "shortener_session=nope"}}};
    EXPECT_EQ(Send(router_, session).status, 429u);
}

TEST_F(GuardedRouter, LookupsOfUnknownCredentialsAreBoundedPerAddress) {
    int refused = 0;
    for (int i = 0; i < 150; ++i) {
        Call c{
            Method::kGet, "/api/v1/links", "203.0.113.5", {{"authorization", "Bearer sk_guess_" + std::to_string(i)}}};
        if (Send(router_, c).status == 429) ++refused;
    }
    EXPECT_GE(refused, 50);  // the anonymous bucket (burst 5) or the lookup bucket (burst 100)
    EXPECT_NE(registry_.Render().find(R"(bucket="lookup"})"), std::string::npos) << registry_.Render();
    // A key already in the authenticator's cache needs no lookup: the same address still uses it.
    const auto key = Key();
    authenticator_.ForgetKeys();
    EXPECT_EQ(Send(router_, {Method::kGet, "/api/v1/links", "203.0.113.6", key}).status, 200u);  // cached now
    EXPECT_EQ(Send(router_, {Method::kGet, "/api/v1/links", "203.0.113.5", key}).status, 200u);
}

TEST(RateLimitGuardModeNone, TheOwnerIsLimitedOnlyWhenAskedTo) {
    FakeClock clock;
    InProcessRateLimiter limiter{{.max_buckets = 100, .shards = 1, .now = clock.Seconds()}};
    metrics::Registry registry;
    Router open;
    RateLimitGuard unlimited{limiter, {RateLimit{0.1, 2}, RateLimit{1, 5}, std::nullopt}, {}, registry};
    open.Add({Method::kPost}, "/api/v1/links", "links_create", Ok(), RouteClass::kCreate);
    open.SetGuard(unlimited.AsGuard());
    for (int i = 0; i < 300; ++i) ASSERT_EQ(Send(open, {Method::kPost, "/api/v1/links"}).status, 200u) << i;

    metrics::Registry registry2;
    Router limited;
    RateLimitGuard owner{limiter, {std::nullopt, std::nullopt, RateLimit{1, 3}}, {}, registry2};
    limited.Add({Method::kPost}, "/api/v1/links", "links_create", Ok(), RouteClass::kCreate);
    limited.SetGuard(owner.AsGuard());
    for (int i = 0; i < 3; ++i) EXPECT_EQ(Send(limited, {Method::kPost, "/api/v1/links"}).status, 200u);
    EXPECT_EQ(Send(limited, {Method::kPost, "/api/v1/links"}).status, 429u);
}

TEST(RateLimitGuardLimits, AKeysOwnLimitWinsAndABadOneFallsBack) {
    const std::optional<RateLimit> fallback = RateLimit{50, 500};
    EXPECT_EQ(EffectiveLimit(std::nullopt, fallback)->burst, 500);
    EXPECT_EQ(EffectiveLimit(std::string("2/s burst 3"), fallback)->burst, 3);
    EXPECT_FALSE(EffectiveLimit(std::string("off"), fallback));
    EXPECT_EQ(EffectiveLimit(std::string("garbage"), fallback)->burst, 500);
}

}  // namespace
}  // namespace shortener::http
