#include "core/client_address.hpp"

#include <gtest/gtest.h>

#include <random>

namespace shortener::core {
namespace {

TrustedProxies Trusted(const char* list) { return *TrustedProxies::Parse(list); }

std::string Resolve(const char* peer, std::vector<std::string_view> xff, std::vector<std::string_view> fwd,
                    const TrustedProxies& t) {
    return ResolveClientAddress(peer, {std::move(xff), std::move(fwd)}, t);
}

TEST(IpAddress, ParsesV4V6AndMapped) {
    EXPECT_EQ(IpAddress::Parse("192.0.2.1")->ToString(), "192.0.2.1");
    EXPECT_EQ(IpAddress::Parse("2001:DB8::1")->ToString(), "2001:db8::1");
    auto mapped = IpAddress::Parse("::ffff:81.2.69.142");
    ASSERT_TRUE(mapped);
    EXPECT_TRUE(mapped->v4);
    EXPECT_EQ(mapped->ToString(), "81.2.69.142");
    EXPECT_EQ(*mapped, *IpAddress::Parse("81.2.69.142"));
    // IPv4 text is formatted without inet_ntop: every octet width, both ends of the range.
    for (const char* v4 : {"0.0.0.0", "255.255.255.255", "10.0.0.1", "9.99.100.255", "100.10.1.0"}) {
        EXPECT_EQ(IpAddress::Parse(v4)->ToString(), v4);
    }
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", "::g", "fe80::1%eth0", "unknown",
                            "1.2.3.4:80", "[::1]", "01.2.3.4.5"}) {
        EXPECT_FALSE(IpAddress::Parse(bad)) << bad;
    }
}

TEST(IpAddress, ParseLooseTakesPortsBracketsQuotes) {
    EXPECT_EQ(IpAddress::ParseLoose(" 1.2.3.4:5678 ")->ToString(), "1.2.3.4");
    EXPECT_EQ(IpAddress::ParseLoose("[2001:db8::17]:4711")->ToString(), "2001:db8::17");
    EXPECT_EQ(IpAddress::ParseLoose("\"[2001:db8::17]\"")->ToString(), "2001:db8::17");
    EXPECT_EQ(IpAddress::ParseLoose("2001:db8::17")->ToString(), "2001:db8::17");
    EXPECT_FALSE(IpAddress::ParseLoose("[2001:db8::17"));
    EXPECT_FALSE(IpAddress::ParseLoose("[::1]x"));
    EXPECT_FALSE(IpAddress::ParseLoose("_hidden"));
}

TEST(IpAddress, PublicOrNot) {
    for (const char* p : {"8.8.8.8", "81.2.69.142", "2001:480:10::1", "2a00:1450::1"}) {
        EXPECT_TRUE(IpAddress::Parse(p)->IsPublic()) << p;
    }
    for (const char* n :
         {"10.0.0.1", "172.31.255.255", "192.168.1.1", "127.0.0.1", "169.254.0.1", "100.64.1.1", "0.0.0.0", "224.0.0.1",
          "240.0.0.1", "::1", "::", "fe80::1", "fc00::1", "ff02::1", "2001:db8::1", "::ffff:10.0.0.1"}) {
        EXPECT_FALSE(IpAddress::Parse(n)->IsPublic()) << n;
    }
}

