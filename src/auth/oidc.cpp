#include "auth/oidc.hpp"

#include <cjose/cjose.h>
#include <sodium.h>

#include <array>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>

#include "auth/credentials.hpp"

namespace shortener::auth {
namespace {

namespace json = boost::json;

struct JwkRelease {
    void operator()(cjose_jwk_t* k) const { cjose_jwk_release(k); }
};
struct JwsRelease {
    void operator()(cjose_jws_t* j) const { cjose_jws_release(j); }
};
using JwkPtr = std::unique_ptr<cjose_jwk_t, JwkRelease>;
using JwsPtr = std::unique_ptr<cjose_jws_t, JwsRelease>;

void InitSodium() {
    static const bool ok = sodium_init() >= 0;
    if (!ok) throw std::runtime_error("libsodium could not be initialised");
}

std::string Base64Url(const unsigned char* data, std::size_t size) {
    std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
    sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    out.resize(out.find('\0'));
    return out;
}

std::optional<std::string> FromBase64Url(std::string_view text) {
    std::string out(text.size(), '\0');
    std::size_t size = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                          &size, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) {
        return std::nullopt;
    }
    out.resize(size);
    return out;
}

std::string StringMember(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string();
}

std::optional<std::int64_t> NumericDate(const json::object& o, std::string_view name) {
    auto it = o.find(name);
    if (it == o.end()) return std::nullopt;
    if (it->value().is_int64()) return it->value().as_int64();
    if (it->value().is_uint64()) return static_cast<std::int64_t>(it->value().as_uint64());
    if (it->value().is_double()) return static_cast<std::int64_t>(it->value().as_double());
    return std::nullopt;
}

// aud is a string or an array of strings; with several audiences, azp must be this client.
bool AudienceOk(const json::object& claims, const std::string& client_id) {
    auto it = claims.find("aud");
    if (it == claims.end()) return false;
    bool found = false;
    std::size_t count = 0;
    if (it->value().is_string()) {
        found = it->value().as_string() == client_id;
        count = 1;
    } else if (it->value().is_array()) {
        for (const auto& a : it->value().as_array()) {
            if (a.is_string() && a.as_string() == client_id) found = true;
            ++count;
        }
    }
    if (!found) return false;
    auto azp = claims.find("azp");
    if (azp != claims.end()) return azp->value().is_string() && azp->value().as_string() == client_id;
    return count == 1;
}

std::optional<IdTokenError> CheckTimes(const json::object& claims, const IdTokenChecks& checks) {
    const std::int64_t now = core::ToUnixMillis(checks.now) / 1000;
    const std::int64_t leeway = checks.leeway.count();
    auto exp = NumericDate(claims, "exp");
    if (!exp || *exp + leeway <= now) return IdTokenError::kExpired;
    auto iat = NumericDate(claims, "iat");
    if (!iat || *iat - leeway > now) return IdTokenError::kIssuedLater;
    return std::nullopt;
}

std::variant<IdClaims, IdTokenError> CheckClaims(const json::object& claims, const IdTokenChecks& checks) {
    if (StringMember(claims, "iss") != checks.issuer) return IdTokenError::kIssuer;
    if (!AudienceOk(claims, checks.client_id)) return IdTokenError::kAudience;
    if (auto e = CheckTimes(claims, checks)) return *e;
    if (!ConstantTimeEquals(StringMember(claims, "nonce"), checks.nonce)) return IdTokenError::kNonce;
    IdClaims out;
    out.issuer = checks.issuer;
    out.subject = StringMember(claims, "sub");
    if (out.subject.empty() || out.subject.size() > 255) return IdTokenError::kSubject;
    out.email = StringMember(claims, "email");
    auto verified = claims.find("email_verified");
    // Some providers send "true" as a string; only a real true counts.
    out.email_verified = verified != claims.end() && verified->value().is_bool() && verified->value().as_bool();
    if (auto groups = claims.find("groups"); groups != claims.end() && groups->value().is_array()) {
        for (const auto& g : groups->value().as_array()) {
            if (g.is_string()) out.groups.emplace_back(g.as_string());
        }
    }
    return out;
}

// The keys cjose verifies with: the alg a token names must fit the key's type.
bool AlgorithmFits(std::string_view alg, cjose_jwk_kty_t kty) {
    if (alg == "RS256") return kty == CJOSE_JWK_KTY_RSA;
    if (alg == "ES256") return kty == CJOSE_JWK_KTY_EC;
    return false;
}

}  // namespace

