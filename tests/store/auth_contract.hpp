#pragma once
// The AuthStore contract: one typed suite, instantiated once per adapter (sqlite_store_test.cpp: SQLite,
// label unit; postgres_store_pgtest.cpp: PostgreSQL, label pg).
//
// A backend type B provides:
//   void Open();  void Close();   // (re)opens the store on the same data; migrations run again
//   AuthStore& auth();

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "store/auth_store.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::store::auth_contract {

using shortener::testing::RunAwaitable;

inline core::TimePoint T(std::int64_t ms) { return core::FromUnixMillis(1'700'000'000'000 + ms); }

inline NewUser MakeUser(std::string email, bool admin = false) {
    return NewUser{std::move(email), "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA", admin, T(0)};
}

inline NewApiKey MakeKey(std::int64_t user, std::string hash, std::string scopes = "links:read") {
    return NewApiKey{user, "ci deploy", "sk_AbCdEfGh", std::move(hash), std::move(scopes), T(5), std::nullopt};
}

template <class Backend>
class AuthStoreContract : public ::testing::Test {
  protected:
    void SetUp() override { backend_.Open(); }
    void TearDown() override { backend_.Close(); }
    AuthStore& auth() { return backend_.auth(); }
    User NewUserOrDie(std::string email, bool admin = false) {
        auto r = RunAwaitable(auth().CreateUser(MakeUser(std::move(email), admin)));
        EXPECT_TRUE(r);
        return *r;
    }

    Backend backend_;
};

TYPED_TEST_SUITE_P(AuthStoreContract);

TYPED_TEST_P(AuthStoreContract, ServiceOwnerExistsAndCannotLogIn) {
    auto service = RunAwaitable(this->auth().FindUserByEmail(kServiceUserEmail));
    ASSERT_TRUE(service);
    EXPECT_TRUE(service->password_hash.empty());
    EXPECT_TRUE(service->is_admin);
    // Migrations run again on reopen: still exactly one.
    this->backend_.Close();
    this->backend_.Open();
    auto users = RunAwaitable(this->auth().ListUsers());
    EXPECT_EQ(std::count_if(users.begin(), users.end(), [](const User& u) { return u.email == kServiceUserEmail; }), 1);
}

