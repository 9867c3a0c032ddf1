#include "core/slug.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "support/fakes.hpp"

namespace shortener::core {
namespace {

using shortener::testing::ScriptedSlugs;
using shortener::testing::SeededRandom;

// Raw bytes, cyclically; local because the bias test needs bytes >= 64, which testing::ScriptedSlugs cannot give.
class ScriptedRandom final : public RandomSource {
  public:
    explicit ScriptedRandom(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
    void Fill(std::span<std::uint8_t> out) noexcept override {
        for (auto& b : out) b = bytes_[next_++ % bytes_.size()];
    }

  private:
    std::vector<std::uint8_t> bytes_;
    std::size_t next_ = 0;
};

TEST(SlugGenerator, UsesUrlSafeAlphabet) {
    SeededRandom random;
    SlugGenerator gen(random);
    for (int i = 0; i < 1000; ++i) {
        auto slug = gen.Next();
        ASSERT_EQ(slug.size(), 6u);
        EXPECT_TRUE(IsSlugShaped(slug)) << slug;
    }
}

TEST(SlugGenerator, AlphabetHas64DistinctSymbols) {
    std::set<char> symbols(kSlugAlphabet.begin(), kSlugAlphabet.end());
    EXPECT_EQ(symbols.size(), 64u);
    for (char c : kSlugAlphabet) EXPECT_TRUE(IsSlugShaped(std::string_view(&c, 1)));
}

TEST(SlugGenerator, MapsBytesWithoutBias) {
    // Byte b and b+64, b+128, b+192 must map to the same symbol: masking keeps all 64 symbols equally likely.
    ScriptedRandom random({0, 64, 128, 192, 63, 255});
    SlugGenerator gen(random);
    auto slug = gen.Next();
    EXPECT_EQ(slug[0], kSlugAlphabet[0]);
    EXPECT_EQ(slug[1], kSlugAlphabet[0]);
    EXPECT_EQ(slug[2], kSlugAlphabet[0]);
    EXPECT_EQ(slug[3], kSlugAlphabet[0]);
    EXPECT_EQ(slug[4], kSlugAlphabet[63]);
    EXPECT_EQ(slug[5], kSlugAlphabet[63]);
}

TEST(SlugGenerator, SpreadsOverTheAlphabet) {
    SeededRandom random;
    SlugGenerator gen(random, 8);
    std::map<char, int> counts;
    for (int i = 0; i < 8000; ++i) {
        for (char c : gen.Next()) ++counts[c];
    }
    ASSERT_EQ(counts.size(), 64u);
    for (auto [c, n] : counts) EXPECT_NEAR(n, 1000, 200) << c;
}

TEST(SlugGenerator, ConfigurableLength) {
    SeededRandom random;
    EXPECT_EQ(SlugGenerator(random, 10).Next().size(), 10u);
    EXPECT_EQ(SlugGenerator(random, 4).Next().size(), 4u);
}

TEST(SlugGenerator, NeverProducesReservedWords) {
    // "health" drawn first (as alphabet indices); the generator must draw again.
    ScriptedSlugs random({"health", "abcdef"});
    SlugGenerator gen(random);
    EXPECT_EQ(gen.Next(), "abcdef");
}

TEST(CustomSlug, AcceptsValid) {
    for (std::string_view s : {"abc", "My-Link_2024", "a-b"}) EXPECT_TRUE(CheckCustomSlug(s).has_value()) << s;
    EXPECT_TRUE(CheckCustomSlug(std::string(64, 'x')).has_value());
}

TEST(CustomSlug, RejectsBadShape) {
    for (std::string_view s : {"", "ab", "has space", "dot.ted", "slash/", "percent%20", "ümlaut", "emoji😀", "tab\t"}) {
        auto r = CheckCustomSlug(s);
        ASSERT_FALSE(r.has_value()) << s;
        EXPECT_EQ(ToErrc(r.error()), Errc::kInvalidSlug) << s;
    }
    EXPECT_EQ(ToErrc(CheckCustomSlug(std::string(65, 'a')).error()), Errc::kInvalidSlug);
}

TEST(CustomSlug, RejectsReservedWordsCaseInsensitively) {
    for (std::string_view s : {"api", "API", "app", "admin", "Admin", "static", "_next", "healthz", "readyz", "metrics",
                               "assets", "login"}) {
        auto r = CheckCustomSlug(s);
        ASSERT_FALSE(r.has_value()) << s;
        EXPECT_EQ(ToErrc(r.error()), Errc::kSlugReserved) << s;
    }
    EXPECT_TRUE(IsReservedSlug("favicon.ico"));
    EXPECT_TRUE(IsReservedSlug("robots.txt"));
    EXPECT_FALSE(IsReservedSlug("apis"));
}

}  // namespace
}  // namespace shortener::core
