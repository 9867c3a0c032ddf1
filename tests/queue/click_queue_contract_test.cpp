// The click-queue contract (queue/click_queue.hpp), run on every adapter: the in-process queue of embedded mode
// and the Redis Streams queue of distributed mode (on a real Redis: SHORTENER_TEST_REDIS_URL). Adapter-specific
// behaviour (journal, claiming, dead letters) stays in the adapter's own suite.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <set>
#include <thread>

#include "queue/in_process/in_process_click_queue.hpp"
#include "queue/redis_streams/redis_stream_click_queue.hpp"
#include "support/fakes.hpp"
#include "support/redis_env.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::queue {
namespace {

using namespace std::chrono_literals;
using testing::RunAwaitable;

// One adapter under test: a producer, a consumer and a way to wait until what was enqueued can be read.
class Harness {
  public:
    virtual ~Harness() = default;
    virtual ClickSink& sink() = 0;
    virtual ClickSource& source() = 0;
    /// Waits until every click handed to the sink is readable by the source.
    virtual bool Flush() = 0;
    /// Closes the consumer side (the worker's stop); Read returns what is left (in-process) or nothing.
    virtual void CloseSource() = 0;
    /// The most clicks one Read(max) may return, as the adapter documents it (ClickSource::Read).
    virtual std::size_t MaxBatch(std::size_t max) const { return max; }
};

class InProcessHarness final : public Harness {
  public:
    InProcessHarness() : queue_(10'000) {}
    ClickSink& sink() override { return queue_; }
    ClickSource& source() override { return queue_; }
    bool Flush() override { return true; }
    void CloseSource() override { queue_.Close(); }

  private:
    InProcessClickQueue queue_;
};

class RedisHarness final : public Harness {
  public:
    explicit RedisHarness(const std::string& url) {
        options_.stream = testing::UniqueName("contract:clicks:");
        options_.dead_letter_stream = options_.stream + ":dead";
        options_.group = options_.stream + ":group";
        client_ = std::make_shared<redis::Client>(io_.context(), redis::ParseRedisUrl(url));
        client_->Start();
        testing::WaitUntil([&] { return client_->Connected(); }, 5s);
        RunAwaitable(EnsureGroup(*client_, options_));
        sink_ = std::make_unique<RedisStreamClickSink>(client_, options_);
        sink_->Start();
        source_ = std::make_unique<RedisStreamClickSource>(client_, options_, "contract");
    }
    ~RedisHarness() override {
        sink_->Stop();
        RunAwaitable(client_->Call({"DEL", options_.stream, options_.dead_letter_stream}));
        client_->Stop();
    }
    ClickSink& sink() override { return *sink_; }
    ClickSource& source() override { return *source_; }
    // An empty buffer means the flusher has taken every click, not that its last XADDs have landed; a read sent
    // before them blocks the shared connection, so they land only after it returned empty (seen under
    // AddressSanitizer). Wait until the stream stops growing too.
    bool Flush() override {
        if (!testing::WaitUntil([&] { return sink_->Stats().depth == 0; }, 5s)) return false;
        auto length = [&] { return RunAwaitable(client_->Call({"XLEN", options_.stream})).integer; };
        auto entries = length();
        for (int i = 0; i < 100; ++i) {
            std::this_thread::sleep_for(50ms);
            const auto now = length();
            if (now == entries) return true;
            entries = now;
        }
        return false;
    }
    void CloseSource() override { source_->Close(); }
    std::size_t MaxBatch(std::size_t max) const override { return RedisStreamClickSource::MaxClicksPerRead(max); }

  private:
    redis::IoThread io_{"redis-contract"};
    RedisStreamOptions options_;
    std::shared_ptr<redis::Client> client_;
    std::unique_ptr<RedisStreamClickSink> sink_;
    std::unique_ptr<RedisStreamClickSource> source_;
};

enum class Adapter { kInProcess, kRedisStreams };

class ClickQueueContract : public ::testing::TestWithParam<Adapter> {
  protected:
    void SetUp() override {
        if (GetParam() == Adapter::kInProcess) {
            harness_ = std::make_unique<InProcessHarness>();
            return;
        }
        SHORTENER_REQUIRE_REDIS(url);
        harness_ = std::make_unique<RedisHarness>(url);
    }

    core::ClickEvent Click(core::LinkId link, std::string_view ua = "Mozilla/5.0 (contract)") {
        core::ClickEvent::Fields f;
        f.client_address = "198.51.100.7";
        f.user_agent = ua;
        f.referer = "https://news.example/item?id=1";
        f.accept_language = "fr-CH, fr;q=0.9";
        f.query = "utm_source=contract";
        f.ch_ua_mobile = "?1";
        f.ch_ua_platform = "\"Android\"";
        f.head_request = link % 3 == 0;
        f.do_not_track = link % 5 == 0;
        const auto at = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.Now());
        return core::ClickEvent::Make(ids_.Next(at), link, at, f);
    }

