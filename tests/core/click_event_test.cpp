#include "core/click_event.hpp"

#include <gtest/gtest.h>

#include <set>

#include "support/fakes.hpp"

namespace shortener::core {
namespace {

using shortener::testing::SequenceRandom;

TEST(EventId, IsUuidV7WithTimePrefix) {
    SequenceRandom random;
    EventIdGenerator gen(random);
    auto t = FromUnixMillis(0x0123456789AB);
    auto id = gen.Next(t);
    auto text = id.ToString();
    ASSERT_EQ(text.size(), 36u);
    EXPECT_EQ(text.substr(0, 13), "01234567-89ab");
    EXPECT_EQ(text[14], '7');                                                    // version
    EXPECT_NE(std::string_view("89ab").find(text[19]), std::string_view::npos);  // variant
    auto parsed = EventId::Parse(text);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(*parsed, id);
}

TEST(EventId, UniqueAndOrderedByTime) {
    SequenceRandom random;
    EventIdGenerator gen(random);
    std::set<std::string> seen;
    std::string last;
    for (int i = 0; i < 10000; ++i) {
        auto s = gen.Next(FromUnixMillis(1'700'000'000'000 + i)).ToString();
        EXPECT_TRUE(seen.insert(s).second);
        EXPECT_LT(last, s);
        last = s;
    }
}

TEST(EventId, ParseRejectsGarbage) {
    EXPECT_FALSE(EventId::Parse(""));
    EXPECT_FALSE(EventId::Parse("0123456789ab-cdef-0123-4567-89abcdef0123"));
    EXPECT_FALSE(EventId::Parse("01234567-89ab-cdef-0123-456789abcdeg"));
}

TEST(ClickEvent, CropsHostileFields) {
    std::string huge_ua(10'000, 'A');
    std::string referer = std::string(ClickEvent::kMaxRefererLength - 1, 'r') + "é";  // é straddles the limit
    auto e = ClickEvent::Make(EventId{}, 7, FromUnixMillis(1), {.user_agent = huge_ua, .referer = referer});
    EXPECT_EQ(e.user_agent.size(), ClickEvent::kMaxUserAgentLength);
    EXPECT_EQ(e.referer.size(), ClickEvent::kMaxRefererLength - 1);  // never half a UTF-8 sequence
    EXPECT_EQ(e.link_id, 7);
}

}  // namespace
}  // namespace shortener::core
