#include "enrich/click_enricher.hpp"

#include <gtest/gtest.h>

namespace shortener::enrich {
namespace {

constexpr const char* kIphone =
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1";

EnricherOptions TestOptions() {
    EnricherOptions o = DefaultDataPaths(BuiltInNpmDir());
    o.geoip_db = SHORTENER_TESTDATA_DIR "/maxmind/test-data/GeoIP2-City-Test.mmdb";
    o.own_hosts = {"sho.rt"};
    return o;
}

core::ClickEvent Click(core::ClickEvent::Fields f) {
    return core::ClickEvent::Make({}, 1, core::FromUnixMillis(1'780'000'000'000), f);
}

TEST(Enricher, WholeClick) {
    InMemorySaltStore salts;
    std::vector<std::string> warnings;
    Enricher e(TestOptions(), salts, &warnings);
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    auto d = e.Enrich(Click({.client_address = "81.2.69.142",
                             .user_agent = kIphone,
                             .referer = "https://www.Facebook.com/some/post",
                             .accept_language = "en-GB,en;q=0.9",
                             .query = "utm_source=fb&utm_medium=social&utm_campaign=launch"}));
    EXPECT_FALSE(d.is_bot);
    EXPECT_EQ(d.country_code, "GB");
    EXPECT_EQ(d.country_name, "United Kingdom");
    EXPECT_EQ(d.region, "England");
    EXPECT_EQ(d.city, "London");
    EXPECT_TRUE(d.latitude && d.longitude);
    EXPECT_EQ(d.browser, "Mobile Safari");
    EXPECT_EQ(d.os, "iOS");
    EXPECT_EQ(d.device, "mobile");
    EXPECT_EQ(d.referrer_host, "facebook.com");
    EXPECT_EQ(d.referrer_class, "social");
    EXPECT_EQ(d.language, "en");
    EXPECT_EQ(d.utm_source, "fb");
    EXPECT_EQ(d.utm_medium, "social");
    EXPECT_EQ(d.utm_campaign, "launch");
    EXPECT_EQ(d.visitor_id.size(), 32u);
    EXPECT_EQ(d.visitor_id.find("81.2"), std::string::npos);
    EXPECT_EQ(e.ua_cache().Size(), 1u);
}

TEST(Enricher, HeadRequestsAndBotsAreBots) {
    InMemorySaltStore salts;
    Enricher e(TestOptions(), salts);
    auto head = e.Enrich(Click({.client_address = "81.2.69.142", .user_agent = kIphone, .head_request = true}));
    EXPECT_TRUE(head.is_bot);
    EXPECT_EQ(head.device, "bot");
    auto slack = e.Enrich(Click({.user_agent = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"}));
    EXPECT_TRUE(slack.is_bot);
    EXPECT_EQ(slack.device, "bot");
    EXPECT_EQ(slack.referrer_class, "direct");
}

TEST(Enricher, DoNotTrackAnonymizes) {
    InMemorySaltStore salts;
    EnricherOptions o = TestOptions();
    Enricher anonymize(o, salts);
    auto d = anonymize.Enrich(Click({.client_address = "81.2.69.142", .user_agent = kIphone, .do_not_track = true}));
    EXPECT_EQ(d.country_code, "GB");
    EXPECT_EQ(d.city, "");
    EXPECT_EQ(d.region, "");
    EXPECT_FALSE(d.latitude);
    EXPECT_EQ(d.visitor_id, "");
    o.dnt = DntMode::kIgnore;
    Enricher ignore(o, salts);
    auto i = ignore.Enrich(Click({.client_address = "81.2.69.142", .user_agent = kIphone, .do_not_track = true}));
    EXPECT_EQ(i.city, "London");
    EXPECT_EQ(i.visitor_id.size(), 32u);
}

TEST(Enricher, ClientHintsOverrideFrozenUserAgent) {
    InMemorySaltStore salts;
    Enricher e(TestOptions(), salts);
    const char* reduced =
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile "
        "Safari/537.36";
    auto d = e.Enrich(Click({.user_agent = reduced, .ch_ua_mobile = "?1", .ch_ua_platform = "\"Android\""}));
    EXPECT_EQ(d.device, "mobile");
    EXPECT_EQ(d.os, "Android");
    auto mac = e.Enrich(Click({.user_agent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                                             "Chrome/120.0.0.0 Safari/537.36",
                               .ch_ua_mobile = "?0",
                               .ch_ua_platform = "\"macOS\""}));
    EXPECT_EQ(mac.os, "Mac OS X");
    EXPECT_EQ(mac.device, "desktop");
}

TEST(Enricher, MissingDataLeavesUnknownsAndWarnsOnce) {
    InMemorySaltStore salts;
    EnricherOptions o;
    o.geoip_db = "/nonexistent.mmdb";
    o.uap_regexes = "/nonexistent.yaml";
    o.isbot_js = "/nonexistent.js";
    o.referrers_json = "/nonexistent.json";
    std::vector<std::string> warnings;
    Enricher e(o, salts, &warnings);
    EXPECT_EQ(warnings.size(), 4u);
    auto d = e.Enrich(Click({.client_address = "81.2.69.142", .user_agent = kIphone, .referer = "https://t.co/x"}));
    EXPECT_EQ(d.country_code, "");
    EXPECT_EQ(d.browser, "Other");
    EXPECT_EQ(d.device, "mobile");  // the class rules still see "iPhone" in the UA
    EXPECT_EQ(d.referrer_class, "social");
    EXPECT_EQ(d.visitor_id.size(), 32u);
}

TEST(Enricher, HostileInputNeverThrows) {
    InMemorySaltStore salts;
    Enricher e(TestOptions(), salts);
    std::string junk(600, '\xff');
    for (const std::string& s : {junk, std::string("\0\0\0", 3), std::string("%%%%"), std::string("(((((")}) {
        auto d = e.Enrich(Click({.client_address = s,
                                 .user_agent = s,
                                 .referer = s,
                                 .accept_language = s,
                                 .query = s,
                                 .ch_ua_mobile = s,
                                 .ch_ua_platform = s}));
        EXPECT_EQ(d.country_code, "");
        EXPECT_EQ(d.visitor_id, "");
    }
}

}  // namespace
}  // namespace shortener::enrich
