#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "enrich/bot_detector.hpp"
#include "enrich/click_enricher.hpp"
#include "enrich/regex.hpp"
#include "enrich/user_agent_parser.hpp"

namespace shortener::enrich {
namespace {

const UserAgentParser& Parser() {
    static const auto parser = UserAgentParser::FromFile(SHORTENER_NPM_DIR "/uap-core/regexes.yaml");
    return *parser;
}

const BotDetector& Bots() {
    static const auto bots = BotDetector::FromIsbotFile(SHORTENER_NPM_DIR "/isbot/index.js");
    return *bots;
}

constexpr const char* kIphone =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1";
constexpr const char* kIpad =
    "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 "
    "Mobile/15E148 Safari/604.1";
constexpr const char* kWindowsChrome =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Safari/537.36";
constexpr const char* kMacFirefox =
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:121.0) Gecko/20100101 Firefox/121.0";
constexpr const char* kAndroidPhone =
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 "
    "Mobile Safari/537.36";
constexpr const char* kAndroidTablet =
    "Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 "
    "Safari/537.36";
constexpr const char* kReducedAndroid =
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
constexpr const char* kSmartTv =
    "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV "
    "Safari/537.36";
constexpr const char* kPs5 =
    "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 "
    "Safari/605.1.15";
constexpr const char* kXbox =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36 Edge/44.18363.8131";

std::string Class(const char* ua, std::string_view mobile_hint = {}) {
    auto parsed = Parser().Parse(ua);
    return ClassifyDevice(parsed, ua, mobile_hint, Bots().IsBot(ua));
}

TEST(UserAgentParser, FamiliesAndVersions) {
    auto p = Parser().Parse(kIphone);
    EXPECT_EQ(p.browser.family, "Mobile Safari");
    EXPECT_EQ(p.browser.major, "17");
    EXPECT_EQ(p.os.family, "iOS");
    EXPECT_EQ(p.os.major, "17");
    EXPECT_EQ(p.device.family, "iPhone");
    EXPECT_EQ(p.device.brand, "Apple");
    auto w = Parser().Parse(kWindowsChrome);
    EXPECT_EQ(w.browser.family, "Chrome");
    EXPECT_EQ(w.os.family, "Windows");
    EXPECT_EQ(w.device.family, "Other");
    auto none = Parser().Parse("");
    EXPECT_EQ(none.browser.family, "Other");
    EXPECT_EQ(none.os.family, "Other");
    EXPECT_EQ(none.device.family, "Other");
}

TEST(UserAgentParser, AllUapPatternsCompile) {
    const auto& c = Parser().engine_counts();
    EXPECT_EQ(c.re2 + c.pcre2, 1175u);
}

TEST(DeviceClass, Rules) {
    EXPECT_EQ(Class(kIphone), "mobile");
    EXPECT_EQ(Class(kAndroidPhone), "mobile");
    EXPECT_EQ(Class(kIpad), "tablet");
    EXPECT_EQ(Class(kAndroidTablet), "tablet");
    EXPECT_EQ(Class(kWindowsChrome), "desktop");
    EXPECT_EQ(Class(kMacFirefox), "desktop");
    EXPECT_EQ(Class(kSmartTv), "tv");
    EXPECT_EQ(Class(kPs5), "console");
    EXPECT_EQ(Class(kXbox), "console");
    EXPECT_EQ(Class("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), "bot");
    EXPECT_EQ(Class("curl/8.4.0"), "bot");
    EXPECT_EQ(Class("Mozilla/5.0 (Haiku; BePC) AppleWebKit/537.36 (KHTML, like Gecko) WebPositive/1.3 Safari/537.36"),
              "other");
}

TEST(DeviceClass, ClientHints) {
    // Chrome's reduced UA says "Android 10; K" for every device; the mobile hint tells phone from tablet.
    EXPECT_EQ(Class(kReducedAndroid, "?1"), "mobile");
    EXPECT_EQ(Class(kReducedAndroid, "?0"), "tablet");
    EXPECT_EQ(Class(kWindowsChrome, "?0"), "desktop");
    EXPECT_EQ(OsFromPlatformHint("\"macOS\""), "Mac OS X");
    EXPECT_EQ(OsFromPlatformHint("\"Windows\""), "Windows");
    EXPECT_EQ(OsFromPlatformHint("Android"), "Android");
    EXPECT_EQ(OsFromPlatformHint("\"Unknown\""), "");
    EXPECT_EQ(OsFromPlatformHint(""), "");
}

TEST(UserAgentCache, BoundedLeastRecentlyUsed) {
    UserAgentCache cache(4, /*shards=*/1);
    auto facts = std::make_shared<const UserAgentFacts>();
    for (const char* k : {"a", "b", "c", "d"}) cache.Insert(k, facts);
    EXPECT_TRUE(cache.Find("a"));  // now the most recent
    cache.Insert("e", facts);      // evicts "b"
    EXPECT_EQ(cache.Size(), 4u);
    EXPECT_FALSE(cache.Find("b"));
    EXPECT_TRUE(cache.Find("a"));
    EXPECT_TRUE(cache.Find("e"));
    UserAgentCache off(0);
    off.Insert("x", facts);
    EXPECT_FALSE(off.Find("x"));
}

TEST(UserAgentCache, ThreadSafe) {
    UserAgentCache cache(64);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&cache, t] {
            for (int i = 0; i < 5000; ++i) {
                std::string key = "ua-" + std::to_string((i * 7 + t) % 200);
                if (!cache.Find(key)) cache.Insert(key, std::make_shared<const UserAgentFacts>());
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_LE(cache.Size(), 64u + 16u);
}

TEST(Regex, FallsBackToPcre2ForLookaround) {
    Regex re2("foo(\\d+)", false);
    EXPECT_EQ(re2.engine(), Regex::Engine::kRe2);
    Regex::Match m;
    ASSERT_TRUE(re2.Search("xxfoo42", &m));
    EXPECT_EQ(m.group[1], "42");
    Regex pcre("(?<!cam)scan(\\w*)", true);
    EXPECT_EQ(pcre.engine(), Regex::Engine::kPcre2);
    EXPECT_FALSE(pcre.re2_error().empty());
    ASSERT_TRUE(pcre.Search("Virus SCANner", &m));
    EXPECT_EQ(m.group[1], "ner");
    EXPECT_FALSE(pcre.Search("webcamscan"));
    EXPECT_THROW(Regex("(unclosed", false), std::invalid_argument);
}

TEST(BotDetector, IsbotListPreviewFetchersAndBrowsers) {
    for (const char* bot : {
             "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
             "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
             "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
             "Twitterbot/1.0",
             "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
             "WhatsApp/2.23.20.0 A",
             "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
             "TelegramBot (like TwitterBot)",
             "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
             "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 "
             "Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)",
             "python-requests/2.31.0",
             "curl/8.4.0",
             "Wget/1.21.3",
             "Go-http-client/1.1",
             "node",
             "",
         }) {
        EXPECT_TRUE(Bots().IsBot(bot)) << bot;
    }
    for (const char* human : {kIphone, kIpad, kWindowsChrome, kMacFirefox, kAndroidPhone, kAndroidTablet, kPs5}) {
        EXPECT_FALSE(Bots().IsBot(human)) << human;
    }
}

TEST(BotDetector, PreviewFetchersMatchInAnyCase) {
    EXPECT_TRUE(BotDetector::IsPreviewFetcher("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"));
    EXPECT_TRUE(BotDetector::IsPreviewFetcher("TWITTERBOT/1.0"));
    EXPECT_TRUE(BotDetector::IsPreviewFetcher("x facebookExternalHit/1.1"));
    EXPECT_TRUE(BotDetector::IsPreviewFetcher("WhatsApp/2.23.20.0 A"));
    EXPECT_FALSE(BotDetector::IsPreviewFetcher("WhatsApp"));  // the name alone, without its version slash
    EXPECT_FALSE(BotDetector::IsPreviewFetcher(kIphone));
    EXPECT_FALSE(BotDetector::IsPreviewFetcher(kWindowsChrome));
    EXPECT_FALSE(BotDetector::IsPreviewFetcher(""));
    EXPECT_FALSE(BotDetector::IsPreviewFetcher("slackbo"));
}

TEST(BotDetector, ExtractsIsbotPatterns) {
    auto p = BotDetector::PatternsFromIsbotJs("x;\nvar patterns_default = [\n  \"a\\\\d\",\n  \"b\\\"c\"\n];\n");
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, (std::vector<std::string>{"a\\d", "b\"c"}));
    EXPECT_FALSE(BotDetector::PatternsFromIsbotJs("nothing here"));
    EXPECT_FALSE(BotDetector::PatternsFromIsbotJs("var patterns_default = [\n \"unterminated\n"));
    EXPECT_THROW(BotDetector::FromIsbotFile("/nonexistent.js"), std::runtime_error);
    EXPECT_EQ(BotDetector::TranslateJsPattern("[\\w\\d-.]+"), "[\\w\\d\\-.]+");
    EXPECT_EQ(BotDetector::TranslateJsPattern("a-b[a-z]"), "a-b[a-z]");
    BotDetector builtin_only(std::vector<std::string>{});
    EXPECT_TRUE(builtin_only.IsBot("Twitterbot/1.0"));
    EXPECT_FALSE(builtin_only.IsBot(kIphone));
    std::cout << "[isbot] RE2: " << Bots().re2_patterns() << ", PCRE2: " << Bots().pcre2_patterns() << "\n";
    EXPECT_GT(Bots().re2_patterns(), 100u);
    EXPECT_GT(Bots().pcre2_patterns(), 0u);
}

}  // namespace
}  // namespace shortener::enrich
