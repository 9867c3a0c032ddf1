// The click worker's loop (app/worker.hpp) with fakes: it enriches each click (an enricher failure leaves
// dimensions unknown, never drops the click), stores the batch, acknowledges only what is stored, retries a
// failing store with backoff without acknowledging, gives up on stop, and ends when the source is drained.

#include "app/worker.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <set>
#include <stdexcept>

#include "support/fakes.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::app {
namespace {

using namespace std::chrono_literals;
using testing::RunAwaitable;

// Hands out scripted batches, records acknowledgements; drained once every batch was read and it is closed.
class ScriptedSource final : public queue::ClickSource {
  public:
    void Add(std::vector<core::ClickEvent> clicks) {
        queue::ClickBatch b;
        for (std::size_t i = 0; i < clicks.size(); ++i) b.tokens.push_back("t" + std::to_string(next_token_++));
        b.clicks = std::move(clicks);
        batches_.push_back(std::move(b));
    }
    queue::Task<queue::ClickBatch> Read(std::size_t max, std::chrono::milliseconds) override {
        ++reads;
        if (batches_.empty()) {
            closed = true;  // the script is over: behave as a closed queue
            co_return queue::ClickBatch{};
        }
        auto b = std::move(batches_.front());
        batches_.pop_front();
        EXPECT_LE(b.clicks.size(), max);
        co_return b;
    }
    queue::Task<void> Ack(const queue::ClickBatch& batch) override {
        for (const auto& t : batch.tokens) acked.push_back(t);
        co_return;
    }
    bool Drained() const noexcept override { return closed && batches_.empty(); }

    std::vector<std::string> acked;
    int reads = 0;
    bool closed = false;

  private:
    std::deque<queue::ClickBatch> batches_;
    int next_token_ = 0;
};

// Labels each click with its user agent; throws for the user agent "boom".
class FakeEnricher final : public core::ClickEnricher {
  public:
    core::ClickDimensions Enrich(const core::ClickEvent& click) override {
        if (click.user_agent == "boom") throw std::runtime_error("enricher failed");
        core::ClickDimensions d;
        d.browser = click.user_agent;
        d.country_code = "CH";
        return d;
    }
};

// Fails the first `failures` calls, then stores; skips event ids it has seen (idempotent, like the real stores).
class FlakyClickStore final : public store::ClickStore {
  public:
    store::Task<std::size_t> Record(std::span<const core::EnrichedClick> clicks) override {
        ++calls;
        if (failures > 0) {
            --failures;
            throw std::runtime_error("database unreachable");
        }
        std::size_t added = 0;
        for (const auto& c : clicks) {
            if (ids_.insert(c.event.id.ToString()).second) {
                stored.push_back(c);
                ++added;
            }
        }
        co_return added;
    }
    int failures = 0;
    int calls = 0;
    std::vector<core::EnrichedClick> stored;

  private:
    std::set<std::string> ids_;
};

class WorkerTest : public ::testing::Test {
  protected:
    core::ClickEvent Click(std::string_view ua, core::LinkId link = 1) {
        core::ClickEvent::Fields f;
        f.user_agent = ua;
        clock_.Advance(1ms);
        const auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.Now());
        return core::ClickEvent::Make(ids_.Next(at), link, at, f);
    }
    void Run() { RunAwaitable(RunClickWorker(source_, enricher_, store_, probe_, options_, stop_)); }

    testing::FakeClock clock_;
    testing::SequenceRandom random_;
    core::EventIdGenerator ids_{random_};
    ScriptedSource source_;
    FakeEnricher enricher_;
    FlakyClickStore store_;
    metrics::Registry registry_;
    WorkerProbe probe_{registry_};
    WorkerOptions options_{.batch_size = 100, .read_wait = 1ms, .max_backoff = 20ms};
    std::atomic<bool> stop_{false};
};

TEST_F(WorkerTest, EnrichesStoresAndAcknowledgesEveryBatch) {
    source_.Add({Click("Firefox"), Click("Safari", 2)});
    source_.Add({Click("Chrome", 3)});
    Run();
    ASSERT_EQ(store_.stored.size(), 3u);
    EXPECT_EQ(store_.stored[0].dimensions.browser, "Firefox");
    EXPECT_EQ(store_.stored[1].event.link_id, 2);
    EXPECT_EQ(store_.stored[2].dimensions.country_code, "CH");
    EXPECT_EQ(source_.acked, (std::vector<std::string>{"t0", "t1", "t2"}));
    EXPECT_EQ(probe_.clicks_stored.Value(), 3);
    EXPECT_EQ(probe_.batch_failures.Value(), 0);
}

TEST_F(WorkerTest, AnEnricherFailureKeepsTheClickWithUnknownDimensions) {
    source_.Add({Click("boom"), Click("Firefox")});
    Run();
    ASSERT_EQ(store_.stored.size(), 2u);
    EXPECT_EQ(store_.stored[0].event.user_agent, "boom");
    EXPECT_TRUE(store_.stored[0].dimensions.browser.empty());
    EXPECT_TRUE(store_.stored[0].dimensions.country_code.empty());
    EXPECT_EQ(store_.stored[1].dimensions.browser, "Firefox");
}

TEST_F(WorkerTest, RetriesAFailingStoreAndAcknowledgesOnlyOnceStored) {
    store_.failures = 3;
    source_.Add({Click("Firefox"), Click("Safari")});
    Run();
    EXPECT_EQ(store_.calls, 4);
    EXPECT_EQ(store_.stored.size(), 2u);
    EXPECT_EQ(source_.acked.size(), 2u);
    EXPECT_EQ(probe_.batch_failures.Value(), 3);
}

TEST_F(WorkerTest, CountsRedeliveredClicksAsDuplicatesNotAsStored) {
    auto a = Click("Firefox");
    source_.Add({a, Click("Safari")});
    source_.Add({a});  // delivered again (at-least-once queue)
    Run();
    EXPECT_EQ(store_.stored.size(), 2u);
    EXPECT_EQ(probe_.clicks_stored.Value(), 2);
    EXPECT_EQ(probe_.clicks_duplicate.Value(), 1);
    EXPECT_EQ(source_.acked.size(), 3u) << "the duplicate is acknowledged too";
}

TEST_F(WorkerTest, GivesUpOnStopWithoutAcknowledging) {
    store_.failures = 1'000'000;
    stop_.store(true);
    source_.Add({Click("Firefox")});
    source_.Add({Click("Safari")});
    Run();
    EXPECT_EQ(store_.calls, 1);
    EXPECT_TRUE(source_.acked.empty()) << "an unstored batch stays unacknowledged, for another worker";
    EXPECT_TRUE(store_.stored.empty());
}

TEST_F(WorkerTest, EndsWhenTheSourceIsDrained) {
    Run();
    EXPECT_TRUE(source_.Drained());
    EXPECT_EQ(store_.calls, 0);
    EXPECT_EQ(source_.reads, 1);
}

}  // namespace
}  // namespace shortener::app
