#pragma once
// The WebhookStore contract (outbox written with link changes, claims with leases, retries, give-up and disabling):
// one typed suite, instantiated over SQLite (sqlite_store_test.cpp) and PostgreSQL (postgres_store_pgtest.cpp).
//
// A backend type B provides: void Open(); void Close(); LinkStore& links(); WebhookStore& webhooks().

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "store/link_store.hpp"
#include "store/webhook_store.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::store::webhook_contract {

using shortener::testing::RunAwaitable;

// Every delivery enqueued by the tests is due by then (links are stamped 2023, tests claim in 2027).
inline const core::TimePoint kNow = core::FromUnixMillis(1'800'000'000'000);
inline constexpr auto kLease = std::chrono::seconds(30);

template <class B>
class WebhookContract : public ::testing::Test {
  protected:
    void SetUp() override { backend_.Open(); }
    void TearDown() override { backend_.Close(); }

    Webhook Hook(WebhookEvents events, std::optional<std::int64_t> owner = {}, bool all_links = true) {
        Webhook w;
        w.owner_id = owner;
        w.all_links = all_links;
        w.url = "https://hooks.example/in";
        w.events = events;
        w.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        w.created_at = core::FromUnixMillis(1'700'000'000'000);
        return RunAwaitable(backend_.webhooks().Create(w));
    }
    core::Link MakeStoredLink(std::string slug, std::optional<std::int64_t> owner = {}) {
        core::NewLink l;
        l.slug = std::move(slug);
        l.long_url = "https://example.com/" + l.slug;
        l.created_at = core::FromUnixMillis(1'700'000'000'000);
        l.owner_id = owner;
        return RunAwaitable(backend_.links().Create(l)).value();
    }
    std::vector<ClaimedDelivery> Claim(core::TimePoint now, std::size_t limit = 100, std::string token = "t1") {
        return RunAwaitable(backend_.webhooks().Claim(now, now + kLease, limit, token));
    }
    void Settle(const ClaimedDelivery& d, DeliveryOutcome o) { RunAwaitable(backend_.webhooks().Settle(d, o)); }

    B backend_;
};

TYPED_TEST_SUITE_P(WebhookContract);

TYPED_TEST_P(WebhookContract, LinkChangesWriteTheirEventsForSubscribersWhoMaySeeTheLink) {
    auto& hooks = this->backend_.webhooks();
    const Webhook all = this->Hook(kAllWebhookEvents);
    const Webhook own = this->Hook(kLinkCreated, 7, false);    // user 7's: only user 7's links
    const Webhook other = this->Hook(kLinkCreated, 8, false);  // user 8's
    const Webhook clicks = this->Hook(kLinkClicked);           // subscribed to clicks only
    const core::Link link = this->MakeStoredLink("wh-one", 7);
    core::LinkPatch patch;
    patch.tags = std::vector<std::string>{"t"};
    patch.updated_at = core::FromUnixMillis(1'700'000'001'000);
    ASSERT_TRUE(RunAwaitable(this->backend_.links().Update("wh-one", patch)));
    ASSERT_TRUE(RunAwaitable(this->backend_.links().Delete("wh-one", core::FromUnixMillis(1'700'000'002'000))));
    auto claimed = this->Claim(kNow);
    std::multiset<std::pair<std::int64_t, std::string>> got;
    for (const auto& d : claimed) {
        got.emplace(d.webhook_id, d.event);
        auto payload = boost::json::parse(d.payload).as_object();
        EXPECT_EQ(payload.at("type").as_string(), d.event);
        EXPECT_EQ(payload.at("data").at("slug").as_string(), "wh-one");
        EXPECT_EQ(payload.at("data").at("id").as_int64(), link.id);
        EXPECT_EQ(d.url, "https://hooks.example/in");
        EXPECT_EQ(d.attempts, 1);
        EXPECT_TRUE(d.event_id.starts_with("msg_")) << d.event_id;
    }
    std::multiset<std::pair<std::int64_t, std::string>> want = {
        {all.id, "link.created"}, {all.id, "link.updated"}, {all.id, "link.deleted"}, {own.id, "link.created"}};
    EXPECT_EQ(got, want);
    EXPECT_FALSE(got.contains({other.id, "link.created"}));
    EXPECT_FALSE(got.contains({clicks.id, "link.created"}));
    EXPECT_TRUE(RunAwaitable(hooks.AnySubscriber(kLinkClicked)));
    const ClickNotice notice{link.id, kNow, R"({"id":"c1","is_bot":false})"};
    RunAwaitable(hooks.EnqueueClicks(std::span<const ClickNotice>(&notice, 1), kNow));
    auto click = this->Claim(kNow);
    ASSERT_EQ(click.size(), 2u);  // `all` and `clicks`
    for (const auto& d : click) {
        EXPECT_EQ(d.event, "link.clicked");
        EXPECT_EQ(boost::json::parse(d.payload).at("data").at("click").at("id").as_string(), "c1");
    }
}

