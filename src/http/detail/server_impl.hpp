#pragma once
// Internal to server.cpp and session.cpp: the only translation units that see Asio's networking and Beast.

#include <atomic>
#include <list>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "http/server.hpp"

namespace shortener::http {

// A connection as its event loop sees it; touched only on that loop's thread.
struct Connection {
    boost::beast::tcp_stream* stream = nullptr;
    bool idle = true;  // waiting for the next request (safe to close on shutdown)
};

// One event loop: its thread, its acceptor and its connections.
struct Loop {
    boost::asio::io_context context{1};  // one thread per context: lets Asio skip internal locking
    std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor;
    std::list<Connection*> connections;
    std::thread thread;
};

struct Server::Impl {
    ServerOptions options;
    const Router& router;
    ServerProbe& probe;
    std::vector<std::unique_ptr<Loop>> loops;
    std::uint16_t port = 0;
    std::atomic<bool> stopping{false};
    bool started = false;
    bool stopped = false;

    Impl(ServerOptions o, const Router& r, ServerProbe& p) : options(std::move(o)), router(r), probe(p) {}
};

// Serves one connection until it closes (session.cpp).
boost::asio::awaitable<void> RunSession(boost::asio::ip::tcp::socket socket, Server::Impl& server, Loop& loop);

}  // namespace shortener::http
