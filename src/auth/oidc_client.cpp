#include "auth/oidc_client.hpp"

#include <curl/curl.h>
#include <sodium.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <mutex>

namespace shortener::auth {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxResponseBytes = 1024 * 1024;
constexpr long kTimeoutMs = 10'000;

struct HttpAnswer {
    long status = 0;
    std::string body;
    std::string error;  // transport failure ("" when an answer came)
};

struct HttpCall {
    std::string url;
    std::string form;  // POST body (application/x-www-form-urlencoded); empty: GET
    std::string basic_user;
    std::string basic_password;
    bool basic = false;
};

std::size_t Collect(char* data, std::size_t size, std::size_t n, void* out) {
    auto* body = static_cast<std::string*>(out);
    if (body->size() + size * n > kMaxResponseBytes) return 0;  // aborts the transfer
    body->append(data, size * n);
    return size * n;
}

void InitCurl() {
    static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
    if (!ok) throw std::runtime_error("libcurl could not be initialised");
}

// One blocking request: TLS verified (libcurl's defaults), no redirects followed, bounded time and size.
HttpAnswer Perform(const HttpCall& call) {
    InitCurl();
    HttpAnswer answer;
    std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return {0, {}, "libcurl could not start a request"};
    CURL* c = curl.get();
    curl_easy_setopt(c, CURLOPT_URL, call.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, kTimeoutMs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer.body);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "shortener-oidc");
    std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(curl_slist_append(nullptr, "Accept: application/json"),
                                                               curl_slist_free_all);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    if (!call.form.empty()) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, call.form.c_str());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(call.form.size()));
    }
    if (call.basic) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERNAME, call.basic_user.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, call.basic_password.c_str());
    }
    const CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        answer.error = curl_easy_strerror(rc);
        return answer;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &answer.status);
    return answer;
}

std::string Escape(std::string_view s) {
    std::unique_ptr<char, void (*)(void*)> e(curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size())),
                                             curl_free);
    return e ? std::string(e.get()) : std::string();
}

// Plain coroutine function (not a lambda): its by-value parameter lives in the coroutine frame.
boost::asio::awaitable<HttpAnswer> PerformTask(HttpCall call) { co_return Perform(call); }

std::string Member(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

ProviderError Unavailable(std::string message) { return {ProviderError::Kind::kUnavailable, std::move(message)}; }

// The JSON object of a 200 answer, or why not.
std::variant<json::object, ProviderError> JsonAnswer(const HttpAnswer& a, std::string_view what) {
    if (!a.error.empty()) return Unavailable("The identity provider's " + std::string(what) + " cannot be reached.");
    boost::system::error_code ec;
    json::value v = json::parse(a.body, ec);
    if (a.status >= 400 && a.status < 500) {
        std::string code = !ec && v.is_object() ? Member(v.as_object(), "error") : std::string();
        // Only the provider's short error code is repeated (e.g. invalid_grant), never its free text.
        if (code.size() > 64 || code.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) code = "";
        return ProviderError{ProviderError::Kind::kRejected, "The identity provider refused the request" +
                                                                 (code.empty() ? "" : " (" + code + ")") + "."};
    }
    if (a.status != 200 || ec || !v.is_object()) {
        return Unavailable("The identity provider's " + std::string(what) + " gave an unusable answer.");
    }
    return std::move(v.as_object());
}

bool SupportsPostOnly(const json::object& doc) {
    auto it = doc.find("token_endpoint_auth_methods_supported");
    if (it == doc.end() || !it->value().is_array()) return false;  // the default is client_secret_basic
    bool basic = false;
    bool post = false;
    for (const auto& m : it->value().as_array()) {
        if (m == "client_secret_basic") basic = true;
        if (m == "client_secret_post") post = true;
    }
    return post && !basic;
}

}  // namespace

struct OidcClient::Impl {
    boost::asio::thread_pool pool{2};
    std::mutex mutex;
    std::optional<ProviderMetadata> metadata;
    std::shared_ptr<const Jwks> jwks;
    std::optional<std::chrono::system_clock::time_point> jwks_refetched_at;  // last refetch for an unknown kid

    boost::asio::awaitable<HttpAnswer> Run(HttpCall call) {
        HttpAnswer a = co_await boost::asio::co_spawn(pool, PerformTask(std::move(call)), boost::asio::use_awaitable);
        co_return a;
    }
};

OidcClient::OidcClient(OidcSettings settings, core::Clock& clock)
    : settings_(std::move(settings)), clock_(clock), impl_(std::make_unique<Impl>()) {
    InitCurl();
}

OidcClient::~OidcClient() { impl_->pool.join(); }

