// The web UI's static handler over a small export in a temporary directory: routes, content types, gzip,
// ETags, caching, security headers, traversal and symlinks.

#include "http/handlers/static_handler.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "http/dispatcher.hpp"
#include "support/fakes.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::http {
namespace {

namespace fs = std::filesystem;
using shortener::testing::RunAwaitable;

void Write(const fs::path& p, const std::string& s) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << s;
}

std::string Header(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
        if (IEquals(k, name)) return v;
    }
    return {};
}

class StaticHandler : public ::testing::Test {
  protected:
    void SetUp() override {
        Write(root_ / "out/index.html", "<html>home</html>");
        Write(root_ / "out/404.html", "<html>not found</html>");
        Write(root_ / "out/app/links/index.html", "<html>links</html>");
        Write(root_ / "out/app/links/index.txt", "rsc");
        Write(root_ / "out/_next/static/chunks/app/x/page-abc.js", std::string(2000, 'a'));
        Write(root_ / "out/_next/static/chunks/app/x/page-abc.js.gz", "GZ");
        Write(root_ / "out/countries-110m.json", "{}");
        Write(root_ / "out/.csp", "default-src 'self'; script-src 'self' 'sha256-x'\n");
        Write(root_ / "secret.txt", "secret");
        fs::create_symlink(root_ / "secret.txt", root_ / "out/leak.txt");
        router_.Add({Method::kGet}, "/api/v1/links", "api",
                    [](const Request&, const Params&) -> boost::asio::awaitable<Response> {
                        co_return Response::Json(200, "[]");
                    });
        ASSERT_TRUE(AddStaticRoutes(router_, (root_ / "out").string()));
        router_.Add({Method::kGet}, "/{slug}", "redirect",
                    [](const Request&, const Params& p) -> boost::asio::awaitable<Response> {
                        co_return Response::Text(302, "slug:" + std::string(p.Get("slug")));
                    });
    }

    Response Get(std::string target, std::vector<HeaderField> headers = {}) {
        RequestData data;
        data.method = Method::kGet;
        data.target = std::move(target);
        data.headers = std::move(headers);
        data.header_count = data.headers.size();
        Request req(data, "127.0.0.1");
        return RunAwaitable(Dispatch(router_, req)).response;
    }

    shortener::testing::TempDir dir_{"static-test-"};
    const fs::path root_ = dir_.path();
    Router router_;
};

TEST_F(StaticHandler, ServesPagesWithSecurityHeaders) {
    auto r = Get("/");
    EXPECT_EQ(r.status, 200u);
    EXPECT_EQ(r.body, "<html>home</html>");
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
    EXPECT_EQ(r.cache_control, "no-cache");
    EXPECT_EQ(Header(r, "Content-Security-Policy"), "default-src 'self'; script-src 'self' 'sha256-x'");
    EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
    EXPECT_FALSE(Header(r, "Referrer-Policy").empty());
    EXPECT_EQ(Get("/app/links/").body, "<html>links</html>");
    EXPECT_EQ(Get("/app/links/index.txt").content_type, "text/plain; charset=utf-8");
    EXPECT_EQ(Get("/countries-110m.json").content_type, "application/json");
    auto redirect = Get("/app/links?x=1");
    EXPECT_EQ(redirect.status, 308u);
    EXPECT_EQ(redirect.location, "/app/links/?x=1");
}

TEST_F(StaticHandler, HashedAssetsAreImmutableAndGzipped) {
    auto plain = Get("/_next/static/chunks/app/x/page-abc.js");
    EXPECT_EQ(plain.status, 200u);
    EXPECT_EQ(plain.content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(plain.cache_control, "public, max-age=31536000, immutable");
    EXPECT_EQ(plain.body.size(), 2000u);
    EXPECT_EQ(Header(plain, "Vary"), "Accept-Encoding");
    EXPECT_TRUE(Header(plain, "Content-Security-Policy").empty());
    auto gz = Get("/_next/static/chunks/app/x/page-abc.js", {{"accept-encoding", "br, gzip;q=0.8"}});
    EXPECT_EQ(Header(gz, "Content-Encoding"), "gzip");
    EXPECT_EQ(gz.body, "GZ");
    EXPECT_NE(Header(gz, "ETag"), Header(plain, "ETag"));
    auto refused = Get("/_next/static/chunks/app/x/page-abc.js", {{"accept-encoding", "gzip;q=0"}});
    EXPECT_TRUE(Header(refused, "Content-Encoding").empty());
}

TEST_F(StaticHandler, EtagRevalidation) {
    auto first = Get("/");
    auto etag = Header(first, "ETag");
    ASSERT_FALSE(etag.empty());
    auto again = Get("/", {{"if-none-match", "\"other\", " + etag}});
    EXPECT_EQ(again.status, 304u);
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(Get("/", {{"if-none-match", "\"other\""}}).status, 200u);
}

TEST_F(StaticHandler, NoTraversalNoDotfilesNoOutsideSymlinks) {
    EXPECT_EQ(Get("/app/../index.html").status, 400u);
    EXPECT_EQ(Get("/app/%2e%2e/%2e%2e/secret.txt").status, 400u);
    EXPECT_EQ(Get("/app/%2E%2E/index.html").status, 400u);
    EXPECT_EQ(Get("/app/a%00b").status, 400u);
    EXPECT_EQ(Get("/app/a%5c..%5cx").status, 400u);
    EXPECT_EQ(Get("/_next/.csp").status, 400u);
    EXPECT_EQ(Get("/leak.txt").status, 302u);  // never loaded: not a route; falls to the slug route
    EXPECT_EQ(Get("/app/nope/").status, 404u);
    EXPECT_EQ(Get("/_next/static/none.js").status, 404u);
}

TEST_F(StaticHandler, SlugsAndApiAreNotShadowed) {
    EXPECT_EQ(Get("/abc123").body, "slug:abc123");
    EXPECT_EQ(Get("/api/v1/links").body, "[]");
}

TEST(StaticHandlerLoad, MissingExportAddsNothing) {
    Router r;
    EXPECT_FALSE(AddStaticRoutes(r, "/nonexistent/dir"));
}

}  // namespace
}  // namespace shortener::http
