#include "http/server.hpp"

#include <pthread.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <mutex>

#include "http/detail/server_impl.hpp"
#include "log/log.hpp"

namespace shortener::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

ServerProbe::ServerProbe(metrics::Registry& r)
    : connections_accepted(r.AddCounter("shortener_http_connections_total", "TCP connections accepted.")),
      connections_rejected(r.AddCounter("shortener_http_connections_rejected_total",
                                        "TCP connections closed at accept because of the connection cap.")),
      requests(r.AddCounter("shortener_http_requests_total", "HTTP requests answered.")),
      requests_by_route(r, "shortener_http_requests_by_route_total", "HTTP requests answered, by route and status.",
                        "route", "status"),
      redirect_latency(r.AddHistogram("shortener_redirect_duration_seconds",
                                      "Time from a complete redirect request to its response being queued.",
                                      metrics::LatencyBuckets())),
      request_latency(r.AddHistogram("shortener_http_request_duration_seconds",
                                     "Time from a complete request to its response being queued.",
                                     metrics::LatencyBuckets())),
      tls_handshake_failures(r.AddCounter("shortener_tls_handshake_failures_total",
                                          "TLS connections that ended before the handshake finished (refused "
                                          "protocol or cipher, unknown name without a default certificate, timeout, "
                                          "or the client gave up).")),
      tls_reload_failures(r.AddCounter("shortener_tls_certificate_load_failures_total",
                                       "Certificate/key pairs in SHORTENER_TLS_DIR that could not be loaded (the "
                                       "previous certificate for that name stays in use).")) {
    static const char* kClasses[] = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};
    for (int i = 1; i <= 5; ++i) {
        responses_by_class[static_cast<std::size_t>(i)] =
            &r.AddCounter("shortener_http_responses_total", "HTTP responses by status class.",
                          std::string("class=\"") + kClasses[i] + "\"");
    }
    r.AddGauge("shortener_http_connections_active", "Open client connections.",
               [this] { return static_cast<double>(active_connections.load(std::memory_order_relaxed)); });
}

namespace {

using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

asio::awaitable<void> Accept(Server::Impl& server, Loop& loop, bool tls) {
    tcp::acceptor& acceptor = tls ? *loop.tls_acceptor : *loop.acceptor;
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || server.stopping.load()) co_return;
            // EMFILE and friends: log, pause briefly, carry on rather than spin.
            log::Warn("accept_failed", {{"error", ec.message()}});
            asio::steady_timer pause(loop.context, std::chrono::milliseconds(50));
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        if (server.probe.active_connections.load(std::memory_order_relaxed) >=
            static_cast<std::int64_t>(server.options.max_connections)) {
            server.probe.connections_rejected.Inc();
            boost::system::error_code ignored;
            socket.close(ignored);
            continue;
        }
        server.probe.connections_accepted.Inc();
        auto on_end = [](const std::exception_ptr& e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log::Error("session_failed", {{"error", ex.what()}});
            }
        };
        if (tls) {
            asio::co_spawn(loop.context, RunTlsSession(std::move(socket), server, loop), on_end);
        } else {
            asio::co_spawn(loop.context, RunSession(std::move(socket), server, loop), on_end);
        }
    }
}

// Closes connections whose deadline has passed; ends when the server stops and the loop has no connections.
asio::awaitable<void> Sweep(Server::Impl& server, Loop& loop) {
    asio::steady_timer timer(loop.context);
    for (;;) {
        timer.expires_after(kSweepInterval);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (server.stopping.load() && loop.connections.empty()) co_return;
        auto now = std::chrono::steady_clock::now();
        for (Connection* c : loop.connections) {
            if (c->deadline <= now && c->socket->is_open()) {
                boost::system::error_code ignored;
                c->socket->shutdown(tcp::socket::shutdown_both, ignored);
                c->socket->close(ignored);
            }
        }
    }
}

}  // namespace

Server::Server(ServerOptions options, const Router& router, ServerProbe& probe)
    : impl_(std::make_unique<Impl>(std::move(options), router, probe)) {}

Server::~Server() { Shutdown(); }

std::uint16_t Server::port() const noexcept { return impl_->port; }

std::uint16_t Server::tls_port() const noexcept { return impl_->tls_port; }