TYPED_TEST_P(WebhookContract, AClaimHoldsTheDeliveryUntilItsLeaseRunsOut) {
    const Webhook w = this->Hook(kAllWebhookEvents);
    const std::string event_id = RunAwaitable(this->backend_.webhooks().EnqueueTest(w.id, kNow));
    auto first = this->Claim(kNow);
    ASSERT_EQ(first.size(), 1u);
    EXPECT_EQ(first[0].event_id, event_id);
    EXPECT_EQ(first[0].event, "webhook.test");
    EXPECT_TRUE(this->Claim(kNow + kLease - std::chrono::seconds(1), 100, "t2").empty());
    auto again = this->Claim(kNow + kLease, 100, "t2");  // the holder died: claimed anew, the same event id
    ASSERT_EQ(again.size(), 1u);
    EXPECT_EQ(again[0].event_id, event_id);
    EXPECT_EQ(again[0].attempts, 2);
    // The first holder's late outcome is ignored: the lease is lost.
    DeliveryOutcome late;
    late.delivered = true;
    late.now = kNow + kLease;
    this->Settle(first[0], late);
    auto listed = RunAwaitable(this->backend_.webhooks().Deliveries(w.id, 10));
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].status, "pending");
    late.status_code = 204;
    this->Settle(again[0], late);
    listed = RunAwaitable(this->backend_.webhooks().Deliveries(w.id, 10));
    EXPECT_EQ(listed[0].status, "delivered");
    EXPECT_EQ(listed[0].last_status, 204);
    EXPECT_EQ(listed[0].attempts, 2);
    EXPECT_TRUE(this->Claim(kNow + 10 * kLease).empty());
}

TYPED_TEST_P(WebhookContract, AFailedAttemptIsDueAgainAtItsRetryTime) {
    const Webhook w = this->Hook(kAllWebhookEvents);
    RunAwaitable(this->backend_.webhooks().EnqueueTest(w.id, kNow));
    auto claimed = this->Claim(kNow);
    ASSERT_EQ(claimed.size(), 1u);
    DeliveryOutcome failed;
    failed.status_code = 500;
    failed.error = "status 500";
    failed.now = kNow;
    failed.retry_at = kNow + std::chrono::seconds(5);
    failed.disable_failing_before = kNow - std::chrono::hours(24 * 5);
    this->Settle(claimed[0], failed);
    auto listed = RunAwaitable(this->backend_.webhooks().Deliveries(w.id, 10));
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].status, "pending");
    EXPECT_EQ(listed[0].last_status, 500);
    EXPECT_EQ(listed[0].last_error, "status 500");
    EXPECT_EQ(listed[0].next_attempt_at, kNow + std::chrono::seconds(5));
    EXPECT_TRUE(this->Claim(kNow + std::chrono::seconds(4)).empty());
    EXPECT_EQ(this->Claim(kNow + std::chrono::seconds(5)).size(), 1u);
    auto hook = RunAwaitable(this->backend_.webhooks().Find(w.id));
    ASSERT_TRUE(hook);
    EXPECT_EQ(hook->failing_since, kNow);
    EXPECT_FALSE(hook->disabled_at);
}

