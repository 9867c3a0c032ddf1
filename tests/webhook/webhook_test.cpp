// The webhook module's pure parts: Standard Webhooks signatures against the specification's known vector (the one
// the npm standardwebhooks library reproduces), the SSRF address policy as a table, URL parsing, the backoff
// schedule and the outcome of an attempt.

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "support/run_awaitable.hpp"
#include "webhook/backoff.hpp"
#include "webhook/delivery.hpp"
#include "webhook/sender.hpp"
#include "webhook/signature.hpp"
#include "webhook/target_policy.hpp"

namespace shortener::webhook {
namespace {

using namespace std::chrono_literals;

TEST(WebhookSignature, MatchesTheStandardWebhooksVector) {
    // From the Standard Webhooks / Svix test suites; `new Webhook(secret).sign(...)` in npm standardwebhooks 1.3.0
    // gives the same.
    EXPECT_EQ(Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                   R"({"test": 2432232314})"),
              "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSignature, RefusesUnreadableSecrets) {
    for (const char* secret : {"", "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_abc"}) {
        EXPECT_FALSE(Sign(secret, "msg_1", 1, "{}")) << secret;
    }
}

TEST(WebhookSignature, SecretsAreThePrefixAndBase64OfTheKey) {
    std::array<std::uint8_t, 32> key{};
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(i * 7);
    const std::string secret = SecretFromKey(key);
    EXPECT_EQ(secret, "whsec_AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=");
    EXPECT_TRUE(Sign(secret, "msg_1", 1, "{}"));
}

struct AddressCase {
    const char* address;
    AddressClass want;
};

// NOLINTNEXTLINE(readability-function-size): a table of addresses.
TEST(WebhookTargetPolicy, ClassifiesAddresses) {
    const AddressCase cases[] = {
        {"93.184.216.34", AddressClass::kPublic},
        {"8.8.8.8", AddressClass::kPublic},
        {"2606:4700::1111", AddressClass::kPublic},
        {"127.0.0.1", AddressClass::kPrivate},
        {"127.255.255.254", AddressClass::kPrivate},
        {"0.0.0.0", AddressClass::kPrivate},
        {"10.0.0.1", AddressClass::kPrivate},
        {"172.16.0.1", AddressClass::kPrivate},
        {"172.31.255.255", AddressClass::kPrivate},
        {"172.32.0.1", AddressClass::kPublic},
        {"192.168.1.1", AddressClass::kPrivate},
        {"169.254.1.1", AddressClass::kPrivate},
        {"100.64.0.1", AddressClass::kPrivate},
        {"100.127.255.255", AddressClass::kPrivate},
        {"100.128.0.1", AddressClass::kPublic},
        {"192.0.2.1", AddressClass::kPrivate},
        {"198.18.0.1", AddressClass::kPrivate},
        {"224.0.0.1", AddressClass::kPrivate},
        {"255.255.255.255", AddressClass::kPrivate},
        {"169.254.169.254", AddressClass::kMetadata},
        {"::1", AddressClass::kPrivate},
        {"::", AddressClass::kPrivate},
        {"fc00::1", AddressClass::kPrivate},
        {"fd12:3456::1", AddressClass::kPrivate},
        {"fe80::1", AddressClass::kPrivate},
        {"ff02::1", AddressClass::kPrivate},
        {"2001:db8::1", AddressClass::kPrivate},
        {"fd00:ec2::254", AddressClass::kMetadata},
        {"::ffff:127.0.0.1", AddressClass::kPrivate},
        {"::ffff:169.254.169.254", AddressClass::kMetadata},
        {"::ffff:93.184.216.34", AddressClass::kPublic},
        {"64:ff9b::10.0.0.1", AddressClass::kPrivate},
        {"2002:0a00:0001::1", AddressClass::kPrivate},  // 6to4 of 10.0.0.1
        {"example.com", AddressClass::kInvalid},
        {"", AddressClass::kInvalid},
        {"127.1", AddressClass::kInvalid},
    };
    for (const auto& c : cases) EXPECT_EQ(ClassifyAddress(c.address), c.want) << c.address;
}

TEST(WebhookTargetPolicy, PrivateAllowedOnlyWhenSwitchedOnAndMetadataNever) {
    const TargetPolicy strict{}, open{true, true};
    EXPECT_EQ(CheckAddress("127.0.0.1", strict), core::Errc::kWebhookTargetForbidden);
    EXPECT_EQ(CheckAddress("127.0.0.1", open), core::Errc::kOk);
    EXPECT_EQ(CheckAddress("93.184.216.34", strict), core::Errc::kOk);
    for (const char* metadata : {"169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254"}) {
        EXPECT_EQ(CheckAddress(metadata, open), core::Errc::kWebhookTargetForbidden) << metadata;
    }
}

TEST(WebhookTargetPolicy, ParsesUrls) {
    const TargetPolicy policy{};
    auto t = ParseTarget("https://Hooks.Example.com/in?x=1", policy);
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->https);
    EXPECT_EQ(t->host, "hooks.example.com");
    EXPECT_EQ(t->port, "443");
    EXPECT_EQ(t->path, "/in?x=1");
    auto v6 = ParseTarget("https://[2606:4700::1111]:8443", policy);
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->host, "2606:4700::1111");
    EXPECT_EQ(v6->port, "8443");
    EXPECT_EQ(v6->path, "/");
    auto code = [&](std::string_view url, const TargetPolicy& p) {
        auto r = ParseTarget(url, p);
        return r ? core::Errc::kOk : core::ToErrc(r.error());
    };
    EXPECT_EQ(code("http://hooks.example.com/", policy), core::Errc::kWebhookUrlInsecure);
    EXPECT_EQ(code("http://hooks.example.com/", {true, false}), core::Errc::kOk);
    EXPECT_EQ(code("https://127.0.0.1/", policy), core::Errc::kWebhookTargetForbidden);
    EXPECT_EQ(code("https://[::1]/", policy), core::Errc::kWebhookTargetForbidden);
    EXPECT_EQ(code("https://169.254.169.254/", {true, true}), core::Errc::kWebhookTargetForbidden);
    for (const char* bad : {"ftp://x.example/", "https://user:pw@x.example/", "https://x.example/#f", "/relative",
                            "https://", "https://x.example:0/", "javascript:alert(1)"}) {
        EXPECT_NE(code(bad, policy), core::Errc::kOk) << bad;
    }
    EXPECT_EQ(code("https://x.example/" + std::string(2100, 'a'), policy), core::Errc::kUrlTooLong);
}

