// One client connection: read a request (with limits and timeouts), dispatch it, write the response;
// repeat while keep-alive holds. Pipelined requests already in the buffer are answered together in one
// write. The loop itself is http/detail/session_impl.hpp (shared with the TLS listener); this file holds its
// non-template parts and the plain-TCP entry point.

#include <cctype>
#include <cstdio>
#include <ctime>

#include "http/detail/session_impl.hpp"
#include "log/log.hpp"

namespace shortener::http {
namespace session_detail {
namespace {

// The Date header, formatted once per second per thread.
std::string_view HttpDate() {
    thread_local std::time_t cached_second = 0;
    thread_local char buf[40];
    std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        cached_second = now;
        std::tm tm{};
        gmtime_r(&now, &tm);
        std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    }
    return buf;
}

// Two memchr scans: find_first_of("\r\n") asks memchr once per character (a twentieth of a redirect's work).
bool HasLineBreak(std::string_view s) {
    return !s.empty() &&
           (std::memchr(s.data(), '\r', s.size()) != nullptr || std::memchr(s.data(), '\n', s.size()) != nullptr);
}

void AppendNumber(std::string& out, std::size_t n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, end);
}

}  // namespace

void Serialize(const Response& r, bool head, bool keep_alive, bool http10, std::string& out) {
    out += "HTTP/1.1 ";
    AppendNumber(out, r.status);
    out += ' ';
    out += StatusText(r.status);
    out += "\r\nDate: ";
    out += HttpDate();
    out += "\r\n";
    if (!r.content_type.empty()) {
        out += "Content-Type: ";
        out += r.content_type;
        out += "\r\n";
    }
    if (!r.cache_control.empty()) {
        out += "Cache-Control: ";
        out += r.cache_control;
        out += "\r\n";
    }
    // Values come from validated data, but a header must never be split by one: drop it instead.
    if (!r.location.empty() && !HasLineBreak(r.location)) {
        out += "Location: ";
        out += r.location;
        out += "\r\n";
    }
    for (const auto& [name, value] : r.headers) {
        if (HasLineBreak(name) || HasLineBreak(value)) continue;
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    if (r.stream) {
        // HTTP/1.0 has no chunked encoding: its stream ends when the connection closes.
        if (!http10) out += "Transfer-Encoding: chunked\r\n";
    } else if (r.status != 204 && r.status != 304) {
        // 204 and 304 have no body, and a Content-Length on them would be wrong (RFC 9110 §8.6).
        out += "Content-Length: ";
        AppendNumber(out, r.body.size());
        out += "\r\n";
    }
    if (!keep_alive) {
        out += "Connection: close\r\n";
    } else if (http10) {
        out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
    if (!head && !r.stream) out += r.body;
}

std::optional<Response> ReadErrorResponse(const beast::error_code& ec) {
    if (ec == bhttp::error::header_limit) return ErrorResponse(core::Errc::kHeadersTooLarge);
    if (ec == bhttp::error::body_limit) return ErrorResponse(core::Errc::kPayloadTooLarge);
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        return ErrorResponse(core::Errc::kInvalidRequest, "Malformed HTTP request.");
    }
    return std::nullopt;
}

namespace {

// A request id for the log: the client's X-Request-Id when it is short and plain, else a fresh one.
std::string RequestId(const RequestData& data) {
    for (std::size_t i = 0; i < data.header_count; ++i) {
        const auto& h = data.headers[i];
        if (h.name != "x-request-id") continue;
        if (!h.value.empty() && h.value.size() <= 64 && std::all_of(h.value.begin(), h.value.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
            })) {
            return h.value;
        }
    }
    static std::atomic<std::uint64_t> next{0};
    thread_local std::uint64_t prefix = static_cast<std::uint64_t>(Clock::now().time_since_epoch().count());
    char buf[40];
    std::snprintf(buf, sizeof buf, "%012llx-%llx", static_cast<unsigned long long>(prefix & 0xffffffffffffULL),
                  static_cast<unsigned long long>(next.fetch_add(1, std::memory_order_relaxed)));
    return buf;
}

}  // namespace

void LogRequest(const RequestData& data, const DispatchResult& result, std::string_view status, double seconds) {
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.3f", seconds * 1000);
    auto level = result.response.status >= 500 ? log::Level::kError : log::Level::kInfo;
    log::Write(level, "request",
               {{"request_id", RequestId(data)},
                {"method", MethodName(data.method)},
                {"route", result.route},
                {"status", status},
                {"duration_ms", duration}});
}

std::string RemoteAddress(const tcp::socket& socket) {
    boost::system::error_code ec;
    auto ep = socket.remote_endpoint(ec);
    if (ec) return {};
    auto a = ep.address();
    return a.is_v6() && a.to_v6().is_v4_mapped() ? asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string()
                                                 : a.to_string();
}

Method ToMethod(bhttp::verb v) {
    switch (v) {
        case bhttp::verb::get:
            return Method::kGet;
        case bhttp::verb::head:
            return Method::kHead;
        case bhttp::verb::post:
            return Method::kPost;
        case bhttp::verb::put:
            return Method::kPut;
        case bhttp::verb::patch:
            return Method::kPatch;
        case bhttp::verb::delete_:
            return Method::kDelete;
        case bhttp::verb::options:
            return Method::kOptions;
        default:
            return Method::kOther;
    }
}

}  // namespace session_detail

using namespace session_detail;  // NOLINT(google-build-using-namespace): this file's own parts

asio::awaitable<void> RunSession(tcp::socket socket, Server::Impl& server, Loop& loop) {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    // Writes are tried at once and only wait (asynchronously) when the socket buffer is full.
    socket.non_blocking(true, ec);
    Connection connection{&socket, true, false, Clock::now() + server.options.idle_timeout};
    ConnectionGuard guard(loop, &connection, server.probe.active_connections);
    Session<tcp::socket> session(socket, server, connection, RemoteAddress(socket));
    co_await session.Run();
    socket.shutdown(tcp::socket::shutdown_send, ec);
    socket.close(ec);
}

}  // namespace shortener::http