namespace {

// Fails if anyone listens on the address already (see Bind).
void ProbeBind(const asio::ip::address& address, std::uint16_t port) {
    if (port == 0) return;
    asio::io_context probe_context;
    tcp::acceptor probe(probe_context);
    tcp::endpoint endpoint(address, port);
    probe.open(endpoint.protocol());
    probe.set_option(tcp::acceptor::reuse_address(true));
    probe.bind(endpoint);
}

// One loop's listening socket on a port shared with the other loops (SO_REUSEPORT).
std::unique_ptr<tcp::acceptor> Listen(asio::io_context& context, const asio::ip::address& address, std::uint16_t port) {
    auto acceptor = std::make_unique<tcp::acceptor>(context);
    tcp::endpoint endpoint(address, port);
    acceptor->open(endpoint.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    acceptor->set_option(ReusePort(true));
    acceptor->bind(endpoint);
    acceptor->listen(4096);
    return acceptor;
}

}  // namespace

void Server::Bind() {
    auto& s = *impl_;
    if (s.bound) return;
    std::size_t n = s.options.threads ? s.options.threads : std::max(1u, std::thread::hardware_concurrency());
    auto address = asio::ip::make_address(s.options.address);
    const bool tls = !s.options.tls_address.empty();
    auto tls_address = tls ? asio::ip::make_address(s.options.tls_address) : asio::ip::address();
    std::uint16_t port = s.options.port;
    std::uint16_t tls_port = s.options.tls_port;
    // SO_REUSEPORT would let us share a port with another running instance and silently take half of
    // its connections. A plain bind first fails if anyone listens there.
    ProbeBind(address, port);
    if (tls) ProbeBind(tls_address, tls_port);
    for (std::size_t i = 0; i < n; ++i) {
        auto loop = std::make_unique<Loop>();
        loop->acceptor = Listen(loop->context, address, port);
        // With port 0 the first bind picks a port; the other loops join it.
        port = loop->acceptor->local_endpoint().port();
        if (tls) {
            loop->tls_acceptor = Listen(loop->context, tls_address, tls_port);
            tls_port = loop->tls_acceptor->local_endpoint().port();
        }
        s.loops.push_back(std::move(loop));
    }
    if (tls) s.tls = StartTlsCertificates(s.options, s.probe);
    s.port = port;
    s.tls_port = tls ? tls_port : 0;
    s.bound = true;
}

void Server::Start() {
    auto& s = *impl_;
    Bind();
    for (std::size_t i = 0; i < s.loops.size(); ++i) {
        auto& loop = s.loops[i];
        asio::co_spawn(loop->context, Accept(s, *loop, false), asio::detached);
        if (loop->tls_acceptor) asio::co_spawn(loop->context, Accept(s, *loop, true), asio::detached);
        asio::co_spawn(loop->context, Sweep(s, *loop), asio::detached);
        loop->thread = std::thread([&ctx = loop->context, i] {
            pthread_setname_np(pthread_self(), ("http-" + std::to_string(i)).c_str());
            for (;;) {
                try {
                    ctx.run();
                    return;
                } catch (const std::exception& e) {
                    log::Error("event_loop_exception", {{"error", e.what()}});
                }
            }
        });
    }
    s.started = true;
}

void Server::Shutdown() {
    auto& s = *impl_;
    if (!s.started || s.stopped) return;
    s.stopped = true;
    s.stopping.store(true);
    for (auto& loop : s.loops) {
        asio::post(loop->context, [&l = *loop] {
            boost::system::error_code ignored;
            l.acceptor->close(ignored);
            if (l.tls_acceptor) l.tls_acceptor->close(ignored);
            for (Connection* c : l.connections) {
                if (c->idle || c->streaming) c->socket->close(ignored);
            }
        });
    }
    // Wait for the loops to run out of work (every connection finished), at most shutdown_grace.
    std::mutex m;
    std::condition_variable cv;
    std::size_t finished = 0;
    std::vector<std::thread> waiters;
    for (auto& loop : s.loops) {
        waiters.emplace_back([&, t = &loop->thread] {
            t->join();
            std::lock_guard lock(m);
            ++finished;
            cv.notify_all();
        });
    }
    {
        std::unique_lock lock(m);
        if (!cv.wait_for(lock, s.options.shutdown_grace, [&] { return finished == s.loops.size(); })) {
            log::Warn("shutdown_grace_expired",
                      {{"open_connections", std::to_string(s.probe.active_connections.load())}});
            for (auto& loop : s.loops) loop->context.stop();
        }
    }
    for (auto& w : waiters) w.join();
}

}  // namespace shortener::http
