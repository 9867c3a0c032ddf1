// The HTTPS policy (issue #14): 308 to https for plain HTTP when the public URL is https, HSTS on HTTPS answers,
// X-Forwarded-Proto believed from trusted proxies only, probes never redirected.

#include "http/https_policy.hpp"

#include <gtest/gtest.h>

#include "http/dispatcher.hpp"
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

Handler Ok() {
    return
        [](const Request&, const Params&) -> boost::asio::awaitable<Response> { co_return Response::Text(200, "ok"); };
}

struct Sent {
    std::string remote = "192.0.2.1";
    bool tls = false;
    std::vector<HeaderField> headers = {{"host", "S.Example.com:80"}};
};

Response Send(const Router& router, std::string target, const Sent& sent = {}) {
    RequestData data;
    data.method = Method::kGet;
    data.target = std::move(target);
    data.headers = sent.headers;
    data.header_count = data.headers.size();
    data.tls = sent.tls;
    Request req(data, sent.remote);
    return RunAwaitable(Dispatch(router, req)).response;
}

Router MakeRouter(std::string_view public_url, std::uint32_t hsts, std::string_view trusted = "10.0.0.0/8") {
    Router r;
    for (const char* path : {"/healthz", "/readyz", "/metrics", "/{slug}"}) r.Add({Method::kGet}, path, path, Ok());
    r.SetHttps(std::make_shared<const HttpsGate>(std::make_shared<const SingleHostHttpsPolicy>(public_url, hsts),
                                                 *core::TrustedProxies::Parse(trusted)));
    return r;
}

TEST(HttpsPolicy, PlainHttpIsRedirectedWithPathAndQueryWhenThePublicUrlIsHttps) {
    Router r = MakeRouter("https://s.example.com:8443", 0);
    Response resp = Send(r, "/abc?x=1&y=%20");
    EXPECT_EQ(resp.status, 308u);
    EXPECT_EQ(resp.location, "https://s.example.com:8443/abc?x=1&y=%20");
    EXPECT_EQ(HeaderOf(resp, "Strict-Transport-Security"), "");  // never over plain HTTP (RFC 6797 §7.2)
}

TEST(HttpsPolicy, HttpPublicUrlRedirectsNothing) {
    Router r = MakeRouter("http://s.example.com", 0);
    EXPECT_EQ(Send(r, "/abc").status, 200u);
}

TEST(HttpsPolicy, TlsRequestsAreServedWithHstsWhenConfigured) {
    Sent tls;
    tls.tls = true;
    Response with = Send(MakeRouter("https://s.example.com", 31536000), "/abc", tls);
    EXPECT_EQ(with.status, 200u);
    EXPECT_EQ(HeaderOf(with, "Strict-Transport-Security"), "max-age=31536000");
    Response without = Send(MakeRouter("https://s.example.com", 0), "/abc", tls);
    EXPECT_EQ(without.status, 200u);
    EXPECT_EQ(HeaderOf(without, "Strict-Transport-Security"), "");
}

TEST(HttpsPolicy, ForwardedProtoCountsOnlyFromATrustedProxy) {
    Router r = MakeRouter("https://s.example.com", 60);
    Sent proxied;
    proxied.remote = "10.1.2.3";
    proxied.headers.push_back({"x-forwarded-proto", "HTTPS, http"});
    Response via_proxy = Send(r, "/abc", proxied);
    EXPECT_EQ(via_proxy.status, 200u);
    EXPECT_EQ(HeaderOf(via_proxy, "Strict-Transport-Security"), "max-age=60");

    Sent client = proxied;
    client.remote = "198.51.100.7";  // not a trusted proxy: its header is ignored
    EXPECT_EQ(Send(r, "/abc", client).status, 308u);

    Sent plain_from_proxy = proxied;
    plain_from_proxy.headers.back().value = "http";
    EXPECT_EQ(Send(r, "/abc", plain_from_proxy).status, 308u);

    Router no_trust = MakeRouter("https://s.example.com", 60, "");
    EXPECT_EQ(Send(no_trust, "/abc", proxied).status, 308u);
}

TEST(HttpsPolicy, Rfc7239ForwardedProtoCountsFromATrustedProxyWithoutXForwardedProto) {
    Router r = MakeRouter("https://s.example.com", 60);
    Sent proxied;
    proxied.remote = "10.1.2.3";
    proxied.headers.push_back({"forwarded", "for=192.0.2.60;Proto=\"https\";by=10.1.2.3, for=10.9.9.9;proto=http"});
    EXPECT_EQ(Send(r, "/abc", proxied).status, 200u);
    proxied.headers.back().value = "for=192.0.2.60;proto=http, for=10.9.9.9;proto=https";  // the first element counts
    EXPECT_EQ(Send(r, "/abc", proxied).status, 308u);
    proxied.headers.back().value = "for=192.0.2.60";  // no proto
    EXPECT_EQ(Send(r, "/abc", proxied).status, 308u);
    Sent client = proxied;
    client.remote = "198.51.100.7";
    client.headers.back().value = "proto=https";  // not a trusted proxy
    EXPECT_EQ(Send(r, "/abc", client).status, 308u);
}

TEST(HttpsPolicy, TheRedirectIsNotCached) {
    Response resp = Send(MakeRouter("https://s.example.com", 0), "/abc");
    ASSERT_EQ(resp.status, 308u);
    EXPECT_EQ(resp.cache_control, "no-store");
}

TEST(HttpsPolicy, ProbesAreNeverRedirected) {
    Router r = MakeRouter("https://s.example.com", 60);
    for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
        Response resp = Send(r, path);
        EXPECT_EQ(resp.status, 200u) << path;
        EXPECT_EQ(HeaderOf(resp, "Strict-Transport-Security"), "") << path;
    }
    EXPECT_EQ(Send(r, "/healthzz").status, 308u);
}

TEST(HttpsPolicy, NormalizedHost) {
    EXPECT_EQ(NormalizedHost("Go.Acme.COM:8080"), "go.acme.com");
    EXPECT_EQ(NormalizedHost("go.acme.com."), "go.acme.com");
    EXPECT_EQ(NormalizedHost(" go.acme.com.:443 "), "go.acme.com");
    EXPECT_EQ(NormalizedHost("[2001:DB8::1]:443"), "[2001:db8::1]");
    EXPECT_EQ(NormalizedHost(""), "");
}

TEST(HttpsPolicy, SingleHostPolicyAnswersTheSameForEveryHost) {
    SingleHostHttpsPolicy p("HTTPS://s.example.com/base", 5);
    for (std::string_view host : {"s.example.com", "other.example", ""}) {
        HostHttps h = p.ForHost(host);
        EXPECT_TRUE(h.require_https);
        EXPECT_EQ(h.https_origin, "https://s.example.com");
        EXPECT_EQ(h.hsts_max_age, 5u);
    }
    EXPECT_FALSE(SingleHostHttpsPolicy("http://s.example.com", 0).ForHost("s.example.com").require_https);
}

// Idle: the gate skips the request entirely (the plain redirect path's cost when nothing wants HTTPS).
TEST(HttpsPolicy, IdleOnlyWhenNoHostRequiresHttpsOrHsts) {
    EXPECT_TRUE(SingleHostHttpsPolicy("http://s.example.com", 0).Idle());
    EXPECT_FALSE(SingleHostHttpsPolicy("http://s.example.com", 300).Idle());
    EXPECT_FALSE(SingleHostHttpsPolicy("https://s.example.com", 0).Idle());
}

}  // namespace
}  // namespace shortener::http
