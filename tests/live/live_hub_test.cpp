// LiveHub: fan-out, the bounded per-subscriber queue (a slow subscriber is dropped), Last-Event-ID resume
// from the ring (gaps and too-old ids re-snapshot), wake-ups across threads, and the transport encoding.

#include <gtest/gtest.h>

#include <boost/asio/this_coro.hpp>
#include <thread>

#include "live/broadcaster.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::live {
namespace {

using shortener::testing::RunAwaitable;
using namespace std::chrono_literals;

LiveEvent Event(core::LinkId link, std::int64_t prev, std::int64_t id) {
    return LiveEvent{link, id, prev, "{\"n\":" + std::to_string(id) + "}"};
}

// The worker builds events only for watched links: subscribed, or left within the resume window, or any link
// while an overview stream is open.
TEST(LiveHub, WatchedLinksAreSubscribedOrRecentlyLeftOrAllWithAnOverview) {
    RunAwaitable([]() -> boost::asio::awaitable<void> {
        auto ex = co_await boost::asio::this_coro::executor;
        LiveHub hub;  // default window: minutes
        EXPECT_FALSE(hub.Watched(1));
        auto one = hub.Subscribe(1, ex);
        EXPECT_TRUE(hub.Watched(1));
        EXPECT_FALSE(hub.Watched(2));
        one.reset();
        EXPECT_TRUE(hub.Watched(1)) << "a reconnect within the window resumes from the ring";
        {
            auto all = hub.Subscribe(0, ex);
            EXPECT_TRUE(hub.Watched(2));
        }
        EXPECT_FALSE(hub.Watched(2));

        LiveHub no_window(HubOptions{.resume_window = 0ms});
        auto s = no_window.Subscribe(7, ex);
        EXPECT_TRUE(no_window.Watched(7));
        s.reset();
        EXPECT_FALSE(no_window.Watched(7));
        InProcessBroadcaster broadcaster;
        EXPECT_FALSE(broadcaster.Watched(3));
        auto t = broadcaster.hub().Subscribe(3, ex);
        EXPECT_TRUE(broadcaster.Watched(3));
    }());
}

TEST(LiveHub, DeliversToLinkAndOverviewSubscribers) {
    RunAwaitable([]() -> boost::asio::awaitable<void> {
        LiveHub hub;
        auto ex = co_await boost::asio::this_coro::executor;
        auto one = hub.Subscribe(1, ex);
        auto other = hub.Subscribe(2, ex);
        auto all = hub.Subscribe(0, ex);
        EXPECT_EQ(hub.Subscribers(), 3u);
        hub.Deliver(Event(1, 0, 2));
        auto a = co_await one->Next(10ms);
        auto b = co_await other->Next(10ms);
        auto c = co_await all->Next(10ms);
        EXPECT_TRUE(a && a->size() == 1 && (*a)[0].id == 2);
        EXPECT_TRUE(b && b->empty());
        EXPECT_TRUE(c && c->size() == 1);
        other.reset();
        EXPECT_EQ(hub.Subscribers(), 2u);
    }());
}

TEST(LiveHub, SlowSubscriberIsDroppedNotBuffered) {
    RunAwaitable([]() -> boost::asio::awaitable<void> {
        LiveHub hub(HubOptions{.queue_capacity = 4});
        auto ex = co_await boost::asio::this_coro::executor;
        auto slow = hub.Subscribe(1, ex);
        for (int i = 0; i < 10; ++i) hub.Deliver(Event(1, i, i + 1));
        auto r = co_await slow->Next(10ms);
        EXPECT_FALSE(r);  // dropped
        EXPECT_EQ(hub.Dropped(), 1u);
    }());
}

TEST(LiveHub, ResumesFromTheRingOrAsksForASnapshot) {
    LiveHub hub(HubOptions{.ring_size = 3});
    hub.Deliver(Event(1, 0, 2));
    hub.Deliver(Event(1, 2, 5));
    hub.Deliver(Event(1, 5, 6));
    auto since2 = hub.Since(1, 2);
    ASSERT_TRUE(since2);
    ASSERT_EQ(since2->size(), 2u);
    EXPECT_EQ((*since2)[0].id, 5);
    EXPECT_EQ((*since2)[1].id, 6);
    EXPECT_TRUE(hub.Since(1, 6) && hub.Since(1, 6)->empty());
    hub.Deliver(Event(1, 6, 7));    // the ring now starts at prev 2
    EXPECT_FALSE(hub.Since(1, 1));  // older than the ring
    hub.Deliver(Event(1, 9, 10));   // a gap (7 → 9: an event missed)
    EXPECT_FALSE(hub.Since(1, 6));
}

TEST(LiveHub, WakesAWaitingSubscriberFromAnotherThread) {
    LiveHub hub;
    RunAwaitable([&]() -> boost::asio::awaitable<void> {
        auto ex = co_await boost::asio::this_coro::executor;
        auto sub = hub.Subscribe(7, ex);
        std::thread publisher([&] {
            std::this_thread::sleep_for(20ms);
            hub.Deliver(Event(7, 0, 1));
        });
        auto started = std::chrono::steady_clock::now();
        auto r = co_await sub->Next(5s);
        publisher.join();
        EXPECT_TRUE(r && r->size() == 1);
        EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
    }());
}

TEST(LiveEvents, EncodeDecodeRoundTrip) {
    LiveEvent e{42, 1000, 990, "{\"a\":\"x\\ny\"}\n"};
    auto d = DecodeEvent(EncodeEvent(e));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->link_id, 42);
    EXPECT_EQ(d->id, 1000);
    EXPECT_EQ(d->prev, 990);
    EXPECT_EQ(d->data, e.data);
    EXPECT_FALSE(DecodeEvent("garbage"));
}

}  // namespace
}  // namespace shortener::live
