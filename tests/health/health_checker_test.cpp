// The destination health checker's pure parts and its SSRF refusals (no network: the refused targets are IP literals,
// refused before any connection). Checks against real servers are in tests/e2e/health.test.mjs.

#include "health/health_checker.hpp"

#include <gtest/gtest.h>

#include "support/run_awaitable.hpp"

namespace shortener::health {
namespace {

using namespace std::chrono_literals;

TEST(HealthChecker, NextCheckIsOneIntervalLaterPlusUpToATenth) {
    const core::TimePoint now = core::FromUnixMillis(1'800'000'000'000);
    const std::chrono::milliseconds day = 24h;
    EXPECT_EQ(NextCheckAt(now, day, 0.0), now + day);
    EXPECT_EQ(NextCheckAt(now, day, 0.5), now + day + day / 20);
    EXPECT_LE(NextCheckAt(now, day, 0.999), now + day + day / 10);
    EXPECT_EQ(NextCheckAt(now, day, 7.0), now + day + day / 10);  // clamped
}

TEST(HealthChecker, DestinationsObeyTheWebhooksSsrfRules) {
    webhook::SendOptions options;
    options.policy = {true, false};  // http allowed, private addresses not
    webhook::Sender sender(options);
    const std::string metadata = "http://169.254.169.254/latest/meta-data/", loopback = "http://127.0.0.1:9/";
    CheckOutcome m = shortener::testing::RunAwaitable(CheckDestination(sender, metadata, 5));
    EXPECT_FALSE(m.ok);
    EXPECT_FALSE(m.status_code);
    EXPECT_NE(m.error.find("refused"), std::string::npos) << m.error;
    CheckOutcome l = shortener::testing::RunAwaitable(CheckDestination(sender, loopback, 5));
    EXPECT_FALSE(l.ok);
    EXPECT_NE(l.error.find("refused"), std::string::npos) << l.error;
}

}  // namespace
}  // namespace shortener::health
