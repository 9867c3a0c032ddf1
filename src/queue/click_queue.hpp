#pragma once
/// @file
/// @brief The click queue between the redirect path (producer) and the worker (consumer). Adapters:
/// queue/in_process (embedded mode) and queue/redis_streams (distributed mode).

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/click_event.hpp"

namespace shortener::queue {

template <class T>
using Task = boost::asio::awaitable<T>;

/// The producer side, called on the redirect path. Thread-safe.
class ClickSink {
  public:
    virtual ~ClickSink() = default;
    /// Hands the click over without waiting, ever. Returns false if it had to be dropped (queue full);
    /// the implementation counts and logs drops.
    virtual bool TryEnqueue(core::ClickEvent&& click) noexcept = 0;
};

/// Clicks read together; `tokens` identify them to Ack (adapter-specific, may be empty).
struct ClickBatch {
    std::vector<core::ClickEvent> clicks;
    std::vector<std::string> tokens;
    bool empty() const noexcept { return clicks.empty(); }
};

/// The consumer side, used by the worker.
class ClickSource {
  public:
    virtual ~ClickSource() = default;
    /// Up to `max` clicks; waits up to `wait` for the first one. An empty batch means none arrived in time
    /// (or the queue is closed and drained: see Drained()). An adapter that carries clicks in indivisible units
    /// may return whole units beyond `max`, up to the bound it documents (Redis Streams: MaxClicksPerRead).
    virtual Task<ClickBatch> Read(std::size_t max, std::chrono::milliseconds wait) = 0;
    /// Confirms that the batch is stored; unacknowledged clicks are delivered again (where the adapter is
    /// durable).
    virtual Task<void> Ack(const ClickBatch& batch) = 0;
    /// True once the queue is closed and every click has been read.
    virtual bool Drained() const noexcept = 0;
};

struct QueueStats {
    std::uint64_t enqueued = 0;
    std::uint64_t dropped = 0;
    std::uint64_t depth = 0;
    std::optional<core::TimePoint> oldest;  // capture time of the oldest click still waiting
};

}  // namespace shortener::queue
