#pragma once
// The DomainStore contract (issue #14): one typed suite, instantiated over SQLite (sqlite_store_test.cpp) and
// PostgreSQL (postgres_store_pgtest.cpp).
//
// A backend type B provides: void Open(); void Close(); LinkStore& links(); DomainStore& domains().

#include <gtest/gtest.h>

#include "store/domain_store.hpp"
#include "store/link_store.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::store::domain_contract {

using shortener::testing::RunAwaitable;

template <class B>
class DomainContract : public ::testing::Test {
  protected:
    void SetUp() override { backend_.Open(); }
    void TearDown() override { backend_.Close(); }

    static Domain Make(std::string host, std::optional<std::int64_t> owner = {}) {
        Domain d;
        d.host = std::move(host);
        d.owner_id = owner;
        d.https = true;
        d.created_at = core::FromUnixMillis(1'700'000'000'000);
        return d;
    }

    B backend_;
};

TYPED_TEST_SUITE_P(DomainContract);

TYPED_TEST_P(DomainContract, CreateFindAndListByHost) {
    auto& domains = this->backend_.domains();
    Domain a = this->Make("go.acme.test", 7);
    a.root_redirect = "https://acme.test/";
    a.not_found_redirect = "https://acme.test/404";
    a.hsts_max_age = 31'536'000;
    auto created = RunAwaitable(domains.Create(a));
    ASSERT_TRUE(created);
    EXPECT_GT(created->id, 0);
    auto b = RunAwaitable(domains.Create(this->Make("acme.test")));
    ASSERT_TRUE(b);
    EXPECT_NE(b->id, created->id);

    auto found = RunAwaitable(domains.Find("go.acme.test"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, created->id);
    EXPECT_EQ(found->owner_id, std::optional<std::int64_t>(7));
    EXPECT_TRUE(found->https);
    EXPECT_EQ(found->hsts_max_age, 31'536'000);
    EXPECT_EQ(found->root_redirect, std::optional<std::string>("https://acme.test/"));
    EXPECT_EQ(found->not_found_redirect, std::optional<std::string>("https://acme.test/404"));
    EXPECT_EQ(found->created_at, a.created_at);
    EXPECT_FALSE(RunAwaitable(domains.Find("nowhere.test")));

    auto all = RunAwaitable(domains.List());
    ASSERT_EQ(all.size(), 2U);
    EXPECT_EQ(all[0].host, "acme.test");
    EXPECT_FALSE(all[0].owner_id);
    EXPECT_FALSE(all[0].root_redirect);
    EXPECT_EQ(all[1].host, "go.acme.test");
}

TYPED_TEST_P(DomainContract, ATakenHostIsRefused) {
    auto& domains = this->backend_.domains();
    ASSERT_TRUE(RunAwaitable(domains.Create(this->Make("go.acme.test", 7))));
    auto again = RunAwaitable(domains.Create(this->Make("go.acme.test", 8)));
    ASSERT_FALSE(again);
    EXPECT_EQ(core::ToErrc(again.error()), core::Errc::kDomainExists);
    EXPECT_EQ(RunAwaitable(domains.Find("go.acme.test"))->owner_id, std::optional<std::int64_t>(7));
}

TYPED_TEST_P(DomainContract, UpdateSetsAndClearsOnlyWhatThePatchNames) {
    auto& domains = this->backend_.domains();
    Domain a = this->Make("go.acme.test");
    a.root_redirect = "https://acme.test/";
    ASSERT_TRUE(RunAwaitable(domains.Create(a)));
    DomainPatch patch;
    patch.not_found_redirect = std::optional<std::string>("https://acme.test/404");
    patch.https = false;
    auto updated = RunAwaitable(domains.Update("go.acme.test", patch));
    ASSERT_TRUE(updated);
    EXPECT_FALSE(updated->https);
    EXPECT_EQ(updated->root_redirect, std::optional<std::string>("https://acme.test/"));
    EXPECT_EQ(updated->not_found_redirect, std::optional<std::string>("https://acme.test/404"));
    DomainPatch clear;
    clear.root_redirect = std::optional<std::string>();
    clear.hsts_max_age = 600;
    updated = RunAwaitable(domains.Update("go.acme.test", clear));
    ASSERT_TRUE(updated);
    EXPECT_FALSE(updated->root_redirect);
    EXPECT_EQ(updated->not_found_redirect, std::optional<std::string>("https://acme.test/404"));
    EXPECT_EQ(updated->hsts_max_age, 600);
    EXPECT_FALSE(updated->https);
    auto missing = RunAwaitable(domains.Update("nowhere.test", clear));
    ASSERT_FALSE(missing);
    EXPECT_EQ(core::ToErrc(missing.error()), core::Errc::kNotFound);
}

TYPED_TEST_P(DomainContract, DeleteAndLinkCounts) {
    auto& domains = this->backend_.domains();
    auto d = RunAwaitable(domains.Create(this->Make("go.acme.test")));
    ASSERT_TRUE(d);
    // Links made without a domain sit on the default domain (links.domain_id's default, as migrated links do).
    core::NewLink l;
    l.slug = "dom-one";
    l.long_url = "https://example.com/";
    l.created_at = core::FromUnixMillis(1'700'000'000'000);
    ASSERT_TRUE(RunAwaitable(this->backend_.links().Create(l)));
    l.slug = "dom-two";
    ASSERT_TRUE(RunAwaitable(this->backend_.links().Create(l)));
    ASSERT_TRUE(RunAwaitable(this->backend_.links().Delete("dom-two", l.created_at)));
    EXPECT_EQ(RunAwaitable(domains.CountLinks(kDefaultDomainId)), 1) << "deleted links do not count";
    EXPECT_EQ(RunAwaitable(domains.CountLinks(d->id)), 0);
    EXPECT_TRUE(RunAwaitable(domains.Delete("go.acme.test")));
    EXPECT_FALSE(RunAwaitable(domains.Delete("go.acme.test")));
    EXPECT_FALSE(RunAwaitable(domains.Find("go.acme.test")));
    EXPECT_TRUE(RunAwaitable(domains.Create(this->Make("go.acme.test"))))
        << "a deleted domain's host can be added again";
}

REGISTER_TYPED_TEST_SUITE_P(DomainContract, CreateFindAndListByHost, ATakenHostIsRefused,
                            UpdateSetsAndClearsOnlyWhatThePatchNames, DeleteAndLinkCounts);

}  // namespace shortener::store::domain_contract
