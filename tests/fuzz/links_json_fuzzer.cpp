// libFuzzer target: JSON request bodies of the link endpoints, through the real router and handlers over
// a real SQLite store. The first input byte picks the endpoint (POST /api/v1/links, POST /api/shorten, or
// PATCH /api/v1/links/{slug} of a link made for this input); the rest is the body.
// Invariants: only documented statuses (never 5xx), a JSON body of the documented shape, and what the
// API answered is what a later GET reads back.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_service.hpp"

namespace {

using namespace shortener;
using fuzz::Require;
namespace json = boost::json;

struct Harness {
    Harness() {
        http::AddLinkRoutes(router, service.ctx);
        http::AddRedirectRoute(router, service.ctx);
    }

    http::Response Send(http::Method method, std::string target, std::string body,
                        std::string type = "application/json") {
        http::RequestData data;
        data.method = method;
        data.target = std::move(target);
        data.body = std::move(body);
        data.headers.push_back({"content-type", std::move(type)});
        data.header_count = 1;
        http::Request request(data, "192.0.2.1");
        return fuzz::Run(http::Dispatch(router, request)).response;
    }

    fuzz::FuzzService service;
    http::Router router;
};

// The body parses as JSON; an error body is {"error":{"code":string,"message":string}}.
json::object CheckBody(const http::Response& r) {
    Require(r.content_type == http::kJsonType, "JSON content type", r.body);
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    Require(!ec && v.is_object(), "the body is a JSON object", r.body);
    if (r.status >= 400) {
        const auto* error = v.as_object().if_contains("error");
        Require(error && error->is_object(), "an error body has \"error\"", r.body);
        const auto* code = error->as_object().if_contains("code");
        const auto* message = error->as_object().if_contains("message");
        Require(code && code->is_string() && !code->as_string().empty(), "error.code is a string", r.body);
        Require(message && message->is_string() && !message->as_string().empty(), "error.message is a string", r.body);
        Require(code->as_string() != "internal", "no internal errors", r.body);
    }
    return std::move(v.as_object());
}

bool Documented(unsigned status, std::initializer_list<unsigned> allowed) {
    for (unsigned s : allowed) {
        if (s == status) return true;
    }
    return false;
}

std::string SlugOf(const json::object& o) {
    const auto* slug = o.if_contains("slug");
    Require(slug && slug->is_string(), "a created link has a slug");
    return std::string(slug->as_string());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Harness* harness = new Harness();  // lives for the whole run (libFuzzer never returns)
    if (size == 0) return 0;
    harness->service.Reset();
    const std::uint8_t op = data[0];
    std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
    // Content-Type variants the handlers must accept as JSON.
    const std::string type = (op & 0x10) ? "Application/JSON; charset=utf-8" : "application/json";

    switch (op % 3) {
        case 0:
        case 1: {
            const bool v1 = op % 3 == 0;
            auto r = harness->Send(http::Method::kPost, v1 ? "/api/v1/links" : "/api/shorten", body, type);
            Require(Documented(r.status, {201, 400, 409}), "create answers 201, 400 or 409", r.body);
            auto o = CheckBody(r);
            if (r.status != 201) break;
            const std::string slug = SlugOf(o);
            Require(core::IsSlugShaped(slug), "a created slug is slug-shaped", slug);
            auto got = harness->Send(http::Method::kGet, "/api/v1/links/" + slug, {});
            Require(got.status == 200, "a created link can be read", got.body);
            auto stored = CheckBody(got);
            if (v1) Require(json::serialize(stored) == json::serialize(o), "GET returns what POST answered");
            // Follow the link (no User-Agent, no query): a redirect sends the stored URL. Not every new link
            // need redirect (a password-protected one answers with its form), but none answers 5xx.
            auto redirect = harness->Send(http::Method::kGet, "/" + slug, {});
            Require(redirect.status < 500, "following a new link is no server error", redirect.body);
            if (redirect.status >= 300 && redirect.status < 400) {
                Require(redirect.location == stored.at("long_url").as_string(), "Location is the long URL");
            }
            auto deleted = harness->Send(http::Method::kDelete, "/api/v1/links/" + slug, {});
            Require(deleted.status == 204, "a link can be deleted", deleted.body);
            break;
        }
        case 2: {
            auto created = harness->Send(http::Method::kPost, "/api/v1/links", R"({"url":"https://example.com/p"})");
            Require(created.status == 201, "the link to patch is created", created.body);
            const std::string slug = SlugOf(CheckBody(created));
            auto r = harness->Send(http::Method::kPatch, "/api/v1/links/" + slug, body, type);
            Require(Documented(r.status, {200, 400}), "PATCH answers 200 or 400", r.body);
            auto o = CheckBody(r);
            auto got = harness->Send(http::Method::kGet, "/api/v1/links/" + slug, {});
            Require(got.status == 200, "a patched link can be read", got.body);
            if (r.status == 200) {
                Require(json::serialize(CheckBody(got)) == json::serialize(o), "GET returns what PATCH answered");
            }
            harness->Send(http::Method::kDelete, "/api/v1/links/" + slug, {});
            break;
        }
    }
    return 0;
}
