#pragma once
/// @file
/// @brief Pushes the metrics to a Prometheus Pushgateway at an interval (PUSHGATEWAY_URL), for processes a
/// scraper may not reach, such as the click worker. Runs on its own thread; failures are logged, never fatal.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "metrics/registry.hpp"

namespace shortener::app {

class PushgatewayPusher {
  public:
    /// `url` is http://host:port[/]; metrics go to <url>/metrics/job/<job>/instance/<instance>.
    PushgatewayPusher(const std::string& url, const std::string& job, const std::string& instance,
                      const metrics::Registry& registry, std::chrono::milliseconds interval);
    ~PushgatewayPusher();  // pushes once more, then stops

    /// One push now; returns the HTTP status (0 if the gateway could not be reached).
    int PushOnce();

  private:
    void Run();

    std::string host_, port_, path_;
    const metrics::Registry& registry_;
    std::chrono::milliseconds interval_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace shortener::app
