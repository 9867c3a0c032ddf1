#include "core/time.hpp"

#include <gtest/gtest.h>

namespace shortener::core {
namespace {

TEST(Rfc3339, RoundTrips) {
    auto t = ParseRfc3339("2024-02-29T23:59:58.123Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(FormatRfc3339(*t), "2024-02-29T23:59:58.123Z");
}

TEST(Rfc3339, AppliesOffsets) {
    auto a = ParseRfc3339("2024-05-01T14:00:00+02:00");
    auto b = ParseRfc3339("2024-05-01T12:00:00Z");
    auto c = ParseRfc3339("2024-05-01T07:30:00-04:30");
    ASSERT_TRUE(a && b && c);
    EXPECT_EQ(*a, *b);
    EXPECT_EQ(*c, *b);
}

TEST(Rfc3339, KnownEpoch) {
    EXPECT_EQ(ToUnixMillis(*ParseRfc3339("1970-01-01T00:00:01Z")), 1000);
    EXPECT_EQ(ToUnixMillis(*ParseRfc3339("2001-09-09T01:46:40.5Z")), 1000000000500);
}

TEST(Rfc3339, RejectsMalformed) {
    for (std::string_view s : {"", "2024-05-01", "2024-05-01T12:00:00", "2024-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
                               "2024-05-01T24:00:00Z", "2024-05-01T12:00:00+2:00", "2024-05-01T12:00:00Zjunk",
                               "2024-05-01T12:00:00.Z", "yesterday", "2024-05-01T12:60:00Z"}) {
        EXPECT_FALSE(ParseRfc3339(s)) << s;
    }
}

}  // namespace
}  // namespace shortener::core
