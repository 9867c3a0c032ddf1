#include "core/url_policy.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace shortener::core {
namespace {

UrlPolicyOptions Options() {
    UrlPolicyOptions options;
    options.own_hosts = {"sho.rt"};
    return options;
}

/// Makes control bytes readable in failure messages.
std::string Printable(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7F) {
            out += "\\x";
            out += kHex[u >> 4];
            out += kHex[u & 0x0F];
        } else {
            out += c;
        }
    }
    return out;
}

Errc ErrorOf(const Result<std::string>& result) { return result ? Errc::kOk : ToErrc(result.error()); }

// Invisible characters are written as escapes (octal where a hex escape would swallow the next letter); the
// visible ones as UTF-8. The long inputs live at namespace scope so the table can hold views of them.
const std::string kPrefix = "https://example.com/";
const std::string kMaxLengthUrl = kPrefix + std::string(4096 - kPrefix.size(), 'a');
const std::string kTooLongUrl = kPrefix + std::string(4097 - kPrefix.size(), 'a');
const std::string kLabel63 = std::string(63, 'a');
const std::string kLabel64 = std::string(64, 'a');
const std::string kLabel63Url = "https://" + kLabel63 + ".com/";
const std::string kLabel64Url = "https://" + kLabel64 + ".com/";
// 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters, then one more.
const std::string kHost253 = kLabel63 + "." + kLabel63 + "." + kLabel63 + "." + std::string(61, 'b');
const std::string kHost254 = kLabel63 + "." + kLabel63 + "." + kLabel63 + "." + std::string(62, 'b');
const std::string kHost253Url = "https://" + kHost253 + "/";
const std::string kHost253TrailingDotUrl = "https://" + kHost253 + "./";
const std::string kHost254Url = "https://" + kHost254 + "/";

constexpr std::string_view kNulInPath{"https://a.com/x\0y", 17};
constexpr std::string_view kNulInHost{"https://a.com\0.evil.example/", 28};
constexpr std::string_view kNulFirst{"\0https://a.com/", 15};

struct Case {
    std::string_view input;
    std::string_view expected_or_empty;
    Errc expected_error;
};

