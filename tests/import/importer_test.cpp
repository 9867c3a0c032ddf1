// The import flow over a real SQLite store: the API's rules per row, idempotent re-runs, conflicts, domains, dry runs.

#include "import/importer.hpp"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_stores.hpp"
#include "support/fakes.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::imports {
namespace {

using shortener::testing::RunAwaitable;
using shortener::testing::SequenceRandom;
using shortener::testing::TempDir;

class ImporterTest : public ::testing::Test {
  protected:
    ImporterTest() {
        db_ = std::make_shared<store::SqliteDb>(dir_.File("test.db"));
        db_->Migrate(store::SqliteMigrations());
        links_ = std::make_unique<store::SqliteLinkStore>(db_);
        policy_.own_hosts = {"sho.example"};
        options_.url_policy = &policy_;
        options_.slugs = &slugs_;
        options_.domains = {"sho.example"};
        options_.owner_id = 7;
        options_.batch_size = 2;
        options_.now = core::FromUnixMillis(1'700'000'000'000);
    }

    Summary Import(std::string_view csv) {
        Parsed parsed = ParseFile(Format::kCsv, csv);
        EXPECT_EQ(parsed.error, "");
        return RunAwaitable(imports::Run(*links_, parsed.rows, options_));
    }

    TempDir dir_;
    std::shared_ptr<store::SqliteDb> db_;
    std::unique_ptr<store::SqliteLinkStore> links_;
    SequenceRandom random_;
    core::SlugGenerator slugs_{random_};
    core::UrlPolicyOptions policy_;
    Options options_;
};

constexpr std::string_view kFile =
    "url,slug,domain,tags\n"
    "https://a.example/,a-link,,x|y\n"
    "https://b.example/,b-link,sho.example,\n"
    "https://c.example/,,,\n"
    "javascript:alert(1),bad-link,,\n"
    "https://sho.example/loop,loop-link,,\n"
    "https://d.example/,d-link,elsewhere.example,\n";

TEST_F(ImporterTest, ImportsValidRowsAndReportsEachFailureWithItsLine) {
    Summary s = Import(kFile);
    EXPECT_EQ(s.imported, 3u);
    EXPECT_EQ(s.skipped, 0u);
    ASSERT_EQ(s.failed, 3u);
    ASSERT_EQ(s.failures.size(), 3u);
    EXPECT_EQ(s.failures[0].line, 5u);
    EXPECT_EQ(s.failures[0].code, "unsupported_scheme");
    EXPECT_EQ(s.failures[1].line, 6u);
    EXPECT_EQ(s.failures[1].code, "redirect_loop");
    EXPECT_EQ(s.failures[2].line, 7u);
    EXPECT_EQ(s.failures[2].code, "unknown_domain");
    auto a = RunAwaitable(links_->FindBySlug("a-link"));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->owner_id, 7);
    EXPECT_EQ(a->tags, (std::vector<std::string>{"x", "y"}));
    EXPECT_EQ(a->created_at, options_.now);
}

TEST_F(ImporterTest, ReRunSkipsWhatWasImportedAndReportsSlugsTakenByOtherUrls) {
    Import(kFile);
    Summary again = Import("url,slug\nhttps://a.example/,a-link\nhttps://other.example/,b-link\n");
    EXPECT_EQ(again.imported, 0u);
    EXPECT_EQ(again.skipped, 1u);
    ASSERT_EQ(again.failures.size(), 1u);
    EXPECT_EQ(again.failures[0].line, 3u);
    EXPECT_EQ(again.failures[0].code, "slug_taken");
}

TEST_F(ImporterTest, RowsWithoutASlugAreImportedOnceHoweverOftenTheFileIs) {
    constexpr std::string_view kNoSlugs = "url\nhttps://n1.example/\nhttps://n2.example/\nhttps://n1.example/\n";
    Summary first = Import(kNoSlugs);
    EXPECT_EQ(first.imported, 2u);
    EXPECT_EQ(first.skipped, 1u);  // the same URL twice in one file: one link
    Summary again = Import(kNoSlugs);
    EXPECT_EQ(again.imported, 0u);
    EXPECT_EQ(again.skipped, 3u);
    const std::string slug = DerivedSlug(7, "https://n1.example/", slugs_.length());
    auto link = RunAwaitable(links_->FindBySlug(slug));
    ASSERT_TRUE(link);
    EXPECT_EQ(link->long_url, "https://n1.example/");
    // Another owner's import of the same URL is a link of its own.
    options_.owner_id = 8;
    EXPECT_EQ(Import(kNoSlugs).imported, 2u);
}