struct Jwks::Impl {
    std::map<std::string, JwkPtr, std::less<>> by_kid;  // kid "" for a key without one
};

Jwks::Jwks() : impl_(std::make_unique<Impl>()) {}
Jwks::~Jwks() = default;
Jwks::Jwks(Jwks&&) noexcept = default;
Jwks& Jwks::operator=(Jwks&&) noexcept = default;

std::optional<Jwks> Jwks::Parse(std::string_view text) {
    boost::system::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    auto keys = v.as_object().find("keys");
    if (keys == v.as_object().end() || !keys->value().is_array()) return std::nullopt;
    Jwks out;
    for (const auto& k : keys->value().as_array()) {
        if (!k.is_object()) continue;
        const std::string kty = StringMember(k.as_object(), "kty");
        const std::string use = StringMember(k.as_object(), "use");
        if ((kty != "RSA" && kty != "EC") || (!use.empty() && use != "sig")) continue;
        const std::string one = json::serialize(k);
        cjose_err err;
        JwkPtr jwk(cjose_jwk_import(one.data(), one.size(), &err));
        if (!jwk) continue;
        out.impl_->by_kid.emplace(StringMember(k.as_object(), "kid"), std::move(jwk));
    }
    return out;
}

bool Jwks::Has(std::string_view kid) const { return impl_->by_kid.find(kid) != impl_->by_kid.end(); }
std::size_t Jwks::size() const { return impl_->by_kid.size(); }

std::string_view Describe(IdTokenError e) {
    switch (e) {
        case IdTokenError::kMalformed:
            return "The provider's ID token is malformed.";
        case IdTokenError::kAlgorithm:
            return "The provider's ID token is signed with an algorithm this server does not accept.";
        case IdTokenError::kUnknownKey:
            return "The provider's ID token is signed with a key the provider does not publish.";
        case IdTokenError::kSignature:
            return "The provider's ID token has a bad signature.";
        case IdTokenError::kIssuer:
            return "The provider's ID token comes from another issuer.";
        case IdTokenError::kAudience:
            return "The provider's ID token was issued to another client.";
        case IdTokenError::kExpired:
            return "The provider's ID token has expired.";
        case IdTokenError::kIssuedLater:
            return "The provider's ID token has no or a future issue time.";
        case IdTokenError::kNonce:
            return "The provider's ID token does not belong to this sign-in (nonce).";
        case IdTokenError::kSubject:
            return "The provider's ID token names no subject.";
    }
    return "The provider's ID token is not valid.";
}

std::optional<std::string> IdTokenVerifier::KeyId(std::string_view compact) {
    cjose_err err;
    JwsPtr jws(cjose_jws_import(compact.data(), compact.size(), &err));
    if (!jws) return std::nullopt;
    const char* kid = cjose_header_get(cjose_jws_get_protected(jws.get()), "kid", &err);
    return std::string(kid ? kid : "");
}

std::variant<IdClaims, IdTokenError> IdTokenVerifier::Verify(std::string_view compact, const Jwks& keys,
                                                             const IdTokenChecks& checks) {
    cjose_err err;
    JwsPtr jws(cjose_jws_import(compact.data(), compact.size(), &err));
    if (!jws) return IdTokenError::kMalformed;
    cjose_header_t* header = cjose_jws_get_protected(jws.get());
    const char* alg = cjose_header_get(header, "alg", &err);
    const char* kid = cjose_header_get(header, "kid", &err);
    if (alg == nullptr) return IdTokenError::kMalformed;
    const auto& by_kid = keys.impl_->by_kid;
    auto key = by_kid.find(std::string_view(kid ? kid : ""));
    if (kid == nullptr && by_kid.size() == 1) key = by_kid.begin();
    if (key == by_kid.end()) return IdTokenError::kUnknownKey;
    if (!AlgorithmFits(alg, cjose_jwk_get_kty(key->second.get(), &err))) return IdTokenError::kAlgorithm;
    if (!cjose_jws_verify(jws.get(), key->second.get(), &err)) return IdTokenError::kSignature;
    std::uint8_t* payload = nullptr;
    std::size_t size = 0;
    if (!cjose_jws_get_plaintext(jws.get(), &payload, &size, &err)) return IdTokenError::kMalformed;
    boost::system::error_code ec;
    json::value claims = json::parse(std::string_view(reinterpret_cast<const char*>(payload), size), ec);
    if (ec || !claims.is_object()) return IdTokenError::kMalformed;
    return CheckClaims(claims.as_object(), checks);
}

