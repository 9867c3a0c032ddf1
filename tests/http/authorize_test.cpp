// The authorization path (http/authorize.*) in-process: cookie parsing, and the contract's order of checks
// (authenticate → CSRF → scope → ownership) on real routes over a real SQLite store.

#include "http/authorize.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "cache/link_resolver.hpp"
#include "http/dispatcher.hpp"
#include "http/handlers/handlers.hpp"
#include "queue/in_process/in_process_click_queue.hpp"
#include "store/sqlite/sqlite_auth_store.hpp"
#include "store/sqlite/sqlite_stores.hpp"
#include "support/fakes.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::http {
namespace {

using shortener::testing::FakeClock;
using shortener::testing::RunAwaitable;
using shortener::testing::SeededRandom;
using shortener::testing::TempDir;

struct Call {
    Method method = Method::kGet;
    std::string target;
    std::vector<HeaderField> headers;
    std::string body;
};

class AuthorizeTest : public ::testing::Test {
  protected:
    AuthorizeTest()
        : dir_("authorize-"),
          db_(std::make_shared<store::SqliteDb>(dir_.File("t.db"))),
          links_(db_),
          auth_store_(db_),
          l1_(cache::L1Options{}),
          resolver_(links_, l1_),
          queue_(100),
          authenticator_(auth_store_, clock_),
          ctx_{links_, resolver_,        queue_,    clock_, random_, core::SlugGenerator(random_),
               {},     "https://sho.rt", registry_, {}} {
        db_->Migrate(store::SqliteMigrations());
        ctx_.auth.required = true;
        ctx_.authenticator = &authenticator_;
        ctx_.passwords = &passwords_;
        AddAuthRoutes(router_, ctx_);
        AddLinkRoutes(router_, ctx_);
        alice_ = *RunAwaitable(auth_store_.CreateUser({"alice@example.com", "", false, {}}));
        bob_ = *RunAwaitable(auth_store_.CreateUser({"bob@example.com", "", false, {}}));
    }

    std::string Key(std::int64_t user, const std::string& scopes) {
        std::string key = auth::GenerateApiKey();
        RunAwaitable(
            auth_store_.CreateApiKey({user, "k", auth::DisplayPrefix(key), auth::Sha256Hex(key), scopes, {}, {}}));
        return key;
    }
    // A session of `user`; returns the cookie header value, and the CSRF token in `csrf`.
    std::string Session(std::int64_t user, std::string& csrf) {
        std::string token = auth::GenerateToken();
        csrf = auth::GenerateToken();
        auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.Now());
        RunAwaitable(auth_store_.CreateSession({auth::Sha256Hex(token), user, csrf, now, now + std::chrono::hours(1)}));
        return "theme=dark; shortener_session=" + token + "; other=1";
    }
    Response Send(Call call) {
        RequestData data;
        data.method = call.method;
        data.target = std::move(call.target);
        data.body = std::move(call.body);
        data.headers = std::move(call.headers);
        data.header_count = data.headers.size();
        Request req(data, "192.0.2.1");
        return RunAwaitable(Dispatch(router_, req)).response;
    }
    static std::string Code(const Response& r) {
        return std::string(boost::json::parse(r.body).at("error").at("code").as_string());
    }
    Response Create(std::vector<HeaderField> headers, std::string body = R"({"url":"https://example.com/"})") {
        headers.push_back({"content-type", "application/json"});
        return Send({Method::kPost, "/api/v1/links", std::move(headers), std::move(body)});
    }

    TempDir dir_;
    std::shared_ptr<store::SqliteDb> db_;
    store::SqliteLinkStore links_;
    store::SqliteAuthStore auth_store_;
    cache::L1Cache l1_;
    cache::LinkResolver resolver_;
    queue::InProcessClickQueue queue_;
    FakeClock clock_;
    SeededRandom random_{42};
    metrics::Registry registry_;
    auth::Authenticator authenticator_;
    auth::PasswordHasher passwords_{1};
    HandlerContext ctx_;
    Router router_;
    store::User alice_, bob_;
};

