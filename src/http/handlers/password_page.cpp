// The password page's HTML and CSS, apart from the redirect flow that shows it.

#include "http/handlers/password_page.hpp"

#include <sodium.h>

#include "http/handlers/preview_page.hpp"

namespace shortener::http {
namespace {

constexpr std::string_view kFormStyle =
    "body{font-family:system-ui,sans-serif;max-width:24rem;margin:15vh auto;padding:0 1rem;line-height:1.5;"
    "color:#1f2328;background:#fff}label{display:block;font-weight:600;margin:1rem 0 .25rem}"
    "input{box-sizing:border-box;width:100%;font:inherit;padding:.5rem;border:1px solid #8c959f;border-radius:6px}"
    "input[aria-invalid=true]{border-color:#cf222e}button{margin-top:1rem;font:inherit;padding:.5rem 1rem;"
    "border:0;border-radius:6px;background:#1f6feb;color:#fff;cursor:pointer}"
    "button:focus-visible,input:focus-visible{outline:3px solid #0969da;outline-offset:2px}"
    ".error{color:#cf222e}@media(prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}"
    "input{background:#0d1117;color:#e6edf3}.error{color:#ff7b72}}";

// The page's CSP allows exactly its own inline style by hash: no script, no external resource, no frames.
// No form-action: browsers apply it to the redirect that follows the POST, whose destination is external
// (and naming it here would reveal the destination before the password is given).
const std::string& FormCsp() {
    static const std::string csp = [] {
        unsigned char digest[crypto_hash_sha256_BYTES];
        crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(kFormStyle.data()), kFormStyle.size());
        char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64, digest, sizeof digest, sodium_base64_VARIANT_ORIGINAL);
        return "default-src 'none'; style-src 'sha256-" + std::string(b64) +
               "'; base-uri 'none'; frame-ancestors 'none'";
    }();
    return csp;
}

}  // namespace

Response PasswordPage(const Request& req, std::string_view slug, PasswordError error) {
    const bool wrong = error != PasswordError::kNone;
    std::string body =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<meta name=\"robots\" content=\"noindex\"><meta name=\"referrer\" content=\"no-referrer\">"
        "<title>Password required</title><style>";
    body += kFormStyle;
    body +=
        "</style></head><body><main><h1>This link is protected</h1>"
        "<p id=\"hint\">Enter the password you were given to continue.</p>";
    if (error == PasswordError::kWrong) {
        body += "<p id=\"error\" class=\"error\" role=\"alert\">Wrong password. Try again.</p>";
    } else if (error == PasswordError::kTooManyAttempts) {
        body += "<p id=\"error\" class=\"error\" role=\"alert\">Too many attempts. Wait a minute, then try again.</p>";
    }
    body += "<form method=\"post\" action=\"/";
    AppendHtmlEscaped(body, slug);
    if (!req.query().empty()) {
        body += '?';
        AppendHtmlEscaped(body, req.query());
    }
    body +=
        "\"><label for=\"password\">Password</label><input id=\"password\" name=\"password\" type=\"password\" "
        "autocomplete=\"off\" required autofocus maxlength=\"128\" aria-describedby=\"";
    body += wrong ? "error hint\" aria-invalid=\"true\">" : "hint\">";
    body += "<button type=\"submit\">Continue</button></form></main></body></html>\n";
    Response r = Response::Html(error == PasswordError::kTooManyAttempts ? 429 : wrong ? 401 : 200, std::move(body));
    r.headers.emplace_back("Content-Security-Policy", FormCsp());
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    return r;
}

std::string FormPassword(std::string_view body) {
    while (!body.empty()) {
        auto amp = body.find('&');
        std::string_view pair = body.substr(0, amp);
        body = amp == std::string_view::npos ? std::string_view{} : body.substr(amp + 1);
        auto eq = pair.find('=');
        if (PercentDecode(pair.substr(0, eq), true) != "password") continue;
        return eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
    }
    return {};
}

bool IsFormBody(const Request& req) {
    std::string_view type = req.Header("content-type");
    std::string_view media = type.substr(0, type.find(';'));
    while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
    return IEquals(media, "application/x-www-form-urlencoded");
}

}  // namespace shortener::http
