// Accounts, sessions and API keys over HTTP (docs/api-spec.md "Authentication"):
// GET /api/v1/auth/session, POST /api/v1/auth/login|logout|signup, GET|POST /api/v1/keys,
// PATCH|DELETE /api/v1/keys/{id}.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <memory>
#include <stdexcept>
#include <variant>

#include "auth/credentials.hpp"
#include "http/authorize.hpp"
#include "http/error_response.hpp"
#include "http/handlers/handlers.hpp"
#include "http/rate_limit/rate_limit_guard.hpp"

namespace shortener::http {
namespace {

using core::Errc;
namespace json = boost::json;

constexpr std::chrono::seconds kSessionLifetime{30 * 24 * 3600};  // the cookies' Max-Age=2592000

// Password guessing is limited before any argon2id work, on top of the general /api/ limits: per client
// address (an IPv4 address or IPv6 /64), and per account so that guesses spread over many addresses still
// stall (the per-account bucket is loose enough that an attacker cannot lock its owner out for long).
constexpr RateLimit kLoginPerAddress{10.0 / 60.0, 10};
constexpr RateLimit kLoginPerAccount{1.0 / 60.0, 20};
constexpr RateLimit kSignupPerAddress{10.0 / 3600.0, 10};

core::TimePoint NowMillis(core::Clock& clock) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(clock.Now());
}

Response AccountsOff() {
    return ErrorResponse(Errc::kNotFound, "Accounts are off: this server runs with SHORTENER_AUTH=none.");
}

// The body as a JSON object with only `known` members; or the error answer.
std::variant<json::object, Response> JsonObject(const Request& req, std::initializer_list<std::string_view> known) {
    std::string_view type = req.Header("content-type");
    std::string_view media = type.substr(0, type.find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    if (!IEquals(media, "application/json")) {
        return ErrorResponse(Errc::kUnsupportedMediaType, "Send the request body as application/json.");
    }
    boost::system::error_code ec;
    json::value v = json::parse(req.body(), ec);
    if (ec) return ErrorResponse(Errc::kInvalidJson, "The request body is not valid JSON: " + ec.message() + ".");
    if (!v.is_object()) return ErrorResponse(Errc::kInvalidRequest, "The request body must be a JSON object.");
    for (const auto& kv : v.as_object()) {
        if (std::find(known.begin(), known.end(), kv.key()) == known.end()) {
            return ErrorResponse(Errc::kInvalidRequest, UnknownFieldMessage("field", kv.key()));
        }
    }
    return std::move(v.as_object());
}

// A string member; nullopt if absent or not a string.
std::optional<std::string> StringField(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end() || !it->value().is_string()) return std::nullopt;
    return std::string(it->value().as_string());
}

json::object UserJson(std::int64_t id, std::string_view email, bool is_admin) {
    return json::object{{"id", id}, {"email", email}, {"is_admin", is_admin}};
}

// The two cookies of a session (contract: docs/api-spec.md). The session cookie is HttpOnly; the CSRF
// cookie is readable by the page, which echoes it in X-CSRF-Token. Empty values with Max-Age=0 clear them.
void SetSessionCookies(const HandlerContext& ctx, Response& r, std::string_view token, std::string_view csrf,
                       bool clear) {
    const std::string age = clear ? "0" : std::to_string(kSessionLifetime.count());
    const std::string secure = ctx.auth.secure_cookies ? "; Secure" : "";
    r.headers.emplace_back("Set-Cookie", std::string(kSessionCookie) + "=" + std::string(clear ? "" : token) +
                                             "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" + age + secure);
    r.headers.emplace_back("Set-Cookie", std::string(kCsrfCookie) + "=" + std::string(clear ? "" : csrf) +
                                             "; Path=/; SameSite=Strict; Max-Age=" + age + secure);
}

}  // namespace

