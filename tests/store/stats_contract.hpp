#pragma once
// The StatsStore contract: stats from the rollups must equal a brute-force recount from the raw clicks, for
// several intervals and IANA zones (DST changes; 30/45-minute offsets), and exports must page through every
// click. One typed suite per adapter (sqlite_stats_test.cpp: label unit; postgres_stats_pgtest.cpp: pg).
//
// A backend type B provides: void Open(); void Close(); LinkStore& links(); ClickStore& clicks();
// StatsStore& stats(); ClickRetention& retention().

#include <date/tz.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "store/link_store.hpp"
#include "store/retention.hpp"
#include "store/stats.hpp"
#include "store/stats_store.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::store::stats_contract {

using shortener::testing::RunAwaitable;

constexpr std::int64_t kDay = 86'400'000;
// 2025-02-01T00:00Z .. 2025-11-15T00:00Z: both DST changes of Berlin, New York and Lord Howe.
constexpr std::int64_t kStart = 1'738'368'000'000;
constexpr std::int64_t kEnd = 1'763'164'800'000;

inline std::size_t ClickCount() {
    const char* n = std::getenv("SHORTENER_STATS_TEST_CLICKS");
    return n ? static_cast<std::size_t>(std::atol(n)) : 100'000;
}

struct Generated {
    core::LinkId link = 0;
    std::vector<core::EnrichedClick> clicks;
};

// Clicks spread over nine months, denser around the DST changes and at minute edges, 10% bots (bots
// are bot visitors, so human unique visitors are well defined), a few countries and referrers.
inline std::vector<core::EnrichedClick> Generate(core::LinkId link, std::size_t n, std::uint32_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_int_distribution<std::int64_t> any(kStart, kEnd - 1);
    const std::int64_t hot[] = {1'743'296'400'000,   // 2025-03-30T01:00Z Berlin spring forward
                                1'741'503'600'000,   // 2025-03-09T07:00Z New York
                                1'743'865'200'000,   // 2025-04-05T15:00Z Lord Howe back to +10:30
                                1'759'590'000'000,   // 2025-10-04T15:00Z Lord Howe to +11
                                1'761'440'400'000,   // 2025-10-26T01:00Z Berlin fall back
                                1'762'063'200'000};  // 2025-11-02T06:00Z New York
    std::uniform_int_distribution<std::int64_t> near(-3 * 3'600'000, 3 * 3'600'000);
    const char* countries[] = {"DE", "US", "IN", "AU", "FR", ""};
    const char* referrers[] = {"google.com", "t.co", "news.ycombinator.com", "", "example.org"};
    const char* classes[] = {"search", "social", "other", "direct", "other"};
    std::vector<core::EnrichedClick> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::int64_t ts = (i % 4 == 0) ? hot[rng() % 6] + near(rng) : any(rng);
        core::EventId id;
        for (int b = 0; b < 16; ++b) id.bytes[b] = static_cast<std::uint8_t>(rng());
        core::EnrichedClick c{core::ClickEvent::Make(id, link, core::FromUnixMillis(ts),
                                                     {.user_agent = "UA", .referer = "https://r.example/"}),
                              {}};
        const bool bot = rng() % 10 == 0;
        c.dimensions.is_bot = bot;
        std::size_t k = rng() % 6;
        c.dimensions.country_code = countries[k];
        if (k < 5) c.dimensions.city = std::string("City") + std::to_string(rng() % 3);
        std::size_t r = rng() % 5;
        c.dimensions.referrer_host = referrers[r];
        c.dimensions.referrer_class = classes[r];
        c.dimensions.browser = bot ? "Googlebot" : (rng() % 2 ? "Chrome" : "Firefox");
        c.dimensions.device = bot ? "bot" : "desktop";
        c.dimensions.visitor_id = (bot ? "b" : "h") + std::to_string(rng() % 400);
        out.push_back(std::move(c));
    }
    return out;
}

// The local start label ("YYYY-MM-DDTHH:MM") of the bucket holding `ms`, computed per click.
inline std::string Label(const date::time_zone* zone, StatsInterval interval, std::int64_t ms) {
    auto local = zone->to_local(date::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(ms)));
    auto minute = date::floor<std::chrono::minutes>(local);
    auto day = date::floor<date::days>(local);
    switch (interval) {
        case StatsInterval::kMinute:
            return date::format("%Y-%m-%dT%H:%M", minute);
        case StatsInterval::kHour:
            return date::format("%Y-%m-%dT%H:00", date::floor<std::chrono::hours>(local));
        case StatsInterval::kDay:
            return date::format("%Y-%m-%dT00:00", day);
        case StatsInterval::kWeek: {
            auto monday = day - (date::weekday{day} - date::Monday);
            return date::format("%Y-%m-%dT00:00", monday);
        }
        case StatsInterval::kMonth: {
            date::year_month_day ymd{day};
            return date::format("%Y-%m-%dT00:00", date::local_days{ymd.year() / ymd.month() / 1});
        }
    }
    return {};
}

