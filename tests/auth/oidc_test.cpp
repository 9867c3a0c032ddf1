// The network-free parts of single sign-on (auth/oidc.hpp): PKCE, the sealed login-state cookie, which issuers are
// accepted, JWKS parsing. ID-token verification is tested end to end against a real provider and hand-signed
// tokens in tests/e2e/oidc.test.mjs.

#include "auth/oidc.hpp"

#include <gtest/gtest.h>

namespace shortener::auth {
namespace {

core::TimePoint T(std::int64_t ms) { return core::FromUnixMillis(1'700'000'000'000 + ms); }

TEST(Oidc, PkceChallengeIsRfc7636AppendixB) {
    EXPECT_EQ(PkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
              "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

TEST(Oidc, RandomTokensAreUrlSafeAndDistinct) {
    const std::string a = RandomUrlToken();
    EXPECT_EQ(a.size(), 43U);
    EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    EXPECT_NE(a, RandomUrlToken());
}

TEST(Oidc, LoginStateOpensOnlyWithItsSecretAndBeforeItExpires) {
    const LoginState s{"st", "no", "ve", "/app/links/?q=1", T(600'000)};
    const std::string sealed = SealLoginState("secret", s);
    auto opened = OpenLoginState("secret", sealed, T(0));
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->state, "st");
    EXPECT_EQ(opened->nonce, "no");
    EXPECT_EQ(opened->verifier, "ve");
    EXPECT_EQ(opened->next, "/app/links/?q=1");
    EXPECT_EQ(opened->expires_at, T(600'000));
    EXPECT_FALSE(OpenLoginState("another secret", sealed, T(0)));
    EXPECT_FALSE(OpenLoginState("secret", sealed, T(600'000)));
    std::string flipped = sealed;
    flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(OpenLoginState("secret", flipped, T(0)));
    EXPECT_FALSE(OpenLoginState("secret", "", T(0)));
    EXPECT_FALSE(OpenLoginState("secret", "not base64 !", T(0)));
    EXPECT_FALSE(OpenLoginState("secret", std::string(5000, 'A'), T(0)));
    EXPECT_NE(SealLoginState("secret", s), sealed);  // a fresh nonce each time
}

TEST(Oidc, IssuersMustBeHttpsOrLoopbackHttp) {
    EXPECT_TRUE(IsAcceptableIssuer("https://idp.example.com"));
    EXPECT_TRUE(IsAcceptableIssuer("https://login.example.com/realms/main"));
    EXPECT_TRUE(IsAcceptableIssuer("http://127.0.0.1:4000"));
    EXPECT_TRUE(IsAcceptableIssuer("http://localhost:4000/x"));
    EXPECT_TRUE(IsAcceptableIssuer("http://[::1]:4000"));
    EXPECT_FALSE(IsAcceptableIssuer("http://idp.example.com"));
    EXPECT_FALSE(IsAcceptableIssuer("http://127.0.0.1.evil.example"));
    EXPECT_FALSE(IsAcceptableIssuer("https://idp.example.com?x=1"));
    EXPECT_FALSE(IsAcceptableIssuer("https://idp.example.com#f"));
    EXPECT_FALSE(IsAcceptableIssuer("https://user@idp.example.com"));
    EXPECT_FALSE(IsAcceptableIssuer("ftp://idp.example.com"));
    EXPECT_FALSE(IsAcceptableIssuer("idp.example.com"));
    EXPECT_FALSE(IsAcceptableIssuer(""));
}

TEST(Oidc, JwksKeepsSigningKeysOnly) {
    // RFC 7517 appendix A.1's EC key, an RSA key (RFC 7517 A.1), a symmetric key (skipped), an encryption key.
    const std::string jwks = R"({"keys":[
      {"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
       "y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","use":"sig","kid":"ec-1"},
      {"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
       "e":"AQAB","alg":"RS256","kid":"rsa-1"},
      {"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow","kid":"hs"},
      {"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
       "e":"AQAB","use":"enc","kid":"rsa-enc"}]})";
    auto keys = Jwks::Parse(jwks);
    ASSERT_TRUE(keys);
    EXPECT_EQ(keys->size(), 2U);
    EXPECT_TRUE(keys->Has("ec-1"));
    EXPECT_TRUE(keys->Has("rsa-1"));
    EXPECT_FALSE(keys->Has("hs"));
    EXPECT_FALSE(keys->Has("rsa-enc"));
    EXPECT_FALSE(Jwks::Parse("[]"));
    EXPECT_FALSE(Jwks::Parse("{\"keys\":{}}"));
    EXPECT_FALSE(Jwks::Parse("not json"));
}

TEST(Oidc, VerifyRefusesWhatIsNotACompactJws) {
    auto keys = Jwks::Parse(R"({"keys":[]})");
    ASSERT_TRUE(keys);
    const IdTokenChecks checks{"https://idp.example.com", "client", "nonce", T(0)};
    for (const char* token : {"", "a.b", "not a token", "eyJhbGciOiJub25lIn0.e30."}) {
        auto r = IdTokenVerifier::Verify(token, *keys, checks);
        ASSERT_TRUE(std::holds_alternative<IdTokenError>(r)) << token;
    }
    // alg none with no keys: refused before any signature check.
    auto none = IdTokenVerifier::Verify("eyJhbGciOiJub25lIn0.e30.", *keys, checks);
    EXPECT_NE(std::get<IdTokenError>(none), IdTokenError::kSignature);
}

}  // namespace
}  // namespace shortener::auth
