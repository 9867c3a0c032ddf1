// Redirect rules and splits (issue #17): every condition, combinations, first match wins, legacy targeting as
// rules, and the split's distribution and stickiness.

#include "core/routing.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/link.hpp"

namespace shortener::core {
namespace {

constexpr std::string_view kIphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148";
constexpr std::string_view kPixel = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile Safari/537.36";
constexpr std::string_view kDesktop = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0 Safari/537.36";
constexpr std::string_view kWindowsPhone = "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1) Mobile Edge/15";

TimePoint At(std::string_view rfc3339) { return *ParseRfc3339(rfc3339); }

struct Visitor {
    std::string_view country = "DE";
    std::string_view user_agent = kDesktop;
    std::string_view accept_language = "de-DE,de;q=0.9,en;q=0.8";
    std::string_view query = "";
    std::string_view now = "2026-06-01T12:00:00Z";
};

bool Holds(const RuleCondition& condition, const Visitor& v, int* country_asks = nullptr) {
    const VisitorFacts facts{.client_address = "192.0.2.1",
                             .user_agent = v.user_agent,
                             .accept_language = v.accept_language,
                             .query = v.query,
                             .now = At(v.now)};
    auto country = [&] {
        if (country_asks) ++*country_asks;
        return std::string(v.country);
    };
    RuleContext context(facts, country);
    return context.Matches(condition);
}

struct ConditionCase {
    const char* name;
    RuleCondition condition;
    Visitor visitor;
    bool holds;
};

// NOLINTNEXTLINE(readability-function-size): a table of cases
TEST(RuleConditions, Table) {
    const ConditionCase cases[] = {
        {"empty condition holds for everybody", {}, {}, true},
        {"country in list", {.countries = {"DE", "AT"}}, {.country = "AT"}, true},
        {"country not in list", {.countries = {"DE", "AT"}}, {.country = "FR"}, false},
        {"unknown country never matches", {.countries = {"DE"}}, {.country = ""}, false},
        {"device ios", {.devices = kDeviceBitIos}, {.user_agent = kIphone}, true},
        {"device android", {.devices = kDeviceBitAndroid | kDeviceBitIos}, {.user_agent = kPixel}, true},
        {"device desktop", {.devices = kDeviceBitDesktop}, {.user_agent = kDesktop}, true},
        {"desktop is not ios", {.devices = kDeviceBitIos}, {.user_agent = kDesktop}, false},
        {"phone is not desktop", {.devices = kDeviceBitDesktop}, {.user_agent = kWindowsPhone}, false},
        {"other mobile is other", {.devices = kDeviceBitOther}, {.user_agent = kWindowsPhone}, true},
        {"language primary", {.languages = {"de"}}, {.accept_language = "de-AT"}, true},
        {"language exact region", {.languages = {"de-at"}}, {.accept_language = "de-AT,en;q=0.5"}, true},
        {"language region does not cover primary", {.languages = {"de-at"}}, {.accept_language = "de"}, false},
        {"language prefix is per subtag", {.languages = {"de"}}, {.accept_language = "del"}, false},
        {"q-values pick the preferred", {.languages = {"de"}}, {.accept_language = "en;q=0.5,de;q=0.9"}, true},
        {"lower q loses", {.languages = {"de"}}, {.accept_language = "de;q=0.4,en"}, false},
        {"q=0 never counts", {.languages = {"de"}}, {.accept_language = "de;q=0"}, false},
        {"wildcard ignored", {.languages = {"fr"}}, {.accept_language = "*,fr;q=0.5"}, true},
        {"no Accept-Language", {.languages = {"de"}}, {.accept_language = ""}, false},
        {"query equal", {.query = {{"ref", "tw"}}}, {.query = "a=1&ref=tw"}, true},
        {"query decoded", {.query = {{"ref", "a b"}}}, {.query = "ref=a%20b"}, true},
        {"query plus is space", {.query = {{"ref", "a b"}}}, {.query = "ref=a+b"}, true},
        {"query other value", {.query = {{"ref", "tw"}}}, {.query = "ref=fb"}, false},
        {"query absent", {.query = {{"ref", "tw"}}}, {.query = ""}, false},
        {"query all parameters", {.query = {{"a", "1"}, {"b", "2"}}}, {.query = "b=2&a=1"}, true},
        {"query one missing", {.query = {{"a", "1"}, {"b", "2"}}}, {.query = "a=1"}, false},
        {"after: at the bound", {.after = At("2026-06-01T12:00:00Z")}, {}, true},
        {"after: before the bound", {.after = At("2026-06-01T12:00:01Z")}, {}, false},
        {"before: at the bound excluded", {.before = At("2026-06-01T12:00:00Z")}, {}, false},
        {"before: earlier", {.before = At("2026-06-02T00:00:00Z")}, {}, true},
        {"window inside",
         {.after = At("2026-05-01T00:00:00Z"), .before = At("2026-07-01T00:00:00Z")},
         {.now = "2026-06-15T00:00:00Z"},
         true},
        {"window outside",
         {.after = At("2026-05-01T00:00:00Z"), .before = At("2026-07-01T00:00:00Z")},
         {.now = "2026-07-01T00:00:00Z"},
         false},
        {"combo: all hold",
         {.countries = {"DE"}, .devices = kDeviceBitIos, .languages = {"de"}, .query = {{"ref", "tw"}}},
         {.country = "DE", .user_agent = kIphone, .query = "ref=tw"},
         true},
        {"combo: one fails",
         {.countries = {"DE"}, .devices = kDeviceBitIos, .languages = {"de"}, .query = {{"ref", "tw"}}},
         {.country = "DE", .user_agent = kPixel, .query = "ref=tw"},
         false},
    };
    for (const auto& c : cases) EXPECT_EQ(Holds(c.condition, c.visitor), c.holds) << c.name;
}

TEST(RuleConditions, CountryIsLookedUpOnlyWhenNeededAndOnce) {
    int asks = 0;
    EXPECT_TRUE(Holds({.languages = {"de"}}, {}, &asks));
    EXPECT_EQ(asks, 0);
    EXPECT_FALSE(Holds({.countries = {"FR"}, .languages = {"en"}}, {}, &asks));  // language fails first
    EXPECT_EQ(asks, 0);

    const std::vector<Rule> rules = {{.when = {.countries = {"FR"}}, .url = "https://fr.example/"},
                                     {.when = {.countries = {"DE"}}, .url = "https://de.example/"}};
    const std::string fallback = "https://example.com/";
    const VisitorFacts facts{.now = At("2026-06-01T12:00:00Z")};
    const Route r = PickRoute(rules, {}, fallback, 1, facts, [&] {
        ++asks;
        return std::string("DE");
    });
    EXPECT_EQ(asks, 1);
    EXPECT_EQ(*r.url, "https://de.example/");
}

TEST(PickRoute, FirstMatchWinsThenSplitThenUrl) {
    const std::vector<Rule> rules = {{.when = {.query = {{"ref", "tw"}}}, .url = "https://tw.example/"},
                                     {.when = {.languages = {"de"}}, .url = "https://de.example/"},
                                     {.when = {}, .url = "https://never.example/"}};
    const std::string url = "https://example.com/";
    auto route = [&](std::string_view query, std::string_view lang, const std::vector<Rule>& rs,
                     const std::vector<SplitVariant>& split) {
        const VisitorFacts facts{.accept_language = lang, .query = query, .now = At("2026-06-01T12:00:00Z")};
        return PickRoute(rs, split, url, 7, facts, [] { return std::string(); });
    };
    Route r = route("ref=tw", "de", rules, {});
    EXPECT_EQ(*r.url, "https://tw.example/");
    EXPECT_EQ(RouteLabel(r.kind, r.index), "rule:0");
    r = route("", "de", rules, {});
    EXPECT_EQ(RouteLabel(r.kind, r.index), "rule:1");
    r = route("", "en", rules, {});
    EXPECT_EQ(RouteLabel(r.kind, r.index), "rule:2");

    const std::vector<Rule> two(rules.begin(), rules.begin() + 2);
    r = route("", "en", two, {});
    EXPECT_EQ(r.url, &url);
    EXPECT_EQ(RouteLabel(r.kind, r.index), "url");
    r = route("", "en", two, {{"https://a.example/", 1}, {"https://b.example/", 1}});
    EXPECT_EQ(r.kind, RouteKind::kVariant);
    EXPECT_EQ(RouteLabel(r.kind, r.index).substr(0, 8), "variant:");
}

TEST(PickRoute, TargetingBecomesRulesAfterTheLinksOwn) {
    Targeting t;
    t.ios = "https://apps.apple.com/x";
    t.android = "https://play.google.com/x";
    t.countries = {{"FR", "https://fr.example/"}};
    const std::vector<Rule> own = {{.when = {.query = {{"ref", "tw"}}}, .url = "https://tw.example/"}};
    const std::vector<Rule> rules = EffectiveRules(own, t);
    ASSERT_EQ(rules.size(), 4U);
    EXPECT_EQ(EffectiveRules(rules, t), rules);  // converted rules in `own` are not doubled
    const std::string url = "https://example.com/";
    auto pick = [&](std::string_view ua, std::string_view country, std::string_view query) {
        const VisitorFacts facts{.user_agent = ua, .query = query, .now = At("2026-06-01T12:00:00Z")};
        const Route r = PickRoute(rules, {}, url, 1, facts, [&] { return std::string(country); });
        return std::pair(*r.url, RouteLabel(r.kind, r.index));
    };
    // The order targeting always had: device first, then country.
    using Picked = std::pair<std::string, std::string>;
    EXPECT_EQ(pick(kIphone, "FR", ""), Picked(t.ios, "targeting"));
    EXPECT_EQ(pick(kPixel, "FR", "").first, t.android);
    EXPECT_EQ(pick(kDesktop, "FR", "").first, "https://fr.example/");
    EXPECT_EQ(pick(kDesktop, "DE", "").first, url);
    EXPECT_EQ(pick(kIphone, "FR", "ref=tw"), Picked("https://tw.example/", "rule:0"));
}

TEST(Split, TenThousandVisitorsWithinThreePercentAndSticky) {
    const std::vector<SplitVariant> split = {
        {"https://a.example/", 70}, {"https://b.example/", 20}, {"https://c.example/", 10}};
    std::map<std::size_t, int> counts;
    constexpr int kVisitors = 10'000;
    for (int i = 0; i < kVisitors; ++i) {
        const std::string address =
            "10." + std::to_string(i / 65536) + "." + std::to_string((i / 256) % 256) + "." + std::to_string(i % 256);
        const std::uint64_t key = SplitVisitorKey(address, kDesktop, 42);
        const std::size_t variant = PickVariant(split, key);
        ++counts[variant];
        for (int again = 0; again < 3; ++again) {
            ASSERT_EQ(PickVariant(split, SplitVisitorKey(address, kDesktop, 42)), variant) << "not sticky: " << i;
        }
    }
    for (std::size_t v = 0; v < split.size(); ++v) {
        const double share = 100.0 * counts[v] / kVisitors;
        EXPECT_NEAR(share, static_cast<double>(split[v].weight), 3.0) << "variant " << v;
    }
}

TEST(Split, DifferentUserAgentsAndLinksAreDifferentVisitors) {
    EXPECT_NE(SplitVisitorKey("192.0.2.1", kDesktop, 1), SplitVisitorKey("192.0.2.1", kIphone, 1));
    EXPECT_NE(SplitVisitorKey("192.0.2.1", kDesktop, 1), SplitVisitorKey("192.0.2.1", kDesktop, 2));
    EXPECT_EQ(PickVariant({{"https://only.example/", 5}}, 12345), 0U);
}

TEST(LanguageTags, NormalizeAndPrefer) {
    EXPECT_EQ(NormalizeLanguageTag("de-AT"), "de-at");
    EXPECT_EQ(NormalizeLanguageTag("zh-Hant-TW"), "zh-hant-tw");
    for (const char* bad : {"", "-", "de-", "1de", "de_at", "abcdefghi", "de at"}) {
        EXPECT_EQ(NormalizeLanguageTag(bad), "") << bad;
    }
    EXPECT_EQ(PreferredLanguage("en-US,en;q=0.9,de;q=0.1"), "en-us");
    EXPECT_EQ(PreferredLanguage("fr;q=0.2, de;q=0.8 , *"), "de");
    EXPECT_EQ(PreferredLanguage("de;q=2"), "");
    EXPECT_EQ(PreferredLanguage("garbage!!"), "");
}

TEST(Devices, NamesRoundTrip) {
    for (std::string_view name : {"ios", "android", "desktop", "other"}) {
        const std::uint8_t bit = DeviceBitOf(name);
        ASSERT_NE(bit, 0);
        EXPECT_EQ(DeviceNames(bit), std::vector<std::string_view>{name});
    }
    EXPECT_EQ(DeviceBitOf("iphone"), 0);
    EXPECT_EQ(DeviceBitFor("", "\"iOS\"", ""), kDeviceBitIos);
    EXPECT_EQ(DeviceBitFor(kDesktop, "\"Windows\"", "?0"), kDeviceBitDesktop);
    EXPECT_EQ(DeviceBitFor(kDesktop, "", "?1"), kDeviceBitOther);
}

}  // namespace
}  // namespace shortener::core
