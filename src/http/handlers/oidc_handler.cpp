// Single sign-on with OpenID Connect (issue #16; docs/sso.md, docs/api-spec.md "Single sign-on"):
// GET /api/v1/auth/oidc/login starts the authorization code flow (PKCE S256, state, nonce in a sealed cookie);
// GET /api/v1/auth/oidc/callback exchanges the code, verifies the ID token, finds, links or creates the account
// and opens the same session as a password login.

#include "auth/credentials.hpp"
#include "auth/oidc.hpp"
#include "http/authorize.hpp"
#include "http/error_response.hpp"
#include "http/handlers/handlers.hpp"
#include "http/rate_limit/rate_limit_guard.hpp"
#include "log/log.hpp"

namespace shortener::http {
namespace {

using core::Errc;

constexpr std::string_view kStateCookie = "shortener_oidc";
constexpr std::string_view kCallbackPath = "/api/v1/auth/oidc/callback";
constexpr std::string_view kDefaultNext = "/app/links/";
constexpr std::chrono::minutes kLoginLifetime{10};
// Starting sign-ins costs a provider round trip at most (discovery, once); callbacks cost a token request.
constexpr RateLimit kOidcPerAddress{30.0 / 60.0, 30};

core::TimePoint NowMillis(core::Clock& clock) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(clock.Now());
}

// `next` as a path of this site, or the default: one leading "/", no "//" or backslash, no blanks or controls.
std::string SafeNext(const std::optional<std::string>& next) {
    if (!next || next->empty() || next->size() > 2048 || (*next)[0] != '/') return std::string(kDefaultNext);
    if (next->size() > 1 && ((*next)[1] == '/' || (*next)[1] == '\\')) return std::string(kDefaultNext);
    for (char c : *next) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '\\') return std::string(kDefaultNext);
    }
    return *next;
}

std::string StateCookie(const HandlerContext& ctx, std::string_view value, bool clear) {
    return std::string(kStateCookie) + "=" + std::string(value) + "; Path=/api/v1/auth/oidc; HttpOnly; SameSite=Lax; " +
           "Max-Age=" + (clear ? "0" : std::to_string(std::chrono::seconds(kLoginLifetime).count())) +
           (ctx.auth.secure_cookies ? "; Secure" : "");
}

std::string Escape(std::string_view s) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

Response SeeOther(std::string location) {
    Response r;
    r.status = 303;
    r.location = std::move(location);
    r.cache_control = kNoStore;
    return r;
}

// A failed callback: a browser goes back to the login page with the error's code; other clients get the JSON error.
// Either way the state cookie is cleared: a sign-in gets one try.
Response CallbackFailure(const HandlerContext& ctx, const Request& req, Errc e, std::string_view message = {}) {
    Response r = req.WantsHtml() ? SeeOther("/app/login/?sso_error=" + std::string(core::ErrcName(e)))
                                 : ErrorResponse(e, message);
    r.headers.emplace_back("Set-Cookie", StateCookie(ctx, "", true));
    return r;
}

boost::asio::awaitable<std::optional<Response>> Limited(HandlerContext& ctx, const Request& req) {
    std::vector<std::pair<std::string, RateLimit>> buckets{
        {"oidc:a:" + ClientBucketKey(ResolvedClientAddress(req, ctx.trusted_proxies)), kOidcPerAddress}};
    const auto limited = co_await TakeEach(ctx.rate_limiter, std::move(buckets));
    if (limited) co_return TooManyRequests(limited->decision, limited->limit);
    co_return std::nullopt;
}

