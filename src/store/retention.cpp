#include "store/retention.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <string>

#include "log/log.hpp"

namespace shortener::store {
namespace {

namespace asio = boost::asio;

struct PassTotals {
    std::size_t deleted = 0;
    std::size_t partitions = 0;
};

// One pass: every step until done.
Task<PassTotals> RetentionPass(ClickRetention& retention, core::TimePoint cutoff, const RetentionOptions& options) {
    PassTotals total;
    std::int64_t next = 0;
    for (;;) {
        RetentionStep step = co_await retention.DeleteRawClicks(cutoff, next);
        total.deleted += step.deleted;
        total.partitions += step.partitions;
        if (step.deleted > 0 && options.on_deleted) options.on_deleted(step.deleted);
        if (step.done) co_return total;
        next = step.next;
        // Let the click worker (same executor) store a batch between two steps.
        co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    }
}

}  // namespace

Task<void> RunClickRetention(ClickRetention& retention, const core::Clock& clock, RetentionOptions options) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        std::chrono::seconds next = options.every;
        const auto started = std::chrono::steady_clock::now();
        try {
            const core::TimePoint cutoff =
                std::chrono::time_point_cast<std::chrono::milliseconds>(clock.Now() - options.keep);
            const PassTotals done = co_await RetentionPass(retention, cutoff, options);
            const auto ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
            log::Info("click_retention", {{"deleted", std::to_string(done.deleted)},
                                          {"partitions_dropped", std::to_string(done.partitions)},
                                          {"days", std::to_string(options.keep.count())},
                                          {"ms", std::to_string(ms.count())}});
        } catch (const std::exception& e) {
            log::Warn("click_retention_failed", {{"error", e.what()}});
            next = std::min(options.every, std::chrono::seconds(60));
        }
        timer.expires_after(next);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
    }
}

}  // namespace shortener::store
