// One client connection: read a request (with limits and timeouts), dispatch it, write the response;
// repeat while keep-alive holds. Pipelined requests already in the buffer are answered together in one
// write.

#include <charconv>
#include <chrono>
#include <ctime>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include "http/detail/server_impl.hpp"
#include "http/dispatcher.hpp"
#include "http/error_response.hpp"
#include "log/log.hpp"

namespace shortener::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxHeaders = 100;
constexpr std::size_t kWriteBatchLimit = 64 * 1024;

Method ToMethod(bhttp::verb v) {
    switch (v) {
        case bhttp::verb::get: return Method::kGet;
        case bhttp::verb::head: return Method::kHead;
        case bhttp::verb::post: return Method::kPost;
        case bhttp::verb::put: return Method::kPut;
        case bhttp::verb::patch: return Method::kPatch;
        case bhttp::verb::delete_: return Method::kDelete;
        case bhttp::verb::options: return Method::kOptions;
        default: return Method::kOther;
    }
}

// Parses into the connection's reusable RequestData, keeping each header (name lower-cased) instead of
// building Beast's field container: no allocation per request once the strings have grown.
class RequestParser final : public bhttp::basic_parser<true> {
public:
    explicit RequestParser(RequestData& data) : data_(data) { data_.Clear(); }

private:
    void on_request_impl(bhttp::verb method, beast::string_view, beast::string_view target, int version,
                         beast::error_code& ec) override {
        data_.method = ToMethod(method);
        data_.target.assign(target.data(), target.size());
        data_.version = version;
    }
    void on_response_impl(int, beast::string_view, int, beast::error_code& ec) override {
        ec = bhttp::error::bad_version;
    }
    void on_field_impl(bhttp::field, beast::string_view name, beast::string_view value,
                       beast::error_code& ec) override {
        if (data_.header_count == kMaxHeaders) {
            ec = bhttp::error::header_limit;
            return;
        }
        if (data_.headers.size() == data_.header_count) data_.headers.emplace_back();
        HeaderField& h = data_.headers[data_.header_count++];
        h.name.assign(name.data(), name.size());
        for (char& c : h.name) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        h.value.assign(value.data(), value.size());
    }
    void on_header_impl(beast::error_code&) override {}
    void on_body_init_impl(boost::optional<std::uint64_t> const& length, beast::error_code&) override {
        if (length) data_.body.reserve(static_cast<std::size_t>(*length));
    }
    std::size_t on_body_impl(beast::string_view body, beast::error_code&) override {
        data_.body.append(body.data(), body.size());
        return body.size();
    }
    void on_chunk_header_impl(std::uint64_t, beast::string_view, beast::error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, beast::string_view body, beast::error_code&) override {
        data_.body.append(body.data(), body.size());
        return body.size();
    }
    void on_finish_impl(beast::error_code&) override {}

    RequestData& data_;
};

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

bool HasLineBreak(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

void AppendNumber(std::string& out, std::size_t n) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, end);
}

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
    out += "Content-Length: ";
    AppendNumber(out, r.body.size());
    out += "\r\n";
    if (!keep_alive) {
        out += "Connection: close\r\n";
    } else if (http10) {
        out += "Connection: keep-alive\r\n";
    }
    out += "\r\n";
    if (!head) out += r.body;
}

// The response for a request that could not be read, or nothing when the connection just ended.
std::optional<Response> ReadErrorResponse(const beast::error_code& ec) {
    if (ec == bhttp::error::header_limit) return ErrorResponse(core::Errc::kInvalidRequest, "Request headers too large.");
    if (ec == bhttp::error::body_limit) return ErrorResponse(core::Errc::kPayloadTooLarge);
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
        ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        return ErrorResponse(core::Errc::kInvalidRequest, "Malformed HTTP request.");
    }
    return std::nullopt;
}

struct ConnectionGuard {
    Loop& loop;
    std::list<Connection*>::iterator it;
    std::atomic<std::int64_t>& active;
    ConnectionGuard(Loop& l, Connection* c, std::atomic<std::int64_t>& a) : loop(l), active(a) {
        it = loop.connections.insert(loop.connections.end(), c);
        active.fetch_add(1, std::memory_order_relaxed);
    }
    ~ConnectionGuard() {
        loop.connections.erase(it);
        active.fetch_sub(1, std::memory_order_relaxed);
    }
};

}  // namespace

