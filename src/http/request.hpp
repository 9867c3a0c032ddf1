#pragma once
/// @file
/// @brief Our own request and response types: handlers never see Beast, so they build and test without
/// sockets. A Request views storage owned by the connection and is valid until its response is sent.

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shortener::http {

enum class Method : std::uint8_t { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method m) noexcept;

struct HeaderField {
    std::string name;  // lower-case
    std::string value;
};

/// Storage a connection reuses from request to request (no allocation once warm).
struct RequestData {
    Method method = Method::kOther;
    std::string target;
    int version = 11;
    std::vector<HeaderField> headers;
    std::size_t header_count = 0;  // headers[0..header_count) are this request's
    std::string body;
    bool tls = false;  // the connection came through the TLS listener (kept across Clear: one per connection)
    void Clear() noexcept {
        header_count = 0;
        body.clear();
        target.clear();
    }
};

class Request {
  public:
    Request(const RequestData& data, std::string_view remote_address) noexcept;

    Method method() const noexcept { return data_->method; }
    std::string_view target() const noexcept { return data_->target; }
    std::string_view path() const noexcept { return path_; }
    std::string_view query() const noexcept { return query_; }  // without '?'
    std::string_view body() const noexcept { return data_->body; }
    std::string_view remote_address() const noexcept { return remote_address_; }
    /// True if the request came over our own TLS listener (see ArrivedOverHttps for proxies).
    bool tls() const noexcept { return data_->tls; }

    /// The first header with this (lower-case) name, or empty.
    std::string_view Header(std::string_view lower_name) const noexcept;
    /// Every header with this (lower-case) name, in order.
    std::vector<std::string_view> Headers(std::string_view lower_name) const;
    /// A query parameter, percent-decoded ('+' as space); nullopt if absent.
    std::optional<std::string> QueryParam(std::string_view name) const;
    /// True if the client prefers HTML (a browser navigating), judged from Accept.
    bool WantsHtml() const noexcept;

  private:
    const RequestData* data_;
    std::string_view path_;
    std::string_view query_;
    std::string_view remote_address_;
};

/// Where a streamed response body goes (Server-Sent Events, exports). Sent with chunked transfer encoding
/// (close-delimited for HTTP/1.0 clients).
class ResponseStream {
  public:
    virtual ~ResponseStream() = default;
    /// Sends `data` as one chunk (empty data is skipped). Returns false once the client is gone or the
    /// server is shutting down: the producer should then return promptly.
    virtual boost::asio::awaitable<bool> Write(std::string_view data) = 0;
    /// False once a write failed or the server is shutting down. A producer that waits for events should
    /// check this at least every second or so (a silent client is only noticed by a failing write).
    virtual bool open() const noexcept = 0;
};

/// Produces a streamed body; runs on the connection's event loop until it returns.
using StreamProducer = std::function<boost::asio::awaitable<void>(ResponseStream&)>;

/// A complete response. Redirect fields are first-class so that the hot path allocates only the Location.
struct Response {
    unsigned status = 200;
    std::string_view content_type;   // static text; empty: no Content-Type
    std::string_view cache_control;  // static text; empty: none
    std::string location;
    std::vector<std::pair<std::string, std::string>> headers;  // any others
    std::string body;
    bool close = false;     // close the connection after this response
    StreamProducer stream;  // when set, the body is produced by it (and `body` is ignored)

    static Response Json(unsigned status, std::string body);
    static Response Html(unsigned status, std::string body);
    static Response Text(unsigned status, std::string body);
    /// 204 No Content, `Cache-Control: no-store` (the answer to a successful delete, revoke or logout).
    static Response NoContent();
};

inline constexpr std::string_view kJsonType = "application/json";
inline constexpr std::string_view kHtmlType = "text/html; charset=utf-8";
inline constexpr std::string_view kTextType = "text/plain; charset=utf-8";
inline constexpr std::string_view kNoStore = "no-store";

/// Reason phrase for a status code.
std::string_view StatusText(unsigned status) noexcept;

/// ASCII case-insensitive comparison.
bool IEquals(std::string_view a, std::string_view b) noexcept;

/// Decodes %XX escapes (and '+' as space when `plus_is_space`); invalid escapes are kept as they are.
std::string PercentDecode(std::string_view s, bool plus_is_space);

}  // namespace shortener::http
