#include "http/router.hpp"

#include <gtest/gtest.h>

#include "core/errc.hpp"
#include "http/dispatcher.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::http {
namespace {

using shortener::testing::RunAwaitable;

Handler Named(std::string name) {
    return [name](const Request&, const Params& p) -> boost::asio::awaitable<Response> {
        std::string body = name;
        for (std::size_t i = 0; i < p.size; ++i) body += ":" + std::string(p.items[i].second);
        co_return Response::Text(200, body);
    };
}

Router MakeRouter() {
    Router r;
    r.Add({Method::kGet}, "/", "home", Named("home"));
    r.Add({Method::kGet}, "/healthz", "healthz", Named("healthz"));
    r.Add({Method::kPost}, "/api/v1/links", "create", Named("create"));
    r.Add({Method::kGet}, "/api/v1/links", "list", Named("list"));
    r.Add({Method::kGet, Method::kDelete}, "/api/v1/links/{slug}", "one", Named("one"));
    r.Add({Method::kGet}, "/boom", "boom", [](const Request&, const Params&) -> boost::asio::awaitable<Response> {
        throw core::BackendUnavailable("database is down");
        co_return Response{};
    });
    r.Add({Method::kGet}, "/{slug}", "redirect", Named("redirect"));  // catch-all: last
    r.Add({Method::kPost}, "/{slug}", "redirect_password", Named("redirect_password"));
    return r;
}

std::string Body(const Router& router, Method m, std::string target, unsigned* status = nullptr) {
    RequestData data;
    data.method = m;
    data.target = std::move(target);
    Request req(data, "127.0.0.1");
    auto result = RunAwaitable(Dispatch(router, req));
    if (status) *status = result.response.status;
    return result.response.body;
}

TEST(Router, BodyLimitIsTheRoutesOwnWhenLargerElseTheServers) {
    Router r = MakeRouter();
    r.Add({Method::kPost}, "/api/v1/imports", "imports", Named("imports"), RouteClass::kCreate, 1 << 20);
    EXPECT_EQ(r.BodyLimit(Method::kPost, "/api/v1/imports", 64 * 1024), std::size_t{1} << 20);
    EXPECT_EQ(r.BodyLimit(Method::kPost, "/api/v1/imports?format=csv", 64 * 1024), std::size_t{1} << 20);
    EXPECT_EQ(r.BodyLimit(Method::kPost, "/api/v1/imports", 2 << 20), std::size_t{2} << 20);  // the larger
    // Another method, another path, a path that only starts the same: the server's limit.
    EXPECT_EQ(r.BodyLimit(Method::kPut, "/api/v1/imports", 64 * 1024), 64u * 1024);
    EXPECT_EQ(r.BodyLimit(Method::kPost, "/api/v1/imports/x", 64 * 1024), 64u * 1024);
    EXPECT_EQ(r.BodyLimit(Method::kPost, "/api/v1/importsx", 64 * 1024), 64u * 1024);
    EXPECT_EQ(r.BodyLimit(Method::kPost, "/api/v1/links", 64 * 1024), 64u * 1024);
}

TEST(Router, MatchesLiteralsBeforeCatchAll) {
    auto r = MakeRouter();
    EXPECT_EQ(Body(r, Method::kGet, "/"), "home");
    EXPECT_EQ(Body(r, Method::kGet, "/healthz"), "healthz");
    EXPECT_EQ(Body(r, Method::kGet, "/abc123"), "redirect:abc123");
    EXPECT_EQ(Body(r, Method::kGet, "/abc123?utm_source=x"), "redirect:abc123");
    EXPECT_EQ(Body(r, Method::kGet, "/api/v1/links/xyz"), "one:xyz");
    EXPECT_EQ(Body(r, Method::kPost, "/api/v1/links"), "create");
    EXPECT_EQ(Body(r, Method::kGet, "/api/v1/links"), "list");
}

TEST(Router, TheFirstMatchingPatternOwnsThePath) {
    auto r = MakeRouter();
    unsigned status = 0;
    EXPECT_EQ(Body(r, Method::kPost, "/abc123"), "redirect_password:abc123");  // same pattern, other route
    Body(r, Method::kPost, "/healthz", &status);
    EXPECT_EQ(status, 405u);  // not the catch-all POST /{slug}
    Body(r, Method::kPost, "/boom", &status);
    EXPECT_EQ(status, 405u);
    EXPECT_EQ(Body(r, Method::kDelete, "/api/v1/links/x"), "one:x");
}

// Find looks only at the routes that can match the path's first segment, but in the order they were added:
// a parameter route added before a literal one still wins, as with a plain walk over every route.
TEST(Router, CandidatesByFirstSegmentKeepTheOrderOfAdding) {
    Router r;
    r.Add({Method::kGet}, "/{any}", "param_first", Named("param_first"));
    r.Add({Method::kGet}, "/healthz", "healthz", Named("healthz"));
    r.Add({Method::kGet}, "/api/{x}/y", "api_y", Named("api_y"));
    r.Add({Method::kGet}, "/{a}/{b}", "two", Named("two"));
    r.Add({Method::kGet}, "/api/v1/z", "api_z", Named("api_z"));
    EXPECT_EQ(r.Find(Method::kGet, "/healthz").name, "param_first");
    EXPECT_EQ(r.Find(Method::kGet, "/api/v1/y").name, "api_y");
    EXPECT_EQ(r.Find(Method::kGet, "/api/v1").name, "two");
    EXPECT_EQ(r.Find(Method::kGet, "/api/v1/z").name, "api_z");
    EXPECT_EQ(r.Find(Method::kGet, "/other/v1/z").name, "");
    EXPECT_EQ(r.Find(Method::kGet, "no-slash").handler, nullptr);
}

TEST(Router, StarMatchesTheRestOfThePath) {
    Router r;
    r.Add({Method::kGet}, "/app/*", "app", Named("app"));
    r.Add({Method::kGet}, "/{slug}", "redirect", Named("redirect"));
    EXPECT_EQ(Body(r, Method::kGet, "/app/"), "app");
    EXPECT_EQ(Body(r, Method::kGet, "/app/a/b/c.js"), "app");
    EXPECT_EQ(Body(r, Method::kGet, "/app"), "redirect:app");
    unsigned status = 0;
    Body(r, Method::kGet, "/apps/x", &status);
    EXPECT_EQ(status, 404u);
}

TEST(Router, HeadFollowsGet) {
    auto r = MakeRouter();
    EXPECT_EQ(Body(r, Method::kHead, "/abc"), "redirect:abc");
}

TEST(Router, WrongMethodIs405WithAllow) {
    auto r = MakeRouter();
    RequestData data;
    data.method = Method::kPut;
    data.target = "/api/v1/links";
    Request req(data, "");
    auto result = RunAwaitable(Dispatch(r, req));
    EXPECT_EQ(result.response.status, 405u);
    ASSERT_EQ(result.response.headers.size(), 2u);  // Allow, and nosniff added by Dispatch
    EXPECT_EQ(result.response.headers[0].first, "Allow");
    EXPECT_EQ(result.response.headers[0].second, "POST, GET, HEAD");
    EXPECT_EQ(result.response.headers[1].first, "X-Content-Type-Options");
}

TEST(Router, UnknownPathsAre404) {
    auto r = MakeRouter();
    unsigned status = 0;
    Body(r, Method::kGet, "/api/v2/nothing", &status);
    EXPECT_EQ(status, 404u);
    Body(r, Method::kGet, "/api/v1/links/", &status);  // empty parameter
    EXPECT_EQ(status, 404u);
    Body(r, Method::kGet, "/a/b", &status);
    EXPECT_EQ(status, 404u);
}

TEST(Router, BackendFailureIs503WithRetryAfter) {
    auto r = MakeRouter();
    RequestData data;
    data.method = Method::kGet;
    data.target = "/boom";
    Request req(data, "");
    auto result = RunAwaitable(Dispatch(r, req));
    EXPECT_EQ(result.response.status, 503u);
    EXPECT_NE(result.response.body.find("backend_unavailable"), std::string::npos);
    EXPECT_EQ(result.response.body.find("database is down"), std::string::npos);  // no internals leak
}

TEST(Request, QueryParamsAreDecoded) {
    RequestData data;
    data.target = "/x?q=hello+world&limit=10&cursor=&e=%C3%A9";
    Request req(data, "");
    EXPECT_EQ(req.QueryParam("q"), "hello world");
    EXPECT_EQ(req.QueryParam("limit"), "10");
    EXPECT_EQ(req.QueryParam("cursor"), "");
    EXPECT_EQ(req.QueryParam("e"), "é");
    EXPECT_FALSE(req.QueryParam("missing"));
}

}  // namespace
}  // namespace shortener::http
