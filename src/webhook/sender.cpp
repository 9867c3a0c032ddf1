#include "webhook/sender.hpp"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace shortener::webhook {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);

struct Resolved {
    core::Errc verdict = core::Errc::kOk;
    bool timed_out = false;
    std::vector<tcp::endpoint> endpoints;
};

// One resolution's outcome; the callback may come after the deadline (or never), so it lives on its own.
struct Lookup {
    explicit Lookup(const asio::any_io_executor& ex) : done(ex) {}
    asio::steady_timer done;
    bool finished = false;
    std::error_code ec;
    std::vector<std::string> addresses;
};

void SystemResolve(const asio::any_io_executor& ex, const std::string& host, const std::string& port,
                   std::function<void(std::error_code, std::vector<std::string>)> done) {
    auto resolver = std::make_shared<tcp::resolver>(ex);
    resolver->async_resolve(host, port,
                            [resolver, done = std::move(done)](const boost::system::error_code& ec,
                                                               const tcp::resolver::results_type& results) {
                                std::vector<std::string> addresses;
                                for (const auto& entry : results)
                                    addresses.push_back(entry.endpoint().address().to_string());
                                done(ec ? std::make_error_code(std::errc::host_unreachable) : std::error_code(),
                                     std::move(addresses));
                            });
}

// Waits at most `limit` for the addresses: a resolver that never answers must not hold the attempt past its deadline.
asio::awaitable<std::shared_ptr<Lookup>> AwaitLookup(const std::string& host, const std::string& port,
                                                     const ResolveFn& resolve, std::chrono::milliseconds limit) {
    auto ex = co_await asio::this_coro::executor;
    auto lookup = std::make_shared<Lookup>(ex);
    lookup->done.expires_after(limit);
    auto on_done = [lookup](std::error_code ec, std::vector<std::string> addresses) {
        if (lookup->finished) return;
        lookup->finished = true;
        lookup->ec = ec;
        lookup->addresses = std::move(addresses);
        lookup->done.cancel();
    };
    if (resolve) {
        resolve(host, port, on_done);
    } else {
        SystemResolve(ex, host, port, on_done);
    }
    if (!lookup->finished) co_await lookup->done.async_wait(kTuple);
    co_return lookup;
}

// Every address must pass: a name that resolves to one public and one private address is refused.
asio::awaitable<Resolved> ResolveChecked(const std::string& host, const std::string& port, const TargetPolicy& policy,
                                         const ResolveFn& resolve, std::chrono::milliseconds limit) {
    std::shared_ptr<Lookup> lookup = co_await AwaitLookup(host, port, resolve, limit);
    Resolved out;
    if (!lookup->finished) {
        lookup->finished = true;  // a late answer is dropped
        out.verdict = core::Errc::kWebhookUrlUnresolvable;
        out.timed_out = true;
        co_return out;
    }
    if (lookup->ec || lookup->addresses.empty()) {
        out.verdict = core::Errc::kWebhookUrlUnresolvable;
        co_return out;
    }
    const auto port_number = static_cast<unsigned short>(std::strtoul(port.c_str(), nullptr, 10));
    for (const auto& text : lookup->addresses) {
        boost::system::error_code ec;
        const auto address = asio::ip::make_address(text, ec);
        if (ec || CheckAddress(address.to_string(), policy) != core::Errc::kOk) {
            out.verdict = core::Errc::kWebhookTargetForbidden;
            out.endpoints.clear();
            co_return out;
        }
        out.endpoints.emplace_back(address, port_number);
    }
    co_return out;
}

http::request<http::string_body> MakeRequest(http::verb verb, const Target& t,
                                             const std::vector<std::pair<std::string, std::string>>& headers,
                                             const std::string& body, const std::string& user_agent) {
    http::request<http::string_body> req{verb, t.path, 11};
    const bool default_port = t.port == (t.https ? "443" : "80");
    const std::string host = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
    req.set(http::field::host, default_port ? host : host + ":" + t.port);
    req.set(http::field::user_agent, user_agent);
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.set(http::field::connection, "close");
    for (const auto& [name, value] : headers) req.set(name, value);
    req.body() = body;
    if (!body.empty() || verb == http::verb::post) req.prepare_payload();
    return req;
}

