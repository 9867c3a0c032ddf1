#pragma once
// The LinkHealthStore contract (new links seeded spread out, claims with leases, broken after N failures, recovery,
// the link.broken outbox row, the list's broken filter): one typed suite, instantiated over SQLite
// (sqlite_store_test.cpp) and PostgreSQL (postgres_store_pgtest.cpp).
//
// A backend type B provides: void Open(); void Close(); LinkStore& links(); WebhookStore& webhooks();
// LinkHealthStore& health().

#include <gtest/gtest.h>

#include <set>

#include "store/link_health_store.hpp"
#include "store/link_store.hpp"
#include "store/webhook_store.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::store::link_health_contract {

using shortener::testing::RunAwaitable;
using std::chrono::milliseconds;

inline const core::TimePoint kT0 = core::FromUnixMillis(1'800'000'000'000);

template <class B>
class LinkHealthContract : public ::testing::Test {
  protected:
    void SetUp() override { backend_.Open(); }
    void TearDown() override { backend_.Close(); }

    core::Link MakeLink(std::string slug) {
        core::NewLink l;
        l.slug = std::move(slug);
        l.long_url = "https://example.com/" + l.slug;
        l.created_at = core::FromUnixMillis(1'700'000'000'000);
        return RunAwaitable(backend_.links().Create(l)).value();
    }
    std::vector<DueLink> Claim(core::TimePoint now, std::size_t limit = 100, milliseconds spread = milliseconds(1)) {
        return RunAwaitable(backend_.health().ClaimDue(now, now + std::chrono::seconds(60), spread, limit));
    }
    bool Record(core::LinkId id, bool ok, core::TimePoint at, int threshold = 3) {
        HealthCheckResult r;
        r.link_id = id;
        r.ok = ok;
        r.status_code = ok ? 200 : 404;
        r.final_url = "https://example.com/final";
        r.error = ok ? "" : "status 404";
        r.checked_at = at;
        r.duration_ms = 12;
        r.next_check_at = at + std::chrono::hours(24);
        r.fail_threshold = threshold;
        return RunAwaitable(backend_.health().Record(r));
    }
    LinkHealth HealthOf(core::LinkId id) {
        const std::vector<core::LinkId> ids{id};
        auto rows = RunAwaitable(backend_.health().Find(ids));
        EXPECT_EQ(rows.size(), 1U);
        return rows.empty() ? LinkHealth{} : rows.front();
    }

    B backend_;
};

TYPED_TEST_SUITE_P(LinkHealthContract);

TYPED_TEST_P(LinkHealthContract, NewLinksAreSeededWithinTheSpreadAndClaimedOnceDue) {
    const core::Link a = this->MakeLink("h-a");
    const core::Link b = this->MakeLink("h-b");
    // Seeded due within one hour from kT0: nothing is due yet at kT0 - 1 ms... but at kT0 + 1 h both are.
    auto first = this->Claim(kT0, 100, std::chrono::hours(1));
    for (const auto& d : first) EXPECT_TRUE(d.link_id == a.id || d.link_id == b.id);
    const std::vector<core::LinkId> ids{a.id, b.id};
    auto rows = RunAwaitable(this->backend_.health().Find(ids));
    ASSERT_EQ(rows.size(), 2U);
    for (const auto& h : rows) {
        EXPECT_EQ(h.status, "unknown");
        EXPECT_FALSE(h.last_checked_at);
        EXPECT_GE(h.next_check_at, kT0);
        EXPECT_LE(h.next_check_at, kT0 + std::chrono::hours(1) + std::chrono::seconds(60));
    }
    auto later = this->Claim(kT0 + std::chrono::hours(2));
    EXPECT_EQ(first.size() + later.size(), 2U);
    for (const auto& d : later)
        EXPECT_EQ(d.url, "https://example.com/" + std::string(d.link_id == a.id ? "h-a" : "h-b"));
}

TYPED_TEST_P(LinkHealthContract, AClaimedLinkIsHeldUntilTheLeaseEnds) {
    const core::Link a = this->MakeLink("h-lease");
    ASSERT_EQ(this->Claim(kT0).size(), 1U);
    EXPECT_TRUE(this->Claim(kT0 + std::chrono::seconds(30)).empty());  // leased until kT0 + 60 s
    auto again = this->Claim(kT0 + std::chrono::seconds(61));          // its checker died: claimed again
    ASSERT_EQ(again.size(), 1U);
    EXPECT_EQ(again[0].link_id, a.id);
}

TYPED_TEST_P(LinkHealthContract, DeletedAndDisabledLinksAreNotClaimed) {
    this->MakeLink("h-del");
    this->MakeLink("h-off");
    ASSERT_TRUE(RunAwaitable(this->backend_.links().Delete("h-del", kT0)));
    core::LinkPatch off;
    off.disabled = true;
    off.updated_at = kT0;
    ASSERT_TRUE(RunAwaitable(this->backend_.links().Update("h-off", off)));
    EXPECT_TRUE(this->Claim(kT0 + std::chrono::hours(1)).empty());
}

