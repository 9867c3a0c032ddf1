// The shorten flow against a real SQLite store, with scripted randomness for the collision path.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "auth/password.hpp"
#include "cache/link_resolver.hpp"
#include "http/dispatcher.hpp"
#include "http/handlers/handlers.hpp"
#include "queue/in_process/in_process_click_queue.hpp"
#include "store/sqlite/sqlite_stores.hpp"
#include "support/fakes.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::http {
namespace {

using shortener::testing::FakeClock;
using shortener::testing::RunAwaitable;
using shortener::testing::ScriptedSlugs;
using shortener::testing::TempDir;

class LinksHandlerTest : public ::testing::Test {
  protected:
    LinksHandlerTest()
        : dir_("links-handler-"),
          db_(std::make_shared<store::SqliteDb>(dir_.File("t.db"))),
          links_(db_),
          l1_(cache::L1Options{}),
          resolver_(links_, l1_),
          queue_(100),
          random_({"aaaaaa", "aaaaaa", "aaaaaa", "bbbbbb"}),
          ctx_{links_, resolver_,        queue_,    clock_, random_, core::SlugGenerator(random_),
               {},     "https://sho.rt", registry_, {}} {
        db_->Migrate(store::SqliteMigrations());
        ctx_.url_policy.own_hosts = {"sho.rt"};
        ctx_.passwords = &passwords_;
        ctx_.country_of = [this](std::string_view address) {
            ++country_lookups_;
            return address == "203.0.113.7" ? std::string("DE") : std::string();
        };
        AddLinkRoutes(router_, ctx_);
        AddRedirectRoute(router_, ctx_);
    }

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
    Response Send(Method method, std::string path, std::vector<HeaderField> headers = {}, std::string body = {},
                  std::string remote = "192.0.2.1") {
        RequestData data;
        data.method = method;
        data.target = std::move(path);
        data.body = std::move(body);
        data.header_count = headers.size();
        data.headers = std::move(headers);
        Request req(data, remote);
        return RunAwaitable(Dispatch(router_, req)).response;
    }
    Response Patch(std::string path, std::string body) {
        return Send(Method::kPatch, std::move(path), {{"content-type", "application/json"}}, std::move(body));
    }
    static boost::json::object Json(const Response& r) { return boost::json::parse(r.body).as_object(); }
    static std::string Header(const Response& r, std::string_view name) {
        for (const auto& [k, v] : r.headers) {
            if (k == name) return v;
        }
        return {};
    }
    static std::string Code(const Response& r) {
        return std::string(boost::json::parse(r.body).at("error").at("code").as_string());
    }

    TempDir dir_;
    std::shared_ptr<store::SqliteDb> db_;
    store::SqliteLinkStore links_;
    cache::L1Cache l1_;
    cache::LinkResolver resolver_;
    queue::InProcessClickQueue queue_;
    FakeClock clock_;
    ScriptedSlugs random_;
    metrics::Registry registry_;
    auth::PasswordHasher passwords_{1};
    int country_lookups_ = 0;
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

// ---- link management (issue #7) ----

TEST_F(LinksHandlerTest, ManagementFieldsRoundTripThroughTheApi) {
    auto created =
        Post("/api/v1/links", R"({"url":"https://example.com/m","slug":"mgmt","expired_url":"https://expired.example/",
        "forward_query":true,"password":"s3cret","disabled":false,
        "targeting":{"ios":"https://apps.apple.com/x","android":null,"countries":{"de":"https://example.de/","FR":"https://example.fr/"}}})");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto j = Json(created);
    EXPECT_EQ(j.at("expired_url").as_string(), "https://expired.example/");
    EXPECT_TRUE(j.at("forward_query").as_bool());
    EXPECT_TRUE(j.at("password_protected").as_bool());
    EXPECT_FALSE(j.at("disabled").as_bool());
    EXPECT_EQ(j.at("targeting").at("ios").as_string(), "https://apps.apple.com/x");
    EXPECT_TRUE(j.at("targeting").at("android").is_null());
    EXPECT_EQ(j.at("targeting").at("countries").at("DE").as_string(), "https://example.de/");  // upper-cased
    EXPECT_FALSE(j.contains("password"));
    EXPECT_FALSE(j.contains("password_hash"));
    EXPECT_FALSE(j.contains("owner_id"));
    EXPECT_EQ(created.body.find("argon2"), std::string::npos);
    // The stored hash is argon2id, never the password.
    auto stored = RunAwaitable(links_.FindBySlug("mgmt"));
    EXPECT_EQ(stored->password_hash.rfind("$argon2id$", 0), 0u);
    EXPECT_TRUE(auth::VerifyPasswordBlocking(stored->password_hash, "s3cret"));