    // Reads (and acknowledges) until `n` clicks came or nothing arrives for a while.
    std::vector<core::ClickEvent> ReadAll(std::size_t n, std::size_t max = 500) {
        std::vector<core::ClickEvent> all;
        for (int idle = 0; all.size() < n && idle < 20;) {
            auto batch = RunAwaitable(harness_->source().Read(max, 50ms));
            if (batch.empty()) {
                ++idle;
                continue;
            }
            EXPECT_LE(batch.clicks.size(), harness_->MaxBatch(max));
            RunAwaitable(harness_->source().Ack(batch));
            for (auto& c : batch.clicks) all.push_back(std::move(c));
        }
        return all;
    }

    testing::FakeClock clock_{core::FromUnixMillis(1'790'000'000'000)};
    testing::SequenceRandom random_;
    core::EventIdGenerator ids_{random_};
    std::unique_ptr<Harness> harness_;
};

TEST_P(ClickQueueContract, EveryClickIsReadOnceWithEveryField) {
    std::set<std::string> sent;
    auto probe = Click(3);
    const auto probe_id = probe.id.ToString();
    sent.insert(probe_id);
    ASSERT_TRUE(harness_->sink().TryEnqueue(core::ClickEvent(probe)));
    for (int i = 0; i < 2'000; ++i) {
        auto c = Click(1 + i % 11);
        sent.insert(c.id.ToString());
        ASSERT_TRUE(harness_->sink().TryEnqueue(std::move(c)));
    }
    ASSERT_TRUE(harness_->Flush());
    auto got = ReadAll(sent.size());
    std::set<std::string> ids;
    for (const auto& c : got) EXPECT_TRUE(ids.insert(c.id.ToString()).second) << "read twice: " << c.id.ToString();
    EXPECT_EQ(ids, sent);
    auto it = std::find_if(got.begin(), got.end(), [&](const auto& c) { return c.id.ToString() == probe_id; });
    ASSERT_NE(it, got.end());
    EXPECT_EQ(it->link_id, probe.link_id);
    EXPECT_EQ(it->at, probe.at);
    EXPECT_EQ(it->client_address, probe.client_address);
    EXPECT_EQ(it->user_agent, probe.user_agent);
    EXPECT_EQ(it->referer, probe.referer);
    EXPECT_EQ(it->accept_language, probe.accept_language);
    EXPECT_EQ(it->query, probe.query);
    EXPECT_EQ(it->head_request, probe.head_request);
    EXPECT_EQ(it->do_not_track, probe.do_not_track);
}

TEST_P(ClickQueueContract, ReadHonoursItsLimitAndWaitsOnlyAsLongAsAsked) {
    const std::size_t more = harness_->MaxBatch(8) + 30;  // more than one read may return
    for (std::size_t i = 0; i < more; ++i) ASSERT_TRUE(harness_->sink().TryEnqueue(Click(7)));
    ASSERT_TRUE(harness_->Flush());
    auto first = RunAwaitable(harness_->source().Read(8, 500ms));
    EXPECT_FALSE(first.empty());
    EXPECT_LE(first.clicks.size(), harness_->MaxBatch(8));
    RunAwaitable(harness_->source().Ack(first));
    auto got = ReadAll(more - first.clicks.size(), 8);
    EXPECT_EQ(got.size() + first.clicks.size(), more);
    auto started = std::chrono::steady_clock::now();
    auto empty = RunAwaitable(harness_->source().Read(100, 100ms));
    auto waited = std::chrono::steady_clock::now() - started;
    EXPECT_TRUE(empty.empty());
    EXPECT_GE(waited, 50ms) << "an empty queue is waited on, not spun";
    EXPECT_LT(waited, 3s);
}

TEST_P(ClickQueueContract, ClosedAndReadToTheEndIsDrained) {
    EXPECT_FALSE(harness_->source().Drained());
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(harness_->sink().TryEnqueue(Click(2)));
    ASSERT_TRUE(harness_->Flush());
    auto got = ReadAll(5);
    EXPECT_EQ(got.size(), 5u);
    harness_->CloseSource();
    EXPECT_TRUE(RunAwaitable(harness_->source().Read(100, 10ms)).empty());
    EXPECT_TRUE(harness_->source().Drained());
}

TEST_P(ClickQueueContract, ProducersOnManyThreadsLoseNothing) {
    constexpr int kThreads = 4, kEach = 500;
    std::vector<std::vector<core::ClickEvent>> made(kThreads);
    std::set<std::string> sent;
    for (int t = 0; t < kThreads; ++t) {
        for (int i = 0; i < kEach; ++i) {
            made[t].push_back(Click(100 + t));
            sent.insert(made[t].back().id.ToString());
        }
    }
    std::vector<std::thread> producers;
    for (int t = 0; t < kThreads; ++t) {
        producers.emplace_back([&, t] {
            for (auto& c : made[t]) EXPECT_TRUE(harness_->sink().TryEnqueue(std::move(c)));
        });
    }
    for (auto& p : producers) p.join();
    ASSERT_TRUE(harness_->Flush());
    std::set<std::string> got;
    for (const auto& c : ReadAll(sent.size())) got.insert(c.id.ToString());
    EXPECT_EQ(got, sent);
}

INSTANTIATE_TEST_SUITE_P(Adapters, ClickQueueContract, ::testing::Values(Adapter::kInProcess, Adapter::kRedisStreams),
                         [](const auto& info) {
                             return info.param == Adapter::kInProcess ? "InProcess" : "RedisStreams";
                         });

}  // namespace
}  // namespace shortener::queue
