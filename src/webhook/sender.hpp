#pragma once
/// @file
/// @brief The one outbound HTTP client of the product: one webhook delivery attempt (docs/webhooks.md). Resolves
/// the target, refuses it unless every address passes the TargetPolicy, then connects to those checked addresses
/// (so DNS cannot rebind between check and connect); TLS with the system's trust store, SNI and host name
/// verification; 10 s for the whole attempt, of which resolution at most 5 s; at most 64 KiB of the answer read;
/// redirects not followed (Send returns the Location; the health checker follows it). Beast and Asio stay in
/// sender.cpp.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "core/errc.hpp"
#include "webhook/target_policy.hpp"

namespace shortener::webhook {

/// Resolves a host name: calls `done` once with the addresses (text form) or an error. The default is the system
/// resolver (getaddrinfo, run by Asio); tests pass one that never answers.
using ResolveFn = std::function<void(const std::string& host, const std::string& port,
                                     std::function<void(std::error_code, std::vector<std::string>)> done)>;

struct SendOptions {
    TargetPolicy policy;
    std::chrono::milliseconds timeout{10'000};  // the whole attempt: resolve, connect, TLS, write, read
    /// Resolution alone (getaddrinfo's own timeouts can add up to far more); capped by `timeout`.
    std::chrono::milliseconds resolve_timeout{5'000};
    ResolveFn resolve;  // null: the system resolver
    std::size_t max_response_bytes = 64 * 1024;
    std::string user_agent = "url-shortener-webhooks/1";
};

struct SendResult {
    bool ok = false;            // a 2xx answer
    std::optional<int> status;  // the answer's status, if one came
    std::string error;          // !ok: what went wrong, in our words
    std::string location;       // a 3xx answer's Location header, as sent
};

/// Sends HTTP requests to webhook targets. Holds the TLS context (system trust store); thread-safe.
class Sender {
  public:
    explicit Sender(SendOptions options);
    ~Sender();
    Sender(const Sender&) = delete;
    Sender& operator=(const Sender&) = delete;

    /// POSTs `body` (JSON) with `headers` to `url`. Never throws for network or HTTP failures (they come back in
    /// the result).
    boost::asio::awaitable<SendResult> Post(const std::string& url,
                                            const std::vector<std::pair<std::string, std::string>>& headers,
                                            const std::string& body);

    /// Sends one request (`method`: "GET", "HEAD", "POST"…; `body` sent when not empty) to `url`, under the same
    /// rules as Post; redirects are not followed (the caller may, with `location`). Never throws for network or
    /// HTTP failures.
    boost::asio::awaitable<SendResult> Send(const std::string& method, const std::string& url,
                                            const std::vector<std::pair<std::string, std::string>>& headers,
                                            const std::string& body);

    const SendOptions& options() const noexcept { return options_; }

  private:
    struct Tls;
    SendOptions options_;
    std::unique_ptr<Tls> tls_;
};

/// Resolves `host` and checks every address against `policy`: kOk, kWebhookTargetForbidden or
/// kWebhookUrlUnresolvable. For the API's check at creation (docs/webhooks.md "SSRF rules").
boost::asio::awaitable<core::Errc> CheckResolvedHost(const std::string& host, const std::string& port,
                                                     const TargetPolicy& policy);

}  // namespace shortener::webhook
