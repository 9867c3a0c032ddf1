// The destination health checker's pure parts, its SSRF refusals (no network: the refused targets are IP literals,
// refused before any connection) and its wait for a host another worker holds (a real SQLite store). Checks against
// real servers are in tests/e2e/health.test.mjs.

#include "health/health_checker.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/sqlite/sqlite_link_health_store.hpp"
#include "store/sqlite/sqlite_stores.hpp"
#include "support/fakes.hpp"
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

class HostLeaseTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = std::make_shared<store::SqliteDb>((dir_.path() / "test.db").string());
        db_->Migrate(store::SqliteMigrations());
        store_ = std::make_unique<store::SqliteLinkHealthStore>(db_);
    }
    HostLeaseOptions Options(std::string holder, std::chrono::milliseconds max_wait) {
        HostLeaseOptions o;
        o.holder = std::move(holder);
        o.hold = 30s;
        o.max_wait = max_wait;
        o.poll = 20ms;
        return o;
    }
    bool Hold(const std::string& holder) {
        const core::TimePoint now =
            std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
        return shortener::testing::RunAwaitable(store_->LeaseHost("example.com", holder, now, now + 30s));
    }

    shortener::testing::TempDir dir_;
    std::shared_ptr<store::SqliteDb> db_;
    std::unique_ptr<store::SqliteLinkHealthStore> store_;
};

boost::asio::awaitable<void> ReleaseAfter(store::LinkHealthStore& store, std::string holder,
                                          std::chrono::milliseconds delay) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, delay);
    co_await timer.async_wait(boost::asio::use_awaitable);
    auto release = store.ReleaseHost("example.com", std::move(holder));
    co_await std::move(release);
}

TEST_F(HostLeaseTest, AHostAnotherCheckerHoldsIsWaitedForThenGivenUp) {
    ASSERT_TRUE(Hold("worker-a"));
    const HostLeaseOptions b = Options("worker-b", 150ms);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_FALSE(shortener::testing::RunAwaitable(AcquireHost(*store_, "example.com", b)));
    EXPECT_GE(std::chrono::steady_clock::now() - started, 100ms);  // it waited, polling
    EXPECT_FALSE(Hold("worker-b"));                                // still a's
}

TEST_F(HostLeaseTest, AHostIsTakenAsSoonAsItsHolderGivesItBack) {
    ASSERT_TRUE(Hold("worker-a"));
    const HostLeaseOptions b = Options("worker-b", 10s);
    auto& context = shortener::testing::TestContext();
    boost::asio::co_spawn(context, ReleaseAfter(*store_, "worker-a", 100ms), boost::asio::detached);
    const auto started = std::chrono::steady_clock::now();
    EXPECT_TRUE(shortener::testing::RunAwaitable(AcquireHost(*store_, "example.com", b)));
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
    EXPECT_FALSE(Hold("worker-a"));  // b's now
}

TEST(HealthChecker, LeaseHoldersAreUnique) {
    EXPECT_NE(NewLeaseHolder(), NewLeaseHolder());
    EXPECT_EQ(NewLeaseHolder().rfind(std::to_string(::getpid()) + "-", 0), 0U);
}

}  // namespace
}  // namespace shortener::health
