// The JSON encoding of tags and targeting shared by the stores and the Redis link cache.

#include "store/link_codec.hpp"

#include <gtest/gtest.h>

#include "store/facets.hpp"

namespace shortener::store {
namespace {

using core::Targeting;

TEST(TargetingJson, RoundTrips) {
    Targeting t{.ios = "https://i/", .android = {}, .countries = {{"DE", "https://d/\"x"}, {"US", "https://u/"}}};
    auto back = TargetingFromJson(TargetingToJson(t));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, t);
    EXPECT_EQ(TargetingToJson(Targeting{}), "");
    EXPECT_TRUE(TargetingFromJson("")->Empty());
    EXPECT_FALSE(TargetingFromJson("[1]"));
    EXPECT_FALSE(TargetingFromJson("{\"ios\":3}"));
    EXPECT_FALSE(TargetingFromJson("{\"countries\":{\"DE\":1}}"));
}

TEST(TagsJson, RoundTrips) {
    const std::vector<std::string> tags{"a", "b \"c\"", "ü"};
    EXPECT_EQ(TagsFromJson(TagsToJson(tags)), tags);
    EXPECT_EQ(TagsToJson({}), "[]");
    EXPECT_TRUE(TagsFromJson("").empty());
    EXPECT_TRUE(TagsFromJson("{}").empty());
    EXPECT_EQ(TagsFromJson("[\"x\", 1, null]"), std::vector<std::string>{"x"});
}

TEST(UtmFacet, OnlyClicksWithUtmAndEveryPartDerived) {
    core::ClickDimensions d;
    EXPECT_EQ(UtmFacetValue(d), "");
    d.utm_medium = "email";
    d.utm_content = "banner";
    const std::string value = UtmFacetValue(d);
    EXPECT_EQ(value,
              "\x1f"
              "email\x1f\x1f\x1f"
              "banner");
    const FacetCount rows[] = {{"utm", value, 3, 2, 1}, {"geo", "DE\x1f\x1f", 9, 9, 0}};
    auto top = TopFromFacets(rows, kUtmDimensions, true, 10);
    ASSERT_EQ(top.size(), 5u);
    EXPECT_EQ(top[0].first, "utm_source");
    EXPECT_EQ(top[0].second.at(0).value, "");
    EXPECT_EQ(top[1].second.at(0).value, "email");
    EXPECT_EQ(top[1].second.at(0).clicks, 3);
    EXPECT_EQ(top[4].second.at(0).value, "banner");
    EXPECT_EQ(FacetOf("utm_term"), "utm");
}

TEST(PreviewJson, RoundTripsWithoutTabsOrNewlines) {
    const core::SocialPreview p{"Tab\there \"q\" ü", "Line\nbreak", "https://cdn.example/i.png"};
    const std::string json = PreviewToJson(p);
    EXPECT_EQ(json.find('\t'), std::string::npos);
    EXPECT_EQ(json.find('\n'), std::string::npos);
    EXPECT_EQ(PreviewFromJson(json), p);
    EXPECT_EQ(PreviewToJson({}), "");
    EXPECT_TRUE(PreviewFromJson("")->Empty());
    EXPECT_EQ(PreviewFromJson(R"({"t":"only"})")->title, "only");
    EXPECT_FALSE(PreviewFromJson("[1]"));
    EXPECT_FALSE(PreviewFromJson(R"({"t":1})"));
}

}  // namespace
}  // namespace shortener::store