TYPED_TEST_P(WebhookContract, GivingUpMarksFailedAndALongFailingStreakDisablesTheWebhook) {
    const Webhook w = this->Hook(kAllWebhookEvents);
    RunAwaitable(this->backend_.webhooks().EnqueueTest(w.id, kNow));
    RunAwaitable(this->backend_.webhooks().EnqueueTest(w.id, kNow));
    auto claimed = this->Claim(kNow);
    ASSERT_EQ(claimed.size(), 2u);
    DeliveryOutcome gave_up;
    gave_up.error = "connect failed";
    gave_up.now = kNow;
    gave_up.disable_failing_before = kNow - std::chrono::hours(1);  // the streak starts now: not yet
    gave_up.disable_reason = "every delivery failed for 5 days";
    this->Settle(claimed[0], gave_up);
    auto hook = RunAwaitable(this->backend_.webhooks().Find(w.id));
    EXPECT_FALSE(hook->disabled_at);
    gave_up.now = kNow + std::chrono::hours(2);
    gave_up.disable_failing_before = kNow + std::chrono::hours(1);
    this->Settle(claimed[1], gave_up);
    hook = RunAwaitable(this->backend_.webhooks().Find(w.id));
    ASSERT_TRUE(hook->disabled_at);
    EXPECT_EQ(hook->disabled_reason, "every delivery failed for 5 days");
    for (const auto& d : RunAwaitable(this->backend_.webhooks().Deliveries(w.id, 10))) {
        EXPECT_EQ(d.status, "failed");
        EXPECT_FALSE(d.next_attempt_at);
    }
    // A disabled webhook gets no new events and its pending deliveries are not claimed; enabling it clears the state.
    EXPECT_FALSE(RunAwaitable(this->backend_.webhooks().AnySubscriber(kLinkClicked)));
    RunAwaitable(this->backend_.webhooks().EnqueueTest(w.id, kNow));
    EXPECT_TRUE(this->Claim(kNow).empty());
    WebhookPatch enable;
    enable.enabled = true;
    enable.updated_at = kNow;
    auto enabled = RunAwaitable(this->backend_.webhooks().Update(w.id, enable));
    ASSERT_TRUE(enabled);
    EXPECT_FALSE(enabled->disabled_at);
    EXPECT_FALSE(enabled->failing_since);
    EXPECT_EQ(this->Claim(kNow).size(), 1u);
}

TYPED_TEST_P(WebhookContract, ConcurrentClaimersNeverGetTheSameDelivery) {
    const Webhook w = this->Hook(kAllWebhookEvents);
    constexpr int kDeliveries = 60;
    for (int i = 0; i < kDeliveries; ++i) RunAwaitable(this->backend_.webhooks().EnqueueTest(w.id, kNow));
    std::mutex mutex;
    std::vector<std::int64_t> ids;
    auto claimer = [&](std::string token) {
        for (;;) {
            auto got = RunAwaitable(this->backend_.webhooks().Claim(kNow, kNow + kLease, 7, token));
            if (got.empty()) return;
            std::lock_guard lock(mutex);
            for (const auto& d : got) ids.push_back(d.id);
        }
    };
    std::thread a(claimer, "a"), b(claimer, "b");
    a.join();
    b.join();
    std::set<std::int64_t> unique(ids.begin(), ids.end());
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(kDeliveries));
    EXPECT_EQ(unique.size(), ids.size()) << "a delivery was claimed twice";
}

TYPED_TEST_P(WebhookContract, ListUpdateAndDelete) {
    auto& hooks = this->backend_.webhooks();
    const Webhook mine = this->Hook(kLinkCreated, 7, false);
    const Webhook theirs = this->Hook(kLinkCreated, 8, false);
    EXPECT_EQ(RunAwaitable(hooks.List(std::optional<std::int64_t>(7))).size(), 1u);
    EXPECT_EQ(RunAwaitable(hooks.List(std::nullopt)).size(), 2u);
    WebhookPatch patch;
    patch.url = "https://other.example/x";
    patch.events = kLinkDeleted | kLinkClicked;
    patch.updated_at = kNow;
    auto updated = RunAwaitable(hooks.Update(mine.id, patch));
    ASSERT_TRUE(updated);
    EXPECT_EQ(updated->url, "https://other.example/x");
    EXPECT_EQ(updated->events, kLinkDeleted | kLinkClicked);
    EXPECT_EQ(updated->updated_at, kNow);
    EXPECT_EQ(updated->secret, mine.secret);
    EXPECT_FALSE(RunAwaitable(hooks.Update(999'999, patch)));
    RunAwaitable(hooks.EnqueueTest(theirs.id, kNow));
    EXPECT_TRUE(RunAwaitable(hooks.Delete(theirs.id)));
    EXPECT_FALSE(RunAwaitable(hooks.Delete(theirs.id)));
    EXPECT_FALSE(RunAwaitable(hooks.Find(theirs.id)));
    EXPECT_TRUE(this->Claim(kNow).empty()) << "its deliveries went with it";
}

REGISTER_TYPED_TEST_SUITE_P(WebhookContract, LinkChangesWriteTheirEventsForSubscribersWhoMaySeeTheLink,
                            AClaimHoldsTheDeliveryUntilItsLeaseRunsOut, AFailedAttemptIsDueAgainAtItsRetryTime,
                            GivingUpMarksFailedAndALongFailingStreakDisablesTheWebhook,
                            ConcurrentClaimersNeverGetTheSameDelivery, ListUpdateAndDelete);

}  // namespace shortener::store::webhook_contract