const Case kCases[] = {
    // Plain acceptance and normal form.
    {"https://example.com/", "https://example.com/", Errc::kOk},
    {"http://example.com", "http://example.com/", Errc::kOk},
    {"HTTPS://Example.COM/Path?Q=1#Frag", "https://example.com/Path?Q=1#Frag", Errc::kOk},
    {"HtTp://example.com/a", "http://example.com/a", Errc::kOk},
    {"https://example.com?q=1", "https://example.com/?q=1", Errc::kOk},
    {"https://example.com#top", "https://example.com/#top", Errc::kOk},
    {"https://example.com/?", "https://example.com/?", Errc::kOk},
    {"https://example.com/#", "https://example.com/#", Errc::kOk},
    {"https://example.com/a/../b/./c", "https://example.com/a/../b/./c", Errc::kOk},
    {"https://example.com//double//slash", "https://example.com//double//slash", Errc::kOk},
    {"https://example.com/%7Euser/%41%2f", "https://example.com/%7Euser/%41%2f", Errc::kOk},
    {"https://example.com/x?a?b/c:d@e", "https://example.com/x?a?b/c:d@e", Errc::kOk},
    {"https://example.com/@evil.example", "https://example.com/@evil.example", Errc::kOk},
    {"https://example.com./", "https://example.com./", Errc::kOk},
    {"http://localhost:3000/", "http://localhost:3000/", Errc::kOk},
    {"https://a-b.example/", "https://a-b.example/", Errc::kOk},
    {"https://123.example/", "https://123.example/", Errc::kOk},
    {"https://ab--cd.example/", "https://ab--cd.example/", Errc::kOk},
    // Ports.
    {"https://example.com:443/x", "https://example.com/x", Errc::kOk},
    {"http://example.com:80/x", "http://example.com/x", Errc::kOk},
    {"http://example.com:443/", "http://example.com:443/", Errc::kOk},
    {"https://example.com:80/", "https://example.com:80/", Errc::kOk},
    {"https://example.com:8443/x", "https://example.com:8443/x", Errc::kOk},
    {"https://example.com:0443/", "https://example.com/", Errc::kOk},
    {"http://example.com:/", "http://example.com/", Errc::kOk},
    {"http://example.com:", "http://example.com/", Errc::kOk},
    {"http://a.com:1/", "http://a.com:1/", Errc::kOk},
    {"http://a.com:65535/", "http://a.com:65535/", Errc::kOk},
    {"http://a.com:0/", "", Errc::kInvalidUrl},
    {"http://a.com:65536/", "", Errc::kInvalidUrl},
    {"http://a.com:99999999999999999999/", "", Errc::kInvalidUrl},
    {"http://a.com:abc/", "", Errc::kInvalidUrl},
    {"http://a.com:8x/", "", Errc::kInvalidUrl},
    {"http://a.com:-1/", "", Errc::kInvalidUrl},
    {"http://a.com:80:80/", "", Errc::kInvalidUrl},
    {"https://sho.rt:8080.evil.example/", "", Errc::kInvalidUrl},
    // Lenient encoding of what browsers send anyway.
    {"https://a.com/%0d%0aSet-Cookie:x", "https://a.com/%0d%0aSet-Cookie:x", Errc::kOk},
    {"https://a.com/a|b^c`d{e}", "https://a.com/a%7Cb%5Ec%60d%7Be%7D", Errc::kOk},
    {"https://a.com/p[1]?q=[x]", "https://a.com/p%5B1%5D?q=%5Bx%5D", Errc::kOk},
    {"https://a.com/100%", "https://a.com/100%25", Errc::kOk},
    {"https://a.com/%zz%4", "https://a.com/%25zz%254", Errc::kOk},
    {"https://a.com/?q=a%20b&r=<x>\"", "https://a.com/?q=a%20b&r=%3Cx%3E%22", Errc::kOk},
    {"https://a.com/#a#b", "https://a.com/#a%23b", Errc::kOk},
    {"https://a.com/x\\y", "https://a.com/x%5Cy", Errc::kOk},
    {"https://a.com/café?q=é#é", "https://a.com/caf%C3%A9?q=%C3%A9#%C3%A9", Errc::kOk},
    {"https://a.com/%E2%80%8B", "https://a.com/%E2%80%8B", Errc::kOk},
    // Internationalized and percent-encoded hosts.
    {"https://bücher.example/", "https://xn--bcher-kva.example/", Errc::kOk},
    {"https://ÄÖÜ.de", "https://xn--4ca0bs.de/", Errc::kOk},
    {"https://例え.jp/パス", "https://xn--r8jz45g.jp/%E3%83%91%E3%82%B9", Errc::kOk},
    {"https://例え。jp", "https://xn--r8jz45g.jp/", Errc::kOk},
    {"https://faß.de/", "https://xn--fa-hia.de/", Errc::kOk},
    {"https://XN--BCHER-KVA.example/", "https://xn--bcher-kva.example/", Errc::kOk},
    {"https://b%C3%BCcher.example/", "https://xn--bcher-kva.example/", Errc::kOk},
    {"https://%65xample.com/", "https://example.com/", Errc::kOk},
    // Both are refused by non-transitional IDNA 2008 and rescued by the transitional retry, as in browsers; the
    // zero-width joiner is invisible, so dropping it yields the host the user actually sees.
    {"https://☃.net/", "https://xn--n3h.net/", Errc::kOk},
    {"https://a\342\200\215b.com/", "https://ab.com/", Errc::kOk},
    {"https://\342\200\256moc.example/", "", Errc::kUrlInvalidHost},
    {"http://ex%C3%28.com/", "", Errc::kUrlInvalidHost},
    // IP literals.
    {"http://127.0.0.1/", "http://127.0.0.1/", Errc::kOk},
    {"http://8.8.8.8:8080/", "http://8.8.8.8:8080/", Errc::kOk},
    {"http://[::1]/", "http://[::1]/", Errc::kOk},
    {"http://[2001:DB8::1]:443/", "http://[2001:db8::1]:443/", Errc::kOk},
    {"https://[2001:db8::1]:443/", "https://[2001:db8::1]/", Errc::kOk},
    {"http://[::ffff:127.0.0.1]/", "http://[::ffff:127.0.0.1]/", Errc::kOk},
    {"http://1.2.3.4.example.com/", "http://1.2.3.4.example.com/", Errc::kOk},
    {"http://1.2.3.4.example.com:8080/x", "http://1.2.3.4.example.com:8080/x", Errc::kOk},
    {"http://[v1.fe]/", "", Errc::kUrlInvalidHost},
    {"http://[::g]/", "", Errc::kUrlInvalidHost},
    {"http://[]/", "", Errc::kUrlInvalidHost},
    {"http://[fe80::1%25eth0]/", "", Errc::kUrlInvalidHost},
    {"http://[::1/", "", Errc::kInvalidUrl},
    {"http://[::1]x/", "", Errc::kInvalidUrl},
    // Obfuscated numeric hosts.
    {"http://999.1.1.1/", "", Errc::kUrlInvalidHost},
    {"http://2130706433/", "", Errc::kUrlInvalidHost},
    {"http://0x7f.1/", "", Errc::kUrlInvalidHost},
    {"http://0x7f000001/", "", Errc::kUrlInvalidHost},
    {"http://127.1/", "", Errc::kUrlInvalidHost},
    {"http://127.0.0.01/", "", Errc::kUrlInvalidHost},
    {"http://1.2.3.4./", "", Errc::kUrlInvalidHost},
    {"http://example.0x1f/", "", Errc::kUrlInvalidHost},
    {"http://%31%32%37.0.0.1/", "", Errc::kUrlInvalidHost},
    {"https://１２７.０.０.１/", "", Errc::kUrlInvalidHost},
    // Invalid registered names.
    {"http://-a.com/", "", Errc::kUrlInvalidHost},
    {"http://a-.com/", "", Errc::kUrlInvalidHost},
    {"http://a_b.com/", "", Errc::kUrlInvalidHost},
    {"http://*.com/", "", Errc::kUrlInvalidHost},
    {"http://a<b.com/", "", Errc::kUrlInvalidHost},
    {"http://a%00b.com/", "", Errc::kUrlInvalidHost},
    {"http://a%20b.com/", "", Errc::kUrlInvalidHost},
    {"http://a%2Fb.com/", "", Errc::kUrlInvalidHost},
    {"http://a%zzb.com/", "", Errc::kUrlInvalidHost},
    {"http://a..com/", "", Errc::kUrlInvalidHost},
    {"http://.a.com/", "", Errc::kUrlInvalidHost},
    {"http://a.com../", "", Errc::kUrlInvalidHost},
    {"http://./", "", Errc::kUrlInvalidHost},
    {"http://xn--/", "", Errc::kUrlInvalidHost},
    {"https://evil.example\\.bank.com/", "", Errc::kUrlInvalidHost},
    {kLabel63Url, kLabel63Url, Errc::kOk},
    {kLabel64Url, "", Errc::kUrlInvalidHost},
    {kHost253Url, kHost253Url, Errc::kOk},
    {kHost253TrailingDotUrl, kHost253TrailingDotUrl, Errc::kOk},
    {kHost254Url, "", Errc::kUrlInvalidHost},
    // Whitespace is refused, never trimmed.
    {" https://a.com/", "", Errc::kUrlWhitespace},
    {"https://a.com/ ", "", Errc::kUrlWhitespace},
    {"https://a.com/\t", "", Errc::kUrlWhitespace},
    {"https://a.com/\r\nSet-Cookie:x", "", Errc::kUrlWhitespace},
    {"https://a.com/\n", "", Errc::kUrlWhitespace},
    {"https://a.com/\f", "", Errc::kUrlWhitespace},
    {"https://a.com/\v", "", Errc::kUrlWhitespace},
    {"http://exa mple.com", "", Errc::kUrlWhitespace},
    {"https://a.com/\xC2\xA0", "", Errc::kUrlWhitespace},
    {"https://a.com/\xC2\x85", "", Errc::kUrlWhitespace},
    {"https://a.com/\xE2\x80\xA8", "", Errc::kUrlWhitespace},
    {"https://a.com/\xE2\x80\x8A", "", Errc::kUrlWhitespace},
    {"https://a.com/\xE3\x80\x80", "", Errc::kUrlWhitespace},
    {"\xEF\xBB\xBFhttps://a.com/", "", Errc::kUrlWhitespace},
    {"https://a\xE1\x9A\x80.com/", "", Errc::kUrlWhitespace},
    // Control characters.
    {kNulInPath, "", Errc::kUrlControlCharacters},
    {kNulInHost, "", Errc::kUrlControlCharacters},
    {kNulFirst, "", Errc::kUrlControlCharacters},
    {"https://a.com/\x01", "", Errc::kUrlControlCharacters},
    {"https://a.com/\x7F", "", Errc::kUrlControlCharacters},
    {"https://a.com/\x1B[31m", "", Errc::kUrlControlCharacters},
    {"https://a.com/\xC2\x9B", "", Errc::kUrlControlCharacters},
    // Invalid UTF-8.
    {"https://a.com/\xFF", "", Errc::kInvalidUrl},
    {"https://a.com/\xC0\xAF", "", Errc::kInvalidUrl},
    {"https://a.com/\xED\xA0\x80", "", Errc::kInvalidUrl},
    {"https://a.com/\xE2\x82", "", Errc::kInvalidUrl},
    {"https://a.com/\xF4\x90\x80\x80", "", Errc::kInvalidUrl},
    {"https://a.com/\x80", "", Errc::kInvalidUrl},
    // Schemes.
    {"javascript:alert(1)", "", Errc::kUrlSchemeNotAllowed},
    {"jaVAscript:alert(1)", "", Errc::kUrlSchemeNotAllowed},
    {"JAVASCRIPT://%0aalert(1)", "", Errc::kUrlSchemeNotAllowed},
    {" \tJaVaScRiPt:alert(1)", "", Errc::kUrlWhitespace},
    {"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "", Errc::kUrlSchemeNotAllowed},
    {"file:///etc/passwd", "", Errc::kUrlSchemeNotAllowed},
    {"ftp://example.com/", "", Errc::kUrlSchemeNotAllowed},
    {"vbscript:msgbox(1)", "", Errc::kUrlSchemeNotAllowed},
    {"mailto:a@example.com", "", Errc::kUrlSchemeNotAllowed},
    {"blob:https://example.com/uuid", "", Errc::kUrlSchemeNotAllowed},
    {"about:blank", "", Errc::kUrlSchemeNotAllowed},
    {"chrome://settings", "", Errc::kUrlSchemeNotAllowed},
    {"ws://example.com/", "", Errc::kUrlSchemeNotAllowed},
    {"wss://example.com/", "", Errc::kUrlSchemeNotAllowed},
    {"view-source:https://example.com/", "", Errc::kUrlSchemeNotAllowed},
    {"httpx://example.com/", "", Errc::kUrlSchemeNotAllowed},
    {"localhost:8080", "", Errc::kUrlSchemeNotAllowed},
    // Relative references.
    {"/path", "", Errc::kUrlRelative},
    {"example.com/x", "", Errc::kUrlRelative},
    {"//example.com/x", "", Errc::kUrlRelative},
    {"?q", "", Errc::kUrlRelative},
    {"#frag", "", Errc::kUrlRelative},
    {"www.example.com", "", Errc::kUrlRelative},
    {"example.com:8080/x", "", Errc::kUrlRelative},
    {"example.com:8080", "", Errc::kUrlRelative},
    {"example.com:8080?q", "", Errc::kUrlRelative},
    {"http//example.com", "", Errc::kUrlRelative},
    {"1http://example.com", "", Errc::kUrlRelative},
    {":https://example.com", "", Errc::kUrlRelative},
    // Missing host.
    {"http:example.com", "", Errc::kUrlMissingHost},
    {"http:/example.com", "", Errc::kUrlMissingHost},
    {"https:", "", Errc::kUrlMissingHost},
    {"http://", "", Errc::kUrlMissingHost},
    {"https:///path", "", Errc::kUrlMissingHost},
    {"http://:80/", "", Errc::kUrlMissingHost},
    {"http://?q", "", Errc::kUrlMissingHost},
    {"http://#f", "", Errc::kUrlMissingHost},
    {"https:\\\\evil.example", "", Errc::kUrlMissingHost},
    // Credentials.
    {"https://@example.com", "", Errc::kUrlHasCredentials},
    {"https://user:pass@x.com", "", Errc::kUrlHasCredentials},
    {"https://bank.com@evil.example", "", Errc::kUrlHasCredentials},
    {"https://evil.example\\@bank.com", "", Errc::kUrlHasCredentials},
    {"https://user@[::1]/", "", Errc::kUrlHasCredentials},
    {"https://a%40b@c.com/", "", Errc::kUrlHasCredentials},
    {"http://@/", "", Errc::kUrlHasCredentials},
    // Self reference (own_hosts = {"sho.rt"}).
    {"https://sho.rt/abc", "", Errc::kUrlSelfReference},
    {"HTTPS://SHO.RT.", "", Errc::kUrlSelfReference},
    {"http://sho.rt:8080/x", "", Errc::kUrlSelfReference},
    {"https://sh%6F.rt/", "", Errc::kUrlSelfReference},
    {"https://sho.rt.evil.example/", "https://sho.rt.evil.example/", Errc::kOk},
    {"https://evil-sho.rt/", "https://evil-sho.rt/", Errc::kOk},
    // Length, checked before anything else.
    {"", "", Errc::kUrlMissing},
    {kMaxLengthUrl, kMaxLengthUrl, Errc::kOk},
    {kTooLongUrl, "", Errc::kUrlTooLong},
};

TEST(UrlPolicy, TableOfCases) {
    static_assert(std::size(kCases) >= 80);
    const UrlPolicyOptions options = Options();
    for (std::size_t i = 0; i < std::size(kCases); ++i) {
        const Case& c = kCases[i];
        SCOPED_TRACE("case " + std::to_string(i) + ": " + Printable(c.input));
        const Result<std::string> result = CheckUrl(c.input, options);
        EXPECT_EQ(ErrcName(ErrorOf(result)), ErrcName(c.expected_error));
        if (c.expected_error == Errc::kOk && result) {
            EXPECT_EQ(*result, c.expected_or_empty);
        }
    }
}

TEST(UrlPolicy, NormalFormIsAFixedPoint) {
    const UrlPolicyOptions options = Options();
    for (const Case& c : kCases) {
        if (c.expected_error != Errc::kOk) continue;
        SCOPED_TRACE(Printable(c.input));
        const Result<std::string> once = CheckUrl(c.input, options);
        ASSERT_TRUE(once);
        const Result<std::string> twice = CheckUrl(*once, options);
        ASSERT_TRUE(twice);
        EXPECT_EQ(*twice, *once);
    }
}

TEST(UrlPolicy, AcceptsPlainHttps) {
    const auto result = CheckUrl("https://example.com/a?b=c#d", {});
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, "https://example.com/a?b=c#d");
}

