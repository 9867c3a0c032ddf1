#pragma once
// The LinkStore/ClickStore contract: one typed suite, instantiated once per adapter
// (sqlite_store_test.cpp: SQLite, label unit; postgres_store_pgtest.cpp: PostgreSQL, label pg).
//
// A backend type B provides:
//   void Open();                       // (re)opens stores on the same data; migrations run again
//   void Close();
//   LinkStore& links();  ClickStore& clicks();
//   RawClick FirstRawClick(core::LinkId);  // one stored raw row of the link, for column checks

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/link_store.hpp"
#include "store/stats_store.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::store::contract {

using shortener::testing::RunAwaitable;

/// One breakdown of a TopValuesAll answer as "value=clicks;…", in the answer's order.
inline std::string BreakdownText(const std::vector<std::pair<std::string, std::vector<DimensionCount>>>& all,
                                 std::string_view dimension) {
    std::string out;
    for (const auto& [name, top] : all) {
        if (name != dimension) continue;
        for (const auto& v : top) out += v.value + "=" + std::to_string(v.clicks) + ";";
    }
    return out;
}

struct RawClick {
    std::string country;
    std::string device;
    std::optional<std::string> city;  // nullopt: NULL
    std::string user_agent;
};

inline core::NewLink MakeLink(std::string slug, std::string url = "https://example.com/") {
    core::NewLink l;
    l.slug = std::move(slug);
    l.long_url = std::move(url);
    l.created_at = core::FromUnixMillis(1'700'000'000'000);
    return l;
}

inline core::EnrichedClick MakeClick(core::LinkId link, std::uint8_t n, std::int64_t base_ms = 1'700'000'000'000) {
    core::EventId id;
    id.bytes[15] = n;
    id.bytes[14] = static_cast<std::uint8_t>(link);
    id.bytes[13] = static_cast<std::uint8_t>(link >> 8);
    core::EnrichedClick click{
        core::ClickEvent::Make(id, link, core::FromUnixMillis(base_ms + n),
                               {.user_agent = "UA \"quoted\"", .referer = "https://ref.example/"}),
        {}};
    click.dimensions.country_code = "DE";
    click.dimensions.device = "mobile";
    return click;
}

// Migration 0011's backfill and the click store's moves of a visitor's first and last quarter hour, on either store.
// Before the migration: on 2026-03-01 (UTC) visitor va (human) clicks at 10:05 and 13:40, vb (a bot) at 10:20, vc
// (human) at 23:50; kVisitorQuarterClicks give (ms after the day's start, visitor, bot). CheckVisitorQuarters asks
// for prefixes and suffixes of that day, records vb again at 15:00 through the click store, and asks again.
inline constexpr std::int64_t kVisitorDay = 1'772'323'200'000;
struct VisitorQuarterClick {
    std::int64_t at;
    const char* visitor;
    bool bot;
};
inline constexpr VisitorQuarterClick kVisitorQuarterClicks[] = {
    {36'300'000, "va", false}, {49'200'000, "va", false}, {37'200'000, "vb", true}, {85'800'000, "vc", false}};

