#pragma once
/// @file
/// @brief Which requests must be HTTPS and which get HSTS (issue #14). The policy answers per host, so that the
/// single-host policy of today and a per-domain policy share one small interface; the gate applies it to a
/// request (Dispatch calls it before routing). Probes (/healthz, /readyz, /metrics) are never redirected: load
/// balancers and kubelets check them over plain HTTP.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/client_address.hpp"
#include "http/request.hpp"

namespace shortener::http {

/// What one host wants of HTTPS.
struct HostHttps {
    bool require_https = false;      // plain-HTTP requests get 308 to `https_origin` + the same path and query
    std::string https_origin;        // "https://host[:port]", no trailing slash
    std::uint32_t hsts_max_age = 0;  // seconds; 0: no Strict-Transport-Security header
};

/// Decides per host. Implementations must be thread safe (every server thread asks, concurrently).
class HttpsPolicy {
  public:
    virtual ~HttpsPolicy() = default;
    /// `host`: the request's Host header, lower-case, without port or trailing dot; may be empty.
    virtual HostHttps ForHost(std::string_view host) const = 0;
    /// True while no host requires HTTPS or sends HSTS: the gate then passes every request without looking at it.
    virtual bool Idle() const noexcept = 0;
};

/// One public URL for every host: if it is https://, every host requires HTTPS and redirects there.
class SingleHostHttpsPolicy final : public HttpsPolicy {
  public:
    /// `public_url`: SHORTENER_PUBLIC_URL (scheme://host[:port][/path]); `hsts_max_age`: SHORTENER_HSTS_MAX_AGE.
    SingleHostHttpsPolicy(std::string_view public_url, std::uint32_t hsts_max_age);
    HostHttps ForHost(std::string_view) const override { return rule_; }
    bool Idle() const noexcept override { return !rule_.require_https && rule_.hsts_max_age == 0; }

  private:
    HostHttps rule_;
};

/// The host part of a Host header value: lower-case, no port, no trailing dot ("[v6]" keeps its brackets).
std::string NormalizedHost(std::string_view host_header);

/// True if the request came over our TLS listener, or from a trusted proxy with `X-Forwarded-Proto: https`
/// (its first value). The header from anyone else is ignored, so a client cannot talk its way out of a redirect.
bool ArrivedOverHttps(const Request& request, const core::TrustedProxies& trusted);

/// Liveness, readiness and metrics: never redirected.
bool IsProbePath(std::string_view path) noexcept;

/// What the gate decided for one request.
struct HttpsVerdict {
    std::optional<Response> redirect;  // 308 to https, sent instead of routing
    std::uint32_t hsts_max_age = 0;    // add Strict-Transport-Security (the request is HTTPS)
};

/// A policy and the proxies whose X-Forwarded-Proto is believed, applied to requests.
class HttpsGate {
  public:
    HttpsGate(std::shared_ptr<const HttpsPolicy> policy, core::TrustedProxies trusted)
        : policy_(std::move(policy)), trusted_(std::move(trusted)) {}
    HttpsVerdict Check(const Request& request) const;

  private:
    std::shared_ptr<const HttpsPolicy> policy_;
    core::TrustedProxies trusted_;
};

/// Adds `Strict-Transport-Security: max-age=N` (nothing when 0).
void ApplyHsts(std::uint32_t max_age, Response& response);

}  // namespace shortener::http
