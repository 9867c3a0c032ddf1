#pragma once
/// @file
/// @brief Which branded domain (issue #14, docs/domains.md) a request's Host names, asked on every request. Reads
/// take an immutable snapshot through one atomic shared_ptr load: no lock is held while a request looks up its
/// domain. The snapshot is re-read from the DomainStore every `refresh` (by the first request that finds it old; the
/// others go on with the old one) and at once after a change made through this process.

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/random.hpp"
#include "http/https_policy.hpp"
#include "store/domain_store.hpp"

namespace shortener::http {

/// What the request path needs of a domain.
struct DomainSettings {
    std::int64_t id = store::kDefaultDomainId;
    std::string host;
    bool is_default = true;
    bool https = false;
    std::int64_t hsts_max_age = 0;
    std::optional<std::string> root_redirect;
    std::optional<std::string> not_found_redirect;
};

class DomainDirectory {
  public:
    /// `store` null: only the default domain exists.
    DomainDirectory(store::DomainStore* store, const core::Clock& clock, std::chrono::milliseconds refresh,
                    DomainSettings default_domain);

    /// The domain of a Host header value (letter case, a port and a trailing dot ignored); the default domain for a
    /// host that is no configured domain. Re-reads the store first when the snapshot is older than `refresh` (only
    /// one request at a time does; a failed read keeps the old snapshot).
    boost::asio::awaitable<std::shared_ptr<const DomainSettings>> Resolve(std::string_view host_header);
    /// Re-reads the store now (after a change). Throws core::BackendUnavailable when it cannot be read.
    boost::asio::awaitable<void> Refresh();

    /// The domain of a Host header value in the current snapshot, without re-reading the store (for callers that
    /// cannot wait; redirects keep the snapshot fresh through Resolve).
    std::shared_ptr<const DomainSettings> Lookup(std::string_view host_header) const;
    /// Lookup() when no refresh is due (no store: always), else null: then co_await Resolve(). Lets the redirect
    /// path skip the coroutine frame on all but one request per refresh interval.
    std::shared_ptr<const DomainSettings> Fresh(std::string_view host_header) const;
    /// Whether any branded domain is configured (as of the current snapshot).
    bool HasBranded() const noexcept { return has_branded_.load(std::memory_order_acquire); }

    const DomainSettings& Default() const noexcept { return *default_; }
    /// The lookup key of a Host header value: lower-case, without port and trailing dot.
    static std::string HostKey(std::string_view host_header);

  private:
    struct Snapshot {
        std::unordered_map<std::string, std::shared_ptr<const DomainSettings>> by_host;
        std::chrono::system_clock::time_point loaded_at{};
    };
    std::shared_ptr<const DomainSettings> Find(const Snapshot* snapshot, std::string_view host_header) const;
    bool Stale(const Snapshot* snapshot) const;  // a refresh is due (never without a store)

    store::DomainStore* store_;
    const core::Clock& clock_;
    std::chrono::milliseconds refresh_;
    std::shared_ptr<const DomainSettings> default_;
    std::atomic<std::shared_ptr<const Snapshot>> snapshot_;
    std::atomic<bool> refreshing_{false};
    std::atomic<bool> has_branded_{false};  // the current snapshot's by_host is not empty (read per request)
};

/// HTTPS per domain (issue #14): a branded domain's own `https` and `hsts_max_age`; the default domain (and any
/// host that is no configured domain) follows the public URL, as SingleHostHttpsPolicy does.
class DomainHttpsPolicy final : public HttpsPolicy {
  public:
    /// `port_suffix`: ":8443" when the public HTTPS port is not 443 (taken from an https public URL), else "".
    DomainHttpsPolicy(const DomainDirectory& directory, SingleHostHttpsPolicy fallback, std::string port_suffix)
        : directory_(directory), fallback_(std::move(fallback)), port_suffix_(std::move(port_suffix)) {}
    HostHttps ForHost(std::string_view host) const override;
    bool Idle() const noexcept override { return fallback_.Idle() && !directory_.HasBranded(); }

  private:
    const DomainDirectory& directory_;
    SingleHostHttpsPolicy fallback_;
    std::string port_suffix_;
};

}  // namespace shortener::http
