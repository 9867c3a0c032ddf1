// The social preview page's HTML, apart from the redirect flow that chooses it.

#include "http/handlers/preview_page.hpp"

namespace shortener::http {
namespace {

// <meta property|name="key" content="value">, skipped when the value is empty.
void AppendMeta(std::string& out, std::string_view attribute, std::string_view key, std::string_view value) {
    if (value.empty()) return;
    out += "<meta ";
    out += attribute;
    out += "=\"";
    out += key;
    out += "\" content=\"";
    AppendHtmlEscaped(out, value);
    out += "\">";
}

}  // namespace

void AppendHtmlEscaped(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out.push_back(c);
        }
    }
}

Response PreviewPage(const core::SocialPreview& preview, std::string_view short_url, std::string_view destination) {
    const std::string_view title = preview.title.empty() ? short_url : std::string_view(preview.title);
    const std::string_view onward = destination.empty() ? short_url : destination;
    std::string body =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<meta name=\"robots\" content=\"noindex\"><meta name=\"referrer\" content=\"no-referrer\"><title>";
    AppendHtmlEscaped(body, title);
    body += "</title>";
    AppendMeta(body, "property", "og:type", "website");
    AppendMeta(body, "property", "og:url", short_url);
    AppendMeta(body, "property", "og:title", title);
    AppendMeta(body, "property", "og:description", preview.description);
    AppendMeta(body, "property", "og:image", preview.image);
    AppendMeta(body, "name", "twitter:card", preview.image.empty() ? "summary" : "summary_large_image");
    AppendMeta(body, "name", "twitter:title", title);
    AppendMeta(body, "name", "twitter:description", preview.description);
    AppendMeta(body, "name", "twitter:image", preview.image);
    AppendMeta(body, "name", "description", preview.description);
    if (!destination.empty()) {
        body += "<meta http-equiv=\"refresh\" content=\"0; url=";
        AppendHtmlEscaped(body, destination);
        body += "\">";
    }
    body += "</head><body><p><a href=\"";
    AppendHtmlEscaped(body, onward);
    body += "\">";
    AppendHtmlEscaped(body, title);
    body += "</a></p></body></html>\n";
    Response r = Response::Html(200, std::move(body));
    r.headers.emplace_back("Content-Security-Policy", std::string(kPreviewPageCsp));
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    return r;
}

}  // namespace shortener::http