TEST(CookieValue, FindsTheNamedCookieAmongOthers) {
    RequestData data;
    data.headers = {{"cookie", "a=1; shortener_session=abc ;b=2"}, {"cookie", "shortener_csrf=\"q\""}};
    data.header_count = 2;
    Request req(data, "");
    EXPECT_EQ(CookieValue(req, "shortener_session"), "abc");
    EXPECT_EQ(CookieValue(req, "shortener_csrf"), "q");
    EXPECT_EQ(CookieValue(req, "a"), "1");
    EXPECT_EQ(CookieValue(req, "shortener"), "");
    EXPECT_EQ(CookieValue(req, "missing"), "");
}

TEST_F(AuthorizeTest, BadCredentialIs401BeforeAnythingElse) {
    // Even with a body that would fail validation: authentication comes first.
    auto r = Create({{"authorization", "Bearer sk_unknown"}}, "not json");
    EXPECT_EQ(r.status, 401u);
    EXPECT_EQ(Code(r), "unauthorized");
    r = Create({}, "not json");
    EXPECT_EQ(r.status, 401u);
    bool www = false;
    for (const auto& [k, v] : r.headers) www |= k == "WWW-Authenticate" && v == "Bearer realm=\"shortener\"";
    EXPECT_TRUE(www);
}

TEST_F(AuthorizeTest, CsrfComesBeforeScope) {
    std::string csrf;
    std::string cookie = Session(alice_.id, csrf);
    auto r = Create({{"cookie", cookie}});
    EXPECT_EQ(r.status, 403u);
    EXPECT_EQ(Code(r), "csrf_failed");
    r = Create({{"cookie", cookie}, {"x-csrf-token", csrf}});
    EXPECT_EQ(r.status, 201u) << r.body;
    // Reads need no CSRF token.
    EXPECT_EQ(Send({Method::kGet, "/api/v1/links", {{"cookie", cookie}}}).status, 200u);
}

TEST_F(AuthorizeTest, ScopeThenOwnership) {
    const std::string alice_rw = Key(alice_.id, "links:write links:read");
    const std::string bob_read = Key(bob_.id, "links:read");
    const std::string bob_rw = Key(bob_.id, "links:write links:read");
    auto created = Create({{"authorization", "Bearer " + alice_rw}});
    ASSERT_EQ(created.status, 201u) << created.body;
    const std::string slug(boost::json::parse(created.body).at("slug").as_string());
    const std::string path = "/api/v1/links/" + slug;
    // Bob without links:write: the scope answers first (403), whoever owns the link.
    auto r = Send({Method::kDelete, path, {{"authorization", "Bearer " + bob_read}}});
    EXPECT_EQ(r.status, 403u);
    EXPECT_EQ(Code(r), "insufficient_scope");
    // With the scope: someone else's link is 404, like a link that does not exist.
    r = Send({Method::kDelete, path, {{"authorization", "Bearer " + bob_rw}}});
    EXPECT_EQ(r.status, 404u);
    EXPECT_EQ(Send({Method::kGet, path, {{"authorization", "Bearer " + bob_read}}}).status, 404u);
    EXPECT_EQ(Send({Method::kGet, path, {{"authorization", "Bearer " + alice_rw}}}).status, 200u);
    EXPECT_EQ(Send({Method::kDelete, path, {{"authorization", "Bearer " + alice_rw}}}).status, 204u);
}

TEST_F(AuthorizeTest, AuthorizationHeaderWinsOverTheCookie) {
    std::string csrf;
    std::string cookie = Session(alice_.id, csrf);
    // A bearer write needs no CSRF token even if a cookie rides along.
    auto r = Create({{"cookie", cookie}, {"authorization", "Bearer " + Key(bob_.id, "links:write")}});
    EXPECT_EQ(r.status, 201u) << r.body;
    // And a bad bearer is not rescued by a good cookie.
    r = Create({{"cookie", cookie}, {"x-csrf-token", csrf}, {"authorization", "Bearer nope"}});
    EXPECT_EQ(r.status, 401u);
}

TEST_F(AuthorizeTest, ModeNoneIsTheTrustedAdmin) {
    ctx_.auth.required = false;
    auto r = Create({{"authorization", "Bearer nonsense"}});
    EXPECT_EQ(r.status, 201u) << r.body;
    EXPECT_EQ(Send({Method::kGet, "/api/v1/links"}).status, 200u);
}

}  // namespace
}  // namespace shortener::http
