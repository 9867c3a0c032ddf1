#pragma once
// Internal to session.cpp and asio_ssl_impl.cpp: one connection's request loop, a template over the stream so
// that plain TCP and TLS share every line of it. The plain instantiation (session.cpp) writes directly to the
// non-blocking socket first; the TLS one (asio_ssl_impl.cpp, the only translation unit with OpenSSL's headers)
// always goes through Asio's asynchronous write, since OpenSSL must not see a partial synchronous write.

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <charconv>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <type_traits>

#include "http/detail/server_impl.hpp"
#include "http/dispatcher.hpp"
#include "http/error_response.hpp"
#include "http/framing.hpp"
#include "http/response_policy.hpp"

namespace shortener::http::session_detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

using Clock = std::chrono::steady_clock;
inline constexpr std::size_t kMaxHeaders = 100;
inline constexpr std::size_t kWriteBatchLimit = 64 * 1024;
inline constexpr std::size_t kReadSize = 4096;
inline constexpr std::chrono::milliseconds kLingerTime{1000};
inline constexpr std::size_t kLingerBytes = 1024 * 1024;

Method ToMethod(bhttp::verb v);

// Parses into the connection's reusable RequestData, keeping each header (name lower-cased) instead of
// building Beast's field container: no allocation per request once the strings have grown. Checks the framing
// rules Beast leaves to us (http/framing.hpp) as the fields arrive and stops at the first violation, before any
// body byte is read.
class RequestParser final : public bhttp::basic_parser<true> {
  public:
    RequestParser(RequestData& data, const Router& router, std::size_t body_limit)
        : data_(data), router_(router), default_body_limit_(body_limit) {
        data_.Clear();
        this->body_limit(body_limit);
    }

    // put(), remembering where the input ends (to look at raw field lines).
    std::size_t Put(asio::const_buffer input, beast::error_code& ec) {
        input_begin_ = static_cast<const char*>(input.data());
        input_end_ = input_begin_ + input.size();
        return put(input, ec);
    }
    // Why the head was refused, if the parser stopped for a framing rule.
    FramingError framing_error() const noexcept { return framing_error_; }

  private:
    void on_request_impl(bhttp::verb method, beast::string_view, beast::string_view target, int version,
                         beast::error_code& ec) override {
        data_.method = ToMethod(method);
        data_.target.assign(target.data(), target.size());
        data_.version = version;
        // A route may take larger bodies (bulk create, imports): known from the request line, so its limit holds
        // before Content-Length is checked against it. Only for methods with a body: a redirect never looks.
        if (method == bhttp::verb::post || method == bhttp::verb::put || method == bhttp::verb::patch) {
            body_limit(router_.BodyLimit(data_.method, data_.target, default_body_limit_));
        }
    }
    void on_response_impl(int, beast::string_view, int, beast::error_code& ec) override {
        ec = bhttp::error::bad_version;
    }
    void on_field_impl(bhttp::field f, beast::string_view name, beast::string_view value,
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

        if (IsFolded(name)) framing_.OnObsFold();
        if (f == bhttp::field::host) {
            framing_.OnHost(value);
        } else if (f == bhttp::field::transfer_encoding) {
            framing_.OnTransferEncoding(value);
        } else if (f == bhttp::field::content_length) {
            framing_.OnContentLength();
        }
        Stop(framing_.early(), ec);
    }
    void on_header_impl(beast::error_code& ec) override { Stop(framing_.Check(data_.version, chunked()), ec); }
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

    // Beast accepts obsolete line folding and hands over the unfolded value, so look at the raw field line:
    // it starts at `name` (always in the input) and its first LF ends it (a value holds no bare CR or LF).
    // Beast has already made sure the byte after that LF is in the input; a fold if it is SP or HTAB.
    bool IsFolded(beast::string_view name) const noexcept {
        const char* from = name.data() + name.size();
        if (name.data() < input_begin_ || from >= input_end_)
            return true;  // not the raw line after all: refuse rather than guess
        const auto* lf = static_cast<const char*>(std::memchr(from, '\n', static_cast<std::size_t>(input_end_ - from)));
        if (lf == nullptr || lf + 1 >= input_end_) return true;
        return lf[1] == ' ' || lf[1] == '\t';
    }

    // Stops the parser for a framing error (any error code will do: framing_error_ says which).
    void Stop(FramingError e, beast::error_code& ec) noexcept {
        if (e == FramingError::kNone) return;
        framing_error_ = e;
        ec = bhttp::error::bad_transfer_encoding;
    }