std::string RandomUrlToken() {
    InitSodium();
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    return Base64Url(bytes, sizeof bytes);
}

std::string PkceChallenge(std::string_view verifier) {
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size());
    return Base64Url(digest, sizeof digest);
}

namespace {

// The cookie key: BLAKE2b of the client secret under a fixed context, so the secret itself never keys anything else.
std::array<unsigned char, crypto_secretbox_KEYBYTES> StateKey(std::string_view secret) {
    static constexpr std::string_view kContext = "shortener oidc login state v1";
    std::array<unsigned char, crypto_secretbox_KEYBYTES> key{};
    crypto_generichash(key.data(), key.size(), reinterpret_cast<const unsigned char*>(kContext.data()), kContext.size(),
                       reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    return key;
}

}  // namespace

std::string SealLoginState(std::string_view secret, const LoginState& s) {
    InitSodium();
    const std::string plain = json::serialize(json::object{
        {"s", s.state}, {"n", s.nonce}, {"v", s.verifier}, {"r", s.next}, {"e", core::ToUnixMillis(s.expires_at)}});
    const auto key = StateKey(secret);
    std::string box(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plain.size(), '\0');
    auto* out = reinterpret_cast<unsigned char*>(box.data());
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, reinterpret_cast<const unsigned char*>(plain.data()),
                          plain.size(), out, key.data());
    return Base64Url(out, box.size());
}

std::optional<LoginState> OpenLoginState(std::string_view secret, std::string_view sealed, core::TimePoint now) {
    InitSodium();
    if (sealed.size() > 4096) return std::nullopt;
    auto box = FromBase64Url(sealed);
    if (!box || box->size() < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) return std::nullopt;
    const auto key = StateKey(secret);
    const auto* in = reinterpret_cast<const unsigned char*>(box->data());
    std::string plain(box->size() - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES, '\0');
    if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()), in + crypto_secretbox_NONCEBYTES,
                                   box->size() - crypto_secretbox_NONCEBYTES, in, key.data()) != 0) {
        return std::nullopt;
    }
    boost::system::error_code ec;
    json::value v = json::parse(plain, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.as_object();
    LoginState s{StringMember(o, "s"), StringMember(o, "n"), StringMember(o, "v"), StringMember(o, "r"), {}};
    auto expires = NumericDate(o, "e");
    if (!expires || core::FromUnixMillis(*expires) <= now) return std::nullopt;
    s.expires_at = core::FromUnixMillis(*expires);
    return s;
}

bool IsAcceptableIssuer(std::string_view issuer) {
    auto url = boost::urls::parse_absolute_uri(issuer);
    if (!url || url->has_query() || url->has_fragment() || url->has_userinfo() || url->host().empty()) return false;
    // Boost.URL 1.81 reads "http://127.0.0.1.evil.example" as host 127.0.0.1 and path ".evil.example": a path after
    // an authority must be empty or start with "/".
    if (!url->encoded_path().empty() && !url->encoded_path().starts_with("/")) return false;
    if (url->scheme() == "https") return true;
    if (url->scheme() != "http") return false;
    if (url->host_type() == boost::urls::host_type::ipv4) return url->host_ipv4_address().to_bytes()[0] == 127;
    if (url->host_type() == boost::urls::host_type::ipv6) return url->host_ipv6_address().is_loopback();
    return url->host() == "localhost";
}

}  // namespace shortener::auth
