// DomainDirectory (issue #14): Host → domain, the refresh interval, a failed refresh keeping the old snapshot.

#include "http/domain_directory.hpp"

#include <gtest/gtest.h>

#include "support/fakes.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::http {
namespace {

using shortener::testing::RunAwaitable;

class FakeDomains final : public store::DomainStore {
  public:
    std::vector<store::Domain> rows;
    int lists = 0;
    bool fail = false;

    store::Task<core::Result<store::Domain>> Create(const store::Domain& d) override { co_return d; }
    store::Task<std::optional<store::Domain>> Find(std::string_view) override { co_return std::nullopt; }
    store::Task<std::vector<store::Domain>> List() override {
        ++lists;
        if (fail) throw core::BackendUnavailable("down");
        co_return rows;
    }
    store::Task<core::Result<store::Domain>> Update(std::string_view, const store::DomainPatch&) override {
        co_return make_error_code(core::Errc::kNotFound);
    }
    store::Task<bool> Delete(std::string_view) override { co_return false; }
    store::Task<std::int64_t> CountLinks(std::int64_t) override { co_return 0; }
};

store::Domain Row(std::int64_t id, std::string host, std::optional<std::string> root = {}) {
    store::Domain d;
    d.id = id;
    d.host = std::move(host);
    d.root_redirect = std::move(root);
    return d;
}

DomainSettings DefaultDomain() {
    DomainSettings d;
    d.host = "sho.rt";
    d.https = true;
    return d;
}

TEST(DomainDirectory, HostKeyIgnoresCasePortAndTrailingDot) {
    EXPECT_EQ(DomainDirectory::HostKey("Go.Acme.Test"), "go.acme.test");
    EXPECT_EQ(DomainDirectory::HostKey("go.acme.test:8443"), "go.acme.test");
    EXPECT_EQ(DomainDirectory::HostKey("go.acme.test.:80"), "go.acme.test");
    EXPECT_EQ(DomainDirectory::HostKey("[::1]:8080"), "[::1]");
    EXPECT_EQ(DomainDirectory::HostKey(""), "");
}

TEST(DomainDirectory, ConfiguredHostsFindTheirDomainAndOthersTheDefault) {
    FakeDomains store;
    store.rows = {Row(3, "go.acme.test", "https://acme.test/")};
    shortener::testing::FakeClock clock;
    DomainDirectory directory(&store, clock, std::chrono::milliseconds(1000), DefaultDomain());
    auto d = RunAwaitable(directory.Resolve("GO.acme.test:8080"));
    EXPECT_EQ(d->id, 3);
    EXPECT_FALSE(d->is_default);
    EXPECT_EQ(d->root_redirect, std::optional<std::string>("https://acme.test/"));
    auto other = RunAwaitable(directory.Resolve("unknown.test"));
    EXPECT_TRUE(other->is_default);
    EXPECT_EQ(other->host, "sho.rt");
    EXPECT_TRUE(RunAwaitable(directory.Resolve(""))->is_default);
}

TEST(DomainDirectory, RereadsOnlyOnceTheSnapshotIsOldAndKeepsItWhenTheStoreFails) {
    FakeDomains store;
    store.rows = {Row(3, "go.acme.test")};
    shortener::testing::FakeClock clock;
    DomainDirectory directory(&store, clock, std::chrono::milliseconds(1000), DefaultDomain());
    RunAwaitable(directory.Resolve("go.acme.test"));
    RunAwaitable(directory.Resolve("go.acme.test"));
    EXPECT_EQ(store.lists, 1);
    store.rows.push_back(Row(4, "acme.test"));
    EXPECT_TRUE(RunAwaitable(directory.Resolve("acme.test"))->is_default) << "not re-read before the interval";
    clock.Advance(std::chrono::milliseconds(1000));
    EXPECT_EQ(RunAwaitable(directory.Resolve("acme.test"))->id, 4);
    EXPECT_EQ(store.lists, 2);
    store.fail = true;
    clock.Advance(std::chrono::milliseconds(1000));
    EXPECT_EQ(RunAwaitable(directory.Resolve("acme.test"))->id, 4) << "a failed read keeps the old snapshot";
    store.fail = false;
    store.rows.clear();
    RunAwaitable(directory.Refresh());
    EXPECT_TRUE(RunAwaitable(directory.Resolve("acme.test"))->is_default) << "Refresh applies at once";
}

// HTTPS per domain: a branded domain's own https and HSTS; the default domain and unknown hosts follow the public URL.
TEST(DomainHttpsPolicy, BrandedDomainsDecideForThemselvesOthersFollowThePublicUrl) {
    FakeDomains store;
    store::Domain secure = Row(3, "go.acme.test");
    secure.https = true;
    secure.hsts_max_age = 600;
    store.rows = {secure, Row(4, "plain.acme.test")};
    shortener::testing::FakeClock clock;
    DomainDirectory directory(&store, clock, std::chrono::milliseconds(1000), DefaultDomain());
    const DomainHttpsPolicy policy(directory, SingleHostHttpsPolicy("http://sho.rt:8080", 0), ":8443");
    // Before the first read: no branded domain known, everything follows the public URL.
    EXPECT_FALSE(policy.ForHost("go.acme.test").require_https);
    RunAwaitable(directory.Refresh());
    const HostHttps go = policy.ForHost("go.acme.test");
    EXPECT_TRUE(go.require_https);
    EXPECT_EQ(go.https_origin, "https://go.acme.test:8443");
    EXPECT_EQ(go.hsts_max_age, 600u);
    EXPECT_FALSE(policy.ForHost("plain.acme.test").require_https);
    EXPECT_EQ(policy.ForHost("plain.acme.test").hsts_max_age, 0u);
    EXPECT_FALSE(policy.ForHost("sho.rt").require_https);
    EXPECT_FALSE(policy.ForHost("unknown.test").require_https);

    const DomainHttpsPolicy https_public(directory, SingleHostHttpsPolicy("https://sho.rt", 60), "");
    EXPECT_TRUE(https_public.ForHost("unknown.test").require_https);
    EXPECT_EQ(https_public.ForHost("unknown.test").https_origin, "https://sho.rt");
    EXPECT_EQ(https_public.ForHost("sho.rt").hsts_max_age, 60u);
    EXPECT_FALSE(https_public.ForHost("plain.acme.test").require_https) << "a branded domain's own setting wins";
}

}  // namespace
}  // namespace shortener::http