boost::asio::awaitable<std::string> IssueSession(HandlerContext& ctx, const store::User& user, Response& r) {
    auto& store = ctx.authenticator->store();
    const auto now = NowMillis(ctx.clock);
    const std::string token = auth::GenerateToken();
    std::string csrf = auth::GenerateToken();
    // Expired sessions go when someone logs in: an indexed delete, and no timer to run.
    co_await store.PurgeExpiredSessions(now);
    // Arguments of awaited calls are locals, never temporaries: GCC 12 destroys those twice.
    const store::NewSession session{auth::Sha256Hex(token), user.id, csrf, now, now + kSessionLifetime};
    co_await store.CreateSession(session);
    SetSessionCookies(ctx, r, token, csrf, false);
    co_return csrf;
}

namespace {

// Opens a session for `user`: the answer of login (200) and sign-up (201).
boost::asio::awaitable<Response> StartSession(HandlerContext& ctx, const store::User& user, unsigned status) {
    Response r = Response::Json(status, "{}");
    const std::string csrf = co_await IssueSession(ctx, user, r);
    json::object body{{"user", UserJson(user.id, user.email, user.is_admin)}, {"csrf_token", csrf}};
    r.body = json::serialize(body);
    co_return r;
}

// How the login page offers single sign-on: {"name", "login_url"}, or null when it is off.
json::value SsoJson(const HandlerContext& ctx) {
    if (!ctx.auth.required || ctx.oidc == nullptr) return nullptr;
    return json::object{{"name", ctx.oidc->settings().name}, {"login_url", "/api/v1/auth/oidc/login"}};
}

boost::asio::awaitable<Response> HandleSession(HandlerContext& ctx, const Request& req) {
    const bool required = ctx.auth.required && ctx.authenticator != nullptr;
    json::object body{{"mode", required ? "required" : "none"},
                      {"signup", required && ctx.auth.signup_open},
                      {"anonymous_shortening", required && ctx.auth.anonymous_shortening},
                      {"password_login", required && ctx.auth.password_login},
                      {"sso", SsoJson(ctx)},
                      {"user", nullptr},
                      {"csrf_token", nullptr}};
    bool stale_cookie = false;
    if (required) {
        std::variant<auth::Principal, Response> authn = co_await Authenticate(ctx, req);
        if (auto* p = std::get_if<auth::Principal>(&authn); p && p->user_id != 0) {
            body["user"] = UserJson(p->user_id, p->email, p->is_admin());
            if (p->kind == auth::Principal::Kind::kSession) body["csrf_token"] = p->csrf_token;
        } else if (!CookieValue(req, kSessionCookie).empty() && req.Header("authorization").empty()) {
            stale_cookie = true;
        }
    }
    // Never 401: the page asks this to learn whether it must show the login form.
    Response r = Response::Json(200, json::serialize(body));
    if (stale_cookie) SetSessionCookies(ctx, r, {}, {}, true);
    co_return r;
}

struct EmailAndPassword {
    std::string email;
    std::string password;
};

// The body of login and sign-up: {"email", "password"}, both strings, nothing else.
std::variant<EmailAndPassword, Response> ParseEmailAndPassword(const Request& req) {
    auto parsed = JsonObject(req, {"email", "password"});
    if (auto* r = std::get_if<Response>(&parsed)) return std::move(*r);
    const auto& o = std::get<json::object>(parsed);
    auto email = StringField(o, "email");
    auto password = StringField(o, "password");
    if (!email || !password) return ErrorResponse(Errc::kInvalidRequest, "Send \"email\" and \"password\" as strings.");
    return EmailAndPassword{std::string(*email), std::string(*password)};
}

boost::asio::awaitable<Response> HandleLogin(HandlerContext& ctx, const Request& req,
                                             std::shared_ptr<const std::string> dummy_hash) {
    if (!ctx.auth.required) co_return AccountsOff();
    if (!ctx.auth.password_login) co_return ErrorResponse(Errc::kPasswordLoginOff);
    auto parsed = ParseEmailAndPassword(req);
    if (auto* r = std::get_if<Response>(&parsed)) co_return std::move(*r);
    EmailAndPassword& creds = std::get<EmailAndPassword>(parsed);
    auto normalized = auth::NormalizeEmail(creds.email);
    {
        std::vector<std::pair<std::string, RateLimit>> buckets{
            {"login:a:" + ClientBucketKey(ResolvedClientAddress(req, ctx.trusted_proxies)), kLoginPerAddress},
            {"login:e:" + auth::Sha256Hex(normalized.value_or(creds.email)), kLoginPerAccount}};
        const auto limited = co_await TakeEach(ctx.rate_limiter, std::move(buckets));
        if (limited) co_return TooManyRequests(limited->decision, limited->limit);
    }
    if (!normalized || creds.password.size() > auth::kMaxPasswordLength)
        co_return ErrorResponse(Errc::kInvalidCredentials);
    std::optional<store::User> user = co_await ctx.authenticator->store().FindUserByEmail(*normalized);
    const bool can_log_in = user && !user->password_hash.empty();
    // An unknown email costs the same argon2id verification as a wrong password: timing tells nothing.
    std::string against = can_log_in ? user->password_hash : *dummy_hash;
    const bool ok = co_await ctx.passwords->Verify(std::move(against), std::move(creds.password));
    if (!can_log_in || !ok) co_return ErrorResponse(Errc::kInvalidCredentials);
    Response r = co_await StartSession(ctx, *user, 200);
    co_return r;
}

boost::asio::awaitable<Response> HandleSignup(HandlerContext& ctx, const Request& req) {
    if (!ctx.auth.required) co_return AccountsOff();
    if (!ctx.auth.password_login) co_return ErrorResponse(Errc::kPasswordLoginOff);
    if (!ctx.auth.signup_open) co_return ErrorResponse(Errc::kSignupClosed);
    auto parsed = ParseEmailAndPassword(req);
    if (auto* r = std::get_if<Response>(&parsed)) co_return std::move(*r);
    EmailAndPassword& creds = std::get<EmailAndPassword>(parsed);
    {
        std::vector<std::pair<std::string, RateLimit>> buckets{
            {"signup:a:" + ClientBucketKey(ResolvedClientAddress(req, ctx.trusted_proxies)), kSignupPerAddress}};
        const auto limited = co_await TakeEach(ctx.rate_limiter, std::move(buckets));
        if (limited) co_return TooManyRequests(limited->decision, limited->limit);
    }
    auto normalized = auth::NormalizeEmail(creds.email);
    if (!normalized) co_return ErrorResponse(Errc::kInvalidEmail);
    if (!auth::IsAcceptablePassword(creds.password)) co_return ErrorResponse(Errc::kWeakPassword);
    std::string hash = co_await ctx.passwords->Hash(std::move(creds.password));
    const store::NewUser user{*normalized, std::move(hash), false, NowMillis(ctx.clock)};
    core::Result<store::User> created = co_await ctx.authenticator->store().CreateUser(user);
    if (!created) co_return ErrorResponse(created.error());
    Response r = co_await StartSession(ctx, *created, 201);
    co_return r;
}

boost::asio::awaitable<Response> HandleLogout(HandlerContext& ctx, const Request& req) {
    if (!ctx.auth.required) co_return AccountsOff();
    std::variant<auth::Principal, Response> authn = co_await Authenticate(ctx, req);
    if (auto* r = std::get_if<Response>(&authn)) co_return std::move(*r);
    const auth::Principal& p = std::get<auth::Principal>(authn);
    if (!p.authenticated()) co_return ErrorResponse(Errc::kUnauthorized);
    if (p.kind == auth::Principal::Kind::kSession) {
        co_await ctx.authenticator->store().DeleteSession(p.session_token_hash);
        ctx.authenticator->ForgetSession(p.session_token_hash);
    }
    Response r = Response::NoContent();
    SetSessionCookies(ctx, r, {}, {}, true);
    co_return r;
}

json::object KeyJson(const store::ApiKey& k) {
    json::array scopes;
    for (const auto& s : auth::ScopeNames(auth::ParseScopeList(k.scopes).value_or(0))) scopes.emplace_back(s);
    auto time = [](const std::optional<core::TimePoint>& t) {
        return t ? json::value(core::FormatRfc3339(*t)) : json::value(nullptr);
    };
    return json::object{{"id", k.id},
                        {"name", k.name},
                        {"prefix", k.prefix},
                        {"scopes", std::move(scopes)},
                        {"created_at", core::FormatRfc3339(k.created_at)},
                        {"last_used_at", time(k.last_used_at)},
                        {"revoked_at", time(k.revoked_at)},
                        {"rate_limit", k.rate_limit ? json::value(*k.rate_limit) : json::value(nullptr)}};
}

// Whether `limit` allows more than `ceiling` (nullopt: unlimited).
bool Exceeds(const std::optional<RateLimit>& limit, const std::optional<RateLimit>& ceiling) {
    if (!ceiling) return false;
    if (!limit) return true;
    return limit->per_second > ceiling->per_second || limit->burst > ceiling->burst;
}

// The `rate_limit` member of a key request: nullopt = the server's default (null or absent), else the limit's
// text, validated. Non-admins may only tighten their keys: nothing above the default. The message never
// repeats the input.
std::variant<std::optional<std::string>, Response> RateLimitField(const HandlerContext& ctx, const json::object& o,
                                                                  const auth::Principal& p) {
    auto it = o.find("rate_limit");
    if (it == o.end() || it->value().is_null()) return std::optional<std::string>();
    constexpr std::string_view kHint =
        "\"rate_limit\" must be null (the default), \"off\", or a limit such as \"100/s burst 1000\", \"6000/min\" "
        "or \"10000/h burst 500\".";
    if (!it->value().is_string() || it->value().as_string().size() > 64) {
        return ErrorResponse(Errc::kInvalidRequest, kHint);
    }
    std::string text(it->value().as_string());
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.erase(0, 1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.pop_back();
    std::optional<RateLimit> limit;
    try {
        limit = ParseRateLimit(text);
    } catch (const std::invalid_argument&) {
        return ErrorResponse(Errc::kInvalidRequest, kHint);
    }
    if (!p.is_admin() && Exceeds(limit, ctx.auth.authenticated_rate_limit)) {
        return ErrorResponse(Errc::kInsufficientScope, "Only an admin can give a key a limit above the default.");
    }
    return std::optional<std::string>(std::move(text));
}

// The `scopes` member of a new key: a non-empty array of scope names (absent: the user scopes).
std::variant<auth::Scopes, Response> ScopesField(const json::object& o, const auth::Principal& p) {
    auth::Scopes scopes = auth::kUserScopes;
    if (auto it = o.find("scopes"); it != o.end()) {
        std::vector<std::string> names;
        bool ok = it->value().is_array() && !it->value().as_array().empty();
        if (ok) {
            for (const auto& v : it->value().as_array()) {
                if (!v.is_string()) {
                    ok = false;
                    break;
                }
                names.emplace_back(v.as_string());
            }
        }
        auto parsed_scopes = ok ? auth::ParseScopes(names) : std::nullopt;
        if (!parsed_scopes) return ErrorResponse(Errc::kInvalidScopes);
        scopes = *parsed_scopes;
    }
    if ((scopes & auth::kAdmin) && !p.is_admin()) {
        return ErrorResponse(Errc::kInvalidScopes, "Only an admin can grant the admin scope.");
    }
    return scopes;
}

// A key id from the path; nullopt when it is not a positive integer.
std::optional<std::int64_t> KeyId(std::string_view id_text) {
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    if (ec != std::errc() || end != id_text.data() + id_text.size() || id < 1) return std::nullopt;
    return id;
}

// Key management needs an account behind the credential (any scope: a key may list and revoke its
// owner's keys; creating is checked separately).
boost::asio::awaitable<std::variant<auth::Principal, Response>> KeyCaller(HandlerContext& ctx, const Request& req) {
    std::variant<auth::Principal, Response> authn = co_await Authenticate(ctx, req);
    if (auto* p = std::get_if<auth::Principal>(&authn); p && !p->authenticated()) {
        co_return ErrorResponse(Errc::kUnauthorized);
    }
    co_return authn;
}

boost::asio::awaitable<Response> HandleListKeys(HandlerContext& ctx, const Request& req) {
    if (!ctx.auth.required) co_return AccountsOff();
    auto caller = co_await KeyCaller(ctx, req);
    if (auto* r = std::get_if<Response>(&caller)) co_return std::move(*r);
    const std::optional<std::int64_t> owner = std::get<auth::Principal>(caller).user_id;
    std::vector<store::ApiKey> keys = co_await ctx.authenticator->store().ListApiKeys(owner);
    json::array items;
    for (const auto& k : keys) items.emplace_back(KeyJson(k));
    co_return Response::Json(200, json::serialize(json::object{{"items", std::move(items)}}));
}

boost::asio::awaitable<Response> HandleCreateKey(HandlerContext& ctx, const Request& req) {
    if (!ctx.auth.required) co_return AccountsOff();
    auto caller = co_await KeyCaller(ctx, req);
    if (auto* r = std::get_if<Response>(&caller)) co_return std::move(*r);
    const auth::Principal& p = std::get<auth::Principal>(caller);
    // A leaked key must not mint more keys: only people (sessions) and admin keys create them.
    if (p.kind == auth::Principal::Kind::kApiKey && !p.is_admin()) {
        co_return ErrorResponse(Errc::kInsufficientScope, "Only a logged-in user or an admin key can create keys.");
    }
    auto parsed = JsonObject(req, {"name", "scopes", "rate_limit"});
    if (auto* r = std::get_if<Response>(&parsed)) co_return std::move(*r);
    const auto& o = std::get<json::object>(parsed);
    auto name = StringField(o, "name");
    if (!name || !auth::IsAcceptableKeyName(*name)) {
        co_return ErrorResponse(Errc::kInvalidRequest,
                                "\"name\" must be a string of 1 to 100 characters without control characters.");
    }
    auto scopes = ScopesField(o, p);
    if (auto* r = std::get_if<Response>(&scopes)) co_return std::move(*r);
    auto rate_limit = RateLimitField(ctx, o, p);
    if (auto* r = std::get_if<Response>(&rate_limit)) co_return std::move(*r);
    const std::string key = auth::GenerateApiKey();
    const store::NewApiKey row{p.user_id,
                               *name,
                               auth::DisplayPrefix(key),
                               auth::Sha256Hex(key),
                               auth::ScopeString(std::get<auth::Scopes>(scopes)),
                               NowMillis(ctx.clock),
                               std::get<std::optional<std::string>>(rate_limit)};
    store::ApiKey created = co_await ctx.authenticator->store().CreateApiKey(row);
    json::object body = KeyJson(created);
    body["key"] = key;  // the only time it is ever shown
    Response r = Response::Json(201, json::serialize(body));
    r.headers.emplace_back("Location", "/api/v1/keys/" + std::to_string(created.id));
    co_return r;
}

boost::asio::awaitable<Response> HandleRevokeKey(HandlerContext& ctx, const Request& req, std::string_view id_text) {
    if (!ctx.auth.required) co_return AccountsOff();
    auto caller = co_await KeyCaller(ctx, req);
    if (auto* r = std::get_if<Response>(&caller)) co_return std::move(*r);
    const auth::Principal& p = std::get<auth::Principal>(caller);
    const std::optional<std::int64_t> id = KeyId(id_text);
    if (!id) co_return ErrorResponse(Errc::kNotFound);
    // Admins may revoke anyone's key; others only their own (someone else's is "not found").
    std::optional<std::int64_t> owner;
    if (!p.is_admin()) owner = p.user_id;
    const bool revoked = co_await ctx.authenticator->store().RevokeApiKey(*id, owner, NowMillis(ctx.clock));
    if (!revoked) co_return ErrorResponse(Errc::kNotFound, "No such key.");
    ctx.authenticator->ForgetKeys();  // effective on this replica at once
    co_return Response::NoContent();
}

// PATCH /api/v1/keys/{id}: {"rate_limit": "…" | null}. Same ownership rule as revoking.
boost::asio::awaitable<Response> HandleUpdateKey(HandlerContext& ctx, const Request& req, std::string_view id_text) {
    if (!ctx.auth.required) co_return AccountsOff();
    auto caller = co_await KeyCaller(ctx, req);
    if (auto* r = std::get_if<Response>(&caller)) co_return std::move(*r);
    const auth::Principal& p = std::get<auth::Principal>(caller);
    const std::optional<std::int64_t> id = KeyId(id_text);
    if (!id) co_return ErrorResponse(Errc::kNotFound);
    auto parsed = JsonObject(req, {"rate_limit"});
    if (auto* r = std::get_if<Response>(&parsed)) co_return std::move(*r);
    const auto& o = std::get<json::object>(parsed);
    if (!o.contains("rate_limit")) co_return ErrorResponse(Errc::kInvalidRequest, "Send \"rate_limit\" to change.");
    auto rate_limit = RateLimitField(ctx, o, p);
    if (auto* r = std::get_if<Response>(&rate_limit)) co_return std::move(*r);
    std::optional<std::int64_t> owner;
    if (!p.is_admin()) owner = p.user_id;
    std::optional<std::string> value = std::get<std::optional<std::string>>(std::move(rate_limit));
    std::optional<store::ApiKey> updated =
        co_await ctx.authenticator->store().SetApiKeyRateLimit(*id, owner, std::move(value));
    if (!updated) co_return ErrorResponse(Errc::kNotFound, "No such key.");
    ctx.authenticator->ForgetKeys();  // the new limit applies on this replica at once
    co_return Response::Json(200, json::serialize(KeyJson(*updated)));
}

}  // namespace

void AddAuthRoutes(Router& router, HandlerContext& ctx) {
    router.Add({Method::kGet}, "/api/v1/auth/session", "auth_session",
               [&ctx](const Request& req, const Params&) { return HandleSession(ctx, req); });
    if (ctx.authenticator == nullptr || ctx.passwords == nullptr) return;
    // Compared against when the email is unknown, so that a miss costs as much as a wrong password.
    auto dummy = std::make_shared<const std::string>(auth::HashPasswordBlocking(auth::GenerateToken()));
    router.Add({Method::kPost}, "/api/v1/auth/login", "auth_login",
               [&ctx, dummy](const Request& req, const Params&) { return HandleLogin(ctx, req, dummy); });
    router.Add({Method::kPost}, "/api/v1/auth/logout", "auth_logout",
               [&ctx](const Request& req, const Params&) { return HandleLogout(ctx, req); });
    router.Add({Method::kPost}, "/api/v1/auth/signup", "auth_signup",
               [&ctx](const Request& req, const Params&) { return HandleSignup(ctx, req); });
    router.Add({Method::kGet}, "/api/v1/keys", "keys_list",
               [&ctx](const Request& req, const Params&) { return HandleListKeys(ctx, req); });
    router.Add({Method::kPost}, "/api/v1/keys", "keys_create",
               [&ctx](const Request& req, const Params&) { return HandleCreateKey(ctx, req); });
    router.Add({Method::kPatch}, "/api/v1/keys/{id}", "keys_update",
               [&ctx](const Request& req, const Params& p) { return HandleUpdateKey(ctx, req, p.Get("id")); });
    router.Add({Method::kDelete}, "/api/v1/keys/{id}", "keys_revoke",
               [&ctx](const Request& req, const Params& p) { return HandleRevokeKey(ctx, req, p.Get("id")); });
}

}  // namespace shortener::http