// Brute force: distinct (UTC day, visitor id) pairs over the result's range and per bucket of a day or longer
// (visitor ids are daily-salted: a pair is one visitor); minute and hour buckets must say nothing, not 0.
inline void ExpectUniqueVisitors(const std::vector<core::EnrichedClick>& clicks, const StatsResult& res,
                                 const date::time_zone* zone, StatsInterval interval, bool include_bots) {
    using Visitor = std::pair<std::int64_t, std::string>;
    std::set<Visitor> range;
    std::map<std::string, std::set<Visitor>> buckets;
    for (const auto& click : clicks) {
        const std::int64_t ts = core::ToUnixMillis(click.event.at);
        if (ts < res.from_ms || ts >= res.to_ms || (!include_bots && click.dimensions.is_bot)) continue;
        const Visitor v{ts / kDay, click.dimensions.visitor_id};
        range.insert(v);
        buckets[Label(zone, interval, ts)].insert(v);
    }
    EXPECT_EQ(res.unique_visitors, static_cast<std::int64_t>(range.size()));
    EXPECT_GT(res.unique_visitors, 0);  // the hour view once said 0 here
    const bool daily = interval != StatsInterval::kMinute && interval != StatsInterval::kHour;
    for (const auto& p : res.timeseries) {
        if (!daily) {
            EXPECT_FALSE(p.unique_visitors) << p.t_ms;
            continue;
        }
        ASSERT_TRUE(p.unique_visitors) << p.t_ms;
        const auto it = buckets.find(Label(zone, interval, p.t_ms));
        EXPECT_EQ(*p.unique_visitors, it == buckets.end() ? 0 : static_cast<std::int64_t>(it->second.size())) << p.t_ms;
    }
}

template <class Backend>
class StatsContract : public ::testing::Test {
  protected:
    void SetUp() override { backend_.Open(); }
    void TearDown() override { backend_.Close(); }
    Backend backend_;
};

TYPED_TEST_SUITE_P(StatsContract);

