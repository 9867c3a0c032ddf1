// Security headers and CORS, applied by Dispatch to every response (issue #7), and the error-body audit: no
// exception text, SQL or path ever reaches a client.

#include "http/response_policy.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "core/errc.hpp"
#include "http/dispatcher.hpp"
#include "http/error_response.hpp"
#include "http/handlers/health.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::http {
namespace {

using shortener::testing::RunAwaitable;

std::string HeaderOf(const Response& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
        if (IEquals(n, name)) return v;
    }
    return {};
}

Handler Returning(Response response) {
    return [response](const Request&, const Params&) -> boost::asio::awaitable<Response> { co_return response; };
}

Response Send(const Router& router, Method method, std::string target, std::vector<HeaderField> headers = {}) {
    RequestData data;
    data.method = method;
    data.target = std::move(target);
    data.headers = std::move(headers);
    data.header_count = data.headers.size();
    Request req(data, "192.0.2.1");
    return RunAwaitable(Dispatch(router, req)).response;
}

Router MakeRouter() {
    Router r;
    r.Add({Method::kGet}, "/page", "page", Returning(Response::Html(200, "<p>hi</p>")));
    Response own = Response::Html(200, "<p>own</p>");
    own.headers.emplace_back("Content-Security-Policy", "default-src 'self'");
    r.Add({Method::kGet}, "/own", "own", Returning(own));
    r.Add({Method::kGet}, "/image.svg", "svg", Returning([] {
              Response s = Response::Text(200, "<svg/>");
              s.content_type = "image/svg+xml";
              return s;
          }()));
    r.Add({Method::kGet, Method::kPost}, "/api/v1/links", "links", Returning(Response::Json(200, "{}")));
    r.Add({Method::kGet}, "/sql", "sql", [](const Request&, const Params&) -> boost::asio::awaitable<Response> {
        throw std::runtime_error("ERROR: relation \"links\" does not exist; SELECT * FROM links at /srv/app/x.cpp:12");
        co_return Response{};
    });
    r.Add({Method::kGet}, "/down", "down", [](const Request&, const Params&) -> boost::asio::awaitable<Response> {
        throw core::BackendUnavailable("could not connect to server at 10.1.2.3:5432: password authentication failed");
        co_return Response{};
    });
    r.Add({Method::kGet}, "/weird", "weird", [](const Request&, const Params&) -> boost::asio::awaitable<Response> {
        throw 42;
        co_return Response{};
    });
    r.Add({Method::kGet}, "/{slug}", "redirect", [](const Request&, const Params&) -> boost::asio::awaitable<Response> {
        Response redirect;
        redirect.status = 302;
        redirect.location = "https://example.com/";
        redirect.cache_control = "private, no-store, max-age=0";
        co_return redirect;
    });
    return r;
}

