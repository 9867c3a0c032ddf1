// The web UI's static export (frontend/out, issue #6), loaded into memory at startup: `/`, `/app/...`,
// `/_next/...` and the export's top-level files. Requests are answered from the in-memory table only, so
// no request path ever reaches the file system (no traversal, no symlink following at request time).
// Files are read once with their precompressed `.gz` siblings (written by frontend/scripts/postbuild.mjs)
// and the Content-Security-Policy the build computed for its inline scripts (out/.csp).

#include "http/handlers/static_handler.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "log/log.hpp"

namespace shortener::http {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxFileBytes = 32u << 20;    // a file larger than this is not served
constexpr std::size_t kMaxTotalBytes = 256u << 20;  // the whole export, compressed siblings included
constexpr std::string_view kImmutable = "public, max-age=31536000, immutable";
constexpr std::string_view kNoCache = "no-cache";
// Used when the export has no out/.csp (no inline-script hashes known: inline scripts would be blocked).
constexpr std::string_view kFallbackCsp =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

struct File {
    std::string body;
    std::string gz;  // empty: no precompressed sibling
    std::string etag;
    std::string etag_gz;
    std::string_view content_type;
    bool html = false;
};

struct Site {
    fs::path root;
    std::map<std::string, File, std::less<>> files;  // URL path ("/app/links/index.html") → file
    std::string csp;
};

std::string_view ContentTypeFor(std::string_view name) {
    auto dot = name.rfind('.');
    std::string_view ext = dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
    if (ext == "html") return "text/html; charset=utf-8";
    if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
    if (ext == "css") return "text/css; charset=utf-8";
    if (ext == "json" || ext == "map") return "application/json";
    if (ext == "txt") return "text/plain; charset=utf-8";  // Next's RSC payloads
    if (ext == "svg") return "image/svg+xml";
    if (ext == "png") return "image/png";
    if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
    if (ext == "gif") return "image/gif";
    if (ext == "webp") return "image/webp";
    if (ext == "avif") return "image/avif";
    if (ext == "ico") return "image/x-icon";
    if (ext == "woff2") return "font/woff2";
    if (ext == "woff") return "font/woff";
    if (ext == "ttf") return "font/ttf";
    if (ext == "webmanifest") return "application/manifest+json";
    if (ext == "xml") return "application/xml";
    if (ext == "wasm") return "application/wasm";
    return "application/octet-stream";
}

// FNV-1a 64: a content hash for ETags (not a security boundary).
std::string Etag(std::string_view data, std::string_view suffix) {
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : data) {
        h ^= c;
        h *= 1099511628211ull;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "\"";
    for (int i = 60; i >= 0; i -= 4) out += kHex[(h >> i) & 0xf];
    out += '-';
    out += std::to_string(data.size());
    out += suffix;
    out += '"';
    return out;
}

std::optional<std::string> ReadFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::move(ss).str();
}

// True if `p` (already canonical) is `root` or lies below it.
bool Within(const fs::path& root, const fs::path& p) {
    auto r = root.begin();
    auto q = p.begin();
    for (; r != root.end(); ++r, ++q) {
        if (q == p.end() || *r != *q) return false;
    }
    return true;
}

