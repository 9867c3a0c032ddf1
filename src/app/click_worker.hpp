#pragma once
/// @file
/// @brief The click worker of every mode on its own thread and event loop: the in-process worker of embedded
/// `serve` and `shortener worker` alike (RunClickWorker over the adapters' source, enricher and stores).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "app/adapters.hpp"
#include "app/config.hpp"
#include "metrics/registry.hpp"

namespace shortener::app {

class ClickWorkerThread {
  public:
    /// Registers the worker's metrics (WorkerProbe, shortener_click_queue_lag_seconds). `adapters` must have a
    /// source, a close_source and an enricher, and outlive this object.
    ClickWorkerThread(const Config& config, Adapters& adapters, metrics::Registry& registry);
    ~ClickWorkerThread();

    /// Starts the thread ("click-worker"). `on_failure` runs (on the worker thread) if the worker ends with an
    /// error, after it is logged.
    void Start(std::function<void()> on_failure);
    /// False once the worker has ended (the readiness check of embedded mode).
    bool Alive() const noexcept;
    /// Closes the source and lets the worker finish the clicks in hand within the grace period; a batch that cannot
    /// be stored by then is given up (unacknowledged: delivered again where the source is durable). Joins the thread.
    void Stop(std::chrono::milliseconds grace);
    /// Clicks stored so far.
    std::uint64_t Stored() const noexcept;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace shortener::app
