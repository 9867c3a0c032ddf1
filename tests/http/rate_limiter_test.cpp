// Token buckets (issue #7): the bucket arithmetic on a fake clock, the bounded in-process limiter, the limit
// syntax of the configuration, and the guard's 429 through the dispatcher.

#include "http/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "http/dispatcher.hpp"
#include "http/rate_limit/in_process_rate_limiter.hpp"
#include "http/rate_limit/rate_limit_guard.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::http {
namespace {

using shortener::testing::RunAwaitable;

struct FakeClock {
    double now = 1000;
    std::function<double()> Fn() {
        return [this] { return now; };
    }
};

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
    InProcessRateLimiter limiter({.max_buckets = 1000, .shards = 4, .now = clock.Fn()});
    const RateLimit limit{1, 2};
    EXPECT_TRUE(limiter.TakeNow("a", limit).allowed);
    EXPECT_TRUE(limiter.TakeNow("a", limit).allowed);
    auto denied = limiter.TakeNow("a", limit);
    EXPECT_FALSE(denied.allowed);
    EXPECT_EQ(denied.retry_after.count(), 1);
    EXPECT_TRUE(limiter.TakeNow("b", limit).allowed);  // another client is untouched
    clock.now += 1;
    EXPECT_TRUE(limiter.TakeNow("a", limit).allowed);
    EXPECT_FALSE(limiter.TakeNow("a", limit).allowed);
    // The awaitable interface gives the same answers.
    EXPECT_FALSE(RunAwaitable(limiter.Take("a", limit)).allowed);
}

TEST(InProcessRateLimiter, MemoryStaysBoundedUnderAFloodOfNewKeys) {
    FakeClock clock;
    InProcessRateLimiter limiter({.max_buckets = 64, .shards = 4, .now = clock.Fn()});
    const RateLimit limit{1, 1};
    EXPECT_TRUE(limiter.TakeNow("victim", limit).allowed);
    for (int i = 0; i < 10'000; ++i) {
        limiter.TakeNow("attacker-" + std::to_string(i), limit);
        // An active client keeps its bucket: every request moves it to the front of its shard.
        if (i % 8 == 0) EXPECT_FALSE(limiter.TakeNow("victim", limit).allowed) << i;
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
    Method method = Method::kGet;
    std::string target;
    std::string remote = "192.0.2.1";
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

class GuardedRouter : public ::testing::Test {
  protected:
    void SetUp() override {
        router_.Add({Method::kPost}, "/api/v1/links", "links_create", Ok(), RouteClass::kCreate);
        router_.Add({Method::kGet}, "/api/v1/links", "links_list", Ok());
        router_.Add({Method::kGet}, "/healthz", "healthz", Ok());
        router_.Add({Method::kGet}, "/{slug}", "redirect", Ok());
        router_.SetGuard(guard_.AsGuard());
    }
    FakeClock clock_;
    InProcessRateLimiter limiter_{{.max_buckets = 1000, .shards = 2, .now = clock_.Fn()}};
    metrics::Registry registry_;
    RateLimitGuard guard_{
        limiter_, {RateLimit{0.1, 2}, RateLimit{1, 5}}, *core::TrustedProxies::Parse("10.0.0.0/8"), registry_};
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
    clock_.now += 10;
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
    for (int i = 0; i < 2; ++i) {
        Call c{Method::kPost, "/api/v1/links", "192.0.2." + std::to_string(10 + i), {{"authorization", "Bearer sk_k"}}};
        EXPECT_EQ(Send(router_, c).status, 200u);
    }
    Call c{Method::kPost, "/api/v1/links", "192.0.2.20", {{"authorization", "Bearer sk_k"}}};
    EXPECT_EQ(Send(router_, c).status, 429u);
    EXPECT_NE(registry_.Render().find(R"(shortener_rate_limited_total{class="create",bucket="credential"} 1)"),
              std::string::npos);
}

}  // namespace
}  // namespace shortener::http