std::shared_ptr<const Site> Load(const std::string& dir) {
    std::error_code ec;
    fs::path root = fs::canonical(dir, ec);
    if (ec || !fs::is_regular_file(root / "index.html", ec)) return nullptr;
    auto site = std::make_shared<Site>();
    site->root = root;
    std::size_t total = 0;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        const fs::path& p = it->path();
        std::string name = p.filename().string();
        if (!name.empty() && name[0] == '.') {  // .csp, editor files: never served
            if (it->is_directory(ec)) it.disable_recursion_pending();
            continue;
        }
        // Symlinks are followed only when they resolve inside the export.
        fs::path real = fs::canonical(p, ec);
        if (ec || !Within(root, real)) {
            ec.clear();
            if (it->is_directory(ec)) it.disable_recursion_pending();
            ec.clear();
            continue;
        }
        if (!fs::is_regular_file(real, ec) || name.ends_with(".gz")) continue;
        auto size = fs::file_size(real, ec);
        if (ec || size > kMaxFileBytes || total + size > kMaxTotalBytes) {
            log::Warn("web file skipped (too large)", {{"path", p.string()}});
            ec.clear();
            continue;
        }
        auto body = ReadFile(real);
        if (!body) continue;
        File f;
        f.body = std::move(*body);
        f.content_type = ContentTypeFor(name);
        f.html = name.ends_with(".html");
        f.etag = Etag(f.body, "");
        fs::path gz_path = p;
        gz_path += ".gz";
        fs::path gz_real = fs::canonical(gz_path, ec);
        if (!ec && Within(root, gz_real) && fs::is_regular_file(gz_real, ec)) {
            if (auto gz = ReadFile(gz_real); gz && gz->size() < f.body.size()) {
                f.gz = std::move(*gz);
                f.etag_gz = Etag(f.body, "-gz");
            }
        }
        ec.clear();
        total += f.body.size() + f.gz.size();
        std::string url = "/" + fs::relative(p, root).generic_string();
        site->files.emplace(std::move(url), std::move(f));
    }
    if (auto csp = ReadFile(root / ".csp")) {
        while (!csp->empty() && (csp->back() == '\n' || csp->back() == '\r')) csp->pop_back();
        site->csp = std::move(*csp);
    }
    if (site->csp.empty()) site->csp = std::string(kFallbackCsp);
    log::Info(
        "web UI loaded",
        {{"dir", root.string()}, {"files", std::to_string(site->files.size())}, {"bytes", std::to_string(total)}});
    return site;
}

bool AcceptsGzip(std::string_view accept_encoding) {
    // "gzip" listed without q=0 (a bare "*" is not taken as gzip: some proxies send it loosely).
    std::size_t pos = 0;
    while (pos < accept_encoding.size()) {
        auto comma = accept_encoding.find(',', pos);
        if (comma == std::string_view::npos) comma = accept_encoding.size();
        std::string_view item = accept_encoding.substr(pos, comma - pos);
        pos = comma + 1;
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
        auto semi = item.find(';');
        std::string_view coding = item.substr(0, semi);
        while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t')) coding.remove_suffix(1);
        if (!IEquals(coding, "gzip") && !IEquals(coding, "x-gzip")) continue;
        if (semi == std::string_view::npos) return true;
        std::string_view params = item.substr(semi + 1);
        auto q = params.find("q=");
        if (q == std::string_view::npos) return true;
        std::string_view v = params.substr(q + 2);
        return !(v.starts_with("0") &&
                 (v.size() == 1 || v.substr(1).find_first_not_of(".0 ") == std::string_view::npos));
    }
    return false;
}

bool EtagMatches(std::string_view if_none_match, std::string_view etag) {
    if (if_none_match.empty()) return false;
    std::size_t pos = 0;
    while (pos < if_none_match.size()) {
        auto comma = if_none_match.find(',', pos);
        if (comma == std::string_view::npos) comma = if_none_match.size();
        std::string_view t = if_none_match.substr(pos, comma - pos);
        pos = comma + 1;
        while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
        while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
        if (t == "*") return true;
        if (t.starts_with("W/")) t.remove_prefix(2);
        if (t == etag) return true;
    }
    return false;
}

