// The Authenticator over a real SQLite auth store.

#include "auth/authenticator.hpp"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_auth_store.hpp"
#include "store/sqlite/sqlite_stores.hpp"
#include "support/fakes.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::auth {
namespace {

using shortener::testing::FakeClock;
using shortener::testing::RunAwaitable;
using shortener::testing::TempDir;

class AuthenticatorTest : public ::testing::Test {
  protected:
    void SetUp() override {
        db_ = std::make_shared<store::SqliteDb>(dir_.File("t.db"));
        db_->Migrate(store::SqliteMigrations());
        store_ = std::make_unique<store::SqliteAuthStore>(db_);
        alice_ = *RunAwaitable(store_->CreateUser({"alice@example.com", "x", false, {}}));
    }
    void TearDown() override {
        store_.reset();
        db_.reset();
    }
    std::string NewKey(const std::string& scopes, std::int64_t user = 0) {
        std::string key = GenerateApiKey();
        RunAwaitable(
            store_->CreateApiKey({user ? user : alice_.id, "k", DisplayPrefix(key), Sha256Hex(key), scopes, {}, {}}));
        return key;
    }
    std::optional<std::int64_t> LastUsedMs(const std::string& key) {
        auto k = RunAwaitable(store_->FindApiKey(Sha256Hex(key)));
        if (!k->key.last_used_at) return std::nullopt;
        return core::ToUnixMillis(*k->key.last_used_at);
    }

    TempDir dir_{"shortener-auth-"};
    std::shared_ptr<store::SqliteDb> db_;
    std::unique_ptr<store::SqliteAuthStore> store_;
    store::User alice_;
    FakeClock clock_{std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000))};
};

TEST_F(AuthenticatorTest, KeyGivesItsOwnerAndScopes) {
    Authenticator auth(*store_, clock_);
    std::string key = NewKey("links:read stats:read");
    auto p = RunAwaitable(auth.AuthenticateKey(key));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, Principal::Kind::kApiKey);
    EXPECT_EQ(p->user_id, alice_.id);
    EXPECT_EQ(p->email, "alice@example.com");
    EXPECT_TRUE(p->Has(kLinksRead));
    EXPECT_TRUE(p->Has(kStatsRead));
    EXPECT_FALSE(p->Has(kLinksWrite));
    EXPECT_FALSE(p->is_admin());
}

TEST_F(AuthenticatorTest, UnknownAndMalformedKeysFail) {
    Authenticator auth(*store_, clock_);
    EXPECT_FALSE(RunAwaitable(auth.AuthenticateKey(GenerateApiKey())));
    EXPECT_FALSE(RunAwaitable(auth.AuthenticateKey("sk_short")));
    EXPECT_FALSE(RunAwaitable(auth.AuthenticateKey("")));
}

TEST_F(AuthenticatorTest, AdminScopeNeedsAnAdminOwner) {
    Authenticator auth(*store_, clock_);
    auto p = RunAwaitable(auth.AuthenticateKey(NewKey("admin")));
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->is_admin());  // alice is no admin: her admin key is disarmed
    auto service = RunAwaitable(store_->FindUserByEmail(store::kServiceUserEmail));
    auto q = RunAwaitable(auth.AuthenticateKey(NewKey("admin", service->id)));
    ASSERT_TRUE(q);
    EXPECT_TRUE(q->is_admin());
    EXPECT_TRUE(q->Has(kLinksWrite));
}

TEST_F(AuthenticatorTest, RevocationOnThisProcessTakesEffectAtOnce) {
    Authenticator auth(*store_, clock_, {.cache_ttl = std::chrono::hours(1)});
    std::string key = NewKey("links:read");
    auto p = RunAwaitable(auth.AuthenticateKey(key));
    ASSERT_TRUE(p);
    RunAwaitable(store_->RevokeApiKey(p->key_id, std::nullopt, {}));
    // Another replica revoked it: this one still trusts its cached copy until the TTL ...
    EXPECT_TRUE(RunAwaitable(auth.AuthenticateKey(key)));
    // ... but a revocation through this process forgets it at once.
    auth.ForgetKeys();
    EXPECT_FALSE(RunAwaitable(auth.AuthenticateKey(key)));
}

