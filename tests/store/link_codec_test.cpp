// The JSON encoding of tags and targeting shared by the stores and the Redis link cache.

#include "store/link_codec.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace shortener::store
