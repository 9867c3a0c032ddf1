#include "queue/in_process/in_process_click_queue.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "log/log.hpp"

namespace shortener::queue {
namespace {

// How often an idle reader looks for new clicks. The redirect path never signals the reader (that would
// cost a cross-thread wake-up per click); 10 ms keeps click-to-store latency low at negligible cost.
constexpr std::chrono::milliseconds kPollInterval{10};

}  // namespace

InProcessClickQueue::InProcessClickQueue(std::size_t capacity) : capacity_(capacity) {}

bool InProcessClickQueue::TryEnqueue(core::ClickEvent&& click) noexcept {
    {
        std::lock_guard lock(mutex_);
        if (!closed_ && buffer_.size() < capacity_) {
            try {
                buffer_.push_back(std::move(click));
                enqueued_.fetch_add(1, std::memory_order_relaxed);
                return true;
            } catch (...) {  // out of memory: fall through to a drop
            }
        }
    }
    auto dropped = dropped_.fetch_add(1, std::memory_order_relaxed) + 1;
    // Log the first drop and then every 10,000th, so a flood cannot flood the log too.
    if (dropped == 1 || dropped % 10000 == 0) {
        log::Warn("click_queue_full",
                  {{"dropped_total", std::to_string(dropped)}, {"capacity", std::to_string(capacity_)}});
    }
    return false;
}

Task<ClickBatch> InProcessClickQueue::Read(std::size_t max, std::chrono::milliseconds wait) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (!buffer_.empty()) {
                ClickBatch batch;
                const auto n = static_cast<std::ptrdiff_t>(std::min(max, buffer_.size()));
                batch.clicks.assign(std::make_move_iterator(buffer_.begin()),
                                    std::make_move_iterator(buffer_.begin() + n));
                buffer_.erase(buffer_.begin(), buffer_.begin() + n);  // a deque: only the batch's own elements
                co_return batch;
            }
            if (closed_) co_return ClickBatch{};
        }
        auto now = std::chrono::steady_clock::now();
        if (now >= deadline) co_return ClickBatch{};
        timer.expires_after(std::min<std::chrono::steady_clock::duration>(kPollInterval, deadline - now));
        co_await timer.async_wait(boost::asio::use_awaitable);
    }
}

Task<void> InProcessClickQueue::Ack(const ClickBatch&) { co_return; }

bool InProcessClickQueue::Drained() const noexcept {
    std::lock_guard lock(mutex_);
    return closed_ && buffer_.empty();
}

void InProcessClickQueue::Close() noexcept {
    std::lock_guard lock(mutex_);
    closed_ = true;
}

QueueStats InProcessClickQueue::Stats() const noexcept {
    QueueStats s;
    s.enqueued = enqueued_.load(std::memory_order_relaxed);
    s.dropped = dropped_.load(std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    s.depth = buffer_.size();
    if (!buffer_.empty()) s.oldest = buffer_.front().at;
    return s;
}

}  // namespace shortener::queue
