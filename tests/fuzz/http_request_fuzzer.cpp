// libFuzzer target: the HTTP request path. The input is the raw bytes a client sends (request line,
// headers, body, pipelined requests, garbage) to a real in-process server on loopback — the same parser,
// limits, router and handlers as `shortener serve`, over a real SQLite store.
// Invariants: the server answers or closes (no hang), whatever it sends starts as an HTTP/1.1 response,
// it never answers 5xx (but 501 for a transfer coding it does not implement), and a response that says
// `Connection: close` is the last thing it sends: after a framing error no later request runs.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_service.hpp"
#include "http/server.hpp"

namespace {

using namespace shortener;
using fuzz::Require;

struct Harness {
    Harness() : probe(service.registry) {
        http::AddHealthRoutes(router, service.ctx);
        http::AddLinkRoutes(router, service.ctx);
        http::AddStatsRoutes(router, service.ctx);
        http::AddQrRoutes(router, service.ctx);
        http::AddRedirectRoute(router, service.ctx);
        Reset();

        http::ServerOptions options;
        options.address = "127.0.0.1";
        options.port = 0;
        options.threads = 1;
        options.access_log = http::AccessLog::kOff;
        // Small limits so that the fuzzer reaches the 413/431 paths with short inputs.
        options.header_limit = 2048;
        options.body_limit = 1024;
        options.request_timeout = std::chrono::milliseconds(5000);
        server = std::make_unique<http::Server>(options, router, probe);
        server->Start();
        port = server->port();
    }

    // The initial state before every input (the server is idle between inputs): one link for the inputs
    // to find (redirect, QR, stats, export, patch, delete).
    void Reset() {
        service.Reset();
        http::RequestData data;
        data.method = http::Method::kPost;
        data.target = "/api/v1/links";
        data.body = R"({"url":"https://example.com/landing?x=1","slug":"fuzzme","tags":["a","b"]})";
        data.headers.push_back({"content-type", "application/json"});
        data.header_count = 1;
        auto created = fuzz::Run(http::Dispatch(router, http::Request(data, "192.0.2.1")));
        Require(created.response.status == 201, "the seed link is created", created.response.body);
    }

    fuzz::FuzzService service;
    http::Router router;
    http::ServerProbe probe;
    std::unique_ptr<http::Server> server;
    std::uint16_t port = 0;
};

// Sends `input`, half-closes, and reads the whole answer (the server closes after the last request).
std::string Exchange(std::uint16_t port, std::string_view input) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    Require(fd >= 0, "socket()");
    timeval timeout{10, 0};  // far above any server timeout used here: hitting it means the server hung
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    // The client closes first, so each exchange would leave a TIME_WAIT socket: a few thousand inputs a second
    // exhaust the ephemeral ports within a run. Closing with a reset (linger 0) after the answer avoids that.
    linger abortive{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        Require(false, "connect()", std::strerror(errno));
    }
    std::size_t sent = 0;
    while (sent < input.size()) {
        ssize_t n = ::send(fd, input.data() + sent, input.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // the server may answer (e.g. 413) and close before reading everything
        sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd, SHUT_WR);
    std::string answer;
    char buf[16384];
    for (;;) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n > 0) {
            answer.append(buf, static_cast<std::size_t>(n));
            continue;
        }
        Require(!(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)), "the server answers or closes in time");
        break;  // EOF, or a reset after an early answer
    }
    // Abortive close: no TIME_WAIT, or a long run would exhaust the loopback's ephemeral ports.
    linger abort_close{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_close, sizeof abort_close);
    ::close(fd);
    return answer;
}

// The number after "\r\nContent-Length: " in a response head, or nullopt when there is none (a streamed body).
std::optional<std::size_t> ContentLength(std::string_view head) {
    constexpr std::string_view kName = "\r\nContent-Length: ";
    const auto at = head.find(kName);
    if (at == std::string_view::npos) return std::nullopt;
    std::size_t length = 0;
    const char* first = head.data() + at + kName.size();
    std::from_chars(first, head.data() + head.size(), length);
    return length;
}

// Walks the responses in `answer` (each framed by Content-Length) and requires that nothing follows one with
// `Connection: close`. Stops at the first it cannot frame: a streamed body, or after a HEAD response (no body
// despite its Content-Length), where only a shorter answer could follow, never a false finding.
void RequireNothingAfterClose(std::string_view answer) {
    std::size_t pos = 0;
    for (;;) {
        const auto head_end = answer.find("\r\n\r\n", pos);
        if (head_end == std::string_view::npos) return;
        const std::string_view head = answer.substr(pos, head_end + 2 - pos);
        if (head.rfind("HTTP/1.1 ", 0) != 0) return;
        const auto length = ContentLength(head);
        if (!length) return;
        const std::size_t next = head_end + 4 + *length;
        if (head.find("\r\nConnection: close\r\n") != std::string_view::npos) {
            Require(answer.size() <= next, "nothing follows a Connection: close response", answer);
            return;
        }
        pos = next;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static Harness* harness = new Harness();  // lives for the whole run (libFuzzer never returns)
    harness->Reset();
    const std::uint64_t errors_before = harness->probe.responses_by_class[5]->Value();
    const std::string answer = Exchange(harness->port, {reinterpret_cast<const char*>(data), size});
    Require(answer.empty() || answer.rfind("HTTP/1.1 ", 0) == 0, "the answer is an HTTP/1.1 response", answer);
    // 501 answers come from the session (framing errors), which the probe does not count.
    Require(harness->probe.responses_by_class[5]->Value() == errors_before, "no 5xx answer", answer);
    RequireNothingAfterClose(answer);
    return 0;
}
