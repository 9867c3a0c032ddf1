// Device detection, country codes, query forwarding and the destination order of targeted links.

#include "core/targeting.hpp"

#include <gtest/gtest.h>

namespace shortener::core {
namespace {

TEST(DetectDevice, FromUserAgentAndClientHints) {
    EXPECT_EQ(DetectDevice("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)", ""), DeviceClass::kIos);
    EXPECT_EQ(DetectDevice("Mozilla/5.0 (iPad; CPU OS 16_0 like Mac OS X)", ""), DeviceClass::kIos);
    EXPECT_EQ(DetectDevice("Mozilla/5.0 (iPod touch; CPU iPhone OS 12_0 like Mac OS X)", ""), DeviceClass::kIos);
    EXPECT_EQ(DetectDevice("Mozilla/5.0 (Linux; Android 14; Pixel 8)", ""), DeviceClass::kAndroid);
    EXPECT_EQ(DetectDevice("Mozilla/5.0 (Windows NT 10.0; Win64; x64)", ""), DeviceClass::kOther);
    EXPECT_EQ(DetectDevice("Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; iPhone)", ""), DeviceClass::kOther);
    EXPECT_EQ(DetectDevice("", ""), DeviceClass::kOther);
    // Sec-CH-UA-Platform, when sent, decides (Chrome reduces the User-Agent on Android).
    EXPECT_EQ(DetectDevice("Mozilla/5.0 (Linux; Android 10; K)", "\"Android\""), DeviceClass::kAndroid);
    EXPECT_EQ(DetectDevice("Mozilla/5.0 (X11; Linux x86_64)", "\"Android\""), DeviceClass::kAndroid);
    EXPECT_EQ(DetectDevice("", "\"iOS\""), DeviceClass::kIos);
    EXPECT_EQ(DetectDevice("Mozilla/5.0 (Linux; Android 14)", "\"Windows\""), DeviceClass::kOther);
}

TEST(CountryCodes, OnlyAssignedAlpha2Codes) {
    for (const char* code : {"DE", "US", "JP", "GB", "AD", "ZW", "XK"}) EXPECT_TRUE(IsCountryCode(code)) << code;
    for (const char* code : {"ZZ", "UK", "EU", "de", "D", "DEU", "", "A ", " A", "AA"}) {
        EXPECT_FALSE(IsCountryCode(code)) << code;
    }
}

TEST(AppendQuery, MergesBeforeTheFragment) {
    EXPECT_EQ(AppendQuery("https://e.com/p", "a=1"), "https://e.com/p?a=1");
    EXPECT_EQ(AppendQuery("https://e.com/p?x=1", "a=1&b=2"), "https://e.com/p?x=1&a=1&b=2");
    EXPECT_EQ(AppendQuery("https://e.com/p?", "a=1"), "https://e.com/p?a=1");
    EXPECT_EQ(AppendQuery("https://e.com/p?x=1&", "a=1"), "https://e.com/p?x=1&a=1");
    EXPECT_EQ(AppendQuery("https://e.com/p#top", "a=1"), "https://e.com/p?a=1#top");
    EXPECT_EQ(AppendQuery("https://e.com/p?x=1#top?y", "a=1"), "https://e.com/p?x=1&a=1#top?y");
    EXPECT_EQ(AppendQuery("https://e.com/p?x=1#top", ""), "https://e.com/p?x=1#top");
    // Bytes a URL cannot carry are escaped, so no header injection and no fragment smuggling.
    EXPECT_EQ(AppendQuery("https://e.com/", "a=\r\n b#c\"<\xc3\xa9"), "https://e.com/?a=%0D%0A%20b%23c%22%3C%C3%A9");
}

}  // namespace
}  // namespace shortener::core

namespace shortener::core {
namespace {

TEST(QrScanMarker, IsOneWholeParameterOfTheQuery) {
    EXPECT_TRUE(HasQrScanMarker("qr=1"));
    EXPECT_TRUE(HasQrScanMarker("a=1&qr=1"));
    EXPECT_TRUE(HasQrScanMarker("qr=1&b=2"));
    EXPECT_FALSE(HasQrScanMarker(""));
    EXPECT_FALSE(HasQrScanMarker("qr=10"));
    EXPECT_FALSE(HasQrScanMarker("xqr=1"));
    EXPECT_FALSE(HasQrScanMarker("qr=1x&a"));
    EXPECT_FALSE(HasQrScanMarker("q=qr=1"));
}

TEST(QrScanMarker, IsNotForwarded) {
    EXPECT_EQ(WithoutQrScanMarker("qr=1"), "");
    EXPECT_EQ(WithoutQrScanMarker("qr=1&utm_source=flyer"), "utm_source=flyer");
    EXPECT_EQ(WithoutQrScanMarker("a=1&qr=1&b=2&qr=1"), "a=1&b=2");
    EXPECT_EQ(WithoutQrScanMarker("a=1&qr=10"), "a=1&qr=10");
    EXPECT_EQ(AppendQuery("https://example.com/x?keep=1#top", WithoutQrScanMarker("qr=1&u=2")),
              "https://example.com/x?keep=1&u=2#top");
}

}  // namespace
}  // namespace shortener::core
