#include "auth/credentials.hpp"

#include <sodium.h>

#include <stdexcept>

#include "auth/password.hpp"

namespace shortener::auth {
namespace {

constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

void InitSodium() {
    static const bool ok = sodium_init() >= 0;
    if (!ok) throw std::runtime_error("libsodium could not be initialised");
}

std::string RandomBase62(std::string_view prefix) {
    InitSodium();
    std::string out(prefix);
    out.reserve(prefix.size() + kTokenChars);
    // randombytes_uniform rejects the biased tail itself: every character is uniform over the alphabet.
    for (std::size_t i = 0; i < kTokenChars; ++i) out.push_back(kBase62[randombytes_uniform(62)]);
    return out;
}

bool IsBase62(char c) noexcept { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

bool HasShape(std::string_view s, std::string_view prefix) noexcept {
    if (s.size() != prefix.size() + kTokenChars || s.substr(0, prefix.size()) != prefix) return false;
    for (char c : s.substr(prefix.size())) {
        if (!IsBase62(c)) return false;
    }
    return true;
}

constexpr std::pair<std::string_view, Scope> kScopeNames[] = {
    {"links:write", kLinksWrite}, {"links:read", kLinksRead}, {"stats:read", kStatsRead}, {"admin", kAdmin}};

std::optional<Scope> ScopeByName(std::string_view name) {
    for (const auto& [n, s] : kScopeNames) {
        if (n == name) return s;
    }
    return std::nullopt;
}

// RFC 3629: well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsUtf8WithoutControls(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f) return false;
            ++i;
            continue;
        }
        std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        }
        auto c1 = static_cast<unsigned char>(s[i + 1]);
        if (n == 3 && ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0))) return false;
        if (n == 4 && ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90))) return false;
        if (n == 2 && c == 0xC2 && c1 < 0xA0) return false;  // C1 controls U+0080..U+009F
        i += n;
    }
    return true;
}

}  // namespace

std::string GenerateApiKey() { return RandomBase62(kApiKeyPrefix); }
std::string GenerateStatsToken() { return RandomBase62(kStatsTokenPrefix); }
std::string GenerateToken() { return RandomBase62({}); }

std::string Sha256Hex(std::string_view secret) {
    InitSodium();
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    char hex[crypto_hash_sha256_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
    return std::string(hex, crypto_hash_sha256_BYTES * 2);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    if (a.empty()) return true;
    return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool LooksLikeApiKey(std::string_view s) noexcept { return HasShape(s, kApiKeyPrefix); }
bool LooksLikeStatsToken(std::string_view s) noexcept { return HasShape(s, kStatsTokenPrefix); }
bool LooksLikeToken(std::string_view s) noexcept { return HasShape(s, {}); }

std::string DisplayPrefix(std::string_view key) { return std::string(key.substr(0, kDisplayPrefixLength)); }

std::optional<Scopes> ParseScopes(const std::vector<std::string>& names) {
    Scopes s = 0;
    for (const auto& n : names) {
        auto scope = ScopeByName(n);
        if (!scope) return std::nullopt;
        s |= *scope;
    }
    return s;
}

std::optional<Scopes> ParseScopeList(std::string_view list) {
    std::vector<std::string> names;
    std::string current;
    for (char c : list) {
        if (c == ',' || c == ' ') {
            if (!current.empty()) names.push_back(std::move(current));
            current.clear();
        } else {
            current.push_back(c);
        }
    }
    if (!current.empty()) names.push_back(std::move(current));
    if (names.empty()) return std::nullopt;
    return ParseScopes(names);
}

std::vector<std::string> ScopeNames(Scopes s) {
    std::vector<std::string> out;
    for (const auto& [n, scope] : kScopeNames) {
        if (s & scope) out.emplace_back(n);
    }
    return out;
}

std::string ScopeString(Scopes s) {
    std::string out;
    for (const auto& n : ScopeNames(s)) {
        if (!out.empty()) out += ' ';
        out += n;
    }
    return out;
}

std::optional<std::string> NormalizeEmail(std::string_view email) {
    while (!email.empty() && email.front() == ' ') email.remove_prefix(1);
    while (!email.empty() && email.back() == ' ') email.remove_suffix(1);
    if (email.empty() || email.size() > kMaxEmailLength) return std::nullopt;
    auto at = email.find('@');
    if (at == 0 || at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(email.size());
    for (char c : email) {
        if (c <= 0x20 || c >= 0x7f) return std::nullopt;  // printable ASCII, no spaces inside
        out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
    std::string_view domain = std::string_view(out).substr(at + 1);
    std::size_t labels = 0;
    for (std::size_t start = 0;;) {
        auto dot = domain.find('.', start);
        std::string_view label = domain.substr(start, dot == std::string_view::npos ? dot : dot - start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return std::nullopt;
        for (char c : label) {
            if (!IsBase62(c) && c != '-') return std::nullopt;
        }
        ++labels;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    if (labels < 2) return std::nullopt;
    return out;
}

bool IsAcceptablePassword(std::string_view password) noexcept {
    return password.size() >= kMinPasswordLength && password.size() <= kMaxPasswordLength;
}

bool IsAcceptableKeyName(std::string_view name) noexcept {
    return !name.empty() && name.size() <= kMaxKeyNameLength && IsUtf8WithoutControls(name);
}

}  // namespace shortener::auth