TEST(UrlPolicy, RefusesEmptyInputAsMissing) { EXPECT_EQ(ErrorOf(CheckUrl("", {})), Errc::kUrlMissing); }

TEST(UrlPolicy, ChecksLengthBeforeContent) {
    UrlPolicyOptions options;
    options.max_length = 10;
    EXPECT_EQ(ErrorOf(CheckUrl("javascript:alert(1)", options)), Errc::kUrlTooLong);
    EXPECT_EQ(ErrorOf(CheckUrl("http://a.b", options)), Errc::kOk);
    EXPECT_EQ(ErrorOf(CheckUrl("http://a.bc", options)), Errc::kUrlTooLong);
}

TEST(UrlPolicy, MeasuresLengthOnInputNotOutput) {
    UrlPolicyOptions options;
    options.max_length = 16;
    // 16 input bytes grow to 22 once the "é" and "|" are percent-encoded; the limit is about what users send.
    const auto result = CheckUrl("http://a.b/é|||", options);
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, "http://a.b/%C3%A9%7C%7C%7C");
}

TEST(UrlPolicy, RefusesRawCrLfButAcceptsEncodedOne) {
    EXPECT_EQ(ErrorOf(CheckUrl("https://a.com/\r\nSet-Cookie:x", {})), Errc::kUrlWhitespace);
    EXPECT_EQ(ErrorOf(CheckUrl("https://a.com/%0d%0aSet-Cookie:x", {})), Errc::kOk);
}

