// QR codes of short links: GET|HEAD /api/v1/links/{slug}/qr.svg and /qr.png. Public (the code holds only
// the short URL, which the redirect reveals anyway) and cacheable: a strong ETag over everything that
// shapes the image, so If-None-Match answers 304 without drawing.

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <variant>

#include "core/targeting.hpp"
#include "http/error_response.hpp"
#include "http/handlers/handlers.hpp"
#include "qr/qr_code.hpp"

namespace shortener::http {
namespace {

using core::Errc;

enum class QrFormat { kSvg, kPng };

constexpr std::string_view kSvgType = "image/svg+xml";
constexpr std::string_view kPngType = "image/png";
// The image depends only on the short URL and the parameters, both fixed for a link's life.
constexpr std::string_view kQrCacheControl = "public, max-age=86400";
// An SVG opened directly is a document that could run script: this one has none and may load nothing.
constexpr std::string_view kSvgPolicy = "default-src 'none'; style-src 'unsafe-inline'";

struct QrRequest {
    qr::Ecc ecc = qr::Ecc::kM;
    qr::RenderOptions render;
};

struct QrOptionsError {
    std::string message;
};

// A decimal integer in [min, max] (digits only: no sign, no spaces), or nullopt.
std::optional<int> ParseBoundedInt(std::string_view s, int min, int max) {
    if (s.empty() || s.size() > 6) return std::nullopt;
    int n = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec != std::errc() || end != s.data() + s.size() || s[0] == '-' || s[0] == '+') return std::nullopt;
    if (n < min || n > max) return std::nullopt;
    return n;
}

// Reads size, margin, ecc, fg and bg; any other parameter is ignored (e.g. a cache buster).
std::variant<QrRequest, QrOptionsError> ParseQrOptions(const Request& req) {
    QrRequest out;
    if (auto size = req.QueryParam("size")) {
        auto n = ParseBoundedInt(*size, qr::kMinSize, qr::kMaxSize);
        if (!n) return QrOptionsError{"\"size\" must be an integer from 64 to 2048 (pixels)."};
        out.render.size = *n;
    }
    if (auto margin = req.QueryParam("margin")) {
        auto n = ParseBoundedInt(*margin, 0, qr::kMaxMargin);
        if (!n) return QrOptionsError{"\"margin\" must be an integer from 0 to 16 (modules)."};
        out.render.margin = *n;
    }
    if (auto ecc = req.QueryParam("ecc")) {
        auto level = qr::ParseEcc(*ecc);
        if (!level) return QrOptionsError{"\"ecc\" must be one of L, M, Q, H."};
        out.ecc = *level;
    }
    if (auto fg = req.QueryParam("fg")) {
        auto color = qr::ParseColor(*fg);
        if (!color) return QrOptionsError{"\"fg\" must be a colour as #rrggbb (hex)."};
        out.render.foreground = *color;
    }
    if (auto bg = req.QueryParam("bg")) {
        auto color = qr::ParseColor(*bg);
        if (!color) return QrOptionsError{"\"bg\" must be a colour as #rrggbb (hex)."};
        out.render.background = *color;
    }
    if (out.render.foreground == out.render.background) {
        return QrOptionsError{"\"fg\" and \"bg\" must differ, or the code cannot be read."};
    }
    return out;
}

// FNV-1a, 64 bits: stable across builds and replicas (unlike std::hash), which is all an ETag needs here.
class Fnv1a {
  public:
    void Add(std::string_view s) {
        for (unsigned char c : s) {
            hash_ ^= c;
            hash_ *= 0x100000001b3ULL;
        }
        hash_ ^= 0xff;  // separator: ("ab","c") and ("a","bc") differ
        hash_ *= 0x100000001b3ULL;
    }
    void Add(int n) { Add(std::to_string(n)); }
    std::uint64_t value() const noexcept { return hash_; }

  private:
    std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

std::string ETagFor(std::string_view short_url, QrFormat format, const QrRequest& q) {
    Fnv1a h;
    h.Add(qr::kRendererVersion);
    h.Add(format == QrFormat::kSvg ? "svg" : "png");
    h.Add(short_url);
    h.Add(q.render.size);
    h.Add(q.render.margin);
    const char ecc = qr::EccLetter(q.ecc);
    h.Add(std::string_view(&ecc, 1));
    h.Add(qr::FormatColor(q.render.foreground));
    h.Add(qr::FormatColor(q.render.background));
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h.value()));
    return "\"qr" + std::to_string(qr::kRendererVersion) + "-" + hex + "\"";
}

// If-None-Match (RFC 9110 §13.1.2): "*" or a list of entity tags, compared weakly.
bool NoneMatch(std::string_view header, std::string_view etag) {
    while (!header.empty()) {
        auto comma = header.find(',');
        std::string_view tag = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
        while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
        while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
        if (tag == "*") return true;
        if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
        if (tag == etag) return true;
    }
    return false;
}

boost::asio::awaitable<Response> HandleQr(HandlerContext& ctx, const Request& req, std::string_view slug,
                                          QrFormat format) {
    if (!core::IsSlugShaped(slug)) co_return ErrorResponse(Errc::kNotFound);
    auto parsed = ParseQrOptions(req);
    if (auto* e = std::get_if<QrOptionsError>(&parsed)) co_return ErrorResponse(Errc::kInvalidQrOptions, e->message);
    const QrRequest& q = std::get<QrRequest>(parsed);

    auto link = co_await ctx.links.FindBySlug(slug);
    if (!link) co_return ErrorResponse(Errc::kNotFound);
    if (link->deleted_at) co_return ErrorResponse(Errc::kGone, "This link was deleted.");

    // The scan marker lets the worker count scans apart from clicks; the redirect does not forward it.
    std::string short_url = ctx.public_url + "/" + link->slug + "?" + std::string(core::kQrScanParam);
    std::string etag = ETagFor(short_url, format, q);
    Response r;
    r.cache_control = kQrCacheControl;
    r.headers.emplace_back("ETag", etag);
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (NoneMatch(req.Header("if-none-match"), etag)) {
        r.status = 304;
        co_return r;
    }
    // The short URL is at most a few hundred bytes: far below version 40's capacity at any level.
    const qr::Matrix matrix = qr::Encode(short_url, q.ecc);
    if (format == QrFormat::kSvg) {
        r.content_type = kSvgType;
        r.headers.emplace_back("Content-Security-Policy", kSvgPolicy);
        r.body = qr::RenderSvg(matrix, q.render);
    } else {
        r.content_type = kPngType;
        r.body = qr::RenderPng(matrix, q.render);
    }
    co_return r;
}

}  // namespace

void AddQrRoutes(Router& router, HandlerContext& ctx) {
    router.Add(
        {Method::kGet}, "/api/v1/links/{slug}/qr.svg", "links_qr_svg",
        [&ctx](const Request& req, const Params& p) { return HandleQr(ctx, req, p.Get("slug"), QrFormat::kSvg); });
    router.Add(
        {Method::kGet}, "/api/v1/links/{slug}/qr.png", "links_qr_png",
        [&ctx](const Request& req, const Params& p) { return HandleQr(ctx, req, p.Get("slug"), QrFormat::kPng); });
}

}  // namespace shortener::http