// Writes the request and reads the answer's head and up to `limit` bytes of its body (the rest is never read).
template <class Stream>
asio::awaitable<SendResult> Exchange(Stream& stream, http::request<http::string_body>& req, std::size_t limit) {
    SendResult result;
    auto [wec, written] = co_await http::async_write(stream, req, kTuple);
    if (wec) {
        result.error = "sending the request failed: " + wec.message();
        co_return result;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(limit);
    if (req.method() == http::verb::head) parser.skip(true);  // a HEAD answer has no body, whatever it announces
    auto [hec, head] = co_await http::async_read_header(stream, buffer, parser, kTuple);
    if (hec) {
        result.error = "no answer: " + hec.message();
        co_return result;
    }
    const int status = static_cast<int>(parser.get().result_int());
    result.status = status;
    if (status >= 300 && status < 400) result.location = std::string(parser.get()[http::field::location]);
    auto [bec, read] = co_await http::async_read(stream, buffer, parser, kTuple);
    (void)bec;  // the status decides; a body cut short or over the limit does not change it
    result.ok = status >= 200 && status < 300;
    if (!result.ok) {
        result.error = status >= 300 && status < 400 ? "redirect not followed (status " + std::to_string(status) + ")"
                                                     : "status " + std::to_string(status);
    }
    co_return result;
}

}  // namespace

struct Sender::Tls {
    asio::ssl::context context{asio::ssl::context::tls_client};
};

Sender::Sender(SendOptions options) : options_(std::move(options)), tls_(std::make_unique<Tls>()) {
    tls_->context.set_default_verify_paths();
    tls_->context.set_verify_mode(asio::ssl::verify_peer);
    tls_->context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                              asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                              asio::ssl::context::no_tlsv1_1);
}

Sender::~Sender() = default;

asio::awaitable<SendResult> Sender::Post(const std::string& url,
                                         const std::vector<std::pair<std::string, std::string>>& headers,
                                         const std::string& body) {
    const std::string method = "POST";  // named: GCC 12 mishandles non-trivial temporaries in a co_await expression
    SendResult result = co_await Send(method, url, headers, body);
    co_return result;
}

asio::awaitable<SendResult> Sender::Send(const std::string& method, const std::string& url,
                                         const std::vector<std::pair<std::string, std::string>>& headers,
                                         const std::string& body) {
    SendResult result;
    const http::verb verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
        result.error = "unknown method";
        co_return result;
    }
    auto target = ParseTarget(url, options_.policy);
    if (!target) {
        result.error = "target refused: " + std::string(core::ErrcName(core::ToErrc(target.error())));
        co_return result;
    }
    const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    Resolved resolved = co_await ResolveChecked(target->host, target->port, options_.policy, options_.resolve,
                                                std::min(options_.resolve_timeout, options_.timeout));
    if (resolved.timed_out) {
        result.error = "resolving the host timed out";
        co_return result;
    }
    if (resolved.verdict != core::Errc::kOk) {
        result.error = "target refused: " + std::string(core::ErrcName(resolved.verdict));
        co_return result;
    }
    auto ex = co_await asio::this_coro::executor;
    beast::tcp_stream tcp_stream(ex);
    tcp_stream.expires_at(deadline);
    auto [cec, connected] = co_await tcp_stream.async_connect(resolved.endpoints, kTuple);
    if (cec) {
        result.error = "connect failed: " + cec.message();
        co_return result;
    }
    auto req = MakeRequest(verb, *target, headers, body, options_.user_agent);
    if (!target->https) co_return co_await Exchange(tcp_stream, req, options_.max_response_bytes);
    beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp_stream), tls_->context);
    const bool ip_literal = ClassifyAddress(target->host) != AddressClass::kInvalid;  // SNI names hosts, not IPs
    if (!ip_literal && !SSL_set_tlsext_host_name(tls.native_handle(), target->host.c_str())) {
        result.error = "TLS setup failed";
        co_return result;
    }
    tls.set_verify_callback(asio::ssl::host_name_verification(target->host));
    auto [tec] = co_await tls.async_handshake(asio::ssl::stream_base::client, kTuple);
    if (tec) {
        result.error = "TLS handshake failed: " + tec.message();
        co_return result;
    }
    co_return co_await Exchange(tls, req, options_.max_response_bytes);
}

asio::awaitable<core::Errc> CheckResolvedHost(const std::string& host, const std::string& port,
                                              const TargetPolicy& policy) {
    const ResolveFn system_resolver;  // named: GCC 12 mishandles non-trivial temporaries in a co_await expression
    const std::chrono::milliseconds limit = SendOptions{}.resolve_timeout;
    Resolved resolved = co_await ResolveChecked(host, port, policy, system_resolver, limit);
    co_return resolved.verdict;
}

}  // namespace shortener::webhook
