#include "app/observability.hpp"

#include <unistd.h>

#include "app/protection.hpp"
#include "app/wiring.hpp"
#include "http/handlers/health.hpp"
#include "log/log.hpp"
#include "metrics/process_metrics.hpp"

namespace shortener::app {

void AddProcessWideMetrics(metrics::Registry& registry) { metrics::AddProcessMetrics(registry, kVersion); }

http::ServerOptions ServerOptionsFrom(const Config& config, const std::string& host, std::uint16_t port) {
    http::ServerOptions o;
    o.address = host;
    o.port = port;
    o.threads = config.threads;
    o.max_connections = config.max_connections;
    o.header_limit = config.max_header_bytes;
    o.body_limit = config.max_body_bytes;
    o.request_timeout = config.request_timeout;
    o.idle_timeout = config.idle_timeout;
    o.shutdown_grace = config.shutdown_grace;
    o.access_log = config.access_log == "all"   ? http::AccessLog::kAll
                   : config.access_log == "off" ? http::AccessLog::kOff
                                                : http::AccessLog::kErrors;
    return o;
}

bool StartApiServer(http::Server& server, http::HandlerContext& ctx, const Config& config,
                    const std::vector<std::pair<std::string, std::string>>& fields) {
    try {
        server.Bind();
    } catch (const std::exception& e) {
        log::Error("listen_failed",
                   {{"address", config.listen_host + ":" + std::to_string(config.listen_port)}, {"error", e.what()}});
        return false;
    }
    if (!config.public_url_explicit) {
        ctx.public_url = DefaultPublicUrl(config.listen_host, server.port());
        ctx.url_policy.own_hosts = OwnHosts(config, ctx.public_url);
    }
    server.Start();
    const std::string port = std::to_string(server.port());
    std::vector<std::pair<std::string_view, std::string_view>> all = {
        {"address", config.listen_host}, {"port", port}, {"public_url", ctx.public_url}};
    const std::string tls_port = std::to_string(server.tls_port());
    if (server.tls_port() != 0) all.emplace_back("tls_port", tls_port);
    all.insert(all.end(), fields.begin(), fields.end());
    log::WriteFields(log::Level::kInfo, "listening", all);
    return true;
}

WorkerObservability::WorkerObservability(const Config& config, metrics::Registry& registry,
                                         std::vector<http::ReadinessCheck> checks)
    : config_(config), registry_(registry), checks_(std::move(checks)) {}

WorkerObservability::~WorkerObservability() {
    pusher_.reset();  // a last push with the final figures
    if (server_) server_->Shutdown();
}

bool WorkerObservability::Start() {
    if (!config_.pushgateway_url.empty()) {
        char host[256] = "worker";
        gethostname(host, sizeof host - 1);
        pusher_ = std::make_unique<PushgatewayPusher>(config_.pushgateway_url, "shortener_worker",
                                                      std::string(host) + "-" + std::to_string(getpid()), registry_,
                                                      std::chrono::seconds(10));
    }
    if (config_.metrics_listen == "off") return true;
    auto colon = config_.metrics_listen.rfind(':');
    std::string host = config_.metrics_listen.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    if (host == "localhost") host = "127.0.0.1";
    std::uint16_t port = 0;
    try {
        port = static_cast<std::uint16_t>(std::stoul(config_.metrics_listen.substr(colon + 1)));
    } catch (...) {
        log::Error("config_invalid", {{"error", "SHORTENER_METRICS_LISTEN has no valid port"}});
        return false;
    }
    http::AddHealthRoutes(router_, registry_, checks_);
    auto options = ServerOptionsFrom(config_, host, port);
    options.threads = 1;
    probe_ = std::make_unique<http::ServerProbe>(registry_);
    server_ = std::make_unique<http::Server>(options, router_, *probe_);
    try {
        server_->Start();
    } catch (const std::exception& e) {
        log::Error("listen_failed", {{"address", config_.metrics_listen}, {"error", e.what()}});
        server_.reset();
        return false;
    }
    log::Info("metrics_listening", {{"address", host}, {"port", std::to_string(server_->port())}});
    return true;
}

}  // namespace shortener::app
