#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include "queue/redis_streams/click_codec.hpp"
#include "queue/redis_streams/redis_stream_click_queue.hpp"
#include "support/fakes.hpp"
#include "support/redis_env.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::queue {
namespace {

using namespace std::chrono_literals;
using testing::RunAwaitable;
using testing::SequenceRandom;
using testing::TempDir;
using testing::WaitUntil;

core::ClickEvent MakeClick(core::EventIdGenerator& ids, core::LinkId link, std::string ua = "UA/1.0") {
    auto at = core::FromUnixMillis(1'790'000'000'123);
    core::ClickEvent::Fields f;
    f.user_agent = ua;
    f.client_address = "203.0.113.9";
    f.referer = "https://ref.example/";
    f.accept_language = "de-CH,de;q=0.9";
    f.query = "utm_source=x";
    f.head_request = link % 2 == 0;
    f.do_not_track = link % 2 == 0;
    f.link_query = "utm_medium=email&utm_campaign=spring";
    f.preview = link % 2 == 0;
    f.route = "variant:1";  // a routed link's click (issue #17)
    f.destination = "https://b.example/?x=1";
    return core::ClickEvent::Make(ids.Next(at), link, at, f);
}

TEST(ClickCodec, RoundTripsEveryField) {
    SequenceRandom random;
    core::EventIdGenerator ids(random);
    auto click = MakeClick(ids, 4);
    auto decoded = DecodeClick(EncodeClick(click));
    auto* c = std::get_if<core::ClickEvent>(&decoded);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->id, click.id);
    EXPECT_EQ(c->link_id, 4);
    EXPECT_EQ(c->at, click.at);
    EXPECT_EQ(c->client_address, click.client_address);
    EXPECT_EQ(c->user_agent, click.user_agent);
    EXPECT_EQ(c->referer, click.referer);
    EXPECT_EQ(c->accept_language, click.accept_language);
    EXPECT_EQ(c->query, click.query);
    EXPECT_TRUE(c->head_request);
    EXPECT_TRUE(c->do_not_track);
    EXPECT_EQ(c->link_query, click.link_query);
    EXPECT_TRUE(c->preview);
    EXPECT_EQ(c->route, "variant:1");
    EXPECT_EQ(c->destination, "https://b.example/?x=1");
    auto odd = DecodeClick(EncodeClick(MakeClick(ids, 5)));
    EXPECT_FALSE(std::get<core::ClickEvent>(odd).preview);
}

TEST(ClickCodec, RejectsMalformedEntriesWithAReason) {
    EXPECT_TRUE(std::holds_alternative<std::string>(DecodeClick({"v", "9"})));
    EXPECT_TRUE(std::holds_alternative<std::string>(DecodeClick({"v", "1", "id", "nope", "l", "1", "t", "1"})));
    EXPECT_TRUE(std::holds_alternative<std::string>(DecodeClick({"v", "1"})));
    EXPECT_TRUE(std::holds_alternative<std::string>(DecodeClick({"v"})));
}

TEST(ClickCodec, EntriesCarryManyClicksAndReportBadOnes) {
    SequenceRandom random;
    core::EventIdGenerator ids(random);
    std::vector<std::vector<std::string>> clicks{
        EncodeClick(MakeClick(ids, 1)), {"v", "1", "id", "x"}, EncodeClick(MakeClick(ids, 2))};
    auto decoded = DecodeEntry(EncodeEntry(clicks));
    ASSERT_EQ(decoded.clicks.size(), 2u);
    EXPECT_EQ(decoded.clicks[1].link_id, 2);
    ASSERT_EQ(decoded.malformed.size(), 1u);
    EXPECT_EQ(decoded.malformed[0].first, "bad or missing event id");
    auto torn = EncodeEntry(clicks);
    torn[5].resize(torn[5].size() - 3);
    auto partial = DecodeEntry(torn);
    EXPECT_EQ(partial.clicks.size(), 1u);
    EXPECT_EQ(partial.malformed.size(), 2u);  // the bad click and the truncation
    EXPECT_EQ(DecodeEntry(EncodeClick(MakeClick(ids, 3))).clicks.size(), 1u) << "version 1 entries still read";
}