TYPED_TEST_P(LinkHealthContract, BrokenAfterNFailuresInARowAndOneSuccessResets) {
    const core::Link a = this->MakeLink("h-broken");
    EXPECT_FALSE(this->Record(a.id, false, kT0));
    EXPECT_FALSE(this->Record(a.id, false, kT0 + milliseconds(1)));
    EXPECT_EQ(this->HealthOf(a.id).status, "unknown");
    EXPECT_EQ(this->HealthOf(a.id).consecutive_failures, 2);
    EXPECT_TRUE(this->Record(a.id, false, kT0 + milliseconds(2)));   // the third: turns broken
    EXPECT_FALSE(this->Record(a.id, false, kT0 + milliseconds(3)));  // already broken: not again
    LinkHealth h = this->HealthOf(a.id);
    EXPECT_EQ(h.status, "broken");
    EXPECT_EQ(h.consecutive_failures, 4);
    EXPECT_EQ(h.last_status_code, 404);
    EXPECT_EQ(h.last_error, "status 404");
    EXPECT_EQ(h.last_final_url, "https://example.com/final");
    EXPECT_EQ(h.last_duration_ms, 12);
    EXPECT_EQ(h.last_checked_at, kT0 + milliseconds(3));
    EXPECT_EQ(h.next_check_at, kT0 + milliseconds(3) + std::chrono::hours(24));

    EXPECT_FALSE(this->Record(a.id, true, kT0 + milliseconds(4)));
    h = this->HealthOf(a.id);
    EXPECT_EQ(h.status, "ok");
    EXPECT_EQ(h.consecutive_failures, 0);
    EXPECT_EQ(h.last_error, "");
}

TYPED_TEST_P(LinkHealthContract, TurningBrokenWritesALinkBrokenEventForSubscribers) {
    Webhook w;
    w.all_links = true;
    w.url = "https://hooks.example/in";
    w.events = kLinkBroken;
    w.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    w.created_at = core::FromUnixMillis(1'700'000'000'000);
    const Webhook hook = RunAwaitable(this->backend_.webhooks().Create(w));
    const core::Link a = this->MakeLink("h-event");
    EXPECT_TRUE(this->Record(a.id, false, kT0, 1));
    EXPECT_FALSE(this->Record(a.id, false, kT0 + milliseconds(1), 1));
    auto claimed = RunAwaitable(
        this->backend_.webhooks().Claim(kT0 + std::chrono::hours(1), kT0 + std::chrono::hours(2), 100, "t"));
    ASSERT_EQ(claimed.size(), 1U);  // link.created is not subscribed; link.broken once
    EXPECT_EQ(claimed[0].webhook_id, hook.id);
    EXPECT_EQ(claimed[0].event, "link.broken");
    EXPECT_NE(claimed[0].payload.find("\"h-event\""), std::string::npos);
}

TYPED_TEST_P(LinkHealthContract, TheListFiltersByBroken) {
    const core::Link good = this->MakeLink("h-good");
    const core::Link bad = this->MakeLink("h-bad");
    this->MakeLink("h-unchecked");
    this->Record(good.id, true, kT0);
    this->Record(bad.id, false, kT0, 1);
    ListQuery q;
    q.broken = true;
    auto page = RunAwaitable(this->backend_.links().List(q));
    ASSERT_EQ(page.items.size(), 1U);
    EXPECT_EQ(page.items[0].slug, "h-bad");
    q.broken = false;
    page = RunAwaitable(this->backend_.links().List(q));
    std::set<std::string> slugs;
    for (const auto& l : page.items) slugs.insert(l.slug);
    EXPECT_EQ(slugs, (std::set<std::string>{"h-good", "h-unchecked"}));
    q.broken.reset();
    EXPECT_EQ(RunAwaitable(this->backend_.links().List(q)).items.size(), 3U);
}

// One request per host at a time across workers: a host's lease has one holder until it expires or is given back.
TYPED_TEST_P(LinkHealthContract, AHostLeaseHasOneHolderUntilItExpiresOrIsGivenBack) {
    auto& h = this->backend_.health();
    const auto lease = [&](std::string host, std::string holder, core::TimePoint now) {
        return RunAwaitable(h.LeaseHost(std::move(host), std::move(holder), now, now + std::chrono::seconds(30)));
    };
    const auto release = [&](std::string host, std::string holder) {
        RunAwaitable(h.ReleaseHost(std::move(host), std::move(holder)));
    };
    EXPECT_TRUE(lease("example.com", "worker-a", kT0));
    EXPECT_FALSE(lease("example.com", "worker-b", kT0 + std::chrono::seconds(1)));  // a's is current
    EXPECT_TRUE(lease("example.org", "worker-b", kT0));                             // another host: free
    EXPECT_TRUE(lease("example.com", "worker-a", kT0 + std::chrono::seconds(20)));  // a extends its own (to +50 s)
    EXPECT_FALSE(lease("example.com", "worker-b", kT0 + std::chrono::seconds(40)));
    EXPECT_TRUE(lease("example.com", "worker-b", kT0 + std::chrono::seconds(50)));  // expired: a died; b takes over
    release("example.com", "worker-a");                                             // not a's any more: no effect
    EXPECT_FALSE(lease("example.com", "worker-a", kT0 + std::chrono::seconds(51)));
    release("example.com", "worker-b");
    EXPECT_TRUE(lease("example.com", "worker-a", kT0 + std::chrono::seconds(52)));  // given back: free at once
}

REGISTER_TYPED_TEST_SUITE_P(LinkHealthContract, NewLinksAreSeededWithinTheSpreadAndClaimedOnceDue,
                            AClaimedLinkIsHeldUntilTheLeaseEnds, DeletedAndDisabledLinksAreNotClaimed,
                            BrokenAfterNFailuresInARowAndOneSuccessResets,
                            TurningBrokenWritesALinkBrokenEventForSubscribers, TheListFiltersByBroken,
                            AHostLeaseHasOneHolderUntilItExpiresOrIsGivenBack);

}  // namespace shortener::store::link_health_contract