TEST(UrlPolicy, RefusesNulByteInsideHost) {
    EXPECT_EQ(ErrorOf(CheckUrl(kNulInHost, {})), Errc::kUrlControlCharacters);
    EXPECT_EQ(ErrorOf(CheckUrl("https://a.com%00.evil.example/", {})), Errc::kUrlInvalidHost);
}

TEST(UrlPolicy, KeepsHostThatStartsLikeIpv4) {
    // Boost.URL 1.81 alone splits this as host 1.2.3.4 and path ".evil.example/" (boostorg/url#770).
    const auto result = CheckUrl("http://1.2.3.4.evil.example/", {});
    ASSERT_TRUE(result);
    EXPECT_EQ(*result, "http://1.2.3.4.evil.example/");
}

TEST(UrlPolicy, SelfReferenceIgnoresCaseTrailingDotAndPort) {
    UrlPolicyOptions options;
    options.own_hosts = {"sho.rt", "Go.Example.", "[::1]"};
    EXPECT_EQ(ErrorOf(CheckUrl("HTTPS://SHO.RT./x", options)), Errc::kUrlSelfReference);
    EXPECT_EQ(ErrorOf(CheckUrl("https://go.example:8443/x", options)), Errc::kUrlSelfReference);
    EXPECT_EQ(ErrorOf(CheckUrl("http://[::1]:8080/", options)), Errc::kUrlSelfReference);
    EXPECT_EQ(ErrorOf(CheckUrl("https://sho.rtx/", options)), Errc::kOk);
}