TYPED_TEST_P(AuthStoreContract, CreateAndFindUsers) {
    User alice = this->NewUserOrDie("alice@example.com", true);
    EXPECT_GT(alice.id, 0);
    auto found = RunAwaitable(this->auth().FindUserByEmail("alice@example.com"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, alice.id);
    EXPECT_TRUE(found->is_admin);
    EXPECT_EQ(found->password_hash, MakeUser("x").password_hash);
    EXPECT_EQ(found->created_at, T(0));
    EXPECT_FALSE(RunAwaitable(this->auth().FindUserByEmail("bob@example.com")));
    // Emails are stored as given (callers lower-case them); lookups are exact.
    EXPECT_FALSE(RunAwaitable(this->auth().FindUserByEmail("ALICE@example.com")));

    auto again = RunAwaitable(this->auth().CreateUser(MakeUser("alice@example.com")));
    ASSERT_FALSE(again);
    EXPECT_EQ(core::ToErrc(again.error()), core::Errc::kEmailTaken);

    this->NewUserOrDie("bob@example.com");
    auto users = RunAwaitable(this->auth().ListUsers());
    ASSERT_EQ(users.size(), 3u);  // the service owner first
    EXPECT_EQ(users[0].email, kServiceUserEmail);
    EXPECT_EQ(users[1].email, "alice@example.com");
    EXPECT_EQ(users[2].email, "bob@example.com");
    EXPECT_FALSE(users[2].is_admin);
}

TYPED_TEST_P(AuthStoreContract, ApiKeysCreateFindListRevoke) {
    User alice = this->NewUserOrDie("alice@example.com");
    User bob = this->NewUserOrDie("bob@example.com");
    const std::string hash_a(64, 'a'), hash_b(64, 'b');
    ApiKey a = RunAwaitable(this->auth().CreateApiKey(MakeKey(alice.id, hash_a, "links:read stats:read")));
    EXPECT_GT(a.id, 0);
    EXPECT_EQ(a.user_id, alice.id);
    EXPECT_EQ(a.name, "ci deploy");
    EXPECT_EQ(a.prefix, "sk_AbCdEfGh");
    EXPECT_EQ(a.scopes, "links:read stats:read");
    EXPECT_EQ(a.created_at, T(5));
    EXPECT_FALSE(a.last_used_at);
    EXPECT_FALSE(a.revoked_at);
    ApiKey b = RunAwaitable(this->auth().CreateApiKey(MakeKey(bob.id, hash_b)));

    auto found = RunAwaitable(this->auth().FindApiKey(hash_a));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->key.id, a.id);
    EXPECT_EQ(found->user.email, "alice@example.com");
    EXPECT_FALSE(RunAwaitable(this->auth().FindApiKey(std::string(64, 'c'))));

    auto mine = RunAwaitable(this->auth().ListApiKeys(alice.id));
    ASSERT_EQ(mine.size(), 1u);
    EXPECT_EQ(mine[0].id, a.id);
    EXPECT_EQ(RunAwaitable(this->auth().ListApiKeys(std::nullopt)).size(), 2u);

    // Someone else's key: not revoked, not found.
    EXPECT_FALSE(RunAwaitable(this->auth().RevokeApiKey(b.id, alice.id, T(10))));
    EXPECT_FALSE(RunAwaitable(this->auth().FindApiKey(hash_b))->key.revoked_at);
    EXPECT_FALSE(RunAwaitable(this->auth().RevokeApiKey(9'999'999, std::nullopt, T(10))));

    EXPECT_TRUE(RunAwaitable(this->auth().RevokeApiKey(a.id, alice.id, T(10))));
    // Revoking again succeeds and keeps the first time.
    EXPECT_TRUE(RunAwaitable(this->auth().RevokeApiKey(a.id, std::nullopt, T(20))));
    auto revoked = RunAwaitable(this->auth().FindApiKey(hash_a));
    ASSERT_TRUE(revoked && revoked->key.revoked_at);
    EXPECT_EQ(*revoked->key.revoked_at, T(10));
}

TYPED_TEST_P(AuthStoreContract, TouchRecordsLastUseAndNeverGoesBack) {
    User alice = this->NewUserOrDie("alice@example.com");
    ApiKey a = RunAwaitable(this->auth().CreateApiKey(MakeKey(alice.id, std::string(64, 'd'))));
    RunAwaitable(this->auth().TouchApiKey(a.id, T(100)));
    EXPECT_EQ(RunAwaitable(this->auth().FindApiKey(std::string(64, 'd')))->key.last_used_at, T(100));
    RunAwaitable(this->auth().TouchApiKey(a.id, T(50)));  // a slower replica's older write
    EXPECT_EQ(RunAwaitable(this->auth().FindApiKey(std::string(64, 'd')))->key.last_used_at, T(100));
}

