#pragma once
/// @file
/// @brief What every process exposes about itself: process metrics, build info, the HTTP server options
/// from the configuration, and the worker's small health/metrics listener with the Pushgateway pusher.

#include <memory>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/pushgateway.hpp"
#include "http/handlers/handlers.hpp"
#include "http/server.hpp"
#include "log/log.hpp"
#include "metrics/registry.hpp"

namespace shortener::app {

inline constexpr const char* kVersion = "0.1.0";

/// process_* metrics and shortener_build_info.
void AddProcessWideMetrics(metrics::Registry& registry);

/// HTTP server options from the configuration, for the given address.
http::ServerOptions ServerOptionsFrom(const Config& config, const std::string& host, std::uint16_t port);

/// Binds the API server, then (unless SHORTENER_PUBLIC_URL was set) makes short links and the redirect-loop
/// policy carry the port actually bound (port 0 picks one), starts it and logs "listening" with `fields`.
/// False (logged) if the address cannot be bound.
bool StartApiServer(http::Server& server, http::HandlerContext& ctx, const Config& config,
                    const std::vector<std::pair<std::string, std::string>>& fields);

/// The worker's /healthz, /readyz and /metrics (SHORTENER_METRICS_LISTEN) and its Pushgateway pusher
/// (PUSHGATEWAY_URL); each only when configured. Stops both when destroyed.
class WorkerObservability {
  public:
    WorkerObservability(const Config& config, metrics::Registry& registry, std::vector<http::ReadinessCheck> checks);
    ~WorkerObservability();
    /// Binds and starts; false (logged) if the address cannot be bound.
    bool Start();

  private:
    const Config& config_;
    metrics::Registry& registry_;
    std::vector<http::ReadinessCheck> checks_;
    http::Router router_;
    std::unique_ptr<http::ServerProbe> probe_;
    std::unique_ptr<http::Server> server_;
    std::unique_ptr<PushgatewayPusher> pusher_;
};

}  // namespace shortener::app