TEST(SecurityHeaders, EveryDocumentGetsAStrictPolicy) {
    auto router = MakeRouter();
    Response page = Send(router, Method::kGet, "/page");
    EXPECT_EQ(HeaderOf(page, "Content-Security-Policy"), kDefaultDocumentCsp);
    EXPECT_NE(HeaderOf(page, "Content-Security-Policy").find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_EQ(HeaderOf(page, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(HeaderOf(page, "Referrer-Policy"), "strict-origin-when-cross-origin");
    EXPECT_EQ(HeaderOf(page, "X-Frame-Options"), "DENY");
    // A handler's own policy is kept, not doubled.
    Response own = Send(router, Method::kGet, "/own");
    EXPECT_EQ(HeaderOf(own, "Content-Security-Policy"), "default-src 'self'");
    int csp = 0;
    for (const auto& h : own.headers) csp += IEquals(h.first, "Content-Security-Policy");
    EXPECT_EQ(csp, 1);
    // SVG runs script when opened directly: it is a document too.
    EXPECT_EQ(HeaderOf(Send(router, Method::kGet, "/image.svg"), "Content-Security-Policy"), kDefaultDocumentCsp);
    // The short-link error page of browsers.
    Response e = ShortLinkErrorPage(core::Errc::kNotFound);
    ApplySecurityHeaders(e);
    EXPECT_NE(HeaderOf(e, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
    EXPECT_EQ(HeaderOf(e, "X-Frame-Options"), "DENY");
}

TEST(SecurityHeaders, JsonGetsNosniffAndRedirectsStayLean) {
    auto router = MakeRouter();
    Response json = Send(router, Method::kGet, "/api/v1/links");
    EXPECT_EQ(HeaderOf(json, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(HeaderOf(json, "Content-Security-Policy"), "");
    Response notfound = Send(router, Method::kGet, "/api/nothing");
    EXPECT_EQ(HeaderOf(notfound, "X-Content-Type-Options"), "nosniff");
    // The redirect hot path: not a single header byte added.
    Response redirect = Send(router, Method::kGet, "/abc123");
    EXPECT_EQ(redirect.status, 302u);
    EXPECT_TRUE(redirect.headers.empty());
}

TEST(Cors, NoHeadersByDefault) {
    auto router = MakeRouter();
    Response r = Send(router, Method::kGet, "/api/v1/links", {{"origin", "https://evil.example"}});
    EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Origin"), "");
    EXPECT_EQ(HeaderOf(r, "Access-Control-Allow-Credentials"), "");
    Response preflight = Send(router, Method::kOptions, "/api/v1/links",
                              {{"origin", "https://evil.example"}, {"access-control-request-method", "POST"}});
    EXPECT_EQ(preflight.status, 405u);
    EXPECT_EQ(HeaderOf(preflight, "Access-Control-Allow-Origin"), "");
}

TEST(Cors, ListedOriginsOnly) {
    auto router = MakeRouter();
    router.SetCors(CorsPolicy{{"https://app.example.com"}});
    Response ok = Send(router, Method::kGet, "/api/v1/links", {{"origin", "https://app.example.com"}});
    EXPECT_EQ(HeaderOf(ok, "Access-Control-Allow-Origin"), "https://app.example.com");
    EXPECT_EQ(HeaderOf(ok, "Access-Control-Allow-Credentials"), "true");
    EXPECT_EQ(HeaderOf(ok, "Vary"), "Origin");
    Response other = Send(router, Method::kGet, "/api/v1/links", {{"origin", "https://app.example.com.evil.example"}});
    EXPECT_EQ(HeaderOf(other, "Access-Control-Allow-Origin"), "");
    EXPECT_EQ(HeaderOf(other, "Access-Control-Allow-Credentials"), "");
    EXPECT_EQ(HeaderOf(other, "Vary"), "Origin");
    Response preflight = Send(router, Method::kOptions, "/api/v1/links",
                              {{"origin", "https://app.example.com"}, {"access-control-request-method", "POST"}});
    EXPECT_EQ(preflight.status, 204u);
    EXPECT_EQ(HeaderOf(preflight, "Access-Control-Allow-Origin"), "https://app.example.com");
    int acao = 0;
    for (const auto& h : preflight.headers) acao += IEquals(h.first, "Access-Control-Allow-Origin");
    EXPECT_EQ(acao, 1);
    EXPECT_NE(HeaderOf(preflight, "Access-Control-Allow-Methods").find("POST"), std::string::npos);
    EXPECT_NE(HeaderOf(preflight, "Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
    // Never on non-API paths.
    Response page = Send(router, Method::kGet, "/page", {{"origin", "https://app.example.com"}});
    EXPECT_EQ(HeaderOf(page, "Access-Control-Allow-Origin"), "");
}

TEST(ErrorBodies, NeverCarryInternals) {
    auto router = MakeRouter();
    for (const char* target : {"/sql", "/down", "/weird"}) {
        Response r = Send(router, Method::kGet, target);
        EXPECT_GE(r.status, 500u) << target;
        for (const char* leak : {"relation", "SELECT", "/srv", ".cpp", "10.1.2.3", "5432", "password", "42"}) {
            EXPECT_EQ(r.body.find(leak), std::string::npos) << target << " leaks " << leak << ": " << r.body;
        }
        EXPECT_NE(r.body.find("\"error\""), std::string::npos) << target;
    }
}

TEST(ErrorBodies, ReadinessNamesTheCheckNotTheReason) {
    metrics::Registry registry;
    std::vector<ReadinessCheck> checks;
    checks.push_back({"database", []() -> boost::asio::awaitable<void> {
                          throw std::runtime_error(
                              "connection to server at \"10.1.2.3\", port 5432 failed: FATAL: "
                              "password authentication failed for user \"shortener\"");
                          co_return;
                      }});
    checks.push_back({"redis",
                      []() -> boost::asio::awaitable<void> {
                          throw std::runtime_error("redis unreachable at 10.9.9.9:6379");
                          co_return;
                      },
                      false});
    Router router;
    AddHealthRoutes(router, registry, checks);
    Response r = Send(router, Method::kGet, "/readyz");
    EXPECT_EQ(r.status, 503u);
    EXPECT_EQ(r.body, R"({"status":"unavailable","checks":{"database":"failing","redis":"degraded"}})");
}

}  // namespace
}  // namespace shortener::http