TYPED_TEST_P(AuthStoreContract, KeyRateLimitsAreSetAtCreationAndChangedLater) {
    User alice = this->NewUserOrDie("alice@example.com");
    User bob = this->NewUserOrDie("bob@example.com");
    ApiKey plain = RunAwaitable(this->auth().CreateApiKey(MakeKey(alice.id, std::string(64, 'f'))));
    EXPECT_FALSE(plain.rate_limit);  // the server's default
    auto own = MakeKey(alice.id, std::string(64, '9'));
    own.rate_limit = "100/s burst 1000";
    ApiKey custom = RunAwaitable(this->auth().CreateApiKey(own));
    EXPECT_EQ(custom.rate_limit, "100/s burst 1000");
    EXPECT_EQ(RunAwaitable(this->auth().FindApiKey(std::string(64, '9')))->key.rate_limit, "100/s burst 1000");
    EXPECT_EQ(RunAwaitable(this->auth().FindApiKey(std::string(64, '9')))->user.id, alice.id);

    auto changed = RunAwaitable(this->auth().SetApiKeyRateLimit(plain.id, alice.id, std::string("2/s burst 3")));
    ASSERT_TRUE(changed);
    EXPECT_EQ(changed->id, plain.id);
    EXPECT_EQ(changed->name, plain.name);
    EXPECT_EQ(changed->rate_limit, "2/s burst 3");
    EXPECT_EQ(RunAwaitable(this->auth().ListApiKeys(alice.id)).at(0).rate_limit, "2/s burst 3");
    // Someone else's key, or none at all: nothing changes.
    EXPECT_FALSE(RunAwaitable(this->auth().SetApiKeyRateLimit(plain.id, bob.id, std::string("off"))));
    EXPECT_FALSE(RunAwaitable(this->auth().SetApiKeyRateLimit(9'999'999, std::nullopt, std::string("off"))));
    EXPECT_EQ(RunAwaitable(this->auth().FindApiKey(std::string(64, 'f')))->key.rate_limit, "2/s burst 3");
    // An admin (no owner filter) clears it back to the default.
    auto cleared = RunAwaitable(this->auth().SetApiKeyRateLimit(plain.id, std::nullopt, std::nullopt));
    ASSERT_TRUE(cleared);
    EXPECT_FALSE(cleared->rate_limit);
    EXPECT_FALSE(RunAwaitable(this->auth().FindApiKey(std::string(64, 'f')))->key.rate_limit);
}

TYPED_TEST_P(AuthStoreContract, SessionsExpireAndDelete) {
    User alice = this->NewUserOrDie("alice@example.com", true);
    RunAwaitable(this->auth().CreateSession(NewSession{std::string(64, '1'), alice.id, "csrf1", T(0), T(1000)}));
    RunAwaitable(this->auth().CreateSession(NewSession{std::string(64, '2'), alice.id, "csrf2", T(0), T(5000)}));

    auto s = RunAwaitable(this->auth().FindSession(std::string(64, '1'), T(999)));
    ASSERT_TRUE(s);
    EXPECT_EQ(s->csrf_token, "csrf1");
    EXPECT_EQ(s->expires_at, T(1000));
    EXPECT_EQ(s->user.id, alice.id);
    EXPECT_TRUE(s->user.is_admin);
    EXPECT_FALSE(RunAwaitable(this->auth().FindSession(std::string(64, '1'), T(1000))));  // expired
    EXPECT_FALSE(RunAwaitable(this->auth().FindSession(std::string(64, '3'), T(0))));

    EXPECT_EQ(RunAwaitable(this->auth().PurgeExpiredSessions(T(1000))), 1u);
    EXPECT_EQ(RunAwaitable(this->auth().PurgeExpiredSessions(T(1000))), 0u);
    ASSERT_TRUE(RunAwaitable(this->auth().FindSession(std::string(64, '2'), T(1000))));
    RunAwaitable(this->auth().DeleteSession(std::string(64, '2')));
    EXPECT_FALSE(RunAwaitable(this->auth().FindSession(std::string(64, '2'), T(1000))));
    RunAwaitable(this->auth().DeleteSession(std::string(64, '2')));  // deleting twice is harmless
}

TYPED_TEST_P(AuthStoreContract, HostileTextIsStoredVerbatim) {
    // Quotes, SQL and non-ASCII in a key name come back unchanged (parameters, never concatenation).
    User alice = this->NewUserOrDie("o'brien+tag@example.com");
    auto key = MakeKey(alice.id, std::string(64, 'e'));
    key.name = "Robert'); DROP TABLE api_keys;-- ünïcødé";
    ApiKey a = RunAwaitable(this->auth().CreateApiKey(key));
    EXPECT_EQ(a.name, key.name);
    EXPECT_EQ(RunAwaitable(this->auth().ListApiKeys(alice.id)).at(0).name, key.name);
    EXPECT_TRUE(RunAwaitable(this->auth().FindUserByEmail("o'brien+tag@example.com")));
}