TEST_F(AuthenticatorTest, KeyCarriesItsOwnRateLimitAndAChangeIsSeenAfterForgetting) {
    Authenticator auth(*store_, clock_, {.cache_ttl = std::chrono::hours(1)});
    std::string key = NewKey("links:read");
    auto p = RunAwaitable(auth.AuthenticateKey(key));
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->rate_limit);  // the server's default
    ASSERT_TRUE(RunAwaitable(store_->SetApiKeyRateLimit(p->key_id, alice_.id, std::string("2/s burst 3"))));
    EXPECT_FALSE(RunAwaitable(auth.AuthenticateKey(key))->rate_limit);  // cached until forgotten or expired
    auth.ForgetKeys();
    EXPECT_EQ(RunAwaitable(auth.AuthenticateKey(key))->rate_limit, "2/s burst 3");
}

TEST_F(AuthenticatorTest, RemembersOnlyFreshCachedCredentials) {
    Authenticator auth(*store_, clock_, {.cache_ttl = std::chrono::milliseconds(50)});
    std::string key = NewKey("links:read");
    EXPECT_FALSE(auth.Remembers(Sha256Hex(key)));
    ASSERT_TRUE(RunAwaitable(auth.AuthenticateKey(key)));
    EXPECT_TRUE(auth.Remembers(Sha256Hex(key)));
    EXPECT_FALSE(auth.Remembers(Sha256Hex(GenerateApiKey())));
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    EXPECT_FALSE(auth.Remembers(Sha256Hex(key)));
}

TEST_F(AuthenticatorTest, CachedEntriesExpire) {
    Authenticator auth(*store_, clock_, {.cache_ttl = std::chrono::milliseconds(50)});
    std::string key = NewKey("links:read");
    auto p = RunAwaitable(auth.AuthenticateKey(key));
    ASSERT_TRUE(p);
    RunAwaitable(store_->RevokeApiKey(p->key_id, std::nullopt, {}));
    std::this_thread::sleep_for(std::chrono::milliseconds(80));
    EXPECT_FALSE(RunAwaitable(auth.AuthenticateKey(key)));
}

TEST_F(AuthenticatorTest, LastUsedIsWrittenAtMostOncePerInterval) {
    Authenticator auth(*store_, clock_, {.cache_ttl = std::chrono::milliseconds(0)});  // every call reads
    std::string key = NewKey("links:read");
    const auto t0 = core::ToUnixMillis(std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.Now()));
    ASSERT_TRUE(RunAwaitable(auth.AuthenticateKey(key)));
    EXPECT_EQ(LastUsedMs(key), t0);
    clock_.Advance(std::chrono::seconds(30));
    ASSERT_TRUE(RunAwaitable(auth.AuthenticateKey(key)));
    EXPECT_EQ(LastUsedMs(key), t0);  // within the minute: no write
    clock_.Advance(std::chrono::seconds(31));
    ASSERT_TRUE(RunAwaitable(auth.AuthenticateKey(key)));
    EXPECT_EQ(LastUsedMs(key), t0 + 61'000);
}

TEST_F(AuthenticatorTest, SessionsGiveUserScopesAndExpire) {
    Authenticator auth(*store_, clock_, {.cache_ttl = std::chrono::milliseconds(0)});
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.Now());
    std::string token = GenerateToken();
    RunAwaitable(store_->CreateSession({Sha256Hex(token), alice_.id, "csrf-x", now, now + std::chrono::hours(1)}));
    auto p = RunAwaitable(auth.AuthenticateSession(token));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->kind, Principal::Kind::kSession);
    EXPECT_EQ(p->scopes, kUserScopes);
    EXPECT_EQ(p->csrf_token, "csrf-x");
    EXPECT_EQ(p->session_token_hash, Sha256Hex(token));
    EXPECT_FALSE(RunAwaitable(auth.AuthenticateSession(GenerateToken())));
    EXPECT_FALSE(RunAwaitable(auth.AuthenticateSession("not a token")));
    clock_.Advance(std::chrono::hours(2));
    EXPECT_FALSE(RunAwaitable(auth.AuthenticateSession(token)));
}

TEST_F(AuthenticatorTest, LogoutOnThisProcessTakesEffectAtOnce) {
    Authenticator auth(*store_, clock_, {.cache_ttl = std::chrono::hours(1)});
    auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.Now());
    std::string token = GenerateToken();
    RunAwaitable(store_->CreateSession({Sha256Hex(token), alice_.id, "c", now, now + std::chrono::hours(1)}));
    ASSERT_TRUE(RunAwaitable(auth.AuthenticateSession(token)));
    RunAwaitable(store_->DeleteSession(Sha256Hex(token)));
    auth.ForgetSession(Sha256Hex(token));
    EXPECT_FALSE(RunAwaitable(auth.AuthenticateSession(token)));
}

}  // namespace
}  // namespace shortener::auth
