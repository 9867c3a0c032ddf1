#include "enrich/visitor_id.hpp"

#include <gtest/gtest.h>

namespace shortener::enrich {
namespace {

constexpr std::int64_t kDay = 86'400'000;
constexpr std::int64_t kNoon = 20'000 * kDay + kDay / 2;

TEST(VisitorId, StableWithinADayDistinctAcrossAddressesAndAgents) {
    InMemorySaltStore store;
    VisitorIdHasher h(store);
    auto a = h.VisitorId(kNoon, "203.0.113.7", "UA");
    EXPECT_EQ(a.size(), 32u);
    EXPECT_EQ(a, h.VisitorId(kNoon + 3'600'000, "203.0.113.7", "UA"));
    EXPECT_NE(a, h.VisitorId(kNoon, "203.0.113.8", "UA"));
    EXPECT_NE(a, h.VisitorId(kNoon, "203.0.113.7", "UA2"));
    EXPECT_NE(h.VisitorId(kNoon, "ab", "c"), h.VisitorId(kNoon, "a", "bc"));
    // A hash, never the address: hex digits only (a bare "203" may well occur in random hex).
    EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
    EXPECT_EQ(a.find("203.0.113.7"), std::string::npos);
}

TEST(VisitorId, RotatesDailyAndForgetsOldSalts) {
    InMemorySaltStore store;
    VisitorIdHasher h(store);
    auto day1 = h.VisitorId(kNoon, "198.51.100.1", "UA");
    auto day2 = h.VisitorId(kNoon + kDay, "198.51.100.1", "UA");
    EXPECT_NE(day1, day2);
    // Yesterday's salt is kept for late clicks ...
    EXPECT_EQ(day1, h.VisitorId(kNoon + 1, "198.51.100.1", "UA"));
    EXPECT_EQ(store.size(), 2u);
    // ... and deleted once a further day starts; clicks that old get no visitor id.
    h.VisitorId(kNoon + 2 * kDay, "198.51.100.1", "UA");
    EXPECT_EQ(store.size(), 2u);
    EXPECT_EQ(h.VisitorId(kNoon, "198.51.100.1", "UA"), "");
}

TEST(VisitorId, SaltsAreRandomAndSharedThroughTheStore) {
    InMemorySaltStore store_a, store_b;
    VisitorIdHasher a(store_a), b(store_b);
    EXPECT_NE(a.VisitorId(kNoon, "x", "y"), b.VisitorId(kNoon, "x", "y"));
    VisitorIdHasher a2(store_a);  // another worker on the same store agrees
    EXPECT_EQ(a.VisitorId(kNoon, "x", "y"), a2.VisitorId(kNoon, "x", "y"));
}

TEST(VisitorId, UtcDay) {
    EXPECT_EQ(VisitorIdHasher::UtcDay(0), 0);
    EXPECT_EQ(VisitorIdHasher::UtcDay(kDay - 1), 0);
    EXPECT_EQ(VisitorIdHasher::UtcDay(kDay), 1);
    EXPECT_EQ(VisitorIdHasher::UtcDay(-1), -1);
}

}  // namespace
}  // namespace shortener::enrich