TEST(WebhookBackoff, DoublesFromTheBaseUpToTheCapWithJitterInTheUpperHalf) {
    const RetryPolicy p{10s, 1h, 24h};
    EXPECT_EQ(RetryDelay(1, 0.999999, p).count() / 1000, 9);
    EXPECT_EQ(RetryDelay(1, 0.0, p), 5s);
    EXPECT_EQ(RetryDelay(2, 0.0, p), 10s);
    EXPECT_EQ(RetryDelay(3, 0.0, p), 20s);
    EXPECT_EQ(RetryDelay(9, 0.0, p), 1280s);
    EXPECT_EQ(RetryDelay(12, 0.0, p), 1800s);  // capped at 1 h, jitter down to half
    EXPECT_EQ(RetryDelay(1000, 0.0, p), 1800s);
    EXPECT_LE(RetryDelay(1000, 1.0, p), 1h);
    // The schedule covers the 24 h window in a bounded number of attempts: nominal waits summed.
    std::chrono::milliseconds total{0};
    int attempts = 0;
    while (total < 24h) total += RetryDelay(++attempts, 1.0, p);
    EXPECT_LT(attempts, 40);
}

TEST(WebhookDelivery, OutcomeRetriesWithinTheWindowThenGivesUp) {
    DeliveryOptions o;
    store::ClaimedDelivery d;
    d.created_at = core::FromUnixMillis(1'700'000'000'000);
    d.attempts = 1;
    SendResult failed;
    failed.status = 503;
    failed.error = "status 503";
    auto early = OutcomeOf(d, failed, d.created_at + 1s, 0.0, o);
    EXPECT_FALSE(early.delivered);
    ASSERT_TRUE(early.retry_at);
    EXPECT_EQ(*early.retry_at, d.created_at + 1s + 5s);
    EXPECT_EQ(early.status_code, 503);
    EXPECT_EQ(early.disable_failing_before, d.created_at + 1s - std::chrono::hours(24 * 5));
    EXPECT_EQ(early.disable_reason, "every delivery failed for 5 days; last error: status 503");
    auto late = OutcomeOf(d, failed, d.created_at + 24h, 0.0, o);
    EXPECT_FALSE(late.retry_at) << "given up after 24 h";
    SendResult ok;
    ok.ok = true;
    ok.status = 200;
    auto delivered = OutcomeOf(d, ok, d.created_at, 0.0, o);
    EXPECT_TRUE(delivered.delivered);
    EXPECT_FALSE(delivered.retry_at);
}

// The attempt (and its elapsed time) as the delivery loop makes it.
boost::asio::awaitable<std::pair<SendResult, std::chrono::milliseconds>> TimedPost(Sender& sender) {
    const auto start = std::chrono::steady_clock::now();
    const std::string url = "https://hooks.example/in", body = "{}";  // named: GCC 12 and co_await temporaries
    const std::vector<std::pair<std::string, std::string>> headers;
    SendResult r = co_await sender.Post(url, headers, body);
    co_return std::make_pair(
        r, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start));
}

TEST(WebhookSender, NameResolutionHasADeadlineOfItsOwn) {
    auto& context = shortener::testing::TestContext();
    SendOptions o;
    o.resolve_timeout = 200ms;
    // A resolver stuck on an unreachable DNS server: it answers only long after the deadline.
    o.resolve = [&context](const std::string&, const std::string&,
                           std::function<void(std::error_code, std::vector<std::string>)> done) {
        auto late = std::make_shared<boost::asio::steady_timer>(context, 1500ms);
        late->async_wait(
            [late, done = std::move(done)](const boost::system::error_code&) { done({}, {"93.184.215.14"}); });
    };
    Sender sender(o);
    auto [result, took] = shortener::testing::RunAwaitable(TimedPost(sender));
    EXPECT_FALSE(result.ok);
    EXPECT_EQ(result.error, "resolving the host timed out");
    EXPECT_LT(took, 1000ms);
    EXPECT_GE(took, 150ms);
}

TEST(WebhookSender, TheResolveDeadlineIsWithinTheWholeAttempt) {
    EXPECT_LE(SendOptions{}.resolve_timeout, 5000ms);
    EXPECT_LT(SendOptions{}.resolve_timeout, SendOptions{}.timeout);
}

}  // namespace
}  // namespace shortener::webhook
