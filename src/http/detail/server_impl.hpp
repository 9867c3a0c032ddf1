#pragma once
// Internal to server.cpp, session.cpp and asio_ssl_impl.cpp: the only translation units that see Asio's networking
// and Beast.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <list>
#include <memory>
#include <thread>
#include <vector>

#include "http/server.hpp"

namespace shortener::http {

// A connection as its event loop sees it; touched only on that loop's thread. Timeouts are deadlines that a
// per-loop sweeper enforces by closing the socket: no timer is armed per read or write.
struct Connection {
    boost::asio::ip::tcp::socket* socket = nullptr;
    bool idle = true;        // waiting for the next request (safe to close on shutdown)
    bool streaming = false;  // sending a streamed body (closed on shutdown too)
    std::chrono::steady_clock::time_point deadline{};
};

// One event loop: its thread, its acceptor and its connections.
struct Loop {
    boost::asio::io_context context{1};  // one thread per context: lets Asio skip internal locking
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
    std::unique_ptr<boost::asio::ip::tcp::acceptor> tls_acceptor;  // null without a TLS listener
    std::list<Connection*> connections;
    std::thread thread;
};

// The TLS listener's certificates, reloaded in the background (asio_ssl_impl.cpp).
class TlsCertificates;
struct TlsCertificatesDeleter {
    void operator()(TlsCertificates* p) const noexcept;
};
// Loads the certificates of `options.tls_dir` and starts watching it.
std::unique_ptr<TlsCertificates, TlsCertificatesDeleter> StartTlsCertificates(const ServerOptions& options,
                                                                              ServerProbe& probe);

struct Server::Impl {
    ServerOptions options;
    const Router& router;
    ServerProbe& probe;
    std::vector<std::unique_ptr<Loop>> loops;
    std::uint16_t port = 0;
    std::uint16_t tls_port = 0;
    std::unique_ptr<TlsCertificates, TlsCertificatesDeleter> tls;  // null without a TLS listener
    std::atomic<bool> stopping{false};
    bool bound = false;
    bool started = false;
    bool stopped = false;

    Impl(ServerOptions o, const Router& r, ServerProbe& p) : options(std::move(o)), router(r), probe(p) {}
};

// How often each loop looks for connections past their deadline (timeouts are this coarse).
inline constexpr std::chrono::milliseconds kSweepInterval{200};

// Serves one connection until it closes (session.cpp).
boost::asio::awaitable<void> RunSession(boost::asio::ip::tcp::socket socket, Server::Impl& server, Loop& loop);
// Serves one TLS connection: the handshake (within handshake_timeout), then the same loop (asio_ssl_impl.cpp).
boost::asio::awaitable<void> RunTlsSession(boost::asio::ip::tcp::socket socket, Server::Impl& server, Loop& loop);

}  // namespace shortener::http