    RequestData& data_;
    const Router& router_;
    std::size_t default_body_limit_;
    HeadFraming framing_;
    FramingError framing_error_ = FramingError::kNone;
    const char* input_begin_ = nullptr;
    const char* input_end_ = nullptr;
};

// Serializes a response (headers, and the body unless HEAD or streamed) onto `out`.
void Serialize(const Response& r, bool head, bool keep_alive, bool http10, std::string& out);
// The response for a request that could not be read, or nothing when the connection just ended.
std::optional<Response> ReadErrorResponse(const beast::error_code& ec);
void LogRequest(const RequestData& data, const DispatchResult& result, std::string_view status, double seconds);
// The peer's address as the log and the rate limiter see it (an IPv4-mapped IPv6 address as plain IPv4).
std::string RemoteAddress(const tcp::socket& socket);

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
    ConnectionGuard(const ConnectionGuard&) = delete;
    ConnectionGuard& operator=(const ConnectionGuard&) = delete;
};

// The TCP socket under a stream.
inline tcp::socket& LowestLayer(tcp::socket& s) noexcept { return s; }
template <typename Socket>
tcp::socket& LowestLayer(Socket& s) noexcept {
    return s.next_layer();
}

// Writes what the socket takes at once without waiting (plain TCP only: a TLS stream reports 0, and the caller
// then writes asynchronously).
inline std::size_t TryWrite(tcp::socket& s, asio::const_buffer b, boost::system::error_code& ec) {
    return s.write_some(b, ec);
}
template <typename Socket>
std::size_t TryWrite(Socket&, asio::const_buffer, boost::system::error_code& ec) {
    ec = {};
    return 0;
}

// Streams a body over the connection: each Write is one chunk, sent at once.
template <typename Socket>
class SessionStream final : public ResponseStream {
  public:
    SessionStream(Socket& socket, Connection& connection, const Server::Impl& server, bool chunked)
        : socket_(socket), connection_(connection), server_(server), chunked_(chunked) {}

    asio::awaitable<bool> Write(std::string_view data) override {
        if (!open()) co_return false;
        if (data.empty()) co_return true;
        frame_.clear();
        if (chunked_) {
            char size[20];
            auto [end, ec] = std::to_chars(size, size + sizeof size, data.size(), 16);
            frame_.append(size, end);
            frame_ += "\r\n";
        }
        frame_ += data;
        if (chunked_) frame_ += "\r\n";
        const bool sent = co_await Send(frame_);
        failed_ = !sent;
        co_return sent;
    }

    bool open() const noexcept override {
        return !failed_ && LowestLayer(socket_).is_open() && !server_.stopping.load(std::memory_order_relaxed);
    }

    // Ends the body (the last chunk). Returns false if that failed.
    asio::awaitable<bool> Finish() {
        if (!chunked_ || failed_ || !LowestLayer(socket_).is_open()) co_return false;
        frame_ = "0\r\n\r\n";
        co_return co_await Send(frame_);
    }

  private:
    asio::awaitable<bool> Send(const std::string& bytes) {
        boost::system::error_code ec;
        std::size_t n = TryWrite(socket_, asio::buffer(bytes), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            ec = {};
            n = 0;
        }
        if (!ec && n < bytes.size()) {
            // A subscriber too slow to take its data within the write timeout is dropped by the sweeper,
            // never buffered without bound.
            connection_.deadline = std::chrono::steady_clock::now() + server_.options.write_timeout;
            auto [aec, an] = co_await asio::async_write(socket_, asio::buffer(bytes.data() + n, bytes.size() - n),
                                                        asio::as_tuple(asio::use_awaitable));
            ec = aec;
            connection_.deadline = std::chrono::steady_clock::time_point::max();
        }
        co_return !ec;
    }

    Socket& socket_;
    Connection& connection_;
    const Server::Impl& server_;
    bool chunked_;
    bool failed_ = false;
    std::string frame_;
};

// One connection: its buffers and the steps of its request loop.
template <typename Socket>
class Session {
  public:
    Session(Socket& socket, Server::Impl& server, Connection& connection, std::string remote)
        : socket_(socket),
          server_(server),
          opt_(server.options),
          connection_(connection),
          remote_(std::move(remote)),
          buffer_(opt_.header_limit + opt_.body_limit + kReadSize) {
        data_.tls = !std::is_same_v<Socket, tcp::socket>;
    }