TEST_F(ImporterTest, ADerivedSlugTakenByAnotherUrlGivesWayToARandomOne) {
    const std::string slug = DerivedSlug(7, "https://wanted.example/", slugs_.length());
    ASSERT_EQ(Import("url,slug\nhttps://squatter.example/," + slug + "\n").imported, 1u);
    Summary s = Import("url\nhttps://wanted.example/\n");
    EXPECT_EQ(s.imported, 1u);
    EXPECT_EQ(s.failed, 0u);
    EXPECT_EQ(RunAwaitable(links_->FindBySlug(slug))->long_url, "https://squatter.example/");
    options_.dry_run = true;  // a dry run judges it the same way
    EXPECT_EQ(Import("url\nhttps://other-wanted.example/\n").imported, 1u);
}

TEST(DerivedSlug, IsStableAndDependsOnOwnerAndUrl) {
    const std::string a = DerivedSlug(7, "https://a.example/", 6);
    EXPECT_EQ(a.size(), 6u);
    EXPECT_EQ(DerivedSlug(7, "https://a.example/", 6), a);
    EXPECT_NE(DerivedSlug(8, "https://a.example/", 6), a);
    EXPECT_NE(DerivedSlug(std::nullopt, "https://a.example/", 6), a);
    EXPECT_NE(DerivedSlug(7, "https://b.example/", 6), a);
    EXPECT_EQ(DerivedSlug(7, "https://a.example/", 40).size(), 40u);  // more than one hash block
    EXPECT_TRUE(core::IsSlugShaped(DerivedSlug(7, "https://a.example/", 32)));
}

TEST_F(ImporterTest, DryRunStoresNothingButJudgesAsTheImportWould) {
    options_.dry_run = true;
    Summary s = Import("url,slug\nhttps://a.example/,dry-1\nhttps://a.example/,dry-1\nhttps://b.example/,dry-1\n");
    EXPECT_TRUE(s.dry_run);
    EXPECT_EQ(s.imported, 1u);
    EXPECT_EQ(s.skipped, 1u);
    EXPECT_EQ(s.failed, 1u);
    EXPECT_FALSE(RunAwaitable(links_->FindBySlug("dry-1")));
}

TEST_F(ImporterTest, AppliesTheCreateRulesToExpiryLimitsAndTags) {
    Summary s = Import(
        "url,slug,expires_at,max_clicks,tags\n"
        "https://a.example/,old-link,2001-01-01T00:00:00Z,,\n"
        "https://a.example/,zero-link,,0,\n"
        "https://a.example/,ok-link,2099-01-01T00:00:00Z,3,t\n"
        "https://a.example/,api,,,\n");
    EXPECT_EQ(s.imported, 1u);
    ASSERT_EQ(s.failures.size(), 3u);
    EXPECT_EQ(s.failures[0].code, "invalid_expires_at");
    EXPECT_EQ(s.failures[1].code, "invalid_max_clicks");
    EXPECT_EQ(s.failures[2].line, 5u);
    EXPECT_EQ(RunAwaitable(links_->FindBySlug("ok-link"))->max_clicks, 3);
}

TEST_F(ImporterTest, PasswordsAreHashedOrRefused) {
    Summary refused = Import("url,slug,password\nhttps://a.example/,pw-link,secret\n");
    EXPECT_EQ(refused.failures.at(0).code, "invalid_password");
    options_.hash_password = [](std::string p) -> boost::asio::awaitable<std::string> { co_return "hash:" + p; };
    Summary s = Import("url,slug,password\nhttps://a.example/,pw-link,secret\n");
    EXPECT_EQ(s.imported, 1u);
    EXPECT_EQ(RunAwaitable(links_->FindBySlug("pw-link"))->password_hash, "hash:secret");
}

TEST_F(ImporterTest, ImportedClickTotalsAreKeptApartFromClicks) {
    Parsed parsed = ParseFile(Format::kYourls, "keyword,url,clicks\nyr-1,https://a.example/,15\n");
    Summary s = RunAwaitable(imports::Run(*links_, parsed.rows, options_));
    EXPECT_EQ(s.imported, 1u);
    auto link = RunAwaitable(links_->FindBySlug("yr-1"));
    EXPECT_EQ(link->imported_clicks, 15);
    EXPECT_EQ(link->clicks, 0);
}

}  // namespace
}  // namespace shortener::imports