// Single sign-on (issue #16): identities (issuer, subject) linked to accounts, once per issuer and account.
TYPED_TEST_P(AuthStoreContract, IdentitiesLinkOncePerIssuer) {
    const std::string iss = "https://idp.example.com";
    User bob = this->NewUserOrDie("bob@example.com");
    EXPECT_FALSE(RunAwaitable(this->auth().FindUserByIdentity(iss, "bob-sub")));
    EXPECT_TRUE(RunAwaitable(this->auth().LinkIdentity(bob.id, iss, "bob-sub", T(1))));
    auto found = RunAwaitable(this->auth().FindUserByIdentity(iss, "bob-sub"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, bob.id);
    EXPECT_EQ(found->email, "bob@example.com");
    // The subject is exact (case matters), and another issuer's same subject is another identity.
    EXPECT_FALSE(RunAwaitable(this->auth().FindUserByIdentity(iss, "BOB-SUB")));
    EXPECT_FALSE(RunAwaitable(this->auth().FindUserByIdentity("https://other.example.com", "bob-sub")));
    // Linked once: not a second subject of the same issuer, not the same identity to another account.
    EXPECT_FALSE(RunAwaitable(this->auth().LinkIdentity(bob.id, iss, "bob-other-sub", T(2))));
    User carol = this->NewUserOrDie("carol@example.com");
    EXPECT_FALSE(RunAwaitable(this->auth().LinkIdentity(carol.id, iss, "bob-sub", T(2))));
    EXPECT_EQ(RunAwaitable(this->auth().FindUserByIdentity(iss, "bob-sub"))->id, bob.id);
    // Another issuer may link the same account.
    EXPECT_TRUE(RunAwaitable(this->auth().LinkIdentity(bob.id, "https://other.example.com", "b", T(3))));
}

TYPED_TEST_P(AuthStoreContract, CreateUserWithIdentityIsAllOrNothing) {
    const std::string iss = "https://idp.example.com";
    NewUser fresh{"dave@example.com", "", false, T(4)};
    auto dave = RunAwaitable(this->auth().CreateUserWithIdentity(fresh, iss, "dave-sub"));
    ASSERT_TRUE(dave);
    EXPECT_TRUE(dave->password_hash.empty());
    auto found = RunAwaitable(this->auth().FindUserByIdentity(iss, "dave-sub"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, dave->id);
    EXPECT_EQ(found->created_at, T(4));
    // The email exists: nothing is created, the identity stays free.
    this->NewUserOrDie("erin@example.com");
    NewUser taken{"erin@example.com", "", false, T(5)};
    auto again = RunAwaitable(this->auth().CreateUserWithIdentity(taken, iss, "erin-sub"));
    ASSERT_FALSE(again);
    EXPECT_EQ(core::ToErrc(again.error()), core::Errc::kEmailTaken);
    EXPECT_FALSE(RunAwaitable(this->auth().FindUserByIdentity(iss, "erin-sub")));
}

TYPED_TEST_P(AuthStoreContract, SetUserAdmin) {
    User frank = this->NewUserOrDie("frank@example.com");
    EXPECT_TRUE(RunAwaitable(this->auth().SetUserAdmin(frank.id, true)));
    EXPECT_TRUE(RunAwaitable(this->auth().FindUserByEmail("frank@example.com"))->is_admin);
    EXPECT_TRUE(RunAwaitable(this->auth().SetUserAdmin(frank.id, false)));
    EXPECT_FALSE(RunAwaitable(this->auth().FindUserByEmail("frank@example.com"))->is_admin);
    EXPECT_FALSE(RunAwaitable(this->auth().SetUserAdmin(987654, true)));
}

REGISTER_TYPED_TEST_SUITE_P(AuthStoreContract, ServiceOwnerExistsAndCannotLogIn, CreateAndFindUsers,
                            ApiKeysCreateFindListRevoke, TouchRecordsLastUseAndNeverGoesBack,
                            KeyRateLimitsAreSetAtCreationAndChangedLater, SessionsExpireAndDelete,
                            HostileTextIsStoredVerbatim, IdentitiesLinkOncePerIssuer,
                            CreateUserWithIdentityIsAllOrNothing, SetUserAdmin);

}  // namespace shortener::store::auth_contract
