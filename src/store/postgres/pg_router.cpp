#include "store/postgres/pg_router.hpp"

#include <charconv>

#include "core/errc.hpp"

namespace shortener::store {
namespace {

constexpr PgStatement kWalPosition{"router_wal_position", "SELECT pg_current_wal_lsn()::text"};
// NULL on a server that is not in recovery (DATABASE_READ_URL naming a primary): it has every write there is.
constexpr PgStatement kReplayPosition{"router_replay_position", "SELECT pg_last_wal_replay_lsn()::text"};

std::int64_t SteadyMs() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void RaiseTo(std::atomic<std::uint64_t>& target, std::uint64_t value) noexcept {
    auto seen = target.load(std::memory_order_relaxed);
    while (seen < value && !target.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
    }
}

}  // namespace

std::optional<std::uint64_t> ParseLsn(std::string_view text) noexcept {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return std::nullopt;
    std::uint32_t high = 0;
    std::uint32_t low = 0;
    const auto h = std::from_chars(text.data(), text.data() + slash, high, 16);
    const auto l = std::from_chars(text.data() + slash + 1, text.data() + text.size(), low, 16);
    if (h.ec != std::errc{} || h.ptr != text.data() + slash) return std::nullopt;
    if (l.ec != std::errc{} || l.ptr != text.data() + text.size()) return std::nullopt;
    return (static_cast<std::uint64_t>(high) << 32) | low;
}

PgRouter::PgRouter(std::shared_ptr<PgPool> primary, std::shared_ptr<PgPool> replica,
                   std::chrono::milliseconds replica_backoff)
    : primary_(std::move(primary)), replica_(std::move(replica)), backoff_(replica_backoff) {}

boost::asio::awaitable<PgResult> PgRouter::Write(const PgStatement& statement, const PgParams& params) {
    PgResult result = co_await primary_->Execute(statement, params);
    if (!replica_) co_return result;
    // The write has committed (autocommit): the primary's WAL is at least past its commit record now.
    const PgParams none;
    const auto position = co_await primary_->Execute(kWalPosition, none);
    if (position.Rows() == 1) {
        if (auto lsn = ParseLsn(position.Text(0, 0))) RaiseTo(written_, *lsn);
    }
    co_return result;
}

boost::asio::awaitable<bool> PgRouter::ReplicaHasOurWrites() {
    const auto written = written_.load(std::memory_order_relaxed);
    if (written <= replayed_.load(std::memory_order_relaxed)) co_return true;
    const PgParams none;
    const auto position = co_await replica_->Execute(kReplayPosition, none);
    if (position.Rows() != 1) co_return false;
    if (position.IsNull(0, 0)) {
        RaiseTo(replayed_, written);
        co_return true;
    }
    const auto lsn = ParseLsn(position.Text(0, 0));
    if (!lsn) co_return false;
    RaiseTo(replayed_, *lsn);
    co_return *lsn >= written;
}

void PgRouter::MarkReplicaDown() noexcept { resting_until_.store(SteadyMs() + backoff_.count()); }

bool PgRouter::ReplicaResting() const noexcept { return SteadyMs() < resting_until_.load(); }

boost::asio::awaitable<PgResult> PgRouter::Read(const PgStatement& statement, const PgParams& params, PgFormat format) {
    if (!replica_) co_return co_await primary_->Execute(statement, params, format);
    bool unavailable = ReplicaResting();
    if (!unavailable) {
        try {
            if (co_await ReplicaHasOurWrites()) {
                PgResult result = co_await replica_->Execute(statement, params, format);
                replica_reads_.fetch_add(1, std::memory_order_relaxed);
                co_return result;
            }
            behind_reads_.fetch_add(1, std::memory_order_relaxed);
        } catch (const core::BackendUnavailable&) {
            MarkReplicaDown();
            unavailable = true;
        } catch (const PgError& e) {
            // A query cancelled by a conflict with recovery (40001) is answered by the primary; any other
            // error is the statement's own and would happen there too.
            if (!e.IsRetryable()) throw;
            behind_reads_.fetch_add(1, std::memory_order_relaxed);
        }
    }
    if (unavailable) unavailable_reads_.fetch_add(1, std::memory_order_relaxed);
    co_return co_await primary_->Execute(statement, params, format);
}

PgRouter::Stats PgRouter::GetStats() const noexcept {
    Stats s;
    s.replica_reads = replica_reads_.load(std::memory_order_relaxed);
    s.behind_reads = behind_reads_.load(std::memory_order_relaxed);
    s.unavailable_reads = unavailable_reads_.load(std::memory_order_relaxed);
    return s;
}

}  // namespace shortener::store