inline void CheckVisitorQuarters(StatsStore& stats, ClickStore& clicks, core::LinkId link) {
    auto visitors = [&](std::int64_t from, std::int64_t to, bool bots) {
        const MsRange r{kVisitorDay + from, kVisitorDay + to};
        return RunAwaitable(stats.DistinctVisitors(link, std::span(&r, 1), bots)).at(0);
    };
    constexpr std::int64_t kHour = 3'600'000;
    EXPECT_EQ(visitors(0, 12 * kHour, true), 2);  // va, vb
    EXPECT_EQ(visitors(0, 12 * kHour, false), 1);
    EXPECT_EQ(visitors(0, 10 * kHour + 900'000, true), 1);  // [00:00, 10:15): va only
    EXPECT_EQ(visitors(12 * kHour, 24 * kHour, true), 2);   // va (last 13:40), vc
    EXPECT_EQ(visitors(12 * kHour, 24 * kHour, false), 2);
    EXPECT_EQ(visitors(13 * kHour + 2'700'000, 24 * kHour, true), 1);  // [13:45, 24:00): vc only
    core::EnrichedClick again = MakeClick(link, 9, kVisitorDay + 15 * kHour);
    again.dimensions.visitor_id = "vb";
    again.dimensions.is_bot = true;
    ASSERT_EQ(RunAwaitable(clicks.Record(std::span(&again, 1))), 1u);
    EXPECT_EQ(visitors(12 * kHour, 24 * kHour, true), 3);  // vb's last click moved to 15:00
    EXPECT_EQ(visitors(12 * kHour, 24 * kHour, false), 2);
    EXPECT_EQ(visitors(0, 12 * kHour, true), 2);  // its first did not move
    EXPECT_EQ(visitors(0, 24 * kHour, true), 3);
}

// Migration 0020 (SQLite) / 0023 (PostgreSQL): the visitor-days per destination of a routed link, backfilled from the
// raw clicks into rollups, and counted on by the click store. Before the migration, on 2026-03-01 (UTC): va (human)
// twice and vb (a bot, then human) to variant:0, vc (a bot) to variant:1, vd on no route (not counted).
struct DestinationVisitorClick {
    const char* route;
    const char* visitor;
    bool bot;
};
inline constexpr DestinationVisitorClick kDestinationVisitorClicks[] = {
    {"variant:0", "va", false}, {"variant:0", "va", false}, {"variant:0", "vb", true},
    {"variant:0", "vb", false}, {"variant:1", "vc", true},  {nullptr, "vd", false}};
inline constexpr const char* kDestinationUrls[] = {"https://a.example/", "https://b.example/"};
inline std::string DestinationUrlOf(std::string_view route) { return kDestinationUrls[route == "variant:1" ? 1 : 0]; }

inline void CheckDestinationVisitors(StatsStore& stats, ClickStore& clicks, core::LinkId link) {
    const MsRange day{kVisitorDay, kVisitorDay + 86'400'000};
    auto visitors = [&](bool bots) {
        std::string out;
        auto rows = RunAwaitable(stats.DestinationVisitors(link, day, bots));
        std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.value < b.value; });
        for (const auto& r : rows) out += r.value + "=" + std::to_string(r.clicks) + ";";
        return out;
    };
    EXPECT_EQ(visitors(true), "variant:0 https://a.example/=2;variant:1 https://b.example/=1;");
    EXPECT_EQ(visitors(false), "variant:0 https://a.example/=2;variant:1 https://b.example/=0;");
    // va again (known: nothing), vc now human (turns human), ve new.
    std::vector<core::EnrichedClick> more;
    std::uint8_t n = 20;
    for (const auto& [route, visitor] : {std::pair{"variant:0", "va"}, {"variant:1", "vc"}, {"variant:1", "ve"}}) {
        core::EnrichedClick c = MakeClick(link, ++n, kVisitorDay + 15 * 3'600'000);
        c.event.route = route;
        c.event.destination = DestinationUrlOf(route);
        c.dimensions.visitor_id = visitor;
        c.dimensions.is_bot = false;
        more.push_back(std::move(c));
    }
    ASSERT_EQ(RunAwaitable(clicks.Record(more)), more.size());
    EXPECT_EQ(visitors(true), "variant:0 https://a.example/=2;variant:1 https://b.example/=2;");
    EXPECT_EQ(visitors(false), "variant:0 https://a.example/=2;variant:1 https://b.example/=2;");
}

template <class Backend>
class StoreContract : public ::testing::Test {
  protected:
    void SetUp() override { backend_.Open(); }
    void TearDown() override { backend_.Close(); }
    LinkStore& links() { return backend_.links(); }
    ClickStore& clicks() { return backend_.clicks(); }
    std::int64_t Clicks(std::string_view slug) { return RunAwaitable(links().FindBySlug(slug))->clicks; }

    Backend backend_;
};

TYPED_TEST_SUITE_P(StoreContract);