TEST(ClickCodec, JournalRecordsSurviveATornTail) {
    std::string data;
    AppendRecord(data, {"a", "b"});
    AppendRecord(data, {"c", std::string(300, 'x')});
    data.resize(data.size() - 5);  // crash in the middle of the second write
    std::size_t pos = 0;
    std::vector<std::string> fields;
    ASSERT_TRUE(ReadRecord(data, pos, fields));
    EXPECT_EQ(fields, (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(ReadRecord(data, pos, fields));
}

struct Fixture {
    explicit Fixture(const std::string& url) {
        options.stream = testing::UniqueName("test:clicks:");
        options.dead_letter_stream = options.stream + ":dead";
        client = std::make_shared<redis::Client>(io.context(), redis::ParseRedisUrl(url));
        client->Start();
        EXPECT_TRUE(WaitUntil([&] { return client->Connected(); }));
    }
    ~Fixture() {
        RunAwaitable(client->Call({"DEL", options.stream, options.dead_letter_stream}));
        client->Stop();
    }
    std::size_t Len(const std::string& stream) {
        return static_cast<std::size_t>(RunAwaitable(client->Call({"XLEN", stream})).integer);
    }
    // Reads until `n` clicks arrived or nothing comes for a while; acks when asked.
    std::vector<core::ClickEvent> ReadAll(RedisStreamClickSource& source, std::size_t n, bool ack = true) {
        std::vector<core::ClickEvent> all;
        for (int idle = 0; all.size() < n && idle < 30;) {
            auto batch = RunAwaitable(source.Read(500, 100ms));
            if (batch.empty()) {
                ++idle;
                continue;
            }
            if (ack) RunAwaitable(source.Ack(batch));
            for (auto& c : batch.clicks) all.push_back(std::move(c));
        }
        return all;
    }
    redis::IoThread io{"redis-test"};
    RedisStreamOptions options;
    std::shared_ptr<redis::Client> client;
};

TEST(RedisStreamClickQueue, DeliversEveryClickOnceAndTrimsOnlyAcknowledgedEntries) {
    SHORTENER_REQUIRE_REDIS(url);
    Fixture f(url);
    RunAwaitable(EnsureGroup(*f.client, f.options));
    SequenceRandom random;
    core::EventIdGenerator ids(random);
    RedisStreamClickSink sink(f.client, f.options);
    sink.Start();
    std::set<std::string> sent;
    for (int i = 0; i < 5000; ++i) {
        auto c = MakeClick(ids, 1 + i % 7);
        sent.insert(c.id.ToString());
        ASSERT_TRUE(sink.TryEnqueue(std::move(c)));
    }
    ASSERT_TRUE(WaitUntil([&] { return sink.Stats().depth == 0; }));
    // An empty buffer means the flusher has taken every click, not that its last XADDs have landed: wait until
    // the stream stops growing (slow under ThreadSanitizer).
    std::size_t entries = f.Len(f.options.stream);
    for (int i = 0; i < 100; ++i) {
        std::this_thread::sleep_for(50ms);
        const std::size_t now = f.Len(f.options.stream);
        if (now == entries) break;
        entries = now;
    }
    EXPECT_GE(entries, 5000 / kClicksPerEntry) << "clicks travel many to an entry";
    EXPECT_LT(entries, 5000u);

    RedisStreamClickSource source(f.client, f.options, "c1");
    auto first = RunAwaitable(source.Read(1000, 100ms));
    ASSERT_FALSE(first.empty());
    EXPECT_EQ(f.Len(f.options.stream), entries) << "unacknowledged entries are never trimmed";
    RunAwaitable(source.Ack(first));
    EXPECT_EQ(f.Len(f.options.stream), entries - first.tokens.size());
    auto rest = f.ReadAll(source, 5000 - first.clicks.size());
    std::set<std::string> got;
    for (auto& c : first.clicks) got.insert(c.id.ToString());
    for (auto& c : rest) got.insert(c.id.ToString());
    EXPECT_EQ(got, sent);
    EXPECT_EQ(f.Len(f.options.stream), 0u);
    sink.Stop();
}

TEST(RedisStreamClickQueue, LiveConsumerClaimsWhatADeadOneLeftPending) {
    SHORTENER_REQUIRE_REDIS(url);
    Fixture f(url);
    f.options.claim_idle = 200ms;
    f.options.claim_every = 50ms;
    RunAwaitable(EnsureGroup(*f.client, f.options));
    SequenceRandom random;
    core::EventIdGenerator ids(random);
    RedisStreamClickSink sink(f.client, f.options);
    sink.Start();
    for (int i = 0; i < 300; ++i) ASSERT_TRUE(sink.TryEnqueue(MakeClick(ids, 3)));
    ASSERT_TRUE(WaitUntil([&] { return sink.Stats().depth == 0 && f.Len(f.options.stream) > 0; }));

    RedisStreamClickSource dead(f.client, f.options, "dead");
    auto lost = f.ReadAll(dead, 300, /*ack=*/false);  // read, never acknowledged: the worker "crashed"
    ASSERT_EQ(lost.size(), 300u);
    RedisStreamClickSource live(f.client, f.options, "live");
    auto claimed = f.ReadAll(live, 300);
    EXPECT_EQ(claimed.size(), 300u);
    EXPECT_EQ(live.Claimed(), 300u);
    EXPECT_EQ(f.Len(f.options.stream), 0u);
    sink.Stop();
}

TEST(RedisStreamClickQueue, MalformedEntriesGoToTheDeadLetterStreamAndDoNotBlock) {
    SHORTENER_REQUIRE_REDIS(url);
    Fixture f(url);
    RunAwaitable(EnsureGroup(*f.client, f.options));
    RunAwaitable(f.client->Call({"XADD", f.options.stream, "*", "v", "1", "id", "garbage"}));
    SequenceRandom random;
    core::EventIdGenerator ids(random);
    RedisStreamClickSink sink(f.client, f.options);
    sink.Start();
    ASSERT_TRUE(sink.TryEnqueue(MakeClick(ids, 5)));
    RedisStreamClickSource source(f.client, f.options, "c1");
    auto got = f.ReadAll(source, 1);
    EXPECT_EQ(got.size(), 1u);
    EXPECT_EQ(source.DeadLettered(), 1u);
    EXPECT_EQ(f.Len(f.options.dead_letter_stream), 1u);
    auto dead = RunAwaitable(f.client->Call({"XRANGE", f.options.dead_letter_stream, "-", "+"}));
    ASSERT_EQ(dead.elements.size(), 1u);
    EXPECT_EQ(dead.elements[0].elements[1].elements[0].str, "reason");
    EXPECT_EQ(dead.elements[0].elements[1].elements[1].str, "bad or missing event id");
    EXPECT_EQ(f.Len(f.options.stream), 0u);
    sink.Stop();
}

TEST(RedisStreamClickQueue, JournalsWhileRedisIsDownAndReplaysLater) {
    SHORTENER_REQUIRE_REDIS(url);
    Fixture f(url);
    RunAwaitable(EnsureGroup(*f.client, f.options));
    TempDir dir("shortener-journal-");
    auto options = f.options;
    options.journal_path = dir.File("click-journal.bin");
    options.spill_threshold = 10;
    SequenceRandom random;
    core::EventIdGenerator ids(random);
    std::set<std::string> sent;
    {
        redis::IoThread io("redis-down");
        redis::ClientOptions down;
        down.port = 1;
        auto unreachable = std::make_shared<redis::Client>(io.context(), down);
        unreachable->Start();
        RedisStreamClickSink sink(unreachable, options);
        sink.Start();
        for (int i = 0; i < 250; ++i) {
            auto c = MakeClick(ids, 9);
            sent.insert(c.id.ToString());
            ASSERT_TRUE(sink.TryEnqueue(std::move(c)));
        }
        ASSERT_TRUE(WaitUntil([&] { return sink.Journaled() >= 240; }));
        sink.Stop();  // journals the rest
        EXPECT_EQ(sink.Journaled(), 250u);
        unreachable->Stop();
    }
    RedisStreamClickSink sink(f.client, options);  // a later run, Redis reachable: replays the journal
    EXPECT_EQ(sink.Journaled(), 250u);
    sink.Start();
    RedisStreamClickSource source(f.client, f.options, "c1");
    auto got = f.ReadAll(source, 250);
    std::set<std::string> ids_got;
    for (auto& c : got) ids_got.insert(c.id.ToString());
    EXPECT_EQ(ids_got, sent);
    EXPECT_TRUE(WaitUntil([&] { return sink.Journaled() == 0; }));
    EXPECT_EQ(std::filesystem::file_size(options.journal_path), 0u);
    sink.Stop();
}

}  // namespace
}  // namespace shortener::queue