    // Reads a request, answers it, and repeats while keep-alive holds.
    asio::awaitable<void> Run() {
        for (;;) {
            // Idle between requests until the first byte arrives; from then on the whole request must arrive
            // within request_timeout, so a slow-loris client is cut off.
            const bool started = buffer_.size() > 0;
            if (!started && Stopping()) break;
            connection_.idle = !started;
            connection_.deadline = Clock::now() + (started ? opt_.request_timeout : opt_.idle_timeout);

            RequestParser parser(data_, server_.router, opt_.body_limit);
            parser.header_limit(static_cast<std::uint32_t>(opt_.header_limit));
            parser.eager(true);
            beast::error_code parse_ec;
            if (!co_await ReadRequest(parser, started, parse_ec)) break;
            if (parse_ec) {
                co_await Reject(parser, parse_ec);
                break;
            }
            if (!co_await Respond(parser.keep_alive())) break;
        }
    }

  private:
    bool Stopping() const noexcept { return server_.stopping.load(std::memory_order_relaxed); }

    // Reads one request into data_. False when the connection ended or failed first; a request that cannot be
    // read leaves its error in `parse_ec`.
    asio::awaitable<bool> ReadRequest(RequestParser& parser, bool started, beast::error_code& parse_ec) {
        bool sent_continue = false;
        while (!parser.is_done()) {
            if (buffer_.size() > 0) {
                const std::size_t used = parser.Put(buffer_.data(), parse_ec);
                buffer_.consume(used);
                if (parse_ec == bhttp::error::need_more) {
                    // Only more bytes can help now: the parser must not see the same bytes again (after a
                    // final chunk "0\r\n" it expects a longer buffer and asserts otherwise, which let one
                    // request abort the server; found by fuzzing).
                    parse_ec = {};
                } else if (parse_ec || parser.is_done()) {
                    co_return true;
                } else if (used > 0 && buffer_.size() > 0) {
                    continue;
                }
            }
            if (parser.is_header_done() && !sent_continue) {
                sent_continue = true;
                if (!co_await SendContinueIfExpected()) co_return false;
            }
            // Responses to earlier pipelined requests go out before we wait for the rest of this one.
            if (!out_.empty() && !co_await Flush()) co_return false;
            if (buffer_.size() + kReadSize > buffer_.max_size()) {
                parse_ec = bhttp::error::header_limit;
                co_return true;
            }
            auto [read_ec, n] = co_await socket_.async_read_some(buffer_.prepare(kReadSize), kAsTuple);
            if (read_ec) co_return false;  // EOF (a request cut short gets no answer), reset or timeout
            buffer_.commit(n);
            if (!started) {
                started = true;
                connection_.idle = false;
                connection_.deadline = Clock::now() + opt_.request_timeout;
            }
        }
        co_return true;
    }

    // Answers "Expect: 100-continue" once the head is accepted. False if the connection failed.
    asio::awaitable<bool> SendContinueIfExpected() {
        std::string_view expect;
        for (std::size_t i = 0; i < data_.header_count; ++i) {
            if (data_.headers[i].name == "expect") expect = data_.headers[i].value;
        }
        if (!beast::iequals(expect, "100-continue")) co_return true;
        out_ += "HTTP/1.1 100 Continue\r\n\r\n";
        if (!co_await Flush()) co_return false;
        connection_.deadline = Clock::now() + opt_.request_timeout;
        co_return true;
    }

    // Answers a request that could not be read (when it deserves an answer), after any pipelined responses
    // already queued, and then closes the lingering way. Nothing after the error is parsed: its framing cannot
    // be trusted, so bytes after it must never run as a request.
    asio::awaitable<void> Reject(const RequestParser& parser, const beast::error_code& parse_ec) {
        std::optional<Response> r = parser.framing_error() != FramingError::kNone
                                        ? FramingErrorResponse(parser.framing_error())
                                        : ReadErrorResponse(parse_ec);
        if (!r) co_return;
        ApplySecurityHeaders(*r);
        Serialize(*r, false, false, false, out_);
        if (!co_await Flush()) co_return;
        // Lingering close: the client may still be sending (e.g. a body over the limit). Closing with unread
        // data makes the kernel send a reset, which can destroy the error response before the client reads it;
        // so stop sending and discard input for a moment first.
        boost::system::error_code ec;
        LowestLayer(socket_).shutdown(tcp::socket::shutdown_send, ec);
        connection_.deadline = Clock::now() + kLingerTime;
        std::size_t discarded = 0;
        while (discarded < kLingerBytes) {
            buffer_.clear();
            auto [lec, ln] = co_await socket_.async_read_some(buffer_.prepare(kReadSize), kAsTuple);
            if (lec) break;
            discarded += ln;
        }
    }

