#include "enrich/geo_locator.hpp"

#include <gtest/gtest.h>

namespace shortener::enrich {
namespace {

const std::string kCityTest = SHORTENER_TESTDATA_DIR "/maxmind/test-data/GeoIP2-City-Test.mmdb";
const std::string kLiteTest = SHORTENER_TESTDATA_DIR "/maxmind/test-data/GeoLite2-City-Test.mmdb";

core::IpAddress Ip(const char* text) { return *core::IpAddress::Parse(text); }

TEST(GeoLocator, LondonIpv4) {
    GeoLocator geo(kCityTest);
    ASSERT_TRUE(geo.enabled()) << geo.error();
    EXPECT_EQ(geo.database_type(), "GeoIP2-City");
    auto r = geo.Lookup(Ip("81.2.69.142"));
    EXPECT_EQ(r.country_code, "GB");
    EXPECT_EQ(r.country_name, "United Kingdom");
    EXPECT_EQ(r.region, "England");
    EXPECT_EQ(r.city, "London");
    ASSERT_TRUE(r.latitude && r.longitude);
    EXPECT_DOUBLE_EQ(*r.latitude, 51.5);   // 51.5142 rounded to one decimal
    EXPECT_DOUBLE_EQ(*r.longitude, -0.1);  // -0.0931
}

TEST(GeoLocator, Ipv4MappedIpv6IsTheSameAddress) {
    GeoLocator geo(kCityTest);
    auto r = geo.Lookup(Ip("::ffff:81.2.69.142"));
    EXPECT_EQ(r.city, "London");
}

TEST(GeoLocator, NonAsciiNamesAndOtherCountries) {
    GeoLocator geo(kCityTest);
    auto se = geo.Lookup(Ip("89.160.20.112"));
    EXPECT_EQ(se.country_code, "SE");
    EXPECT_EQ(se.city, "Linköping");
    EXPECT_EQ(se.region, "Östergötland County");
    auto us = geo.Lookup(Ip("216.160.83.56"));
    EXPECT_EQ(us.country_name, "United States");
    EXPECT_EQ(us.region, "Washington");
    EXPECT_EQ(us.city, "Milton");
}

TEST(GeoLocator, Ipv6) {
    GeoLocator geo(kCityTest);
    auto r = geo.Lookup(Ip("2001:480:10::1"));
    EXPECT_EQ(r.country_code, "US");
    EXPECT_EQ(r.region, "California");
    EXPECT_EQ(r.city, "San Diego");
    auto jp = geo.Lookup(Ip("2001:218::1"));
    EXPECT_EQ(jp.country_code, "JP");
    EXPECT_EQ(jp.city, "");
    EXPECT_FALSE(jp.region.size());
}

TEST(GeoLocator, CountryOnlyRecords) {
    GeoLocator geo(kLiteTest);
    ASSERT_TRUE(geo.enabled());
    auto r = geo.Lookup(Ip("67.43.156.0"));
    EXPECT_EQ(r.country_code, "BT");
    EXPECT_EQ(r.city, "");
}

TEST(GeoLocator, CountryOnlyModeDropsCityAndCoordinates) {
    GeoLocator geo(kCityTest);
    auto r = geo.Lookup(Ip("81.2.69.142"), /*country_only=*/true);
    EXPECT_EQ(r.country_code, "GB");
    EXPECT_EQ(r.country_name, "United Kingdom");
    EXPECT_EQ(r.region, "");
    EXPECT_EQ(r.city, "");
    EXPECT_FALSE(r.latitude);
}

TEST(GeoLocator, PrivateLoopbackReservedAndUnknownAreUnknownNotErrors) {
    GeoLocator geo(kCityTest);
    for (const char* a : {"10.1.2.3", "192.168.0.1", "172.16.5.4", "127.0.0.1", "::1", "fe80::1", "fd00::1",
                          "169.254.1.1", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "192.0.2.1",
                          "2001:db8::1", "8.8.8.8" /* not in the test database */}) {
        auto r = geo.Lookup(Ip(a));
        EXPECT_EQ(r.country_code, "") << a;
        EXPECT_EQ(r.city, "") << a;
    }
}

TEST(GeoLocator, MissingOrCorruptDatabaseDisablesGeoWithoutThrowing) {
    GeoLocator missing("/nonexistent/GeoLite2-City.mmdb");
    EXPECT_FALSE(missing.enabled());
    EXPECT_NE(missing.error().find("cannot open"), std::string::npos);
    EXPECT_EQ(missing.Lookup(Ip("81.2.69.142")).country_code, "");
    GeoLocator not_mmdb(SHORTENER_TESTDATA_DIR "/maxmind/README.md");
    EXPECT_FALSE(not_mmdb.enabled());
    GeoLocator none("");
    EXPECT_FALSE(none.enabled());
}

}  // namespace
}  // namespace shortener::enrich
