#pragma once
/// @file
/// @brief Reads on a streaming replica, writes on the primary (DATABASE_READ_URL), with read-your-writes.
///
/// Every write a store makes through Write() is followed by `SELECT pg_current_wal_lsn()` on the primary: the
/// router keeps the highest such position of this process. A Read() goes to the replica only once the replica
/// has replayed at least that far (`pg_last_wal_replay_lsn()`, asked only while a write of this process may be
/// missing there); otherwise to the primary. So whatever this process wrote is visible to its next read (a link
/// created and then listed), while the replica serves the steady flow of stats and lists. A replica that cannot
/// be reached is left alone for a few seconds and its reads go to the primary.
///
/// Without a replica, Read() and Write() are plain Executes on the primary and nothing else is asked.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "store/postgres/pg_pool.hpp"

namespace shortener::store {

/// "16/B374D848" (pg_lsn's text form) as one number; nullopt if malformed.
std::optional<std::uint64_t> ParseLsn(std::string_view text) noexcept;

class PgRouter {
  public:
    /// `replica` may be null: everything goes to `primary`.
    explicit PgRouter(std::shared_ptr<PgPool> primary, std::shared_ptr<PgPool> replica = nullptr,
                      std::chrono::milliseconds replica_backoff = std::chrono::seconds(5));

    /// A write on the primary; with a replica, its WAL position is remembered once it has committed.
    boost::asio::awaitable<PgResult> Write(const PgStatement& statement, const PgParams& params);
    /// A read on the replica if it has every write this process made, else on the primary.
    boost::asio::awaitable<PgResult> Read(const PgStatement& statement, const PgParams& params,
                                          PgFormat format = PgFormat::kText);

    PgPool& primary() noexcept { return *primary_; }
    bool has_replica() const noexcept { return replica_ != nullptr; }

    struct Stats {
        std::uint64_t replica_reads = 0;      // reads the replica answered
        std::uint64_t behind_reads = 0;       // reads sent to the primary: the replica lacked a write of ours
        std::uint64_t unavailable_reads = 0;  // reads sent to the primary: the replica could not be reached
    };
    Stats GetStats() const noexcept;

  private:
    boost::asio::awaitable<bool> ReplicaHasOurWrites();
    void MarkReplicaDown() noexcept;
    bool ReplicaResting() const noexcept;

    std::shared_ptr<PgPool> primary_;
    std::shared_ptr<PgPool> replica_;
    std::chrono::milliseconds backoff_;
    std::atomic<std::uint64_t> written_{0};       // highest primary WAL position after a write of ours
    std::atomic<std::uint64_t> replayed_{0};      // highest replay position the replica reported
    std::atomic<std::int64_t> resting_until_{0};  // steady-clock ms until which the replica is not asked
    std::atomic<std::uint64_t> replica_reads_{0};
    std::atomic<std::uint64_t> behind_reads_{0};
    std::atomic<std::uint64_t> unavailable_reads_{0};
};

}  // namespace shortener::store