    // Dispatches the request in data_ and sends, queues or streams the response. False when the connection
    // ends here.
    asio::awaitable<bool> Respond(bool parser_keep_alive) {
        const auto begun = Clock::now();
        const bool head = data_.method == Method::kHead;
        const DispatchResult result = co_await DispatchRequest();
        const bool keep_alive = parser_keep_alive && !result.response.close && !Stopping();
        Serialize(result.response, head, keep_alive, data_.version == 10, out_);
        Record(result, begun);
        if (result.response.stream && !head) co_return co_await Stream(result.response, keep_alive);
        // Answer pipelined requests already received in one write; otherwise write now.
        if (!keep_alive || buffer_.size() == 0 || out_.size() >= kWriteBatchLimit) {
            if (!co_await Flush()) co_return false;
        }
        co_return keep_alive;
    }

    asio::awaitable<DispatchResult> DispatchRequest() {
        if (data_.target.rfind("http://", 0) == 0 || data_.target.rfind("https://", 0) == 0) {
            // absolute-form (RFC 9112 §3.2.2): serve its path; the authority is ours by definition.
            auto path = data_.target.find('/', data_.target.find("//") + 2);
            data_.target = path == std::string::npos ? "/" : data_.target.substr(path);
        }
        if (data_.target.empty() || data_.target[0] != '/') {
            DispatchResult result;
            result.response =
                ErrorResponse(core::Errc::kInvalidRequest, "Only origin-form request targets are served.");
            ApplySecurityHeaders(result.response);
            result.route = "none";
            co_return result;
        }
        Request request(data_, remote_);
        co_return co_await Dispatch(server_.router, request);
    }

    // Counts the response in the server's metrics and writes the access log line.
    void Record(const DispatchResult& result, Clock::time_point begun) {
        const double seconds = std::chrono::duration<double>(Clock::now() - begun).count();
        ServerProbe& probe = server_.probe;
        probe.requests.Inc();
        char status_text[8];
        auto [status_end, status_ec] =
            std::to_chars(status_text, status_text + sizeof status_text, result.response.status);
        std::string_view status(status_text, static_cast<std::size_t>(status_end - status_text));
        probe.requests_by_route.With(result.route, status).Inc();
        if (opt_.access_log == AccessLog::kAll ||
            (opt_.access_log == AccessLog::kErrors && result.response.status >= 500)) {
            LogRequest(data_, result, status, seconds);
        }
        if (auto cls = result.response.status / 100; cls >= 1 && cls <= 5) probe.responses_by_class[cls]->Inc();
        (result.route == "redirect" ? probe.redirect_latency : probe.request_latency).Observe(seconds);
    }

    // Sends the headers (and any earlier pipelined responses), then the producer's chunks. True if the
    // connection goes on.
    asio::awaitable<bool> Stream(const Response& response, bool keep_alive) {
        if (!co_await Flush()) co_return false;
        connection_.streaming = true;
        connection_.deadline = Clock::time_point::max();
        SessionStream<Socket> stream(socket_, connection_, server_, data_.version != 10);
        co_await response.stream(stream);
        const bool finished = co_await stream.Finish();
        connection_.streaming = false;
        co_return finished&& keep_alive&& data_.version != 10;
    }

    // Sends out_ (then clears it): directly when the socket takes it all, else asynchronously with the write
    // deadline.
    asio::awaitable<bool> Flush() {
        boost::system::error_code ec;
        std::size_t n = TryWrite(socket_, asio::buffer(out_), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
            ec = {};
            n = 0;
        }
        if (!ec && n < out_.size()) {
            connection_.deadline = Clock::now() + opt_.write_timeout;
            auto [aec, an] =
                co_await asio::async_write(socket_, asio::buffer(out_.data() + n, out_.size() - n), kAsTuple);
            ec = aec;
        }
        out_.clear();
        co_return !ec;
    }

    static constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

    Socket& socket_;
    Server::Impl& server_;
    const ServerOptions& opt_;
    Connection& connection_;
    std::string remote_;
    beast::flat_buffer buffer_;
    RequestData data_;
    std::string out_;
};

}  // namespace shortener::http::session_detail