boost::asio::awaitable<std::variant<ProviderMetadata, ProviderError>> OidcClient::Metadata() {
    {
        std::lock_guard lock(impl_->mutex);
        if (impl_->metadata) co_return *impl_->metadata;
    }
    std::string url = settings_.issuer;
    while (!url.empty() && url.back() == '/') url.pop_back();
    HttpCall call{url + "/.well-known/openid-configuration", {}, {}, {}, false};
    HttpAnswer answer = co_await impl_->Run(std::move(call));
    auto doc = JsonAnswer(answer, "discovery document");
    if (auto* e = std::get_if<ProviderError>(&doc)) co_return Unavailable(e->message);
    const auto& o = std::get<json::object>(doc);
    if (Member(o, "issuer") != settings_.issuer) {
        co_return Unavailable("The identity provider's discovery document names another issuer.");
    }
    ProviderMetadata m{Member(o, "authorization_endpoint"), Member(o, "token_endpoint"), Member(o, "jwks_uri"),
                       SupportsPostOnly(o)};
    for (const std::string* endpoint : {&m.authorization_endpoint, &m.token_endpoint, &m.jwks_uri}) {
        if (!IsAcceptableIssuer(*endpoint)) {
            co_return Unavailable(
                "The identity provider's discovery document lacks an endpoint or names an "
                "insecure one.");
        }
    }
    std::lock_guard lock(impl_->mutex);
    impl_->metadata = m;
    co_return m;
}

boost::asio::awaitable<std::variant<std::string, ProviderError>> OidcClient::ExchangeCode(std::string code,
                                                                                          std::string verifier,
                                                                                          std::string redirect_uri) {
    auto meta = co_await Metadata();
    if (auto* e = std::get_if<ProviderError>(&meta)) co_return *e;
    const ProviderMetadata& m = std::get<ProviderMetadata>(meta);
    HttpCall call{m.token_endpoint,
                  "grant_type=authorization_code&code=" + Escape(code) + "&redirect_uri=" + Escape(redirect_uri) +
                      "&code_verifier=" + Escape(verifier),
                  {},
                  {},
                  false};
    if (m.secret_in_body) {
        call.form += "&client_id=" + Escape(settings_.client_id) + "&client_secret=" + Escape(settings_.client_secret);
    } else {
        // RFC 6749 2.3.1: the id and secret are form-encoded before they go into the Basic credentials.
        call.basic = true;
        call.basic_user = Escape(settings_.client_id);
        call.basic_password = Escape(settings_.client_secret);
    }
    HttpAnswer answer = co_await impl_->Run(std::move(call));
    auto doc = JsonAnswer(answer, "token endpoint");
    if (auto* e = std::get_if<ProviderError>(&doc)) co_return *e;
    std::string id_token = Member(std::get<json::object>(doc), "id_token");
    if (id_token.empty()) co_return Unavailable("The identity provider's token answer has no ID token.");
    co_return id_token;
}

boost::asio::awaitable<std::variant<IdClaims, IdTokenError, ProviderError>> OidcClient::Verify(std::string id_token,
                                                                                               std::string nonce) {
    auto kid = IdTokenVerifier::KeyId(id_token);
    if (!kid) co_return IdTokenError::kMalformed;
    std::shared_ptr<const Jwks> keys;
    bool may_refetch = false;
    {
        std::lock_guard lock(impl_->mutex);
        keys = impl_->jwks;
        may_refetch = !impl_->jwks_refetched_at || clock_.Now() - *impl_->jwks_refetched_at >= kJwksRefetchInterval;
    }
    // No keys yet, or an unknown kid (the provider rotated its keys): fetch the JWKS, at most once per interval.
    if (!keys || (!keys->Has(*kid) && may_refetch)) {
        auto meta = co_await Metadata();
        if (auto* e = std::get_if<ProviderError>(&meta)) co_return *e;
        HttpCall call{std::get<ProviderMetadata>(meta).jwks_uri, {}, {}, {}, false};
        HttpAnswer answer = co_await impl_->Run(std::move(call));
        std::optional<Jwks> parsed;
        if (answer.error.empty() && answer.status == 200) parsed = Jwks::Parse(answer.body);
        if (!parsed) co_return Unavailable("The identity provider's signing keys (JWKS) cannot be read.");
        keys = std::make_shared<const Jwks>(std::move(*parsed));
        std::lock_guard lock(impl_->mutex);
        // The first fetch is free; refetches for unknown kids are rate-limited (a forged kid costs one fetch).
        if (impl_->jwks) impl_->jwks_refetched_at = clock_.Now();
        impl_->jwks = keys;
    }
    const IdTokenChecks checks{settings_.issuer, settings_.client_id, std::move(nonce),
                               std::chrono::time_point_cast<std::chrono::milliseconds>(clock_.Now())};
    auto verified = IdTokenVerifier::Verify(id_token, *keys, checks);
    if (auto* claims = std::get_if<IdClaims>(&verified)) co_return std::move(*claims);
    co_return std::get<IdTokenError>(verified);
}

}  // namespace shortener::auth