void AddSecurityHeaders(Response& r, const Site& site, bool html) {
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    if (!html) return;
    r.headers.emplace_back("Content-Security-Policy", site.csp);
    r.headers.emplace_back("Referrer-Policy", "strict-origin-when-cross-origin");
    r.headers.emplace_back("X-Frame-Options", "DENY");
    r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
    r.headers.emplace_back("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
}

Response Serve(const Site& site, const File& f, std::string_view url, const Request& req, unsigned status) {
    const bool gzip = !f.gz.empty() && AcceptsGzip(req.Header("accept-encoding"));
    const std::string& etag = gzip ? f.etag_gz : f.etag;
    Response r;
    r.status = status;
    r.cache_control = url.starts_with("/_next/static/") ? kImmutable : kNoCache;
    r.headers.emplace_back("ETag", etag);
    if (!f.gz.empty()) r.headers.emplace_back("Vary", "Accept-Encoding");
    AddSecurityHeaders(r, site, f.html);
    if (status == 200 && EtagMatches(req.Header("if-none-match"), etag)) {
        r.status = 304;
        return r;
    }
    r.content_type = f.content_type;
    if (gzip) {
        r.headers.emplace_back("Content-Encoding", "gzip");
        r.body = f.gz;
    } else {
        r.body = f.body;
    }
    return r;
}

Response NotFound(const Site& site, const Request& req) {
    if (auto it = site.files.find(std::string_view("/404.html")); it != site.files.end() && req.WantsHtml()) {
        return Serve(site, it->second, "/404.html", req, 404);
    }
    Response r = Response::Text(404, "Not found.\n");
    r.cache_control = kNoCache;
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return r;
}

// Path of the request, decoded, or nullopt when it must be refused: `..` or `.` segments (also as %2e),
// NUL, backslashes, or an invalid escape.
std::optional<std::string> CleanPath(std::string_view raw) {
    std::string path;
    path.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '%') {
            auto hex = [](char h) -> int {
                if (h >= '0' && h <= '9') return h - '0';
                if (h >= 'a' && h <= 'f') return h - 'a' + 10;
                if (h >= 'A' && h <= 'F') return h - 'A' + 10;
                return -1;
            };
            if (i + 2 >= raw.size()) return std::nullopt;
            int hi = hex(raw[i + 1]), lo = hex(raw[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            c = static_cast<char>(hi * 16 + lo);
            i += 2;
        }
        if (c == '\0' || c == '\\') return std::nullopt;
        path += c;
    }
    if (path.empty() || path[0] != '/' || path.find("//") != std::string::npos) return std::nullopt;
    std::size_t pos = 1;
    while (pos <= path.size()) {
        auto slash = path.find('/', pos);
        if (slash == std::string::npos) slash = path.size();
        std::string_view seg = std::string_view(path).substr(pos, slash - pos);
        if (seg == "." || seg == ".." || (!seg.empty() && seg[0] == '.')) return std::nullopt;
        pos = slash + 1;
    }
    return path;
}

Response Handle(const Site& site, const Request& req) {
    auto path = CleanPath(req.path());
    if (!path) {
        Response r = Response::Text(400, "Bad path.\n");
        r.headers.emplace_back("X-Content-Type-Options", "nosniff");
        return r;
    }
    std::string key = *path;
    if (key.ends_with('/')) key += "index.html";
    if (auto it = site.files.find(key); it != site.files.end()) return Serve(site, it->second, key, req, 200);
    // trailingSlash export: /app/links → /app/links/
    if (!path->ends_with('/')) {
        if (site.files.contains(*path + "/index.html")) {
            Response r;
            r.status = 308;
            r.location = *path + "/";
            if (!req.query().empty()) {
                r.location += '?';
                r.location += req.query();
            }
            r.cache_control = kNoCache;
            return r;
        }
    }
    // An unknown page under /app/ gets the export's not-found page (with its navigation), assets a plain 404.
    return NotFound(site, req);
}

}  // namespace

std::string BuiltInWebDir() { return SHORTENER_WEB_DIR_DEFAULT; }

bool AddStaticRoutes(Router& router, const std::string& dir) {
    std::shared_ptr<const Site> site;
    try {
        site = Load(dir);
    } catch (const std::exception& e) {
        log::Warn("web UI not loaded", {{"dir", dir}, {"error", e.what()}});
        return false;
    }
    if (!site) {
        log::Info("web UI not built; serving the built-in page", {{"dir", dir}});
        return false;
    }
    Handler handler = [site](const Request& req, const Params&) -> boost::asio::awaitable<Response> {
        co_return Handle(*site, req);
    };
    router.Add({Method::kGet}, "/", "ui_static", handler);
    // Top-level files hold a dot (index.html, 404.html, countries-110m.json): slugs never do, so these
    // routes cannot shadow a short link. /app and /_next are reserved slugs (core/slug.cpp).
    for (const auto& [url, file] : site->files) {
        if (url.find('/', 1) == std::string::npos && url.find('.') != std::string::npos) {
            router.Add({Method::kGet}, url, "ui_static", handler);
        }
    }
    for (std::string_view prefix : {"/app", "/_next"}) {
        router.Add({Method::kGet}, std::string(prefix), "ui_static", handler);
        router.Add({Method::kGet}, std::string(prefix) + "/*", "ui_static", handler);
    }
    return true;
}

}  // namespace shortener::http