    auto plain = Post("/api/v1/links", R"({"url":"https://example.com/p","slug":"plain"})");
    auto p = Json(plain);
    EXPECT_TRUE(p.at("expired_url").is_null());
    EXPECT_TRUE(p.at("targeting").is_null());
    EXPECT_FALSE(p.at("password_protected").as_bool());
    EXPECT_FALSE(p.at("forward_query").as_bool());

    // PATCH clears what null clears and keeps the rest.
    auto patched = Patch("/api/v1/links/mgmt", R"({"password":null,"targeting":null,"expired_url":null})");
    ASSERT_EQ(patched.status, 200u) << patched.body;
    auto q = Json(patched);
    EXPECT_FALSE(q.at("password_protected").as_bool());
    EXPECT_TRUE(q.at("targeting").is_null());
    EXPECT_TRUE(q.at("expired_url").is_null());
    EXPECT_TRUE(q.at("forward_query").as_bool());
    // The seed's endpoint takes none of them.
    EXPECT_EQ(Code(Post("/api/shorten", R"({"url":"https://example.com/","password":"x"})")), "invalid_request");
}

TEST_F(LinksHandlerTest, ManagementFieldsAreValidated) {
    auto code = [&](std::string extra) {
        return Code(Post("/api/v1/links", R"({"url":"https://example.com/",)" + extra + "}"));
    };
    EXPECT_EQ(code(R"("password":"")"), "invalid_password");
    EXPECT_EQ(code(R"("password":")" + std::string(129, 'x') + "\""), "invalid_password");
    EXPECT_EQ(code(R"("password":5)"), "invalid_password");
    EXPECT_EQ(code(R"("disabled":"yes")"), "invalid_request");
    EXPECT_EQ(code(R"("forward_query":1)"), "invalid_request");
    EXPECT_EQ(code(R"("expired_url":"https://sho.rt/x")"), "redirect_loop");
    EXPECT_EQ(code(R"x("expired_url":"javascript:alert(1)")x"), "unsupported_scheme");
    EXPECT_EQ(code(R"("targeting":[])"), "invalid_targeting");
    EXPECT_EQ(code(R"("targeting":{"windows":"https://example.com/"})"), "invalid_targeting");
    EXPECT_EQ(code(R"("targeting":{"countries":{"ZZ":"https://example.com/"}})"), "invalid_targeting");
    EXPECT_EQ(code(R"("targeting":{"countries":{"DEU":"https://example.com/"}})"), "invalid_targeting");
    EXPECT_EQ(code(R"("targeting":{"countries":{"DE":"https://example.com/","de":"https://example.de/"}})"),
              "invalid_targeting");
    EXPECT_EQ(code(R"("targeting":{"countries":["DE"]})"), "invalid_targeting");
    EXPECT_EQ(code(R"("targeting":{"ios":"ftp://example.com/"})"), "unsupported_scheme");
    EXPECT_EQ(code(R"("targeting":{"countries":{"US":"https://sho.rt/loop"}})"), "redirect_loop");
    // At most 50 countries.
    static constexpr std::string_view kCodes[] = {
        "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA",
        "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV",
        "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU"};
    auto countries = [&](std::size_t n) {
        std::string s = R"("targeting":{"countries":{)";
        for (std::size_t i = 0; i < n; ++i)
            s += (i ? "," : "") + ("\"" + std::string(kCodes[i]) + R"(":"https://example.com/")");
        return s + "}}";
    };
    EXPECT_EQ(code(countries(51)), "invalid_targeting");
    // Social previews (issue #17).
    EXPECT_EQ(code(R"("og_title":")" + std::string(201, 'x') + "\""), "invalid_preview");
    EXPECT_EQ(code(R"("og_title":"tab\there")"), "invalid_preview");
    EXPECT_EQ(code(R"("og_title":true)"), "invalid_preview");
    EXPECT_EQ(code(R"("og_description":")" + std::string(501, 'x') + "\""), "invalid_preview");
    EXPECT_EQ(code(R"("og_description":{})"), "invalid_preview");
    EXPECT_EQ(code(R"("og_image":"http://cdn.example.com/a.png")"), "invalid_preview");
    EXPECT_EQ(code(R"x("og_image":"javascript:alert(1)")x"), "unsupported_scheme");
    EXPECT_EQ(code(R"("og_image":"https://sho.rt/x")"), "redirect_loop");
    EXPECT_EQ(code(R"("og_image":[])"), "invalid_request");
    auto og =
        Post("/api/v1/links", R"({"url":"https://example.com/","og_title":")" + std::string(200, 'x') +
                                  R"(","og_description":"\u00fc\"<>","og_image":"https://cdn.example.com/i.png"})");
    EXPECT_EQ(og.status, 201u) << og.body;
    auto ogj = boost::json::parse(og.body).as_object();
    EXPECT_EQ(ogj.at("og_title").as_string().size(), 200u);
    EXPECT_EQ(ogj.at("og_description").as_string(), "\xC3\xBC\"<>");
    EXPECT_EQ(ogj.at("og_image").as_string(), "https://cdn.example.com/i.png");
    auto fifty = Post("/api/v1/links", R"({"url":"https://example.com/",)" + countries(50) + "}");
    EXPECT_EQ(fifty.status, 201u) << fifty.body;
    auto bad = Post("/api/v1/links", R"({"url":"https://example.com/","password":""})");
    EXPECT_EQ(bad.status, 400u);
}

TEST_F(LinksHandlerTest, DisabledLinksAnswer404ButStayVisible) {
    ASSERT_EQ(Post("/api/v1/links", R"({"url":"https://example.com/d","slug":"dis"})").status, 201u);
    EXPECT_EQ(Get("/dis").status, 302u);  // now cached
    ASSERT_EQ(Patch("/api/v1/links/dis", R"({"disabled":true})").status, 200u);
    auto r = Get("/dis");
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(Code(r), "link_disabled");
    auto api = Get("/api/v1/links/dis");
    ASSERT_EQ(api.status, 200u);
    EXPECT_TRUE(Json(api).at("disabled").as_bool());
    ASSERT_EQ(Patch("/api/v1/links/dis", R"({"disabled":false})").status, 200u);
    EXPECT_EQ(Get("/dis").status, 302u);
    EXPECT_EQ(queue_.Stats().enqueued, 2u);  // the disabled visit is no click
}

TEST_F(LinksHandlerTest, ExpiredLinksSendVisitorsToExpiredUrl) {
    ASSERT_EQ(Post("/api/v1/links", R"({"url":"https://example.com/c","slug":"byclicks","max_clicks":2,
        "expired_url":"https://example.com/sorry"})")
                  .status,
              201u);
    for (int i = 0; i < 2; ++i) {
        auto r = Get("/byclicks");
        EXPECT_EQ(r.status, 302u);
        EXPECT_EQ(r.location, "https://example.com/c");
    }
    auto after = Get("/byclicks");
    EXPECT_EQ(after.status, 302u);
    EXPECT_EQ(after.location, "https://example.com/sorry");
    EXPECT_EQ(after.cache_control, "private, no-store, max-age=0");

    ASSERT_EQ(Post("/api/v1/links", R"({"url":"https://example.com/t","slug":"bydate","redirect_type":301,
        "expires_at":"2025-06-15T16:26:40Z","expired_url":"https://example.com/late"})")
                  .status,
              201u);
    ASSERT_EQ(Post("/api/v1/links", R"({"url":"https://example.com/t","slug":"bydate410",
        "expires_at":"2025-06-15T16:26:40Z"})")
                  .status,
              201u);
    EXPECT_EQ(Get("/bydate").status, 301u);
    clock_.Advance(std::chrono::hours(2));
    auto late = Get("/bydate");
    EXPECT_EQ(late.status, 302u);  // not the link's 301: nobody may remember it
    EXPECT_EQ(late.location, "https://example.com/late");
    EXPECT_EQ(late.cache_control, "private, no-store, max-age=0");
    EXPECT_EQ(Get("/bydate410").status, 410u);
    // Removing the expired_url brings back the 410.
    ASSERT_EQ(Patch("/api/v1/links/byclicks", R"({"expired_url":null})").status, 200u);
    EXPECT_EQ(Get("/byclicks").status, 410u);
}

TEST_F(LinksHandlerTest, ForwardQueryMergesWithTheDestination) {
    ASSERT_EQ(
        Post("/api/v1/links", R"({"url":"https://example.com/p?a=1#frag","slug":"fwd","forward_query":true})").status,
        201u);
    EXPECT_EQ(Get("/fwd?utm_source=x&b=2").location, "https://example.com/p?a=1&utm_source=x&b=2#frag");
    EXPECT_EQ(Get("/fwd").location, "https://example.com/p?a=1#frag");
    EXPECT_EQ(Get("/fwd?q=a%20b&x=%22").location, "https://example.com/p?a=1&q=a%20b&x=%22#frag");
    ASSERT_EQ(Post("/api/v1/links", R"({"url":"https://example.com/plain","slug":"fwd2","forward_query":true})").status,
              201u);
    EXPECT_EQ(Get("/fwd2?x=1").location, "https://example.com/plain?x=1");
    ASSERT_EQ(Post("/api/v1/links", R"({"url":"https://example.com/p?a=1","slug":"nofwd"})").status, 201u);
    EXPECT_EQ(Get("/nofwd?x=1").location, "https://example.com/p?a=1");
}

TEST_F(LinksHandlerTest, PasswordLinksNeedThePassword) {
    ASSERT_EQ(Post("/api/v1/links", R"({"url":"https://example.com/secret","slug":"pwd","password":"open sesame",
        "max_clicks":2,"redirect_type":307})")
                  .status,
              201u);
    // API client without a password: 401 JSON.
    auto none = Get("/pwd");
    EXPECT_EQ(none.status, 401u);
    EXPECT_EQ(Code(none), "password_required");
    // Browser: the interstitial form, never cached, strict CSP, posting to the same path.
    auto form = Send(Method::kGet, "/pwd?utm=1", {{"accept", "text/html,application/xhtml+xml"}});
    EXPECT_EQ(form.status, 200u);
    EXPECT_EQ(form.cache_control, "private, no-store, max-age=0");
    EXPECT_NE(form.body.find(R"(<form method="post" action="/pwd?utm=1">)"), std::string::npos) << form.body;
    EXPECT_NE(form.body.find(R"(<label for="password">)"), std::string::npos);
    EXPECT_NE(form.body.find(R"(id="password" name="password" type="password")"), std::string::npos);
    EXPECT_EQ(form.body.find("<script"), std::string::npos);
    EXPECT_EQ(form.body.find("http"), std::string::npos);  // no external resource, no destination leak
    auto csp = Header(form, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
    EXPECT_NE(csp.find("style-src 'sha256-"), std::string::npos);
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos);
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
    EXPECT_EQ(Header(form, "X-Content-Type-Options"), "nosniff");
    // The action is the slug and the query, HTML-escaped.
    auto escaped = Send(Method::kGet, "/pwd?a=%22%3E&b=\"<x>", {{"accept", "text/html"}});
    EXPECT_NE(escaped.body.find(R"(action="/pwd?a=%22%3E&amp;b=&quot;&lt;x&gt;")"), std::string::npos) << escaped.body;

    // Wrong passwords (header or form) are 401 and consume no clicks.
    auto wrong_header = Send(Method::kGet, "/pwd", {{"x-link-password", "nope"}});
    EXPECT_EQ(wrong_header.status, 401u);
    EXPECT_EQ(Code(wrong_header), "wrong_password");
    const std::vector<HeaderField> form_headers = {{"content-type", "application/x-www-form-urlencoded"},
                                                   {"accept", "text/html"}};
    auto wrong_form = Send(Method::kPost, "/pwd", form_headers, "password=nope");
    EXPECT_EQ(wrong_form.status, 401u);
    EXPECT_NE(wrong_form.body.find("role=\"alert\""), std::string::npos);
    EXPECT_NE(wrong_form.body.find("aria-invalid=\"true\""), std::string::npos);
    EXPECT_EQ(Send(Method::kPost, "/pwd", form_headers, "").status, 401u);
    EXPECT_EQ(
        Send(Method::kPost, "/pwd", {{"content-type", "application/json"}}, R"({"password":"open sesame"})").status,
        415u);
    EXPECT_EQ(queue_.Stats().enqueued, 0u);

    // Right: the form's POST answers 303 (never 307: that would repost the password to the destination).
    auto right_form = Send(Method::kPost, "/pwd", form_headers, "other=1&password=open+sesame");
    EXPECT_EQ(right_form.status, 303u);
    EXPECT_EQ(right_form.location, "https://example.com/secret");
    EXPECT_EQ(right_form.cache_control, "private, no-store, max-age=0");
    auto right_header = Send(Method::kGet, "/pwd", {{"x-link-password", "open sesame"}});
    EXPECT_EQ(right_header.status, 307u);
    EXPECT_EQ(queue_.Stats().enqueued, 2u);
    // Both clicks used the limit of 2 (the wrong attempts did not).
    EXPECT_EQ(Send(Method::kGet, "/pwd", {{"x-link-password", "open sesame"}}).status, 410u);

    // Removing the password opens the link; POST to a link without password is not allowed.
    ASSERT_EQ(Post("/api/v1/links", R"({"url":"https://example.com/o","slug":"pwd2","password":"x"})").status, 201u);
    EXPECT_EQ(Get("/pwd2").status, 401u);
    ASSERT_EQ(Patch("/api/v1/links/pwd2", R"({"password":null})").status, 200u);
    EXPECT_EQ(Get("/pwd2").status, 302u);
    auto post = Send(Method::kPost, "/pwd2", form_headers, "password=x");
    EXPECT_EQ(post.status, 405u);
    // And setting one by PATCH protects it again.
    ASSERT_EQ(Patch("/api/v1/links/pwd2", R"({"password":"new one"})").status, 200u);
    EXPECT_EQ(Get("/pwd2").status, 401u);
    EXPECT_EQ(Send(Method::kGet, "/pwd2", {{"x-link-password", "new one"}}).status, 302u);
}

TEST_F(LinksHandlerTest, TargetingPicksDeviceThenCountryThenDefault) {
    ASSERT_EQ(Post("/api/v1/links", R"({"url":"https://example.com/default","slug":"tgt","targeting":{
        "ios":"https://example.com/ios","android":"https://example.com/android",
        "countries":{"DE":"https://example.com/de"}}})")
                  .status,
              201u);
    const char* iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148";
    const char* android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120 Mobile Safari/537.36";
    const char* desktop = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36";
    EXPECT_EQ(Send(Method::kGet, "/tgt", {{"user-agent", iphone}}, {}, "203.0.113.7").location,
              "https://example.com/ios");
    EXPECT_EQ(Send(Method::kGet, "/tgt", {{"user-agent", android}}, {}, "203.0.113.7").location,
              "https://example.com/android");
    EXPECT_EQ(Send(Method::kGet, "/tgt", {{"user-agent", desktop}, {"sec-ch-ua-platform", "\"Android\""}}).location,
              "https://example.com/android");
    EXPECT_EQ(Send(Method::kGet, "/tgt", {{"user-agent", iphone}, {"sec-ch-ua-platform", "\"macOS\""}}).location,
              "https://example.com/default");  // the client hint wins
    EXPECT_EQ(country_lookups_, 1);            // device targets decided without a geo lookup
    auto de = Send(Method::kGet, "/tgt", {{"user-agent", desktop}}, {}, "203.0.113.7");
    EXPECT_EQ(de.location, "https://example.com/de");
    EXPECT_EQ(de.cache_control, "private, no-store, max-age=0");
    EXPECT_EQ(Send(Method::kGet, "/tgt", {{"user-agent", desktop}}, {}, "198.51.100.1").location,
              "https://example.com/default");

    // A link without country targeting never asks for the country.
    ASSERT_EQ(Post("/api/v1/links", R"({"url":"https://example.com/x","slug":"devonly",
        "targeting":{"ios":"https://example.com/ios"}})")
                  .status,
              201u);
    const int before = country_lookups_;
    EXPECT_EQ(Send(Method::kGet, "/devonly", {{"user-agent", desktop}}, {}, "203.0.113.7").location,
              "https://example.com/x");
    EXPECT_EQ(Get("/aaaaaa").status, 404u);
    EXPECT_EQ(country_lookups_, before);
}

}  // namespace
}  // namespace shortener::http