TYPED_TEST_P(StatsContract, RollupsMatchBruteForceRecount) {
    auto& b = this->backend_;
    core::NewLink nl;
    nl.slug = "statsl";
    nl.long_url = "https://example.com/";
    nl.created_at = core::FromUnixMillis(kStart);
    auto link = RunAwaitable(b.links().Create(nl));
    ASSERT_TRUE(link);
    nl.slug = "other1";
    nl.owner_id = 77;  // for the owner-filtered top links below
    auto other = RunAwaitable(b.links().Create(nl));
    ASSERT_TRUE(other);

    const std::size_t n = ClickCount();
    auto clicks = Generate(link->id, n, 42);
    auto noise = Generate(other->id, 2000, 7);  // another link: must not leak into the first one's stats
    auto started = std::chrono::steady_clock::now();
    std::size_t stored = 0;
    for (std::size_t i = 0; i < clicks.size(); i += 1000) {
        std::span<const core::EnrichedClick> batch(clicks.data() + i, std::min<std::size_t>(1000, clicks.size() - i));
        stored += RunAwaitable(b.clicks().Record(batch));
    }
    RunAwaitable(b.clicks().Record(noise));
    // A replay adds nothing.
    EXPECT_EQ(RunAwaitable(b.clicks().Record(std::span<const core::EnrichedClick>(clicks.data(), 1000))), 0u);
    ASSERT_EQ(stored, n);
    std::cerr << "recorded " << n << " clicks in "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() << " s\n";

    struct Case {
        const char* tz;
        StatsInterval interval;
        std::int64_t from, to;
        bool bots;
    };
    const Case cases[] = {
        {"UTC", StatsInterval::kDay, kStart, kEnd, false},
        {"UTC", StatsInterval::kHour, 1'743'200'000'000, 1'743'200'000'000 + 9 * kDay, true},
        {"Europe/Berlin", StatsInterval::kHour, 1'743'120'000'000, 1'743'120'000'000 + 5 * kDay, false},
        {"Europe/Berlin", StatsInterval::kHour, 1'761'300'000'000, 1'761'300'000'000 + 4 * kDay, true},
        {"Europe/Berlin", StatsInterval::kDay, kStart, kEnd, true},
        {"Europe/Berlin", StatsInterval::kWeek, kStart, kEnd, false},
        {"Europe/Berlin", StatsInterval::kMonth, kStart, kEnd, true},
        {"America/New_York", StatsInterval::kHour, 1'741'400'000'000, 1'741'400'000'000 + 4 * kDay, true},
        {"America/New_York", StatsInterval::kDay, kStart, kEnd, false},
        {"Asia/Kolkata", StatsInterval::kHour, 1'743'100'000'000, 1'743'100'000'000 + 6 * kDay, true},
        {"Asia/Kolkata", StatsInterval::kDay, kStart, kEnd, true},
        {"Asia/Kolkata", StatsInterval::kMinute, 1'743'296'400'000 - 3'600'000, 1'743'296'400'000 + 7'200'000, true},
        {"Australia/Lord_Howe", StatsInterval::kHour, 1'743'700'000'000, 1'743'700'000'000 + 4 * kDay, true},
        {"Australia/Lord_Howe", StatsInterval::kHour, 1'759'500'000'000, 1'759'500'000'000 + 3 * kDay, false},
        {"Australia/Lord_Howe", StatsInterval::kDay, kStart, kEnd, true},
        {"Australia/Lord_Howe", StatsInterval::kMonth, kStart, kEnd, false},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(std::string(c.tz) + " " + std::string(StatsIntervalName(c.interval)) +
                     (c.bots ? " bots" : " humans") + " from " + std::to_string(c.from));
        StatsRequest req;
        req.link = link->id;
        req.from_ms = c.from;
        req.to_ms = c.to;
        req.interval = c.interval;
        req.tz = c.tz;
        req.include_bots = c.bots;
        req.top = 100;
        auto res = RunAwaitable(ComputeStats(b.stats(), req));
        ASSERT_TRUE(res);
        const date::time_zone* zone = date::locate_zone(c.tz);
        // Edges are consecutive local bucket starts.
        ASSERT_FALSE(res->timeseries.empty());
        EXPECT_EQ(res->timeseries.front().t_ms, res->from_ms);
        EXPECT_LE(res->from_ms, c.from);
        EXPECT_GE(res->to_ms, c.to);
        std::map<std::string, std::int64_t> expected, actual;
        std::int64_t human = 0, bots = 0;
        std::map<std::string, std::int64_t> countries, referrers;
        const std::int64_t day_from = res->from_ms - res->from_ms % kDay;
        const std::int64_t day_to = (res->to_ms + kDay - 1) / kDay * kDay;
        for (const auto& click : clicks) {
            const std::int64_t ts = core::ToUnixMillis(click.event.at);
            if (ts >= day_from && ts < day_to && (c.bots || !click.dimensions.is_bot)) {
                ++countries[click.dimensions.country_code];
                ++referrers[click.dimensions.referrer_host + " " + click.dimensions.referrer_class];
            }
            if (ts < res->from_ms || ts >= res->to_ms) continue;
            (click.dimensions.is_bot ? bots : human)++;
            if (!c.bots && click.dimensions.is_bot) continue;
            ++expected[Label(zone, c.interval, ts)];
        }
        std::int64_t sum = 0;
        for (const auto& p : res->timeseries) {
            sum += p.clicks;
            if (p.clicks != 0) actual[Label(zone, c.interval, p.t_ms)] += p.clicks;
        }
        EXPECT_EQ(actual, expected);
        EXPECT_EQ(res->human_clicks, human);
        EXPECT_EQ(res->bot_clicks, bots);
        EXPECT_EQ(res->clicks, c.bots ? human + bots : human);
        EXPECT_EQ(sum, res->clicks);
        ExpectUniqueVisitors(clicks, *res, zone, c.interval, c.bots);
        // Breakdowns over the UTC days overlapping the range.
        std::map<std::string, std::int64_t> got, got_referrers;
        for (const auto& [dim, values] : res->breakdowns) {
            for (const auto& v : values) {
                if (dim == "country") got[v.value] = c.bots ? v.clicks : v.human_clicks;
                if (dim == "referrer") got_referrers[v.value] = c.bots ? v.clicks : v.human_clicks;
            }
        }
        EXPECT_EQ(got, countries);
        EXPECT_EQ(got_referrers, referrers);
    }

    // Unique visitors per UTC day: distinct visitor ids per day, summed.
    {
        StatsRequest req;
        req.link = link->id;
        req.from_ms = kStart;
        req.to_ms = kEnd;
        req.interval = StatsInterval::kDay;
        req.include_bots = true;
        req.breakdowns = false;
        auto res = RunAwaitable(ComputeStats(b.stats(), req));
        ASSERT_TRUE(res);
        std::map<std::int64_t, std::set<std::string>> per_day;
        for (const auto& click : clicks) {
            std::int64_t ts = core::ToUnixMillis(click.event.at);
            per_day[ts - ts % kDay].insert(click.dimensions.visitor_id);
        }
        std::int64_t total = 0;
        for (const auto& p : res->timeseries) {
            std::int64_t want = per_day.count(p.t_ms) ? static_cast<std::int64_t>(per_day[p.t_ms].size()) : 0;
            ASSERT_TRUE(p.unique_visitors);
            EXPECT_EQ(*p.unique_visitors, want) << p.t_ms;
            total += want;
        }
        EXPECT_EQ(res->unique_visitors, total);
    }

    // Limits: too many buckets, unknown zone.
    {
        StatsRequest req;
        req.link = link->id;
        req.from_ms = kStart;
        req.to_ms = kEnd;
        req.interval = StatsInterval::kMinute;
        EXPECT_EQ(core::ToErrc(RunAwaitable(ComputeStats(b.stats(), req)).error()), core::Errc::kTooManyBuckets);
        req.interval = StatsInterval::kDay;
        req.tz = "Mars/Olympus_Mons";
        EXPECT_EQ(core::ToErrc(RunAwaitable(ComputeStats(b.stats(), req)).error()), core::Errc::kInvalidTimeZone);
    }

    // Totals and top links.
    auto totals = RunAwaitable(b.stats().Totals(link->id));
    EXPECT_EQ(totals.clicks, static_cast<std::int64_t>(n));
    EXPECT_EQ(totals.slug, "statsl");
    const core::LinkId ids[] = {other->id, link->id, 999'999};
    auto many = RunAwaitable(b.stats().TotalsOf(ids));
    ASSERT_EQ(many.size(), 2u);  // the unknown id is left out
    for (const auto& t : many) {
        EXPECT_EQ(t.clicks, t.link_id == link->id ? static_cast<std::int64_t>(n) : 2000) << t.link_id;
        EXPECT_EQ(t.slug, t.link_id == link->id ? "statsl" : "other1");
    }
    auto top = RunAwaitable(b.stats().TopLinks(MsRange{kStart - kDay, kEnd + kDay}, true, 10, std::nullopt));
    ASSERT_EQ(top.size(), 3u);
    EXPECT_EQ(top[0].clicks, static_cast<std::int64_t>(n + 2000));
    EXPECT_EQ(top[1].slug, "statsl");
    EXPECT_EQ(top[2].clicks, 2000);
    // One owner's view: only their links, in the totals too.
    auto mine = RunAwaitable(b.stats().TopLinks(MsRange{kStart - kDay, kEnd + kDay}, true, 10, 77));
    ASSERT_EQ(mine.size(), 2u);
    EXPECT_EQ(mine[0].clicks, 2000);
    EXPECT_EQ(mine[1].slug, "other1");
    auto nobody = RunAwaitable(b.stats().TopLinks(MsRange{kStart - kDay, kEnd + kDay}, true, 10, 78));
    ASSERT_EQ(nobody.size(), 1u);
    EXPECT_EQ(nobody[0].clicks, 0);
}

TYPED_TEST_P(StatsContract, ClicksPagesCoverEveryClickOnce) {
    auto& b = this->backend_;
    core::NewLink nl;
    nl.slug = "export";
    nl.long_url = "https://example.com/";
    nl.created_at = core::FromUnixMillis(kStart);
    auto link = RunAwaitable(b.links().Create(nl));
    ASSERT_TRUE(link);
    auto clicks = Generate(link->id, 2500, 3);
    // Same timestamp for several clicks: the event id breaks the tie.
    for (std::size_t i = 0; i < 50; ++i) clicks[i].event.at = core::FromUnixMillis(kStart + 5);
    clicks[60].event.user_agent = "Mozilla/5.0 (\"quoted\", comma)\r\nnext";
    RunAwaitable(b.clicks().Record(clicks));
    std::set<std::string> seen;
    std::optional<ClickCursor> after;
    std::int64_t last_ts = 0;
    for (;;) {
        auto page = RunAwaitable(b.stats().ClicksPage(link->id, MsRange{0, kEnd + kDay}, after, 700));
        for (const auto& c : page) {
            EXPECT_TRUE(seen.insert(c.event.id.ToString()).second);
            EXPECT_GE(core::ToUnixMillis(c.event.at), last_ts);
            last_ts = core::ToUnixMillis(c.event.at);
            EXPECT_TRUE(c.event.client_address.empty());
        }
        if (page.size() < 700) break;
        after = ClickCursor{core::ToUnixMillis(page.back().event.at), page.back().event.id};
    }
    EXPECT_EQ(seen.size(), clicks.size());
    auto first = RunAwaitable(b.stats().ClicksPage(link->id, MsRange{0, kEnd + kDay}, std::nullopt, 3000));
    bool found = false;
    for (const auto& c : first) found = found || c.event.user_agent == clicks[60].event.user_agent;
    EXPECT_TRUE(found);
}

// UTM breakdowns (issue #17): from the utm facet, per link and over every link (or one owner's), bots apart; clicks
// without a UTM parameter add nothing to them.
TYPED_TEST_P(StatsContract, UtmBreakdownsPerLinkAndInTheOverview) {
    auto& b = this->backend_;
    core::NewLink nl;
    nl.slug = "utmone";
    nl.long_url = "https://example.com/";
    nl.created_at = core::FromUnixMillis(kStart);
    auto one = RunAwaitable(b.links().Create(nl));
    nl.slug = "utmtwo";
    nl.owner_id = 5;
    auto two = RunAwaitable(b.links().Create(nl));
    ASSERT_TRUE(one && two);
    struct Spec {
        core::LinkId link;
        const char *source, *medium, *campaign, *term, *content;
        bool bot;
        int count;
    };
    const Spec specs[] = {
        {one->id, "newsletter", "email", "spring", "", "", false, 3},
        {one->id, "newsletter", "email", "spring", "", "", true, 2},
        {one->id, "twitter", "social", "spring", "shoes", "banner", false, 4},
        {one->id, "", "", "", "", "", false, 5},  // no UTM
        {two->id, "twitter", "", "", "", "", false, 7},
    };
    std::vector<core::EnrichedClick> clicks;
    std::uint8_t seq = 0;
    for (const Spec& sp : specs) {
        for (int i = 0; i < sp.count; ++i) {
            core::EventId id;
            id.bytes[0] = ++seq;
            core::EnrichedClick c{core::ClickEvent::Make(id, sp.link, core::FromUnixMillis(kStart + 1000 * seq), {}),
                                  {}};
            c.dimensions.is_bot = sp.bot;
            c.dimensions.utm_source = sp.source;
            c.dimensions.utm_medium = sp.medium;
            c.dimensions.utm_campaign = sp.campaign;
            c.dimensions.utm_term = sp.term;
            c.dimensions.utm_content = sp.content;
            clicks.push_back(std::move(c));
        }
    }
    RunAwaitable(b.clicks().Record(clicks));
    const MsRange days{kStart, kStart + kDay};
    auto text = [](const std::vector<std::pair<std::string, std::vector<DimensionCount>>>& all, std::string_view dim,
                   bool humans) {
        std::string out;
        for (const auto& [name, top] : all) {
            if (name != dim) continue;
            for (const auto& v : top) out += v.value + "=" + std::to_string(humans ? v.human_clicks : v.clicks) + ";";
        }
        return out;
    };
    auto all = RunAwaitable(b.stats().TopValuesAll(one->id, days, true, 10));
    EXPECT_EQ(text(all, "utm_source", false), "newsletter=5;twitter=4;");
    EXPECT_EQ(text(all, "utm_medium", false), "email=5;social=4;");
    EXPECT_EQ(text(all, "utm_campaign", false), "spring=9;");
    EXPECT_EQ(text(all, "utm_term", false), "=5;shoes=4;");
    EXPECT_EQ(text(all, "utm_content", false), "=5;banner=4;");
    auto humans = RunAwaitable(b.stats().TopValuesAll(one->id, days, false, 10));
    EXPECT_EQ(text(humans, "utm_source", true), "twitter=4;newsletter=3;");
    EXPECT_EQ(RunAwaitable(b.stats().TopValues(one->id, "utm_medium", days, true, 1)).size(), 1u);

    auto overview = RunAwaitable(b.stats().UtmOverview(days, true, 10, std::nullopt));
    ASSERT_EQ(overview.size(), std::size(kUtmDimensions));
    EXPECT_EQ(overview[0].first, "utm_source");
    EXPECT_EQ(text(overview, "utm_source", false), "twitter=11;newsletter=5;");
    EXPECT_EQ(text(overview, "utm_medium", false), "=7;email=5;social=4;");
    auto owner = RunAwaitable(b.stats().UtmOverview(days, false, 10, 5));
    EXPECT_EQ(text(owner, "utm_source", true), "twitter=7;");
    auto later = RunAwaitable(b.stats().UtmOverview(MsRange{kStart + kDay, kStart + 2 * kDay}, true, 10, std::nullopt));
    EXPECT_EQ(text(later, "utm_source", false), "");
}

// Every raw click of `link` in [from, to), page by page.
template <class Backend>
std::size_t RawClicks(Backend& b, core::LinkId link, std::int64_t from, std::int64_t to) {
    std::size_t n = 0;
    std::optional<ClickCursor> after;
    for (;;) {
        auto page = RunAwaitable(b.stats().ClicksPage(link, MsRange{from, to}, after, 1000));
        n += page.size();
        if (page.size() < 1000) return n;
        after = ClickCursor{core::ToUnixMillis(page.back().event.at), page.back().event.id};
    }
}

template <class Backend>
StatsResult DailyStats(Backend& b, core::LinkId link) {
    StatsRequest req;
    req.link = link;
    req.from_ms = kStart;
    req.to_ms = kEnd;
    req.interval = StatsInterval::kDay;
    req.include_bots = true;
    auto res = RunAwaitable(ComputeStats(b.stats(), req));
    EXPECT_TRUE(res);
    return res ? *res : StatsResult{};
}

template <class Backend>
std::size_t RecordAll(Backend& b, const std::vector<core::EnrichedClick>& clicks) {
    std::size_t stored = 0;
    for (std::size_t i = 0; i < clicks.size(); i += 1000) {
        std::span<const core::EnrichedClick> batch(clicks.data() + i, std::min<std::size_t>(1000, clicks.size() - i));
        stored += RunAwaitable(b.clicks().Record(batch));
    }
    return stored;
}

// Retention: raw clicks older than the cutoff go (in bounded steps), every count stays.
TYPED_TEST_P(StatsContract, RetentionDeletesOldRawClicksAndKeepsEveryCount) {
    auto& b = this->backend_;
    core::NewLink nl;
    nl.slug = "kept";
    nl.long_url = "https://example.com/";
    nl.created_at = core::FromUnixMillis(kStart - kDay);
    auto link = RunAwaitable(b.links().Create(nl));
    ASSERT_TRUE(link);
    auto clicks = Generate(link->id, 12'000, 11);
    ASSERT_EQ(RecordAll(b, clicks), clicks.size());
    const StatsResult before = DailyStats(b, link->id);
    const LinkTotals totals = RunAwaitable(b.stats().Totals(link->id));

    const std::int64_t cutoff = kStart + 150 * kDay + 12 * 3'600'000;  // mid-day: raw clicks go by time, not by day
    std::size_t old = 0;
    for (const auto& c : clicks) old += core::ToUnixMillis(c.event.at) < cutoff ? 1 : 0;
    std::size_t deleted = 0, steps = 0;
    for (RetentionStep step; !step.done; ++steps) {
        step = RunAwaitable(b.retention().DeleteRawClicks(core::FromUnixMillis(cutoff), step.next));
        deleted += step.deleted;
        ASSERT_LT(steps, 1000u);
    }
    EXPECT_GT(steps, 1u);     // bounded steps, not one transaction
    EXPECT_LE(deleted, old);  // whole PostgreSQL partitions dropped are not counted
    EXPECT_EQ(RawClicks(b, link->id, kStart - kDay, cutoff), 0u);
    EXPECT_EQ(RawClicks(b, link->id, cutoff, kEnd), clicks.size() - old);

    const StatsResult after = DailyStats(b, link->id);
    EXPECT_EQ(after.clicks, before.clicks);
    EXPECT_EQ(after.human_clicks, before.human_clicks);
    EXPECT_EQ(after.unique_visitors, before.unique_visitors);
    ASSERT_EQ(after.timeseries.size(), before.timeseries.size());
    for (std::size_t i = 0; i < after.timeseries.size(); ++i) {
        EXPECT_EQ(after.timeseries[i].clicks, before.timeseries[i].clicks) << i;
    }
    ASSERT_EQ(after.breakdowns.size(), before.breakdowns.size());
    for (std::size_t i = 0; i < after.breakdowns.size(); ++i) {
        ASSERT_EQ(after.breakdowns[i].second.size(), before.breakdowns[i].second.size());
        for (std::size_t j = 0; j < after.breakdowns[i].second.size(); ++j) {
            EXPECT_EQ(after.breakdowns[i].second[j].clicks, before.breakdowns[i].second[j].clicks);
        }
    }
    EXPECT_EQ(RunAwaitable(b.stats().Totals(link->id)).clicks, totals.clicks);
    // A second pass finds nothing more.
    EXPECT_EQ(RunAwaitable(b.retention().DeleteRawClicks(core::FromUnixMillis(cutoff), 1)).deleted, 0u);
}

// Erasure: one link's clicks before a UTC day go with the counts of those days; other links are untouched.
TYPED_TEST_P(StatsContract, ErasureDeletesALinksClicksAndTheirCountsBeforeADay) {
    auto& b = this->backend_;
    core::NewLink nl;
    nl.slug = "erased";
    nl.long_url = "https://example.com/";
    nl.created_at = core::FromUnixMillis(kStart);
    auto link = RunAwaitable(b.links().Create(nl));
    nl.slug = "bystander";
    auto other = RunAwaitable(b.links().Create(nl));
    ASSERT_TRUE(link && other);
    auto clicks = Generate(link->id, 6'000, 21);
    auto noise = Generate(other->id, 2'000, 22);
    ASSERT_EQ(RecordAll(b, clicks), clicks.size());
    ASSERT_EQ(RecordAll(b, noise), noise.size());
    const LinkTotals other_before = RunAwaitable(b.stats().Totals(other->id));

    const std::int64_t day = kStart + 120 * kDay;
    std::size_t old = 0;
    std::int64_t kept = 0, kept_human = 0;
    std::set<std::pair<std::int64_t, std::string>> kept_visitors;
    for (const auto& c : clicks) {
        const std::int64_t ts = core::ToUnixMillis(c.event.at);
        if (ts < day) {
            ++old;
            continue;
        }
        ++kept;
        kept_human += c.dimensions.is_bot ? 0 : 1;
        kept_visitors.insert({ts / kDay, c.dimensions.visitor_id});
    }
    EXPECT_EQ(RunAwaitable(b.retention().EraseClicks(link->id, core::FromUnixMillis(day))), old);
    EXPECT_EQ(RawClicks(b, link->id, kStart, day), 0u);
    EXPECT_EQ(RawClicks(b, link->id, day, kEnd), clicks.size() - old);

    const LinkTotals t = RunAwaitable(b.stats().Totals(link->id));
    EXPECT_EQ(t.clicks, kept);
    EXPECT_EQ(t.human_clicks, kept_human);
    EXPECT_EQ(t.unique_visitors, static_cast<std::int64_t>(kept_visitors.size()));
    const StatsResult s = DailyStats(b, link->id);
    EXPECT_EQ(s.clicks, kept);
    for (const auto& p : s.timeseries) {
        if (p.t_ms < day) {
            EXPECT_EQ(p.clicks, 0) << p.t_ms;
        }
    }
    for (const auto& [dimension, values] : s.breakdowns) {
        std::int64_t sum = 0;
        for (const auto& v : values) sum += v.clicks;
        EXPECT_LE(sum, kept) << dimension;
    }
    const LinkTotals o = RunAwaitable(b.stats().Totals(other->id));
    EXPECT_EQ(o.clicks, other_before.clicks);
    EXPECT_EQ(o.unique_visitors, other_before.unique_visitors);
    EXPECT_EQ(RawClicks(b, other->id, kStart, kEnd), noise.size());
    // Nothing left to erase the second time.
    EXPECT_EQ(RunAwaitable(b.retention().EraseClicks(link->id, core::FromUnixMillis(day))), 0u);
    EXPECT_EQ(RunAwaitable(b.stats().Totals(link->id)).clicks, kept);
}

// Redirect rules and splits (issue #17): a routed link's clicks carry their route and destination; the stats get
// a "destination" breakdown ("route URL") with clicks and distinct visitors per value.
TYPED_TEST_P(StatsContract, DestinationsCountClicksAndVisitorsPerRoute) {
    auto& b = this->backend_;
    core::NewLink nl;
    nl.slug = "routed";
    nl.long_url = "https://example.com/";
    nl.created_at = core::FromUnixMillis(kStart - kDay);
    auto link = RunAwaitable(b.links().Create(nl));
    ASSERT_TRUE(link);
    std::vector<core::EnrichedClick> clicks;
    // variant:0 — 5 clicks by 2 visitors; variant:1 — 3 clicks by 3 visitors (one a bot); no route — 2 clicks.
    const struct {
        const char* route;
        const char* url;
        const char* visitor;
        bool bot;
    } rows[] = {{"variant:0", "https://a.example/", "v1", false},
                {"variant:0", "https://a.example/", "v1", false},
                {"variant:0", "https://a.example/", "v2", false},
                {"variant:0", "https://a.example/", "v2", false},
                {"variant:0", "https://a.example/", "v2", false},
                {"variant:1", "https://b.example/", "v3", false},
                {"variant:1", "https://b.example/", "v4", false},
                {"variant:1", "https://b.example/", "v5", true},
                {"", "", "v6", false},
                {"", "", "v7", false}};
    std::uint8_t n = 0;
    for (const auto& r : rows) {
        core::EventId id;
        id.bytes[0] = ++n;
        core::EnrichedClick c{core::ClickEvent::Make(id, link->id, core::FromUnixMillis(kStart + 3'600'000 + n),
                                                     {.user_agent = "UA", .route = r.route, .destination = r.url}),
                              {}};
        c.dimensions.visitor_id = r.visitor;
        c.dimensions.is_bot = r.bot;
        clicks.push_back(std::move(c));
    }
    ASSERT_EQ(RecordAll(b, clicks), clicks.size());
    StatsRequest req;
    req.link = link->id;
    req.from_ms = kStart;
    req.to_ms = kStart + kDay;
    req.interval = StatsInterval::kDay;
    for (const bool bots : {true, false}) {
        req.include_bots = bots;
        auto res = RunAwaitable(ComputeStats(b.stats(), req));
        ASSERT_TRUE(res);
        std::map<std::string, std::pair<std::int64_t, std::int64_t>> got;  // value → clicks, visitors
        for (const auto& [dimension, values] : res->breakdowns) {
            if (dimension != "destination") continue;
            for (const auto& v : values) got[v.value].first = bots ? v.clicks : v.human_clicks;
        }
        for (const auto& v : res->destination_visitors) got[v.value].second = v.clicks;
        const std::map<std::string, std::pair<std::int64_t, std::int64_t>> want = {
            {"variant:0 https://a.example/", {5, 2}}, {"variant:1 https://b.example/", {bots ? 3 : 2, bots ? 3 : 2}}};
        EXPECT_EQ(got, want) << "bots " << bots;
    }
}

// Unique visitors per destination come from rollups (migrations 0020/0023), so they survive retention of the raw
// clicks. Visitor-days per "route URL" value: repeated in one day and across batches counted once; a visitor whose bot
// click came first turns human on a human click (in the same batch or a later one).
TYPED_TEST_P(StatsContract, DestinationVisitorsSurviveRetention) {
    auto& b = this->backend_;
    core::NewLink nl;
    nl.slug = "routed-kept";
    nl.long_url = "https://example.com/";
    nl.created_at = core::FromUnixMillis(kStart - kDay);
    auto link = RunAwaitable(b.links().Create(nl));
    ASSERT_TRUE(link);
    const std::string urls[] = {"https://a.example/", "https://b.example/"};
    std::vector<core::EnrichedClick> clicks;
    std::map<std::string, std::set<std::pair<std::int64_t, std::string>>> all, human;  // value → visitor-days
    std::uint16_t n = 0;
    auto add = [&](int day, int visitor, bool bot) {
        core::EventId id;
        ++n;
        id.bytes[0] = static_cast<std::uint8_t>(n & 0xff);
        id.bytes[1] = static_cast<std::uint8_t>(n >> 8);
        const int variant = visitor % 3 == 0 ? 1 : 0;  // sticky per visitor
        const std::string route = "variant:" + std::to_string(variant);
        const std::int64_t ts = kStart + day * kDay + 60'000 * n;
        core::EnrichedClick c{
            core::ClickEvent::Make(id, link->id, core::FromUnixMillis(ts),
                                   {.user_agent = "UA", .route = route, .destination = urls[variant]}),
            {}};
        c.dimensions.visitor_id = "v" + std::to_string(visitor);
        c.dimensions.is_bot = bot;
        const std::string value = route + " " + urls[variant];
        all[value].insert({day, c.dimensions.visitor_id});
        if (!bot) human[value].insert({day, c.dimensions.visitor_id});
        clicks.push_back(std::move(c));
    };
    for (int day = 0; day < 4; ++day) {
        for (int v = 0; v < 20; ++v) add(day, v + day * 5, v % 7 == 0);  // visitors overlap between days
        for (int v = 0; v < 10; ++v) add(day, v, false);                 // repeats; some bots turn human
    }
    // Day 1's bot visitor 5 (click 30) turns human in the second batch (click 55); day 0's visitor 0 in the first.
    const std::size_t split = 45;
    const std::span<const core::EnrichedClick> first(clicks.data(), split),
        second(clicks.data() + split, clicks.size() - split);
    ASSERT_EQ(RunAwaitable(b.clicks().Record(first)), split);
    ASSERT_EQ(RunAwaitable(b.clicks().Record(second)), clicks.size() - split);
    RunAwaitable(b.clicks().Record(first));  // a replayed batch counts nothing

    StatsRequest req;
    req.link = link->id;
    req.from_ms = kStart;
    req.to_ms = kStart + 5 * kDay;
    req.interval = StatsInterval::kDay;
    auto visitors = [&](bool bots) {
        req.include_bots = bots;
        auto res = RunAwaitable(ComputeStats(b.stats(), req));
        std::map<std::string, std::int64_t> got;
        if (res) {
            for (const auto& v : res->destination_visitors) got[v.value] = v.clicks;
        }
        return got;
    };
    std::map<std::string, std::int64_t> want_all, want_human;
    for (const auto& [value, set] : all) want_all[value] = static_cast<std::int64_t>(set.size());
    for (const auto& [value, set] : human) want_human[value] = static_cast<std::int64_t>(set.size());
    EXPECT_EQ(visitors(true), want_all);
    EXPECT_EQ(visitors(false), want_human);

    const std::int64_t cutoff = kStart + 10 * kDay;
    for (RetentionStep step; !step.done;) {
        step = RunAwaitable(b.retention().DeleteRawClicks(core::FromUnixMillis(cutoff), step.next));
    }
    EXPECT_EQ(RawClicks(b, link->id, kStart - kDay, cutoff), 0u);
    EXPECT_EQ(visitors(true), want_all);
    EXPECT_EQ(visitors(false), want_human);
}

REGISTER_TYPED_TEST_SUITE_P(StatsContract, RollupsMatchBruteForceRecount, ClicksPagesCoverEveryClickOnce,
                            UtmBreakdownsPerLinkAndInTheOverview, RetentionDeletesOldRawClicksAndKeepsEveryCount,
                            ErasureDeletesALinksClicksAndTheirCountsBeforeADay,
                            DestinationsCountClicksAndVisitorsPerRoute, DestinationVisitorsSurviveRetention);

}  // namespace shortener::store::stats_contract
