// The LinkStore/ClickStore contract, run over the SQLite adapter. The PostgreSQL adapter (issue #3) joins
// this suite as another StoreFactory.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "store/sqlite/sqlite_stores.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::store {
namespace {

using shortener::testing::RunAwaitable;
using namespace std::chrono_literals;

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() / ("shortener-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

core::NewLink MakeLink(std::string slug, std::string url = "https://example.com/") {
    core::NewLink l;
    l.slug = std::move(slug);
    l.long_url = std::move(url);
    l.created_at = core::FromUnixMillis(1'700'000'000'000);
    return l;
}

core::EnrichedClick MakeClick(core::LinkId link, std::uint8_t n) {
    core::EventId id;
    id.bytes[15] = n;
    id.bytes[14] = static_cast<std::uint8_t>(link);
    core::EnrichedClick click{core::ClickEvent::Make(id, link, core::FromUnixMillis(1'700'000'000'000 + n),
                                                     {.user_agent = "UA \"quoted\"", .referer = "https://ref.example/"}),
                              {}};
    click.dimensions.country_code = "DE";
    click.dimensions.device = "mobile";
    return click;
}

class SqliteStoreTest : public ::testing::Test {
protected:
    void SetUp() override { Open(); }
    void Open() {
        db_ = std::make_shared<SqliteDb>((dir_.path() / "test.db").string());
        db_->Migrate(SqliteMigrations());
        links_ = std::make_unique<SqliteLinkStore>(db_);
        clicks_ = std::make_unique<SqliteClickStore>(db_);
    }
    std::int64_t Clicks(std::string_view slug) { return RunAwaitable(links_->FindBySlug(slug))->clicks; }

    TempDir dir_;
    std::shared_ptr<SqliteDb> db_;
    std::unique_ptr<SqliteLinkStore> links_;
    std::unique_ptr<SqliteClickStore> clicks_;
};

TEST_F(SqliteStoreTest, CreateAndFind) {
    auto link = MakeLink("abc123", "https://example.com/x");
    link.tags = {"a", "b"};
    link.max_clicks = 5;
    link.redirect_type = core::RedirectType::k301;
    auto created = RunAwaitable(links_->Create(link));
    ASSERT_TRUE(created);
    EXPECT_GT(created->id, 0);
    auto found = RunAwaitable(links_->FindBySlug("abc123"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->long_url, "https://example.com/x");
    EXPECT_EQ(found->tags, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(found->max_clicks, 5);
    EXPECT_EQ(found->redirect_type, core::RedirectType::k301);
    EXPECT_EQ(found->created_at, link.created_at);
    EXPECT_FALSE(RunAwaitable(links_->FindBySlug("ABC123")));  // case-sensitive
}

TEST_F(SqliteStoreTest, DuplicateSlugIsTaken) {
    ASSERT_TRUE(RunAwaitable(links_->Create(MakeLink("dup"))));
    auto again = RunAwaitable(links_->Create(MakeLink("dup")));
    ASSERT_FALSE(again);
    EXPECT_EQ(core::ToErrc(again.error()), core::Errc::kSlugTaken);
    EXPECT_TRUE(RunAwaitable(links_->Create(MakeLink("DUP"))));
}

TEST_F(SqliteStoreTest, DeletedSlugsAreGoneAndNeverReused) {
    ASSERT_TRUE(RunAwaitable(links_->Create(MakeLink("gone"))));
    ASSERT_TRUE(RunAwaitable(links_->Delete("gone", core::FromUnixMillis(1))));
    EXPECT_TRUE(RunAwaitable(links_->FindBySlug("gone"))->deleted_at);
    EXPECT_EQ(core::ToErrc(RunAwaitable(links_->Delete("gone", core::FromUnixMillis(2))).error()), core::Errc::kGone);
    EXPECT_EQ(core::ToErrc(RunAwaitable(links_->Create(MakeLink("gone"))).error()), core::Errc::kSlugTaken);
    EXPECT_EQ(core::ToErrc(RunAwaitable(links_->Delete("never", core::FromUnixMillis(2))).error()),
              core::Errc::kNotFound);
}

TEST_F(SqliteStoreTest, UpdateAppliesPatch) {
    auto link = MakeLink("upd");
    link.max_clicks = 3;
    ASSERT_TRUE(RunAwaitable(links_->Create(link)));
    core::LinkPatch patch;
    patch.long_url = "https://new.example/";
    patch.clear_max_clicks = true;
    patch.tags = std::vector<std::string>{"x"};
    patch.updated_at = core::FromUnixMillis(1'800'000'000'000);
    auto updated = RunAwaitable(links_->Update("upd", patch));
    ASSERT_TRUE(updated);
    EXPECT_EQ(updated->long_url, "https://new.example/");
    EXPECT_FALSE(updated->max_clicks);
    auto found = RunAwaitable(links_->FindBySlug("upd"));
    EXPECT_EQ(found->long_url, "https://new.example/");
    EXPECT_EQ(found->tags, std::vector<std::string>{"x"});
    EXPECT_EQ(found->updated_at, patch.updated_at);
    EXPECT_EQ(core::ToErrc(RunAwaitable(links_->Update("none", patch)).error()), core::Errc::kNotFound);
}

TEST_F(SqliteStoreTest, ListPagesNewestFirstWithFilters) {
    for (int i = 0; i < 5; ++i) {
        auto l = MakeLink("page" + std::to_string(i), "https://example.com/" + std::to_string(i));
        if (i % 2 == 0) l.tags = {"even"};
        ASSERT_TRUE(RunAwaitable(links_->Create(l)));
    }
    ASSERT_TRUE(RunAwaitable(links_->Create(MakeLink("literal_%", "https://percent.example/"))));
    ListQuery q;
    q.limit = 2;
    q.q = "page";
    std::vector<std::string> seen;
    for (;;) {
        auto page = RunAwaitable(links_->List(q));
        for (auto& l : page.items) seen.push_back(l.slug);
        if (!page.next_before) break;
        q.before_id = page.next_before;
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"page4", "page3", "page2", "page1", "page0"}));

    ListQuery tagged;
    tagged.tag = "even";
    EXPECT_EQ(RunAwaitable(links_->List(tagged)).items.size(), 3u);

    ListQuery wildcard;  // '%' and '_' match literally
    wildcard.q = "_%";
    auto w = RunAwaitable(links_->List(wildcard));
    ASSERT_EQ(w.items.size(), 1u);
    EXPECT_EQ(w.items[0].slug, "literal_%");
}

TEST_F(SqliteStoreTest, RecordIsIdempotentOnEventId) {
    auto link = RunAwaitable(links_->Create(MakeLink("clk")));
    ASSERT_TRUE(link);
    std::vector<core::EnrichedClick> batch;
    for (std::uint8_t i = 0; i < 10; ++i) batch.push_back(MakeClick(link->id, i));
    EXPECT_EQ(RunAwaitable(clicks_->Record(batch)), 10u);
    EXPECT_EQ(RunAwaitable(clicks_->Record(batch)), 0u);  // a replay counts nothing
    batch.push_back(MakeClick(link->id, 200));
    EXPECT_EQ(RunAwaitable(clicks_->Record(batch)), 1u);
    EXPECT_EQ(Clicks("clk"), 11);
    // Dimensions land in their columns; unknown ones are NULL.
    auto c = db_->Acquire();
    auto row = c->Prepare("SELECT country, device, city, user_agent FROM clicks WHERE link_id = ? LIMIT 1");
    row.Bind(1, link->id);
    ASSERT_TRUE(row.Step());
    EXPECT_EQ(row.Text(0), "DE");
    EXPECT_EQ(row.Text(1), "mobile");
    EXPECT_TRUE(row.IsNull(2));
    EXPECT_EQ(row.Text(3), "UA \"quoted\"");
}

TEST_F(SqliteStoreTest, ConsumeUseHoldsTheLimitUnderConcurrency) {
    auto link = RunAwaitable(links_->Create(MakeLink("limited")));
    ASSERT_TRUE(link);
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 25; ++i) {
                if (RunAwaitable(links_->TryConsumeUse(link->id, 37))) ++allowed;
            }
        });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(allowed.load(), 37);
}

TEST_F(SqliteStoreTest, DataSurvivesReopen) {
    auto link = RunAwaitable(links_->Create(MakeLink("keep")));
    ASSERT_TRUE(link);
    RunAwaitable(clicks_->Record(std::vector<core::EnrichedClick>{MakeClick(link->id, 1), MakeClick(link->id, 2)}));
    links_.reset();
    clicks_.reset();
    db_.reset();
    Open();  // migrations run again and must be a no-op
    auto found = RunAwaitable(links_->FindBySlug("keep"));
    ASSERT_TRUE(found);
    EXPECT_EQ(found->clicks, 2);
}

TEST_F(SqliteStoreTest, UnwritableDatabaseIsBackendUnavailable) {
    links_.reset();
    db_.reset();
    EXPECT_THROW(SqliteDb("/proc/definitely/not/here.db"), SqliteError);
}

}  // namespace
}  // namespace shortener::store
