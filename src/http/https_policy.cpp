#include "http/https_policy.hpp"

#include <array>

namespace shortener::http {
namespace {

char Lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view Trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The proto parameter of RFC 7239's Forwarded, in its first element (the one the client's side added):
// `for=192.0.2.60;proto=https;by=203.0.113.43, for=…` → "https" (quotes removed); "" when absent.
std::string_view ForwardedProto(std::string_view header) {
    std::string_view element = header.substr(0, header.find(','));
    while (!element.empty()) {
        const auto semicolon = element.find(';');
        const std::string_view pair = Trim(element.substr(0, semicolon));
        element = semicolon == std::string_view::npos ? std::string_view() : element.substr(semicolon + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos || !IEquals(Trim(pair.substr(0, eq)), "proto")) continue;
        std::string_view value = Trim(pair.substr(eq + 1));
        if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
        return value;
    }
    return {};
}

}  // namespace

SingleHostHttpsPolicy::SingleHostHttpsPolicy(std::string_view public_url, std::uint32_t hsts_max_age) {
    constexpr std::string_view kHttps = "https://";
    if (public_url.size() > kHttps.size() && IEquals(public_url.substr(0, kHttps.size()), kHttps)) {
        const auto end = public_url.find('/', kHttps.size());
        rule_.require_https = true;
        rule_.https_origin = "https://" + std::string(public_url.substr(kHttps.size(), end - kHttps.size()));
    }
    rule_.hsts_max_age = hsts_max_age;
}

std::string NormalizedHost(std::string_view host) {
    host = Trim(host);
    std::string_view name = host;
    if (!host.empty() && host.front() == '[') {
        const auto close = host.find(']');
        name = close == std::string_view::npos ? host : host.substr(0, close + 1);
    } else if (const auto colon = host.find(':'); colon != std::string_view::npos) {
        name = host.substr(0, colon);
    }
    if (!name.empty() && name.back() == '.') name.remove_suffix(1);
    std::string out(name);
    for (char& c : out) c = Lower(c);
    return out;
}

bool ArrivedOverHttps(const Request& request, const core::TrustedProxies& trusted) {
    if (request.tls()) return true;
    if (trusted.empty()) return false;
    // X-Forwarded-Proto: "https" or "https, http" (appended by a chain of proxies): the first is what the client
    // used. Without it, RFC 7239's Forwarded: proto=https (its first element).
    std::string_view proto = request.Header("x-forwarded-proto");
    proto = proto.empty() ? ForwardedProto(request.Header("forwarded")) : proto.substr(0, proto.find(','));
    if (proto.empty()) return false;
    auto peer = core::IpAddress::ParseLoose(request.remote_address());
    if (!peer || !trusted.Contains(*peer)) return false;
    return IEquals(Trim(proto), "https");
}

bool IsProbePath(std::string_view path) noexcept {
    static constexpr std::array<std::string_view, 3> kProbes = {"/healthz", "/readyz", "/metrics"};
    for (auto p : kProbes) {
        if (path == p) return true;
    }
    return false;
}

HttpsVerdict HttpsGate::Check(const Request& request) const {
    HttpsVerdict verdict;
    if (policy_->Idle() || IsProbePath(request.path())) return verdict;
    const HostHttps rule = policy_->ForHost(NormalizedHost(request.Header("host")));
    if (ArrivedOverHttps(request, trusted_)) {
        verdict.hsts_max_age = rule.hsts_max_age;
    } else if (rule.require_https && !rule.https_origin.empty()) {
        Response r;
        r.status = 308;
        r.location = rule.https_origin;
        r.location += request.target();
        r.cache_control = "no-store";  // a browser must not keep it: turning a domain's https off takes effect at once
        r.close = false;
        verdict.redirect = std::move(r);
    }
    return verdict;
}

void ApplyHsts(std::uint32_t max_age, Response& response) {
    if (max_age == 0) return;
    response.headers.emplace_back("Strict-Transport-Security", "max-age=" + std::to_string(max_age));
}

}  // namespace shortener::http