TEST(UrlPolicy, SelfReferenceMatchesPunycodeOfIdn) {
    UrlPolicyOptions options;
    options.own_hosts = {"xn--bcher-kva.example"};
    EXPECT_EQ(ErrorOf(CheckUrl("https://BÜCHER.example/", options)), Errc::kUrlSelfReference);
}

TEST(UrlPolicy, NoOwnHostsMeansNoSelfReference) { EXPECT_EQ(ErrorOf(CheckUrl("https://sho.rt/abc", {})), Errc::kOk); }

}  // namespace
}  // namespace shortener::core

namespace shortener::core {
namespace {

// Domain rules of issue #7: the blocklist (kUrlBlocked) and other shorteners (kUrlShortener).

class FixedList final : public DomainListSource {
  public:
    std::shared_ptr<const DomainSet> list;
    std::shared_ptr<const DomainSet> Current() const override { return list; }
};

DomainSet SetOf(std::initializer_list<std::string_view> domains) {
    DomainSet s;
    for (auto d : domains) EXPECT_TRUE(s.Add(d)) << d;
    return s;
}

TEST(DomainSet, MatchesTheDomainAndItsSubdomainsOnly) {
    DomainSet s = SetOf({"Evil.Example", "*.wild.example", ".dot.example", "bücher.example", "192.0.2.66",
                         "[2001:db8::66]", "trailing.example."});
    EXPECT_TRUE(s.Matches("evil.example"));
    EXPECT_TRUE(s.Matches("a.b.evil.example"));
    EXPECT_TRUE(s.Matches("evil.example."));
    EXPECT_FALSE(s.Matches("notevil.example"));
    EXPECT_FALSE(s.Matches("evil.example.com"));
    EXPECT_FALSE(s.Matches("example"));
    EXPECT_TRUE(s.Matches("wild.example"));
    EXPECT_TRUE(s.Matches("x.dot.example"));
    EXPECT_TRUE(s.Matches("xn--bcher-kva.example"));
    EXPECT_TRUE(s.Matches("www.xn--bcher-kva.example"));
    EXPECT_TRUE(s.Matches("trailing.example"));
    EXPECT_TRUE(s.Matches("192.0.2.66"));
    EXPECT_FALSE(s.Matches("1.192.0.2.66"));
    EXPECT_TRUE(s.Matches("[2001:db8::66]"));
    EXPECT_FALSE(s.Matches("[2001:db8::67]"));
    DomainSet bad;
    for (std::string_view d : {"", "*.", "http://x.example", "x.example/path", "a b", "user@x.example", "x..example",
                               "-x.example", "[::1", "%41.example"}) {
        EXPECT_FALSE(bad.Add(d)) << d;
    }
    EXPECT_TRUE(bad.empty());
}

TEST(DomainSet, ParsesListFiles) {
    std::string error;
    auto list = DomainSet::ParseList(
        "# comment\n\nevil.example\r\n  spaced.example  # trailing\n"
        "0.0.0.0 hosts.example\n127.0.0.1\tother.example\n",
        &error);
    ASSERT_TRUE(list) << error;
    EXPECT_EQ(list->size(), 4u);
    EXPECT_TRUE(list->Matches("www.spaced.example"));
    EXPECT_TRUE(list->Matches("hosts.example"));
    EXPECT_FALSE(DomainSet::ParseList("ok.example\nbad domain here\n", &error));
    EXPECT_EQ(error, "line 2: expected one domain per line");
    EXPECT_FALSE(DomainSet::ParseList("ok.example\n\nnot_a_domain!\n", &error));
    EXPECT_NE(error.find("line 3"), std::string::npos);
    EXPECT_TRUE(DomainSet::ParseList(""));
}

TEST(UrlPolicy, RefusesBlockedDomainsAndOtherShorteners) {
    FixedList blocked;
    blocked.list = std::make_shared<DomainSet>(SetOf({"evil.example", "bit.ly"}));
    UrlPolicyOptions options;
    options.own_hosts = {"sho.rt"};
    options.blocklist = &blocked;
    auto shorteners = std::make_shared<DomainSet>();
    for (auto d : KnownShortenerDomains()) ASSERT_TRUE(shorteners->Add(d)) << d;
    options.shorteners = shorteners;

    auto error_of = [&](std::string_view url) {
        auto r = CheckUrl(url, options);
        return r ? Errc::kOk : ToErrc(r.error());
    };
    EXPECT_EQ(error_of("https://evil.example/x"), Errc::kUrlBlocked);
    EXPECT_EQ(error_of("https://WWW.EVIL.EXAMPLE./x"), Errc::kUrlBlocked);
    EXPECT_EQ(error_of("https://evil.example:8443/x"), Errc::kUrlBlocked);
    EXPECT_EQ(error_of("https://bit.ly/abc"), Errc::kUrlBlocked);  // the operator's list comes first
    EXPECT_EQ(error_of("https://tinyurl.com/abc"), Errc::kUrlShortener);
    EXPECT_EQ(error_of("https://T.CO/abc"), Errc::kUrlShortener);
    EXPECT_EQ(error_of("https://www.tinyurl.com/abc"), Errc::kUrlShortener);
    EXPECT_EQ(error_of("https://sho.rt/abc"), Errc::kUrlSelfReference);
    EXPECT_EQ(error_of("https://youtu.be/dQw4w9WgXcQ"), Errc::kOk);  // a content domain, not a shortener
    EXPECT_EQ(error_of("https://example.com/bit.ly"), Errc::kOk);
    EXPECT_EQ(error_of("https://notbit.ly/"), Errc::kOk);
    // The list can change between calls (a reloaded file), and null means none.
    blocked.list = nullptr;
    EXPECT_EQ(error_of("https://evil.example/x"), Errc::kOk);
    options.shorteners = nullptr;
    EXPECT_EQ(error_of("https://tinyurl.com/abc"), Errc::kOk);
}

TEST(NormalizeDomainHost, IdnToPunycodeLowerCaseWithoutTrailingDot) {
    EXPECT_EQ(NormalizeDomainHost("Go.Acme.COM").value(), "go.acme.com");
    EXPECT_EQ(NormalizeDomainHost("go.acme.com.").value(), "go.acme.com");
    EXPECT_EQ(NormalizeDomainHost("Bücher.Example").value(), "xn--bcher-kva.example");
    EXPECT_EQ(NormalizeDomainHost("xn--bcher-kva.example").value(), "xn--bcher-kva.example");
}

TEST(NormalizeDomainHost, RefusesWhatIsNotAHostName) {
    for (std::string_view bad : {"", "localhost", "a.test:8080", "https://a.test", "a.test/x", "127.0.0.1", "[::1]",
                                 "a..test", "-a.test", "a_b.test", "a%2eb.test", "user@a.test", "a .test", "."}) {
        auto r = NormalizeDomainHost(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(ToErrc(r.error()), Errc::kInvalidDomain) << bad;
    }
}

}  // namespace
}  // namespace shortener::core
