#include "auth/credentials.hpp"

#include <gtest/gtest.h>

#include <set>

namespace shortener::auth {
namespace {

TEST(Credentials, ApiKeysHaveTheContractShape) {
    std::string key = GenerateApiKey();
    EXPECT_EQ(key.size(), 3u + 43u);
    EXPECT_EQ(key.rfind("sk_", 0), 0u);
    EXPECT_TRUE(LooksLikeApiKey(key));
    EXPECT_EQ(DisplayPrefix(key), key.substr(0, 11));
    EXPECT_FALSE(LooksLikeApiKey(key.substr(0, key.size() - 1)));
    EXPECT_FALSE(LooksLikeApiKey(key + "x"));
    EXPECT_FALSE(LooksLikeApiKey("st_" + key.substr(3)));
    std::string bad = key;
    bad[10] = '-';
    EXPECT_FALSE(LooksLikeApiKey(bad));
    EXPECT_FALSE(LooksLikeApiKey(""));
}

TEST(Credentials, TokensAreUniqueAndUseTheWholeAlphabet) {
    std::set<std::string> seen;
    std::set<char> chars;
    for (int i = 0; i < 2000; ++i) {
        std::string t = GenerateToken();
        ASSERT_TRUE(LooksLikeToken(t)) << t;
        EXPECT_TRUE(seen.insert(t).second);
        chars.insert(t.begin(), t.end());
    }
    EXPECT_EQ(chars.size(), 62u);  // 86,000 draws leave no base62 character out
    std::string st = GenerateStatsToken();
    EXPECT_TRUE(LooksLikeStatsToken(st));
    EXPECT_FALSE(LooksLikeApiKey(st));
}

TEST(Credentials, Sha256HexMatchesKnownVectors) {
    EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Credentials, ConstantTimeEquals) {
    EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
    EXPECT_TRUE(ConstantTimeEquals("", ""));
    EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
    EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
    EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

TEST(Scopes, ParseAndName) {
    EXPECT_EQ(ParseScopeList("links:read,stats:read"), Scopes(kLinksRead | kStatsRead));
    EXPECT_EQ(ParseScopeList("links:write links:read, admin"), Scopes(kLinksWrite | kLinksRead | kAdmin));
    EXPECT_FALSE(ParseScopeList(""));
    EXPECT_FALSE(ParseScopeList(" , "));
    EXPECT_FALSE(ParseScopeList("links:read,root"));
    EXPECT_FALSE(ParseScopes({"Links:Read"}));  // names are exact
    EXPECT_EQ(ParseScopes({}), Scopes(0));
    EXPECT_EQ(ScopeString(kAllScopes), "links:write links:read stats:read admin");
    EXPECT_EQ(ScopeNames(kStatsRead), std::vector<std::string>{"stats:read"});
}

TEST(Scopes, AdminImpliesEverything) {
    EXPECT_TRUE(HasScope(kAdmin, kLinksWrite));
    EXPECT_TRUE(HasScope(kAdmin, kStatsRead));
    EXPECT_TRUE(HasScope(kLinksRead, kLinksRead));
    EXPECT_FALSE(HasScope(kLinksRead, kLinksWrite));
    EXPECT_FALSE(HasScope(kUserScopes, kAdmin));
}

TEST(AccountInput, Emails) {
    EXPECT_EQ(NormalizeEmail("  Alice.Smith+x@Example.COM "), "alice.smith+x@example.com");
    EXPECT_EQ(NormalizeEmail("a@b.co"), "a@b.co");
    for (const char* bad : {"", "alice", "@example.com", "alice@", "alice@localhost", "a@b@c.com", "a b@c.com",
                            "a@-b.com", "a@b..com", "a@b.com.", "a@b_c.com", "ä@b.com", "a@b.com\n", "service"}) {
        EXPECT_FALSE(NormalizeEmail(bad)) << bad;
    }
    EXPECT_FALSE(NormalizeEmail(std::string(250, 'a') + "@b.com"));
}

TEST(AccountInput, PasswordsAndKeyNames) {
    EXPECT_FALSE(IsAcceptablePassword("1234567"));
    EXPECT_TRUE(IsAcceptablePassword("12345678"));
    EXPECT_TRUE(IsAcceptablePassword(std::string(1024, 'x')));
    EXPECT_FALSE(IsAcceptablePassword(std::string(1025, 'x')));
    EXPECT_TRUE(IsAcceptableKeyName("CI deploy – prod ✓"));
    EXPECT_FALSE(IsAcceptableKeyName(""));
    EXPECT_FALSE(IsAcceptableKeyName(std::string(101, 'x')));
    EXPECT_FALSE(IsAcceptableKeyName("tab\there"));
    EXPECT_FALSE(IsAcceptableKeyName(std::string("nul\0x", 5)));
    EXPECT_FALSE(IsAcceptableKeyName("\xff\xfe"));
    EXPECT_FALSE(IsAcceptableKeyName("\xc2\x85"));      // NEL, a C1 control
    EXPECT_FALSE(IsAcceptableKeyName("\xed\xa0\x80"));  // a surrogate
}

}  // namespace
}  // namespace shortener::auth