asio::awaitable<void> RunSession(tcp::socket socket, Server::Impl& server, Loop& loop) {
    const ServerOptions& opt = server.options;
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    std::string remote;
    if (auto ep = socket.remote_endpoint(ec); !ec) {
        auto a = ep.address();
        remote = a.is_v6() && a.to_v6().is_v4_mapped() ? asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6()).to_string() : a.to_string();
    }
    beast::tcp_stream stream(std::move(socket));
    Connection connection{&stream, true};
    ConnectionGuard guard(loop, &connection, server.probe.active_connections);

    beast::flat_buffer buffer(opt.header_limit + opt.body_limit + 4096);
    RequestData data;
    std::string out;
    auto as_tuple = asio::as_tuple(asio::use_awaitable);

    for (;;) {
        if (buffer.size() == 0) {
            // Idle between requests: wait for the first byte of the next one with the keep-alive timeout.
            if (server.stopping.load(std::memory_order_relaxed)) break;
            connection.idle = true;
            stream.expires_after(opt.idle_timeout);
            auto [read_ec, n] = co_await stream.async_read_some(buffer.prepare(4096), as_tuple);
            connection.idle = false;
            if (read_ec) break;
            buffer.commit(n);
        }
        connection.idle = false;

        // From here the whole request must arrive within request_timeout: a slow-loris client is cut off.
        RequestParser parser(data);
        parser.header_limit(static_cast<std::uint32_t>(opt.header_limit));
        parser.body_limit(opt.body_limit);
        stream.expires_after(opt.request_timeout);
        auto [header_ec, hn] = co_await bhttp::async_read_header(stream, buffer, parser, as_tuple);
        beast::error_code read_ec = header_ec;
        if (!read_ec && !parser.is_done()) {
            std::string_view expect;
            for (std::size_t i = 0; i < data.header_count; ++i) {
                if (data.headers[i].name == "expect") expect = data.headers[i].value;
            }
            if (beast::iequals(expect, "100-continue")) {
                static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
                auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(kContinue), as_tuple);
                if (wec) break;
            }
            auto [body_ec, bn] = co_await bhttp::async_read(stream, buffer, parser, as_tuple);
            read_ec = body_ec;
        }
        if (read_ec) {
            if (auto r = ReadErrorResponse(read_ec)) {
                out.clear();
                Serialize(*r, false, false, false, out);
                stream.expires_after(opt.write_timeout);
                co_await asio::async_write(stream, asio::buffer(out), as_tuple);
            }
            break;
        }

        auto started = std::chrono::steady_clock::now();
        const bool head = data.method == Method::kHead;
        DispatchResult result;
        if (data.target.empty() || data.target[0] != '/') {
            result.response = ErrorResponse(core::Errc::kInvalidRequest, "Only origin-form request targets are served.");
            result.route = "none";
        } else {
            Request request(data, remote);
            result = co_await Dispatch(server.router, request);
        }
        const bool keep_alive =
            parser.keep_alive() && !result.response.close && !server.stopping.load(std::memory_order_relaxed);
        Serialize(result.response, head, keep_alive, data.version == 10, out);

        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        server.probe.requests.Inc();
        if (auto cls = result.response.status / 100; cls >= 1 && cls <= 5) server.probe.responses_by_class[cls]->Inc();
        (result.route == "redirect" ? server.probe.redirect_latency : server.probe.request_latency).Observe(seconds);

        // Answer pipelined requests already received in one write; otherwise write now.
        if (!keep_alive || buffer.size() == 0 || out.size() >= kWriteBatchLimit) {
            stream.expires_after(opt.write_timeout);
            auto [write_ec, wn] = co_await asio::async_write(stream, asio::buffer(out), as_tuple);
            out.clear();
            if (write_ec) break;
        }
        if (!keep_alive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.close();
}

}  // namespace shortener::http