boost::asio::awaitable<Response> HandleLogin(HandlerContext& ctx, const Request& req) {
    if (auto limited = co_await Limited(ctx, req)) co_return std::move(*limited);
    auto meta = co_await ctx.oidc->Metadata();
    if (auto* e = std::get_if<auth::ProviderError>(&meta)) {
        log::Warn("oidc_provider_unavailable", {{"error", e->message}});
        co_return ErrorResponse(Errc::kSsoUnavailable, e->message);
    }
    const auth::ProviderMetadata& m = std::get<auth::ProviderMetadata>(meta);
    const auth::OidcSettings& s = ctx.oidc->settings();
    const auth::LoginState state{auth::RandomUrlToken(), auth::RandomUrlToken(), auth::RandomUrlToken(),
                                 SafeNext(req.QueryParam("next")), NowMillis(ctx.clock) + kLoginLifetime};
    const std::string redirect_uri = ctx.public_url + std::string(kCallbackPath);
    std::string location = m.authorization_endpoint;
    location += m.authorization_endpoint.find('?') == std::string::npos ? '?' : '&';
    location += "response_type=code&client_id=" + Escape(s.client_id) + "&redirect_uri=" + Escape(redirect_uri) +
                "&scope=" + Escape(s.scopes) + "&state=" + state.state + "&nonce=" + state.nonce +
                "&code_challenge=" + auth::PkceChallenge(state.verifier) + "&code_challenge_method=S256";
    Response r = SeeOther(std::move(location));
    r.headers.emplace_back("Set-Cookie", StateCookie(ctx, auth::SealLoginState(s.client_secret, state), false));
    co_return r;
}

// The email's domain when it may get an account at its first sign-in.
bool MayCreate(const auth::OidcSettings& s, std::string_view email) {
    const auto at = email.rfind('@');
    if (at == std::string_view::npos) return false;
    const std::string_view domain = email.substr(at + 1);
    return std::find(s.allowed_domains.begin(), s.allowed_domains.end(), domain) != s.allowed_domains.end();
}

// The account of a verified identity: linked already; else linked now by verified email (once); else created when
// the email's domain is allowed. An Errc when none of these applies.
boost::asio::awaitable<std::variant<store::User, Errc>> AccountFor(HandlerContext& ctx, const auth::IdClaims& id) {
    auto& store = ctx.authenticator->store();
    std::optional<store::User> user = co_await store.FindUserByIdentity(id.issuer, id.subject);
    if (user) co_return std::move(*user);
    const std::optional<std::string> email = id.email_verified ? auth::NormalizeEmail(id.email) : std::nullopt;
    if (!email) co_return Errc::kSsoNotAllowed;
    user = co_await store.FindUserByEmail(*email);
    const auto now = NowMillis(ctx.clock);
    if (user) {
        // The service owner never signs in; an account linked to another subject of this issuer is not relinked.
        if (user->email == store::kServiceUserEmail) co_return Errc::kSsoNotAllowed;
        const bool linked = co_await store.LinkIdentity(user->id, id.issuer, id.subject, now);
        if (!linked) co_return Errc::kSsoNotAllowed;
        log::Info("oidc_account_linked", {{"user_id", std::to_string(user->id)}});
        co_return std::move(*user);
    }
    if (!MayCreate(ctx.oidc->settings(), *email)) co_return Errc::kSsoNotAllowed;
    const store::NewUser fresh{*email, "", false, now};  // no password: this account signs in with the provider
    core::Result<store::User> created = co_await store.CreateUserWithIdentity(fresh, id.issuer, id.subject);
    if (!created) co_return Errc::kSsoNotAllowed;
    log::Info("oidc_account_created", {{"user_id", std::to_string(created->id)}});
    co_return std::move(*created);
}

// The claims of the ID token the code buys; or the failure's answer.
// With SHORTENER_OIDC_ADMIN_GROUP, the provider decides who is an instance admin: the flag follows the groups claim
// at every sign-in (the service owner is never touched).
boost::asio::awaitable<void> SyncAdmin(HandlerContext& ctx, const auth::IdClaims& id, store::User& user) {
    const std::string& group = ctx.oidc->settings().admin_group;
    if (group.empty() || user.email == store::kServiceUserEmail) co_return;
    const bool admin = std::find(id.groups.begin(), id.groups.end(), group) != id.groups.end();
    if (admin == user.is_admin) co_return;
    co_await ctx.authenticator->store().SetUserAdmin(user.id, admin);
    user.is_admin = admin;
    log::Info(admin ? "oidc_admin_granted" : "oidc_admin_revoked", {{"user_id", std::to_string(user.id)}});
}