TEST(Cidr, ParseAndContains) {
    auto c = Cidr::Parse("10.0.0.0/8");
    ASSERT_TRUE(c);
    EXPECT_TRUE(c->Contains(*IpAddress::Parse("10.255.1.2")));
    EXPECT_FALSE(c->Contains(*IpAddress::Parse("11.0.0.1")));
    EXPECT_TRUE(c->Contains(*IpAddress::Parse("::ffff:10.1.1.1")));
    auto v6 = Cidr::Parse("2001:db8::/33");
    EXPECT_TRUE(v6->Contains(*IpAddress::Parse("2001:db8:7fff::1")));
    EXPECT_FALSE(v6->Contains(*IpAddress::Parse("2001:db8:8000::1")));
    EXPECT_FALSE(v6->Contains(*IpAddress::Parse("10.0.0.1")));
    EXPECT_TRUE(Cidr::Parse("10.1.2.3/12")->Contains(*IpAddress::Parse("10.15.0.0")));  // host bits masked
    EXPECT_TRUE(Cidr::Parse("::ffff:10.0.0.0/104")->Contains(*IpAddress::Parse("10.9.9.9")));
    EXPECT_EQ(Cidr::Parse("192.0.2.7")->prefix, 32u);
    EXPECT_TRUE(Cidr::Parse("0.0.0.0/0")->Contains(*IpAddress::Parse("8.8.8.8")));
    for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "x/8", "/8",
                            "10.0.0.0/0008", "::ffff:10.0.0.0/95"}) {
        EXPECT_FALSE(Cidr::Parse(bad)) << bad;
    }
}

TEST(TrustedProxies, ParsesLists) {
    auto t = TrustedProxies::Parse(" 10.0.0.0/8, 127.0.0.1/32 ,::1,, fd00::/8 ");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->networks().size(), 4u);
    EXPECT_TRUE(TrustedProxies::Parse("")->empty());
    std::string error;
    EXPECT_FALSE(TrustedProxies::Parse("10.0.0.0/8,bogus", &error));
    EXPECT_NE(error.find("bogus"), std::string::npos);
}

TEST(ClientAddress, PeerWhenNoProxiesAreTrusted) {
    TrustedProxies none;
    EXPECT_EQ(Resolve("203.0.113.9", {"81.2.69.142"}, {}, none), "203.0.113.9");
    EXPECT_EQ(Resolve("::ffff:203.0.113.9", {}, {}, none), "203.0.113.9");
    EXPECT_EQ(Resolve("not-an-ip", {}, {}, none), "");
}

TEST(ClientAddress, ForgedHeadersFromOutsideGainNothing) {
    auto t = Trusted("10.0.0.0/8");
    EXPECT_EQ(Resolve("198.51.100.20", {"81.2.69.142"}, {}, t), "198.51.100.20");
    EXPECT_EQ(Resolve("198.51.100.20", {}, {"for=81.2.69.142"}, t), "198.51.100.20");
    // A client forging a "trusted" hop: still the peer.
    EXPECT_EQ(Resolve("198.51.100.20", {"10.0.0.5"}, {}, t), "198.51.100.20");
}

TEST(ClientAddress, RightMostUntrustedThroughTrustedProxies) {
    auto t = Trusted("10.0.0.0/8, 127.0.0.1/32");
    EXPECT_EQ(Resolve("127.0.0.1", {"81.2.69.142"}, {}, t), "81.2.69.142");
    // The client put a fake address first; the proxy appended the real one: the right-most untrusted wins.
    EXPECT_EQ(Resolve("10.0.0.2", {"1.1.1.1, 81.2.69.142, 10.0.0.7"}, {}, t), "81.2.69.142");
    EXPECT_EQ(Resolve("10.0.0.2", {"1.1.1.1", "81.2.69.142,10.0.0.7"}, {}, t), "81.2.69.142");  // several lines
    EXPECT_EQ(Resolve("10.0.0.2", {"81.2.69.142", "10.0.0.7, 10.0.0.6", ""}, {}, t), "81.2.69.142");
    EXPECT_EQ(Resolve("10.0.0.2", {"81.2.69.142", "1.1.1.1", "10.0.0.7"}, {}, t), "1.1.1.1");
    EXPECT_EQ(Resolve("10.0.0.2", {"81.2.69.142:5555"}, {}, t), "81.2.69.142");
    EXPECT_EQ(Resolve("10.0.0.2", {"[2001:480:10::1]:443"}, {}, t), "2001:480:10::1");
    EXPECT_EQ(Resolve("::ffff:127.0.0.1", {"2001:480:10::1"}, {}, t), "2001:480:10::1");
    // Every hop trusted: the left-most one.
    EXPECT_EQ(Resolve("10.0.0.2", {"10.0.0.9, 10.0.0.8"}, {}, t), "10.0.0.9");
    // Garbage stops the walk at the last trusted hop.
    EXPECT_EQ(Resolve("10.0.0.2", {"81.2.69.142, garbage, 10.0.0.8"}, {}, t), "10.0.0.8");
    EXPECT_EQ(Resolve("10.0.0.2", {"unknown"}, {}, t), "10.0.0.2");
    EXPECT_EQ(Resolve("10.0.0.2", {""}, {}, t), "10.0.0.2");
    EXPECT_EQ(Resolve("10.0.0.2", {",,, ,"}, {}, t), "10.0.0.2");
}

