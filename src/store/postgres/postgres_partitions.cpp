#include "store/postgres/postgres_partitions.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace shortener::store {
namespace {

namespace asio = boost::asio;

constexpr PgStatement kEnsurePartitions{"ensure_partitions", kEnsureClickPartitionsSql};

}  // namespace

Task<void> MaintainClickPartitions(std::shared_ptr<PgPool> pool, std::chrono::seconds every) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    for (;;) {
        std::chrono::seconds next = every;
        try {
            PgParams params{std::to_string(pool->options().partitions_ahead)};
            co_await pool->Execute(kEnsurePartitions, params);
        } catch (const std::exception&) {
            next = std::min(every, std::chrono::seconds(60));
        }
        timer.expires_after(next);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
    }
}

}  // namespace shortener::store
