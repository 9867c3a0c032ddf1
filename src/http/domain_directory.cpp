#include "http/domain_directory.hpp"

#include <algorithm>

#include "log/log.hpp"

namespace shortener::http {

DomainDirectory::DomainDirectory(store::DomainStore* store, const core::Clock& clock, std::chrono::milliseconds refresh,
                                 DomainSettings default_domain)
    : store_(store),
      clock_(clock),
      refresh_(refresh),
      default_(std::make_shared<const DomainSettings>(std::move(default_domain))) {}

std::string DomainDirectory::HostKey(std::string_view host) {
    if (!host.empty() && host.front() == '[') {
        host = host.substr(0, host.find(']') == std::string_view::npos ? host.size() : host.find(']') + 1);
    } else if (auto colon = host.find(':'); colon != std::string_view::npos) {
        host = host.substr(0, colon);
    }
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    std::string key(host);
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c); });
    return key;
}

std::shared_ptr<const DomainSettings> DomainDirectory::Find(const Snapshot* snapshot,
                                                            std::string_view host_header) const {
    if (snapshot == nullptr || snapshot->by_host.empty()) return default_;
    auto it = snapshot->by_host.find(HostKey(host_header));
    return it == snapshot->by_host.end() ? default_ : it->second;
}

std::shared_ptr<const DomainSettings> DomainDirectory::Lookup(std::string_view host_header) const {
    return Find(snapshot_.load(std::memory_order_acquire).get(), host_header);
}

bool DomainDirectory::Stale(const Snapshot* snapshot) const {
    return store_ != nullptr && (snapshot == nullptr || clock_.Now() - snapshot->loaded_at >= refresh_);
}

std::shared_ptr<const DomainSettings> DomainDirectory::Fresh(std::string_view host_header) const {
    std::shared_ptr<const Snapshot> snapshot = snapshot_.load(std::memory_order_acquire);
    return Stale(snapshot.get()) ? nullptr : Find(snapshot.get(), host_header);
}

HostHttps DomainHttpsPolicy::ForHost(std::string_view host) const {
    if (!directory_.HasBranded()) return fallback_.ForHost(host);  // the usual case costs no lookup
    const std::shared_ptr<const DomainSettings> d = directory_.Lookup(host);
    if (d->is_default) return fallback_.ForHost(host);
    HostHttps rule;
    rule.require_https = d->https;
    rule.https_origin = "https://" + d->host + port_suffix_;
    rule.hsts_max_age = static_cast<std::uint32_t>(std::clamp<std::int64_t>(d->hsts_max_age, 0, 63'072'000));
    return rule;
}

boost::asio::awaitable<void> DomainDirectory::Refresh() {
    if (store_ == nullptr) co_return;
    std::vector<store::Domain> domains = co_await store_->List();
    auto next = std::make_shared<Snapshot>();
    next->loaded_at = clock_.Now();
    for (auto& d : domains) {
        auto settings = std::make_shared<DomainSettings>();
        settings->id = d.id;
        settings->host = d.host;
        settings->is_default = false;
        settings->https = d.https;
        settings->hsts_max_age = d.hsts_max_age;
        settings->root_redirect = std::move(d.root_redirect);
        settings->not_found_redirect = std::move(d.not_found_redirect);
        next->by_host.emplace(std::move(d.host), std::move(settings));
    }
    const bool branded = !next->by_host.empty();
    snapshot_.store(std::move(next), std::memory_order_release);
    has_branded_.store(branded, std::memory_order_release);
}

boost::asio::awaitable<std::shared_ptr<const DomainSettings>> DomainDirectory::Resolve(std::string_view host_header) {
    const bool stale = Stale(snapshot_.load(std::memory_order_acquire).get());
    if (stale && !refreshing_.exchange(true, std::memory_order_acq_rel)) {
        try {
            co_await Refresh();
        } catch (const std::exception& e) {
            log::Warn("domains_refresh_failed", {{"error", e.what()}});  // keep serving the old snapshot
        }
        refreshing_.store(false, std::memory_order_release);
    }
    co_return Lookup(host_header);
}

}  // namespace shortener::http