TYPED_TEST_P(StoreContract, CreateAndFind) {
    auto link = MakeLink("abc123", "https://example.com/x");
    link.tags = {"a", "b"};
    link.max_clicks = 5;
    link.redirect_type = core::RedirectType::k301;
    link.expires_at = core::FromUnixMillis(1'900'000'000'123);
    auto created = RunAwaitable(this->links().Create(link));
    ASSERT_TRUE(created);
    EXPECT_GT(created->id, 0);
    auto found = RunAwaitable(this->links().FindBySlug("abc123"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, created->id);
    EXPECT_EQ(found->long_url, "https://example.com/x");
    EXPECT_EQ(found->tags, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(found->max_clicks, 5);
    EXPECT_EQ(found->redirect_type, core::RedirectType::k301);
    EXPECT_EQ(found->created_at, link.created_at);
    EXPECT_EQ(found->expires_at, link.expires_at);
    EXPECT_FALSE(found->deleted_at);
    EXPECT_EQ(found->clicks, 0);
    EXPECT_FALSE(RunAwaitable(this->links().FindBySlug("ABC123")));  // case-sensitive
}

TYPED_TEST_P(StoreContract, TagsAndUrlsRoundTripAnyText) {
    auto link = MakeLink("text", "https://example.com/?q=\"a\"&b=\\x{}");
    link.tags = {"with space", "quote\"d", "back\\slash", "{brace,comma}", "ünï"};
    ASSERT_TRUE(RunAwaitable(this->links().Create(link)));
    auto found = RunAwaitable(this->links().FindBySlug("text"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->long_url, link.long_url);
    EXPECT_EQ(found->tags, link.tags);
}

TYPED_TEST_P(StoreContract, DuplicateSlugIsTaken) {
    ASSERT_TRUE(RunAwaitable(this->links().Create(MakeLink("dup"))));
    auto again = RunAwaitable(this->links().Create(MakeLink("dup")));
    ASSERT_FALSE(again);
    EXPECT_EQ(core::ToErrc(again.error()), core::Errc::kSlugTaken);
    EXPECT_TRUE(RunAwaitable(this->links().Create(MakeLink("DUP"))));
}

// Imports (issue #15): new slugs are created with their imported click total; a taken slug (live or deleted, or
// earlier in the same batch) comes back as the link that holds it.
TYPED_TEST_P(StoreContract, ImportManyCreatesOrReturnsTheHolder) {
    auto& links = this->links();
    ASSERT_TRUE(RunAwaitable(links.Create(MakeLink("held", "https://held.example/"))));
    std::vector<core::NewLink> batch{MakeLink("fresh", "https://fresh.example/"), MakeLink("held"),
                                     MakeLink("fresh", "https://other.example/")};
    batch[0].imported_clicks = 42;
    auto results = RunAwaitable(links.ImportMany(batch));
    ASSERT_EQ(results.size(), 3u);
    EXPECT_TRUE(results[0].created);
    EXPECT_GT(results[0].link.id, 0);
    EXPECT_FALSE(results[1].created);
    EXPECT_EQ(results[1].link.long_url, "https://held.example/");
    EXPECT_FALSE(results[2].created);
    EXPECT_EQ(results[2].link.long_url, "https://fresh.example/");
    auto fresh = RunAwaitable(links.FindBySlug("fresh"));
    ASSERT_TRUE(fresh);
    EXPECT_EQ(fresh->imported_clicks, 42);
    EXPECT_EQ(fresh->clicks, 0);
}

// Bulk create (issue #15): every link in one call; a taken slug fails only its own link, an earlier link of the
// same call wins a slug over a later one, and every field is stored as Create stores it.
TYPED_TEST_P(StoreContract, CreateManyStoresEachAndRefusesTakenSlugs) {
    auto& links = this->links();
    ASSERT_TRUE(RunAwaitable(links.Create(MakeLink("taken"))));
    std::vector<core::NewLink> batch = {MakeLink("m1", "https://a.example/"), MakeLink("taken"),
                                        MakeLink("m2", "https://b.example/"), MakeLink("m1", "https://c.example/")};
    batch[0].tags = {"x", "y,z"};
    batch[0].max_clicks = 7;
    batch[0].owner_id = 42;
    batch[0].expires_at = core::FromUnixMillis(1'800'000'000'000);
    batch[2].targeting.ios = "https://ios.example/";
    auto results = RunAwaitable(links.CreateMany(batch));
    ASSERT_EQ(results.size(), 4u);
    ASSERT_TRUE(results[0]);
    EXPECT_EQ(core::ToErrc(results[1].error()), core::Errc::kSlugTaken);
    ASSERT_TRUE(results[2]);
    EXPECT_EQ(core::ToErrc(results[3].error()), core::Errc::kSlugTaken);
    EXPECT_NE(results[0]->id, results[2]->id);
    auto m1 = RunAwaitable(links.FindBySlug("m1"));
    ASSERT_TRUE(m1);
    EXPECT_EQ(m1->id, results[0]->id);
    EXPECT_EQ(m1->long_url, "https://a.example/");
    EXPECT_EQ(m1->tags, (std::vector<std::string>{"x", "y,z"}));
    EXPECT_EQ(m1->max_clicks, 7);
    EXPECT_EQ(m1->owner_id, 42);
    EXPECT_EQ(m1->expires_at, core::FromUnixMillis(1'800'000'000'000));
    EXPECT_EQ(RunAwaitable(links.FindBySlug("m2"))->targeting.ios, "https://ios.example/");
    EXPECT_EQ(RunAwaitable(links.FindBySlug("taken"))->long_url, "https://example.com/");
    EXPECT_TRUE(RunAwaitable(links.CreateMany(std::vector<core::NewLink>{})).empty());
}

TYPED_TEST_P(StoreContract, CreateManyStoresAThousandLinks) {
    std::vector<core::NewLink> batch;
    for (int i = 0; i < 1000; ++i) batch.push_back(MakeLink("bulk" + std::to_string(i)));
    auto results = RunAwaitable(this->links().CreateMany(batch));
    ASSERT_EQ(results.size(), 1000u);
    for (const auto& r : results) ASSERT_TRUE(r);
    EXPECT_EQ(RunAwaitable(this->links().FindBySlug("bulk999"))->id, results[999]->id);
}

// Idempotency keys (issue #15): claimed once, answered, refused to another owner's nothing, expired and purged.
TYPED_TEST_P(StoreContract, IdempotencyKeyIsClaimedOnceAndKeepsTheAnswer) {
    auto& links = this->links();
    using State = IdempotencyRecord::State;
    const auto t = [](std::int64_t ms) { return core::FromUnixMillis(1'700'000'000'000 + ms); };
    const IdempotencyKey key{"u:1", "k-1", "hash-a"};
    EXPECT_EQ(RunAwaitable(links.ClaimIdempotencyKey(key, t(0), t(-60'000), t(86'400'000))).state, State::kClaimed);
    auto busy = RunAwaitable(links.ClaimIdempotencyKey(key, t(10), t(-59'990), t(86'400'010)));
    EXPECT_EQ(busy.state, State::kInProgress);
    EXPECT_EQ(busy.request_hash, "hash-a");
    const IdempotencyKey other_owner{"u:2", "k-1", "hash-b"};
    EXPECT_EQ(RunAwaitable(links.ClaimIdempotencyKey(other_owner, t(10), t(0), t(100))).state, State::kClaimed);
    RunAwaitable(links.FinishIdempotencyKey(key, 201, "{\"slug\":\"x\"}", "/api/v1/links/x"));
    auto done = RunAwaitable(links.ClaimIdempotencyKey(key, t(20), t(-59'980), t(86'400'020)));
    EXPECT_EQ(done.state, State::kDone);
    EXPECT_EQ(done.status, 201);
    EXPECT_EQ(done.body, "{\"slug\":\"x\"}");
    EXPECT_EQ(done.location, "/api/v1/links/x");
    // Released claims and expired keys are free again; an abandoned claim (before stale_before) is taken over.
    RunAwaitable(links.ReleaseIdempotencyKey(other_owner));
    EXPECT_EQ(RunAwaitable(links.ClaimIdempotencyKey(other_owner, t(30), t(0), t(100))).state, State::kClaimed);
    EXPECT_EQ(RunAwaitable(links.ClaimIdempotencyKey(other_owner, t(40), t(35), t(200))).state, State::kClaimed);
    EXPECT_EQ(RunAwaitable(links.ClaimIdempotencyKey(key, t(86'400'000), t(0), t(2 * 86'400'000))).state,
              State::kClaimed);
    EXPECT_EQ(RunAwaitable(links.PurgeIdempotencyKeys(t(300))), 1u);  // other_owner's (expires at 200)
    EXPECT_EQ(RunAwaitable(links.PurgeIdempotencyKeys(t(300))), 0u);
}

// Concurrent claims of one key: exactly one wins.
TYPED_TEST_P(StoreContract, IdempotencyKeyClaimUnderConcurrency) {
    auto& links = this->links();
    std::atomic<int> claimed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] {
            const IdempotencyKey key{"admin", "race", "h"};
            const auto now = core::FromUnixMillis(1'700'000'000'000);
            auto r = RunAwaitable(
                links.ClaimIdempotencyKey(key, now, now - std::chrono::minutes(2), now + std::chrono::hours(24)));
            if (r.state == IdempotencyRecord::State::kClaimed) ++claimed;
        });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(claimed.load(), 1);
}

TYPED_TEST_P(StoreContract, DeletedSlugsAreGoneAndNeverReused) {
    auto& links = this->links();
    ASSERT_TRUE(RunAwaitable(links.Create(MakeLink("gone"))));
    ASSERT_TRUE(RunAwaitable(links.Delete("gone", core::FromUnixMillis(1))));
    EXPECT_EQ(RunAwaitable(links.FindBySlug("gone"))->deleted_at, core::FromUnixMillis(1));
    EXPECT_EQ(core::ToErrc(RunAwaitable(links.Delete("gone", core::FromUnixMillis(2))).error()), core::Errc::kGone);
    EXPECT_EQ(core::ToErrc(RunAwaitable(links.Create(MakeLink("gone"))).error()), core::Errc::kSlugTaken);
    EXPECT_EQ(core::ToErrc(RunAwaitable(links.Delete("never", core::FromUnixMillis(2))).error()),
              core::Errc::kNotFound);
    core::LinkPatch patch;
    patch.long_url = "https://x.example/";
    EXPECT_EQ(core::ToErrc(RunAwaitable(links.Update("gone", patch)).error()), core::Errc::kGone);
}

TYPED_TEST_P(StoreContract, UpdateAppliesPatch) {
    auto& links = this->links();
    auto link = MakeLink("upd");
    link.max_clicks = 3;
    link.expires_at = core::FromUnixMillis(1'900'000'000'000);
    ASSERT_TRUE(RunAwaitable(links.Create(link)));
    core::LinkPatch patch;
    patch.long_url = "https://new.example/";
    patch.clear_max_clicks = true;
    patch.tags = std::vector<std::string>{"x"};
    patch.redirect_type = core::RedirectType::k308;
    patch.updated_at = core::FromUnixMillis(1'800'000'000'000);
    auto updated = RunAwaitable(links.Update("upd", patch));
    ASSERT_TRUE(updated);
    EXPECT_EQ(updated->long_url, "https://new.example/");
    EXPECT_FALSE(updated->max_clicks);
    EXPECT_EQ(updated->expires_at, link.expires_at);  // untouched
    auto found = RunAwaitable(links.FindBySlug("upd"));
    EXPECT_EQ(found->long_url, "https://new.example/");
    EXPECT_EQ(found->tags, std::vector<std::string>{"x"});
    EXPECT_EQ(found->redirect_type, core::RedirectType::k308);
    EXPECT_EQ(found->updated_at, patch.updated_at);
    EXPECT_EQ(found->created_at, link.created_at);

    core::LinkPatch clear;
    clear.clear_expires_at = true;
    clear.max_clicks = 9;
    clear.updated_at = core::FromUnixMillis(1'800'000'000'001);
    auto cleared = RunAwaitable(links.Update("upd", clear));
    ASSERT_TRUE(cleared);
    EXPECT_FALSE(cleared->expires_at);
    EXPECT_EQ(cleared->max_clicks, 9);
    EXPECT_EQ(cleared->long_url, "https://new.example/");
    EXPECT_EQ(core::ToErrc(RunAwaitable(links.Update("none", patch)).error()), core::Errc::kNotFound);
}

TYPED_TEST_P(StoreContract, ListPagesNewestFirstWithFilters) {
    auto& links = this->links();
    for (int i = 0; i < 5; ++i) {
        auto l = MakeLink("page" + std::to_string(i), "https://example.com/" + std::to_string(i));
        if (i % 2 == 0) l.tags = {"even"};
        ASSERT_TRUE(RunAwaitable(links.Create(l)));
    }
    ASSERT_TRUE(RunAwaitable(links.Create(MakeLink("literal_%", "https://percent.example/"))));
    ASSERT_TRUE(RunAwaitable(links.Create(MakeLink("other", "https://example.com/PAGE-upper"))));
    ASSERT_TRUE(RunAwaitable(links.Delete("other", core::FromUnixMillis(5))));
    ListQuery q;
    q.limit = 2;
    q.q = "page";
    std::vector<std::string> seen;
    for (;;) {
        auto page = RunAwaitable(links.List(q));
        for (auto& l : page.items) seen.push_back(l.slug);
        if (!page.next_before) break;
        q.before_id = page.next_before;
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"page4", "page3", "page2", "page1", "page0"}));

    ListQuery upper;  // case-insensitive
    upper.q = "PAGE";
    EXPECT_EQ(RunAwaitable(links.List(upper)).items.size(), 5u);

    ListQuery tagged;
    tagged.tag = "even";
    EXPECT_EQ(RunAwaitable(links.List(tagged)).items.size(), 3u);

    ListQuery wildcard;  // '%' and '_' match literally
    wildcard.q = "_%";
    auto w = RunAwaitable(links.List(wildcard));
    ASSERT_EQ(w.items.size(), 1u);
    EXPECT_EQ(w.items[0].slug, "literal_%");
}

TYPED_TEST_P(StoreContract, RecordIsIdempotentOnEventId) {
    auto link = RunAwaitable(this->links().Create(MakeLink("clk")));
    ASSERT_TRUE(link);
    std::vector<core::EnrichedClick> batch;
    for (std::uint8_t i = 0; i < 10; ++i) batch.push_back(MakeClick(link->id, i));
    EXPECT_EQ(RunAwaitable(this->clicks().Record(batch)), 10u);
    EXPECT_EQ(RunAwaitable(this->clicks().Record(batch)), 0u);  // a replay counts nothing
    batch.push_back(MakeClick(link->id, 200));
    EXPECT_EQ(RunAwaitable(this->clicks().Record(batch)), 1u);
    EXPECT_EQ(this->Clicks("clk"), 11);
    EXPECT_EQ(RunAwaitable(this->clicks().Record(std::vector<core::EnrichedClick>{})), 0u);
    // Dimensions land in their columns; unknown ones are NULL.
    auto row = this->backend_.FirstRawClick(link->id);
    EXPECT_EQ(row.country, "DE");
    EXPECT_EQ(row.device, "mobile");
    EXPECT_FALSE(row.city);
    EXPECT_EQ(row.user_agent, "UA \"quoted\"");
}

TYPED_TEST_P(StoreContract, RecordCountsPerLink) {
    auto a = RunAwaitable(this->links().Create(MakeLink("la")));
    auto b = RunAwaitable(this->links().Create(MakeLink("lb")));
    ASSERT_TRUE(a && b);
    std::vector<core::EnrichedClick> batch;
    for (std::uint8_t i = 0; i < 7; ++i) batch.push_back(MakeClick(a->id, i));
    for (std::uint8_t i = 0; i < 3; ++i) batch.push_back(MakeClick(b->id, i));
    batch.push_back(MakeClick(a->id, 0));  // the same event twice in one batch counts once
    EXPECT_EQ(RunAwaitable(this->clicks().Record(batch)), 10u);
    EXPECT_EQ(this->Clicks("la"), 7);
    EXPECT_EQ(this->Clicks("lb"), 3);
}

TYPED_TEST_P(StoreContract, RecordCountsHumanClicksApart) {
    auto link = RunAwaitable(this->links().Create(MakeLink("people")));
    ASSERT_TRUE(link);
    std::vector<core::EnrichedClick> batch;
    for (std::uint8_t i = 0; i < 9; ++i) {
        batch.push_back(MakeClick(link->id, i));
        batch.back().dimensions.is_bot = i % 3 == 0;  // 3 bots, 6 people
    }
    EXPECT_EQ(RunAwaitable(this->clicks().Record(batch)), 9u);
    EXPECT_EQ(RunAwaitable(this->clicks().Record(batch)), 0u);  // a replay counts neither
    batch.push_back(MakeClick(link->id, 100));
    batch.back().dimensions.is_bot = true;
    batch.push_back(MakeClick(link->id, 101));
    EXPECT_EQ(RunAwaitable(this->clicks().Record(batch)), 2u);
    auto got = RunAwaitable(this->links().FindBySlug("people"));
    ASSERT_TRUE(got);
    EXPECT_EQ(got->clicks, 11);
    EXPECT_EQ(got->human_clicks, 7);
    auto page = RunAwaitable(this->links().List(ListQuery{}));
    ASSERT_EQ(page.items.size(), 1u);
    EXPECT_EQ(page.items[0].human_clicks, 7);
    this->backend_.Close();
    this->backend_.Open();
    EXPECT_EQ(RunAwaitable(this->links().FindBySlug("people"))->human_clicks, 7);
}

TYPED_TEST_P(StoreContract, ConsumeUseHoldsTheLimitUnderConcurrency) {
    auto limited = MakeLink("limited");
    limited.max_clicks = 37;
    auto link = RunAwaitable(this->links().Create(limited));
    ASSERT_TRUE(link);
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                if (RunAwaitable(this->links().TryConsumeUse(link->id))) ++allowed;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(allowed.load(), 37);
}

TYPED_TEST_P(StoreContract, ConsumeUseFollowsTheStoredLimit) {
    auto& links = this->links();
    auto l = MakeLink("edited");
    l.max_clicks = 2;
    auto link = RunAwaitable(links.Create(l));
    ASSERT_TRUE(link);
    EXPECT_TRUE(RunAwaitable(links.HasUsesLeft(link->id)));
    EXPECT_TRUE(RunAwaitable(links.HasUsesLeft(link->id)));  // looking uses nothing
    EXPECT_TRUE(RunAwaitable(links.HasUsesLeft(link->id)));
    EXPECT_TRUE(RunAwaitable(links.TryConsumeUse(link->id)));
    EXPECT_TRUE(RunAwaitable(links.HasUsesLeft(link->id)));
    EXPECT_TRUE(RunAwaitable(links.TryConsumeUse(link->id)));
    EXPECT_FALSE(RunAwaitable(links.HasUsesLeft(link->id)));
    EXPECT_FALSE(RunAwaitable(links.TryConsumeUse(link->id)));
    core::LinkPatch raise;  // a caller with a stale copy (limit 2) still gets the new limit
    raise.max_clicks = 3;
    ASSERT_TRUE(RunAwaitable(links.Update("edited", raise)));
    EXPECT_TRUE(RunAwaitable(links.TryConsumeUse(link->id)));
    EXPECT_FALSE(RunAwaitable(links.TryConsumeUse(link->id)));
    core::LinkPatch clear;
    clear.clear_max_clicks = true;
    ASSERT_TRUE(RunAwaitable(links.Update("edited", clear)));
    EXPECT_TRUE(RunAwaitable(links.TryConsumeUse(link->id)));
    EXPECT_TRUE(RunAwaitable(links.HasUsesLeft(link->id)));
    ASSERT_TRUE(RunAwaitable(links.Delete("edited", core::FromUnixMillis(9))));
    EXPECT_FALSE(RunAwaitable(links.TryConsumeUse(link->id)));
    EXPECT_FALSE(RunAwaitable(links.HasUsesLeft(link->id)));
}

TYPED_TEST_P(StoreContract, DataSurvivesReopen) {
    auto link = RunAwaitable(this->links().Create(MakeLink("keep")));
    ASSERT_TRUE(link);
    RunAwaitable(
        this->clicks().Record(std::vector<core::EnrichedClick>{MakeClick(link->id, 1), MakeClick(link->id, 2)}));
    this->backend_.Close();
    this->backend_.Open();  // migrations run again and must be a no-op
    auto found = RunAwaitable(this->links().FindBySlug("keep"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->clicks, 2);
}

TYPED_TEST_P(StoreContract, PingSucceeds) { RunAwaitable(this->links().Ping()); }

TYPED_TEST_P(StoreContract, OwnerAndManagementFieldsRoundTrip) {
    auto& links = this->links();
    auto link = MakeLink("mgmt", "https://example.com/m");
    link.owner_id = 42;
    link.stats_token_hash = std::string(64, 'a');
    link.disabled = true;
    link.expired_url = "https://expired.example/";
    link.forward_query = true;
    link.password_hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    link.targeting.ios = "https://apps.apple.com/app";
    link.targeting.countries = {{"DE", "https://example.de/"}, {"FR", "https://example.fr/?q=\"x\""}};
    auto created = RunAwaitable(links.Create(link));
    ASSERT_TRUE(created);
    EXPECT_EQ(created->owner_id, 42);
    EXPECT_EQ(created->targeting, link.targeting);
    auto found = RunAwaitable(links.FindBySlug("mgmt"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->owner_id, 42);
    EXPECT_EQ(found->stats_token_hash, link.stats_token_hash);
    EXPECT_TRUE(found->disabled);
    EXPECT_EQ(found->expired_url, "https://expired.example/");
    EXPECT_TRUE(found->forward_query);
    EXPECT_EQ(found->password_hash, link.password_hash);
    EXPECT_EQ(found->targeting, link.targeting);
    EXPECT_TRUE(found->targeting.android.empty());

    // Defaults: anonymous, enabled, nothing special.
    ASSERT_TRUE(RunAwaitable(links.Create(MakeLink("plain"))));
    auto plain = RunAwaitable(links.FindBySlug("plain"));
    EXPECT_FALSE(plain->owner_id);
    EXPECT_TRUE(plain->stats_token_hash.empty());
    EXPECT_FALSE(plain->disabled);
    EXPECT_FALSE(plain->forward_query);
    EXPECT_TRUE(plain->expired_url.empty() && plain->password_hash.empty() && plain->targeting.Empty());

    // Patch: set some, clear others; absent members stay.
    core::LinkPatch patch;
    patch.disabled = false;
    patch.expired_url = "";
    patch.password_hash = "";
    patch.targeting = core::Targeting{.ios = {}, .android = "https://play.google.com/x", .countries = {}};
    patch.updated_at = core::FromUnixMillis(1'800'000'000'000);
    auto updated = RunAwaitable(links.Update("mgmt", patch));
    ASSERT_TRUE(updated);
    EXPECT_FALSE(updated->disabled);
    EXPECT_TRUE(updated->expired_url.empty());
    EXPECT_TRUE(updated->password_hash.empty());
    EXPECT_TRUE(updated->forward_query);  // untouched
    EXPECT_EQ(updated->owner_id, 42);     // never patched
    EXPECT_EQ(updated->targeting.android, "https://play.google.com/x");
    EXPECT_TRUE(updated->targeting.countries.empty());
    found = RunAwaitable(links.FindBySlug("mgmt"));
    EXPECT_EQ(found->targeting, updated->targeting);
    EXPECT_FALSE(found->disabled);

    core::LinkPatch clear;
    clear.targeting = core::Targeting{};
    clear.forward_query = false;
    clear.password_hash = "$argon2id$new";
    clear.updated_at = core::FromUnixMillis(1'800'000'000'001);
    ASSERT_TRUE(RunAwaitable(links.Update("mgmt", clear)));
    found = RunAwaitable(links.FindBySlug("mgmt"));
    EXPECT_TRUE(found->targeting.Empty());
    EXPECT_FALSE(found->forward_query);
    EXPECT_EQ(found->password_hash, "$argon2id$new");
}

TYPED_TEST_P(StoreContract, SocialPreviewRoundTripsAndPatchesEachField) {
    auto& links = this->links();
    auto link = MakeLink("ogl", "https://example.com/og");
    link.preview = {"Title \"quoted\" <b> & ü 🎉", "Desc\u2028with a line separator",
                    "https://cdn.example.com/a.png?x=1&y=2"};
    auto created = RunAwaitable(links.Create(link));
    ASSERT_TRUE(created);
    EXPECT_EQ(created->preview, link.preview);
    EXPECT_EQ(RunAwaitable(links.FindBySlug("ogl"))->preview, link.preview);
    ASSERT_TRUE(core::ToRedirectTarget(*created).preview);
    EXPECT_EQ(*core::ToRedirectTarget(*created).preview, link.preview);

    core::LinkPatch patch;
    patch.og_title = "New";
    patch.og_image = "";
    patch.updated_at = core::FromUnixMillis(2'000'000);
    auto updated = RunAwaitable(links.Update("ogl", patch));
    ASSERT_TRUE(updated);
    const core::SocialPreview expected{"New", link.preview.description, ""};
    EXPECT_EQ(updated->preview, expected);
    EXPECT_EQ(RunAwaitable(links.FindBySlug("ogl"))->preview, expected);

    core::LinkPatch untouched;
    untouched.updated_at = core::FromUnixMillis(3'000'000);
    EXPECT_EQ(RunAwaitable(links.Update("ogl", untouched))->preview, expected);

    ASSERT_TRUE(RunAwaitable(links.Create(MakeLink("noog"))));
    EXPECT_TRUE(RunAwaitable(links.FindBySlug("noog"))->preview.Empty());
    EXPECT_FALSE(core::ToRedirectTarget(*RunAwaitable(links.FindBySlug("noog"))).preview);
    std::vector<core::NewLink> many{MakeLink("ogmany1"), MakeLink("ogmany2")};
    many[0].preview = {"Bulk", "", ""};
    RunAwaitable(links.CreateMany(many));
    EXPECT_EQ(RunAwaitable(links.FindBySlug("ogmany1"))->preview.title, "Bulk");
    EXPECT_TRUE(RunAwaitable(links.FindBySlug("ogmany2"))->preview.Empty());
}

TYPED_TEST_P(StoreContract, ListFiltersByOwnerAndTagTogether) {
    auto& links = this->links();
    struct Row {
        const char* slug;
        std::optional<std::int64_t> owner;
        std::vector<std::string> tags;
    };
    const Row rows[] = {{"o1a", 1, {"red"}},   {"o1b", 1, {"blue"}}, {"o1c", 1, {"red", "blue"}},
                        {"o2a", 2, {"red"}},   {"o2b", 2, {}},       {"anon", std::nullopt, {"red"}},
                        {"o1gone", 1, {"red"}}};
    for (const auto& r : rows) {
        auto l = MakeLink(r.slug);
        l.owner_id = r.owner;
        l.tags = r.tags;
        ASSERT_TRUE(RunAwaitable(links.Create(l)));
    }
    ASSERT_TRUE(RunAwaitable(links.Delete("o1gone", core::FromUnixMillis(5))));
    auto slugs = [&](ListQuery q) {
        std::vector<std::string> out;
        for (;;) {
            auto page = RunAwaitable(links.List(q));
            for (auto& l : page.items) out.push_back(l.slug);
            if (!page.next_before) return out;
            q.before_id = page.next_before;
        }
    };
    ListQuery all;
    EXPECT_EQ(slugs(all).size(), 6u);
    ListQuery owner1;
    owner1.owner_id = 1;
    EXPECT_EQ(slugs(owner1), (std::vector<std::string>{"o1c", "o1b", "o1a"}));
    ListQuery owner1_red = owner1;
    owner1_red.tag = "red";
    EXPECT_EQ(slugs(owner1_red), (std::vector<std::string>{"o1c", "o1a"}));
    ListQuery owner1_red_paged = owner1_red;
    owner1_red_paged.limit = 1;
    EXPECT_EQ(slugs(owner1_red_paged), (std::vector<std::string>{"o1c", "o1a"}));
    ListQuery owner2_blue;
    owner2_blue.owner_id = 2;
    owner2_blue.tag = "blue";
    EXPECT_TRUE(slugs(owner2_blue).empty());
    ListQuery red;
    red.tag = "red";
    EXPECT_EQ(slugs(red), (std::vector<std::string>{"anon", "o2a", "o1c", "o1a"}));
    ListQuery owner_q = owner1;
    owner_q.q = "1B";
    EXPECT_EQ(slugs(owner_q), (std::vector<std::string>{"o1b"}));
    ListQuery nobody;
    nobody.owner_id = 999;
    EXPECT_TRUE(slugs(nobody).empty());
}

// Redirect rules and splits (issue #17) round-trip through create, find, list, bulk create, import and update.
TYPED_TEST_P(StoreContract, RulesAndSplitRoundTrip) {
    auto& links = this->links();
    auto link = MakeLink("rules", "https://example.com/r");
    link.rules = {{.when = {.countries = {"DE", "AT"},
                            .devices = core::kDeviceBitIos | core::kDeviceBitDesktop,
                            .languages = {"de", "pt-br"},
                            .query = {{"b", "2"}, {"ref", "tw \"x\""}},  // in canonical (jsonb) order
                            .after = core::FromUnixMillis(1'700'000'000'000),
                            .before = core::FromUnixMillis(1'900'000'000'123)},
                   .url = "https://de.example/?a=1&b=\"2\""},
                  {.when = {.languages = {"fr"}}, .url = "https://fr.example/"}};
    link.split = {{"https://a.example/", 70}, {"https://b.example/", 30}};
    link.targeting.ios = "https://apps.apple.com/app";
    auto created = RunAwaitable(links.Create(link));
    ASSERT_TRUE(created);
    EXPECT_EQ(created->rules, link.rules);
    auto found = RunAwaitable(links.FindBySlug("rules"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->rules, link.rules);
    EXPECT_EQ(found->split, link.split);
    EXPECT_EQ(found->targeting, link.targeting);
    // The redirect sees the link's rules, then its targeting's.
    const core::RedirectTarget target = core::ToRedirectTarget(*found);
    ASSERT_EQ(target.rules.size(), 3U);
    EXPECT_TRUE(target.rules[2].from_targeting);
    EXPECT_TRUE(target.Routed());
    EXPECT_FALSE(core::ToRedirectTarget(*RunAwaitable(links.Create(MakeLink("plainr")))).Routed());

    auto many = link;
    many.slug = "rules-many";
    auto imported = link;
    imported.slug = "rules-import";
    RunAwaitable(links.CreateMany(std::vector<core::NewLink>{many}));
    RunAwaitable(links.ImportMany(std::vector<core::NewLink>{imported}));
    for (const char* slug : {"rules-many", "rules-import"}) {
        auto l = RunAwaitable(links.FindBySlug(slug));
        ASSERT_TRUE(l) << slug;
        EXPECT_EQ(l->rules, link.rules) << slug;
        EXPECT_EQ(l->split, link.split) << slug;
    }

    // Patch the rules alone: the split stays; then clear both.
    core::LinkPatch patch;
    patch.rules = std::vector<core::Rule>{{.when = {.query = {{"ref", "fb"}}}, .url = "https://fb.example/"}};
    patch.updated_at = core::FromUnixMillis(1'800'000'000'000);
    auto updated = RunAwaitable(links.Update("rules", patch));
    ASSERT_TRUE(updated);
    EXPECT_EQ(updated->rules, *patch.rules);
    EXPECT_EQ(updated->split, link.split);
    core::LinkPatch clear;
    clear.rules = std::vector<core::Rule>{};
    clear.split = std::vector<core::SplitVariant>{};
    clear.updated_at = core::FromUnixMillis(1'800'000'000'001);
    ASSERT_TRUE(RunAwaitable(links.Update("rules", clear)));
    found = RunAwaitable(links.FindBySlug("rules"));
    EXPECT_TRUE(found->rules.empty());
    EXPECT_TRUE(found->split.empty());
    EXPECT_EQ(found->targeting, link.targeting);
}

REGISTER_TYPED_TEST_SUITE_P(StoreContract, SocialPreviewRoundTripsAndPatchesEachField, CreateAndFind,
                            TagsAndUrlsRoundTripAnyText, DuplicateSlugIsTaken, ImportManyCreatesOrReturnsTheHolder,
                            DeletedSlugsAreGoneAndNeverReused, UpdateAppliesPatch, ListPagesNewestFirstWithFilters,
                            RecordIsIdempotentOnEventId, RecordCountsPerLink, RecordCountsHumanClicksApart,
                            ConsumeUseHoldsTheLimitUnderConcurrency, ConsumeUseFollowsTheStoredLimit,
                            DataSurvivesReopen, PingSucceeds, OwnerAndManagementFieldsRoundTrip,
                            ListFiltersByOwnerAndTagTogether, CreateManyStoresEachAndRefusesTakenSlugs,
                            CreateManyStoresAThousandLinks, IdempotencyKeyIsClaimedOnceAndKeepsTheAnswer,
                            IdempotencyKeyClaimUnderConcurrency, RulesAndSplitRoundTrip);

}  // namespace shortener::store::contract