TEST(ClientAddress, ForwardedRfc7239) {
    auto t = Trusted("10.0.0.0/8");
    EXPECT_EQ(Resolve("10.0.0.2", {}, {"for=192.0.2.60;proto=http;by=203.0.113.43"}, t), "192.0.2.60");
    EXPECT_EQ(Resolve("10.0.0.2", {}, {"for=\"[2001:db8:cafe::17]:4711\""}, t), "2001:db8:cafe::17");
    EXPECT_EQ(Resolve("10.0.0.2", {}, {"For=\"1.1.1.1\", for=81.2.69.142;proto=https, for=10.1.1.1"}, t),
              "81.2.69.142");
    EXPECT_EQ(Resolve("10.0.0.2", {}, {"for=_hidden, for=10.1.1.1"}, t), "10.1.1.1");
    EXPECT_EQ(Resolve("10.0.0.2", {}, {"proto=https"}, t), "10.0.0.2");
    // X-Forwarded-For wins when both are present.
    EXPECT_EQ(Resolve("10.0.0.2", {"81.2.69.160"}, {"for=81.2.69.142"}, t), "81.2.69.160");
    auto fors = ParseForwardedFor({"for=a;by=b, by=c;for=\"d,e\"", "FOR=f"});
    EXPECT_EQ(fors, (std::vector<std::string>{"a", "d,e", "f"}));
    // Hostile: unterminated quotes, stray separators, escapes.
    EXPECT_EQ(Resolve("10.0.0.2", {}, {"for=\"81.2.69.142"}, t), "81.2.69.142");
    EXPECT_EQ(Resolve("10.0.0.2", {}, {";;,,=;=,for"}, t), "10.0.0.2");
    EXPECT_EQ(Resolve("10.0.0.2", {}, {"for=\"\\\"1.2.3.4\\\"\""}, t), "1.2.3.4");
}

TEST(ClientAddress, Ipv6Proxies) {
    auto t = Trusted("fd00::/8, ::1");
    EXPECT_EQ(Resolve("::1", {"2001:480:10::1, fd00::5"}, {}, t), "2001:480:10::1");
    EXPECT_EQ(Resolve("fd12::1", {"81.2.69.142"}, {}, t), "81.2.69.142");
    EXPECT_EQ(Resolve("2001:480:10::2", {"81.2.69.142"}, {}, t), "2001:480:10::2");
}

TEST(ClientAddress, RandomHostileHeadersNeverCrashAndAlwaysGiveAnAddress) {
    auto t = Trusted("10.0.0.0/8, ::1");
    std::mt19937 rng(7);
    const std::string alphabet = "0123456789abcdef:.,;=\"[]_ forFOR%\\-/\t";
    for (int i = 0; i < 20000; ++i) {
        std::string xff, fwd;
        const int n = static_cast<int>(rng() % 40);
        for (int k = 0; k < n; ++k) xff += alphabet[rng() % alphabet.size()];
        for (int k = 0; k < n; ++k) fwd += alphabet[rng() % alphabet.size()];
        auto got = i % 2 ? Resolve("10.1.2.3", {xff}, {fwd}, t) : Resolve("10.1.2.3", {}, {fwd}, t);
        ASSERT_TRUE(IpAddress::Parse(got)) << got;
    }
}

}  // namespace
}  // namespace shortener::core