boost::asio::awaitable<std::variant<auth::IdClaims, Response>> Redeem(HandlerContext& ctx, const Request& req,
                                                                      std::string code, const auth::LoginState& state) {
    std::string redirect_uri = ctx.public_url + std::string(kCallbackPath);
    std::string verifier = state.verifier;
    auto token = co_await ctx.oidc->ExchangeCode(std::move(code), std::move(verifier), std::move(redirect_uri));
    if (auto* e = std::get_if<auth::ProviderError>(&token)) {
        log::Warn("oidc_code_refused", {{"error", e->message}});
        const Errc errc = e->kind == auth::ProviderError::Kind::kRejected ? Errc::kSsoFailed : Errc::kSsoUnavailable;
        co_return CallbackFailure(ctx, req, errc, e->message);
    }
    std::string nonce = state.nonce;
    auto verified = co_await ctx.oidc->Verify(std::move(std::get<std::string>(token)), std::move(nonce));
    if (auto* e = std::get_if<auth::ProviderError>(&verified)) {
        log::Warn("oidc_provider_unavailable", {{"error", e->message}});
        co_return CallbackFailure(ctx, req, Errc::kSsoUnavailable, e->message);
    }
    if (auto* e = std::get_if<auth::IdTokenError>(&verified)) {
        log::Warn("oidc_id_token_refused", {{"error", std::string(auth::Describe(*e))}});
        co_return CallbackFailure(ctx, req, Errc::kSsoFailed, auth::Describe(*e));
    }
    co_return std::get<auth::IdClaims>(std::move(verified));
}

boost::asio::awaitable<Response> HandleCallback(HandlerContext& ctx, const Request& req) {
    if (auto limited = co_await Limited(ctx, req)) co_return std::move(*limited);
    const auth::OidcSettings& s = ctx.oidc->settings();
    const std::optional<auth::LoginState> state =
        auth::OpenLoginState(s.client_secret, CookieValue(req, kStateCookie), NowMillis(ctx.clock));
    const std::optional<std::string> given_state = req.QueryParam("state");
    if (!state || !given_state || !auth::ConstantTimeEquals(*given_state, state->state)) {
        co_return CallbackFailure(ctx, req, Errc::kSsoStateInvalid);
    }
    if (req.QueryParam("error")) {
        co_return CallbackFailure(ctx, req, Errc::kSsoFailed, "The identity provider did not sign you in.");
    }
    std::optional<std::string> code = req.QueryParam("code");
    if (!code || code->empty() || code->size() > 4096) {
        co_return CallbackFailure(ctx, req, Errc::kSsoFailed, "The identity provider sent no authorization code.");
    }
    auto redeemed = co_await Redeem(ctx, req, std::move(*code), *state);
    if (auto* r = std::get_if<Response>(&redeemed)) co_return std::move(*r);
    const auth::IdClaims& id = std::get<auth::IdClaims>(redeemed);
    auto account = co_await AccountFor(ctx, id);
    if (auto* e = std::get_if<Errc>(&account)) co_return CallbackFailure(ctx, req, *e);
    store::User& user = std::get<store::User>(account);
    co_await SyncAdmin(ctx, id, user);
    Response r = SeeOther(state->next);
    r.headers.emplace_back("Set-Cookie", StateCookie(ctx, "", true));
    co_await IssueSession(ctx, user, r);
    co_return r;
}

}  // namespace

void AddOidcRoutes(Router& router, HandlerContext& ctx) {
    if (ctx.oidc == nullptr || ctx.authenticator == nullptr) return;
    router.Add({Method::kGet}, "/api/v1/auth/oidc/login", "auth_oidc_login",
               [&ctx](const Request& req, const Params&) { return HandleLogin(ctx, req); });
    router.Add({Method::kGet}, std::string(kCallbackPath), "auth_oidc_callback",
               [&ctx](const Request& req, const Params&) { return HandleCallback(ctx, req); });
}

}  // namespace shortener::http
