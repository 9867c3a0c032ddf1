// The shorten flow against a real SQLite store, with scripted randomness for the collision path.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <random>

#include "cache/link_resolver.hpp"
#include "http/dispatcher.hpp"
#include "http/handlers/handlers.hpp"
#include "queue/in_process/in_process_click_queue.hpp"
#include "store/sqlite/sqlite_stores.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::http {
namespace {

using shortener::testing::RunAwaitable;

// Yields the alphabet indices of the given slugs, in turn, then repeats the last one.
class ScriptedSlugs final : public core::RandomSource {
public:
    explicit ScriptedSlugs(std::vector<std::string> slugs) : slugs_(std::move(slugs)) {}
    void Fill(std::span<std::uint8_t> out) noexcept override {
        const std::string& s = slugs_[std::min(next_, slugs_.size() - 1)];
        if (out.size() == s.size()) ++next_;
        for (std::size_t i = 0; i < out.size(); ++i) {
            out[i] = i < s.size() ? static_cast<std::uint8_t>(core::kSlugAlphabet.find(s[i])) : 1;
        }
    }

private:
    std::vector<std::string> slugs_;
    std::size_t next_ = 0;
};

class FixedClock final : public core::Clock {
public:
    std::chrono::system_clock::time_point Now() const noexcept override {
        return std::chrono::system_clock::time_point(std::chrono::milliseconds(1'750'000'000'000));
    }
};

class LinksHandlerTest : public ::testing::Test {
protected:
    LinksHandlerTest()
        : dir_(std::filesystem::temp_directory_path() / ("links-handler-" + std::to_string(std::random_device{}()))),
          db_((std::filesystem::create_directories(dir_), std::make_shared<store::SqliteDb>((dir_ / "t.db").string()))),
          links_(db_),
          l1_(cache::L1Options{}),
          resolver_(links_, l1_),
          queue_(100),
          random_({"aaaaaa", "aaaaaa", "aaaaaa", "bbbbbb"}),
          ctx_{links_, resolver_, queue_, clock_, random_, core::SlugGenerator(random_), {}, "https://sho.rt",
               registry_, {}} {
        db_->Migrate(store::SqliteMigrations());
        ctx_.url_policy.own_hosts = {"sho.rt"};
        AddLinkRoutes(router_, ctx_);
        AddRedirectRoute(router_, ctx_);
    }
    ~LinksHandlerTest() override { std::filesystem::remove_all(dir_); }

    Response Post(std::string path, std::string body, std::string type = "application/json") {
        RequestData data;
        data.method = Method::kPost;
        data.target = std::move(path);
        data.body = std::move(body);
        data.headers.push_back({"content-type", std::move(type)});
        data.header_count = 1;
        Request req(data, "192.0.2.1");
        return RunAwaitable(Dispatch(router_, req)).response;
    }
    Response Get(std::string path) {
        RequestData data;
        data.method = Method::kGet;
        data.target = std::move(path);
        Request req(data, "192.0.2.1");
        return RunAwaitable(Dispatch(router_, req)).response;
    }
    static std::string Code(const Response& r) {
        return std::string(boost::json::parse(r.body).at("error").at("code").as_string());
    }

    std::filesystem::path dir_;
    std::shared_ptr<store::SqliteDb> db_;
    store::SqliteLinkStore links_;
    cache::L1Cache l1_;
    cache::LinkResolver resolver_;
    queue::InProcessClickQueue queue_;
    FixedClock clock_;
    ScriptedSlugs random_;
    metrics::Registry registry_;
    HandlerContext ctx_;
    Router router_;
};

TEST_F(LinksHandlerTest, GeneratedSlugCollisionIsRetried) {
    auto first = Post("/api/v1/links", R"({"url":"https://example.com/1"})");
    ASSERT_EQ(first.status, 201u) << first.body;
    EXPECT_EQ(boost::json::parse(first.body).at("slug").as_string(), "aaaaaa");
    // The generator draws "aaaaaa" twice more (taken), then "bbbbbb".
    auto second = Post("/api/v1/links", R"({"url":"https://example.com/2"})");
    ASSERT_EQ(second.status, 201u) << second.body;
    EXPECT_EQ(boost::json::parse(second.body).at("slug").as_string(), "bbbbbb");
}

TEST_F(LinksHandlerTest, CustomSlugConflictIs409) {
    ASSERT_EQ(Post("/api/v1/links", R"({"url":"https://example.com/1","slug":"mine"})").status, 201u);
    auto again = Post("/api/v1/links", R"({"url":"https://example.com/2","slug":"mine"})");
    EXPECT_EQ(again.status, 409u);
    EXPECT_EQ(Code(again), "slug_taken");
}

TEST_F(LinksHandlerTest, CreatedLinkRedirectsAndQueuesAClick) {
    auto created = Post("/api/shorten", R"({"url":"https://example.com/target"})");
    ASSERT_EQ(created.status, 201u);
    auto json = boost::json::parse(created.body);
    EXPECT_EQ(json.at("shortUrl").as_string(), "https://sho.rt/aaaaaa");
    auto redirect = Get("/aaaaaa");
    EXPECT_EQ(redirect.status, 302u);
    EXPECT_EQ(redirect.location, "https://example.com/target");
    EXPECT_NE(redirect.cache_control.find("no-store"), std::string_view::npos);
    EXPECT_EQ(queue_.Stats().enqueued, 1u);
}

TEST_F(LinksHandlerTest, RefusesSelfReferenceAndWrongMediaType) {
    auto loop = Post("/api/v1/links", R"({"url":"https://SHO.RT/abc"})");
    EXPECT_EQ(loop.status, 400u);
    EXPECT_EQ(Code(loop), "redirect_loop");
    auto form = Post("/api/v1/links", "url=https://example.com", "application/x-www-form-urlencoded");
    EXPECT_EQ(form.status, 415u);
    EXPECT_EQ(Code(form), "unsupported_media_type");
    auto not_json = Post("/api/v1/links", "{url:", "application/json; charset=utf-8");
    EXPECT_EQ(not_json.status, 400u);
    EXPECT_EQ(Code(not_json), "invalid_json");
}

TEST_F(LinksHandlerTest, UnknownSlugIsNegativelyCached) {
    EXPECT_EQ(Get("/nosuch").status, 404u);
    EXPECT_EQ(l1_.NegativeSize(), 1u);
    // Creating the slug replaces the negative entry at once.
    ASSERT_EQ(Post("/api/v1/links", R"({"url":"https://example.com/x","slug":"nosuch"})").status, 201u);
    EXPECT_EQ(Get("/nosuch").status, 302u);
}

}  // namespace
}  // namespace shortener::http
