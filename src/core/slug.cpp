#include "core/slug.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <vector>

namespace shortener::core {
namespace {

// Lower-case; compared case-insensitively. Covers every path the server routes itself (API, UI, assets,
// health and metrics), names browsers and crawlers ask for, and words users would mistake for pages.
constexpr std::array<std::string_view, 50> kReserved = {
    "_next",
    "admin",
    "api",
    "app",
    "apple-touch-icon.png",
    "assets",
    "auth",
    "bulk",  // /api/v1/links/bulk would hide a link of this slug from /api/v1/links/{slug}
    "dashboard",
    "docs",
    "export",  // /api/v1/links/export, likewise
    "favicon.ico",
    "favicon.png",
    "health",
    "healthz",
    "help",
    "icon.png",
    "icons",
    "images",
    "img",
    "index",
    "index.html",
    "js",
    "live",
    "login",
    "logout",
    "manifest.json",
    "metrics",
    "new",
    "openapi.json",
    "openapi.yaml",
    "privacy",
    "qr",
    "readyz",
    "robots.txt",
    "settings",
    "signup",
    "site.webmanifest",
    "sitemap.xml",
    "static",
    "stats",
    "status",
    "support",
    "terms",
    "www",
    "security.txt",
    "ads.txt",
    "humans.txt",
    "css",
    "fonts",
};

bool IsSlugChar(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

}  // namespace

SlugGenerator::SlugGenerator(RandomSource& random, std::size_t length) : random_(random), length_(length) {
    assert(length_ >= 4 && length_ <= kMaxCustomSlugLength);
}

std::string SlugGenerator::Next() const {
    std::array<std::uint8_t, kMaxCustomSlugLength> bytes{};
    std::string slug(length_, '\0');
    for (;;) {
        random_.Fill(std::span(bytes.data(), length_));
        for (std::size_t i = 0; i < length_; ++i) slug[i] = kSlugAlphabet[bytes[i] & 63];
        // A generated slug must never collide with a reserved word (e.g. "health" at length 6).
        if (!IsReservedSlug(slug)) return slug;
    }
}

bool IsSlugShaped(std::string_view s) noexcept {
    return !s.empty() && s.size() <= kMaxCustomSlugLength && std::all_of(s.begin(), s.end(), IsSlugChar);
}

bool IsReservedSlug(std::string_view s) noexcept {
    return std::any_of(kReserved.begin(), kReserved.end(), [&](std::string_view r) { return EqualsIgnoreCase(r, s); });
}

Result<void> CheckCustomSlug(std::string_view s) {
    if (s.size() < kMinCustomSlugLength || s.size() > kMaxCustomSlugLength || !IsSlugShaped(s)) {
        return make_error_code(Errc::kInvalidSlug);
    }
    if (IsReservedSlug(s)) return make_error_code(Errc::kSlugReserved);
    return {};
}

}  // namespace shortener::core
