#include "http/request.hpp"

namespace shortener::http {

std::string_view MethodName(Method m) noexcept {
    switch (m) {
        case Method::kGet:
            return "GET";
        case Method::kHead:
            return "HEAD";
        case Method::kPost:
            return "POST";
        case Method::kPut:
            return "PUT";
        case Method::kPatch:
            return "PATCH";
        case Method::kDelete:
            return "DELETE";
        case Method::kOptions:
            return "OPTIONS";
        case Method::kOther:
            return "OTHER";
    }
    return "OTHER";
}

Request::Request(const RequestData& data, std::string_view remote_address) noexcept
    : data_(&data), remote_address_(remote_address) {
    std::string_view t = data.target;
    auto q = t.find('?');
    path_ = t.substr(0, q);
    if (q != std::string_view::npos) query_ = t.substr(q + 1);
}

std::string_view Request::Header(std::string_view lower_name) const noexcept {
    for (std::size_t i = 0; i < data_->header_count; ++i) {
        if (data_->headers[i].name == lower_name) return data_->headers[i].value;
    }
    return {};
}

std::vector<std::string_view> Request::Headers(std::string_view lower_name) const {
    std::vector<std::string_view> values;
    for (std::size_t i = 0; i < data_->header_count; ++i) {
        if (data_->headers[i].name == lower_name) values.push_back(data_->headers[i].value);
    }
    return values;
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
    std::string_view rest = query_;
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        auto eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        if (PercentDecode(key, true) == name) {
            return eq == std::string_view::npos ? std::string() : PercentDecode(pair.substr(eq + 1), true);
        }
    }
    return std::nullopt;
}

bool Request::WantsHtml() const noexcept {
    std::string_view accept = Header("accept");
    return accept.find("text/html") != std::string_view::npos;
}

Response Response::Json(unsigned status, std::string body) {
    Response r;
    r.status = status;
    r.content_type = kJsonType;
    r.cache_control = kNoStore;
    r.body = std::move(body);
    return r;
}

Response Response::Html(unsigned status, std::string body) {
    Response r = Json(status, std::move(body));
    r.content_type = kHtmlType;
    return r;
}

Response Response::Text(unsigned status, std::string body) {
    Response r = Json(status, std::move(body));
    r.content_type = kTextType;
    return r;
}

Response Response::NoContent() {
    Response r;
    r.status = 204;
    r.cache_control = kNoStore;
    return r;
}

std::string_view StatusText(unsigned status) noexcept {
    switch (status) {
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 204:
            return "No Content";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 304:
            return "Not Modified";
        case 307:
            return "Temporary Redirect";
        case 308:
            return "Permanent Redirect";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 410:
            return "Gone";
        case 413:
            return "Content Too Large";
        case 415:
            return "Unsupported Media Type";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 503:
            return "Service Unavailable";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return "Unknown";
    }
}

bool IEquals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

std::string PercentDecode(std::string_view s, bool plus_is_space) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            int hi = i + 1 < s.size() ? hex(s[i + 1]) : -1;
            int lo = i + 2 < s.size() ? hex(s[i + 2]) : -1;
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi << 4 | lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_is_space && s[i] == '+' ? ' ' : s[i]);
    }
    return out;
}

}  // namespace shortener::http
