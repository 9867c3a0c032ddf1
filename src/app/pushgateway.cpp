#include "app/pushgateway.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <stdexcept>

#include "log/log.hpp"

namespace shortener::app {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Keeps label values path-safe: the Pushgateway takes them as URL path segments.
std::string PathSafe(const std::string& s) {
    std::string out;
    for (char c : s)
        out.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ? c : '_');
    return out.empty() ? "unknown" : out;
}

}  // namespace

PushgatewayPusher::PushgatewayPusher(const std::string& url, const std::string& job, const std::string& instance,
                                     const metrics::Registry& registry, std::chrono::milliseconds interval)
    : registry_(registry), interval_(interval) {
    if (url.rfind("http://", 0) != 0) throw std::invalid_argument("PUSHGATEWAY_URL must start with http://");
    std::string rest = url.substr(7);
    auto slash = rest.find('/');
    std::string authority = rest.substr(0, slash);
    std::string base = slash == std::string::npos ? "" : rest.substr(slash);
    while (!base.empty() && base.back() == '/') base.pop_back();
    auto colon = authority.rfind(':');
    host_ = colon == std::string::npos ? authority : authority.substr(0, colon);
    port_ = colon == std::string::npos ? "80" : authority.substr(colon + 1);
    if (host_.empty()) throw std::invalid_argument("PUSHGATEWAY_URL has no host");
    path_ = base + "/metrics/job/" + PathSafe(job) + "/instance/" + PathSafe(instance);
    thread_ = std::thread([this] { Run(); });
}

PushgatewayPusher::~PushgatewayPusher() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
    PushOnce();  // the final figures, e.g. the last batch a stopping worker stored
}

void PushgatewayPusher::Run() {
    int last_status = -1;
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
        lock.unlock();
        int status = PushOnce();
        // Log state changes only, so an unreachable gateway does not fill the log.
        if ((status / 100 == 2) != (last_status / 100 == 2)) {
            if (status / 100 == 2) {
                log::Info("pushgateway_ok", {{"path", path_}});
            } else {
                log::Warn("pushgateway_failed", {{"status", std::to_string(status)}, {"host", host_}});
            }
        }
        last_status = status;
        lock.lock();
    }
}

int PushgatewayPusher::PushOnce() {
    try {
        asio::io_context io;
        tcp::resolver resolver(io);
        tcp::socket socket(io);
        asio::connect(socket, resolver.resolve(host_, port_));
        // A hung gateway must not hang the worker's shutdown: bound each blocking call.
        timeval timeout{2, 0};
        setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        std::string body = registry_.Render();
        std::string request =
            "PUT " + path_ + " HTTP/1.1\r\nHost: " + host_ + ":" + port_ +
            "\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\nConnection: close\r\n\r\n" + body;
        asio::write(socket, asio::buffer(request));
        asio::streambuf response;
        asio::read_until(socket, response, "\r\n");
        std::istream in(&response);
        std::string version;
        int status = 0;
        in >> version >> status;
        return status;
    } catch (const std::exception&) {
        return 0;
    }
}

}  // namespace shortener::app
