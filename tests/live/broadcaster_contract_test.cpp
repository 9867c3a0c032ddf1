// The broadcaster contract (live/broadcaster.hpp), run on every adapter: what one side publishes reaches the
// subscribers of every API instance's hub, per link and on the overview, in order, with ids and data intact.
// Adapters: InProcessBroadcaster (embedded) and RedisBroadcaster (distributed; a publishing "worker" instance and
// two subscribing "replica" instances on a real Redis: SHORTENER_TEST_REDIS_URL).

#include <gtest/gtest.h>

#include <boost/asio/this_coro.hpp>
#include <memory>
#include <thread>

#include "live/broadcaster.hpp"
#include "live/redis_pubsub/redis_broadcaster.hpp"
#include "support/fakes.hpp"
#include "support/redis_env.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::live {
namespace {

using namespace std::chrono_literals;
using testing::RunAwaitable;

// One adapter: where events are published, and the hubs (one per API instance) that must receive them.
class Harness {
  public:
    virtual ~Harness() = default;
    virtual Broadcaster& publisher() = 0;
    virtual std::vector<LiveHub*> hubs() = 0;
    /// Waits until every instance listens (pub/sub drops what is published before a subscription exists).
    virtual bool Ready() { return true; }
};

class InProcessHarness final : public Harness {
  public:
    Broadcaster& publisher() override { return broadcaster_; }
    std::vector<LiveHub*> hubs() override { return {&broadcaster_.hub()}; }

  private:
    InProcessBroadcaster broadcaster_;
};

class RedisHarness final : public Harness {
  public:
    explicit RedisHarness(const std::string& url) : channel_(testing::UniqueName("contract:live:")) {
        auto options = redis::ParseRedisUrl(url);
        publisher_client_ = std::make_shared<redis::Client>(io_.context(), options);
        worker_ = std::make_unique<RedisBroadcaster>(publisher_client_, nullptr, channel_);
        for (int i = 0; i < 2; ++i) {
            auto client = std::make_shared<redis::Client>(io_.context(), options);
            replicas_.push_back(std::make_unique<RedisBroadcaster>(nullptr, client, channel_));
            subscribers_.push_back(client);
        }
        publisher_client_->Start();
        for (auto& s : subscribers_) s->Start();
    }
    ~RedisHarness() override {
        publisher_client_->Stop();
        for (auto& s : subscribers_) s->Stop();
    }
    Broadcaster& publisher() override { return *worker_; }
    std::vector<LiveHub*> hubs() override { return {&replicas_[0]->hub(), &replicas_[1]->hub()}; }
    bool Ready() override {
        return testing::WaitUntil(
            [&] {
                if (!publisher_client_->Connected()) return false;
                auto reply = RunAwaitable(publisher_client_->Call({"PUBSUB", "NUMSUB", channel_}));
                return reply.elements.size() == 2 && reply.elements[1].integer >= 2;
            },
            5s);
    }

  private:
    redis::IoThread io_{"redis-live-contract"};
    std::string channel_;
    std::shared_ptr<redis::Client> publisher_client_;
    std::vector<std::shared_ptr<redis::Client>> subscribers_;
    std::unique_ptr<RedisBroadcaster> worker_;
    std::vector<std::unique_ptr<RedisBroadcaster>> replicas_;
};

enum class Adapter { kInProcess, kRedisPubSub };

class BroadcasterContract : public ::testing::TestWithParam<Adapter> {
  protected:
    void SetUp() override {
        if (GetParam() == Adapter::kInProcess) {
            harness_ = std::make_unique<InProcessHarness>();
        } else {
            SHORTENER_REQUIRE_REDIS(url);
            harness_ = std::make_unique<RedisHarness>(url);
        }
        ASSERT_TRUE(harness_->Ready());
    }

    // Collects events from `sub` until `n` arrived or 3 s passed.
    static boost::asio::awaitable<std::vector<LiveEvent>> Collect(Subscription& sub, std::size_t n) {
        std::vector<LiveEvent> got;
        auto end = std::chrono::steady_clock::now() + 3s;
        while (got.size() < n && std::chrono::steady_clock::now() < end) {
            auto batch = co_await sub.Next(100ms);
            if (!batch) break;  // dropped
            for (auto& e : *batch) got.push_back(std::move(e));
        }
        co_return got;
    }

    std::unique_ptr<Harness> harness_;
};

TEST_P(BroadcasterContract, EveryInstanceGetsEachLinksEventsInOrderWithTheirData) {
    RunAwaitable([&]() -> boost::asio::awaitable<void> {
        auto ex = co_await boost::asio::this_coro::executor;
        struct Subscribers {
            std::unique_ptr<Subscription> link, overview, other;
        };
        std::vector<Subscribers> subs;
        for (LiveHub* hub : harness_->hubs()) {
            subs.push_back({hub->Subscribe(11, ex), hub->Subscribe(0, ex), hub->Subscribe(12, ex)});
        }
        auto data = [](int n) { return "{\"total\":" + std::to_string(n) + ",\"s\":\"a\\nb\"}"; };
        // Published from another thread, as the worker does.
        std::thread worker([&] {
            for (int i = 0; i < 20; ++i) harness_->publisher().Publish(LiveEvent{11, i + 1, i, data(i + 1)});
        });
        for (std::size_t h = 0; h < subs.size(); ++h) {
            auto got = co_await Collect(*subs[h].link, 20);
            auto all = co_await Collect(*subs[h].overview, 20);
            EXPECT_EQ(got.size(), 20u) << "instance " << h;
            EXPECT_EQ(all.size(), 20u) << "instance " << h;
            for (std::size_t i = 0; i < got.size(); ++i) {
                EXPECT_EQ(got[i].link_id, 11);
                EXPECT_EQ(got[i].id, static_cast<std::int64_t>(i + 1)) << "in publication order";
                EXPECT_EQ(got[i].prev, static_cast<std::int64_t>(i));
                EXPECT_EQ(got[i].data, data(static_cast<int>(i + 1)));
            }
            auto none = co_await subs[h].other->Next(50ms);
            EXPECT_TRUE(none && none->empty()) << "another link's subscriber hears nothing";
            // Every instance keeps the events for Last-Event-ID resume.
            auto since = harness_->hubs()[h]->Since(11, 15);
            EXPECT_TRUE(since && since->size() == 5);
        }
        worker.join();
    }());
}

TEST_P(BroadcasterContract, PublishNeverWaitsForSubscribers) {
    RunAwaitable([&]() -> boost::asio::awaitable<void> {
        auto ex = co_await boost::asio::this_coro::executor;
        auto sleeping = harness_->hubs()[0]->Subscribe(5, ex);  // never reads
        auto started = std::chrono::steady_clock::now();
        for (int i = 0; i < 5'000; ++i) harness_->publisher().Publish(LiveEvent{5, i + 1, i, "{}"});
        EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
        co_return;
    }());
}

INSTANTIATE_TEST_SUITE_P(Adapters, BroadcasterContract, ::testing::Values(Adapter::kInProcess, Adapter::kRedisPubSub),
                         [](const auto& info) {
                             return info.param == Adapter::kInProcess ? "InProcess" : "RedisPubSub";
                         });

}  // namespace
}  // namespace shortener::live
