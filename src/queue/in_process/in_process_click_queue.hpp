#pragma once
/// @file
/// @brief The embedded-mode click queue: a bounded in-memory buffer. Enqueue takes one short lock and
/// never waits; when full the click is dropped and counted. Not durable: a crash loses what is buffered
/// (a graceful shutdown drains it).

#include <atomic>
#include <deque>
#include <mutex>
#include <vector>

#include "queue/click_queue.hpp"

namespace shortener::queue {

class InProcessClickQueue final : public ClickSink, public ClickSource {
  public:
    explicit InProcessClickQueue(std::size_t capacity);

    bool TryEnqueue(core::ClickEvent&& click) noexcept override;
    Task<ClickBatch> Read(std::size_t max, std::chrono::milliseconds wait) override;
    Task<void> Ack(const ClickBatch& batch) override;
    bool Drained() const noexcept override;

    /// Stops accepting clicks; Read returns what is left, then empty batches.
    void Close() noexcept;
    QueueStats Stats() const noexcept;

  private:
    std::size_t capacity_;
    mutable std::mutex mutex_;
    // A deque: a reader behind by more than a batch takes its batch off the front without moving the rest (a
    // vector's erase moved the whole backlog, under the lock the redirect path takes, for every batch).
    std::deque<core::ClickEvent> buffer_;
    bool closed_ = false;
    std::atomic<std::uint64_t> enqueued_{0};
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace shortener::queue
