#pragma once
/// @file
/// @brief The HTTP/1.1 server: one event loop per thread, each with its own listening socket on the same
/// port (SO_REUSEPORT), so the kernel spreads connections and threads share nothing on the hot path.
/// Keep-alive and pipelining, request limits, slow-client timeouts, a connection cap and graceful shutdown.
/// Beast and Asio appear only in server.cpp and session.cpp; OpenSSL only in asio_ssl_impl.cpp.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "http/router.hpp"
#include "metrics/registry.hpp"

namespace shortener::http {

/// Which requests are logged (one JSON line each: request id, method, route, status, duration; never
/// the client address). `kErrors` logs 5xx answers only, so that a flood of 404s cannot flood the log.
enum class AccessLog { kOff, kErrors, kAll };

struct ServerOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8080;                          // 0 picks a free port
    std::size_t threads = 0;                            // 0: one per core
    std::size_t max_connections = 10'000;               // more are closed at accept
    std::size_t header_limit = 16 * 1024;               // request line + headers, bytes (431 above)
    std::size_t body_limit = 64 * 1024;                 // request body, bytes (413 above; a route may allow more)
    std::chrono::milliseconds request_timeout{10'000};  // first byte to last byte of one request
    std::chrono::milliseconds idle_timeout{60'000};     // keep-alive wait for the next request
    std::chrono::milliseconds write_timeout{30'000};    // sending one response
    std::chrono::milliseconds shutdown_grace{10'000};   // in-flight requests get this long on shutdown
    AccessLog access_log = AccessLog::kErrors;          // which requests get a log line
    // HTTPS (issue #14, docs/tls.md): a second listener that terminates TLS, certificates picked by SNI from
    // tls_dir and reloaded when the files change. Off when tls_address is empty.
    std::string tls_address;
    std::uint16_t tls_port = 0;  // 0 picks a free port
    std::string tls_dir;
    std::chrono::milliseconds handshake_timeout{10'000};  // accept to finished handshake
};

/// Counters the server keeps about itself.
struct ServerProbe {
    explicit ServerProbe(metrics::Registry& registry);
    metrics::Counter& connections_accepted;
    metrics::Counter& connections_rejected;
    metrics::Counter& requests;
    metrics::CounterVec requests_by_route;                  // shortener_http_requests_by_route_total{route, status}
    std::array<metrics::Counter*, 6> responses_by_class{};  // index status/100 (1xx..5xx)
    metrics::Histogram& redirect_latency;
    metrics::Histogram& request_latency;
    metrics::Counter& tls_handshake_failures;  // refused, timed out or cut short before a request could come
    metrics::Counter& tls_reload_failures;     // certificate files that could not be loaded (the old one stays)
    std::atomic<std::int64_t> active_connections{0};
};

class Server {
  public:
    Server(ServerOptions options, const Router& router, ServerProbe& probe);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    /// Binds the listening sockets (threads not started yet), so the port is known before serving.
    /// Throws std::system_error if the address cannot be bound.
    void Bind();
    /// Binds (if not done yet) and starts the threads.
    void Start();
    /// The bound port (after Start).
    std::uint16_t port() const noexcept;
    /// The bound TLS port (after Bind), 0 without a TLS listener.
    std::uint16_t tls_port() const noexcept;
    /// Stops accepting, closes idle connections, lets requests in flight finish (up to shutdown_grace),
    /// then joins the threads. Safe to call from any thread but a server thread; idempotent.
    void Shutdown();

    struct Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace shortener::http
