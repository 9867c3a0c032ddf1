#pragma once
/// @file
/// @brief The distributed-mode click queue on a Redis stream with one consumer group.
///
/// Producer (RedisStreamClickSink, in `shortener serve`): TryEnqueue only appends to a bounded in-memory
/// buffer; a flusher thread sends the buffer with pipelined XADDs of up to kClicksPerEntry clicks per stream
/// entry (click_codec.hpp). While Redis is unreachable the buffer holds clicks up to `spill_threshold`, then
/// they are appended to a journal file in the data dir, which is replayed into the stream when Redis is back
/// (and at startup). A click is dropped (and counted) only when the in-memory buffer is full because the
/// flusher cannot keep up.
///
/// Consumer (RedisStreamClickSource, in `shortener worker`): XREADGROUP; XAUTOCLAIM takes over entries
/// idle longer than `claim_idle` (a dead worker's); a batch's tokens are its entry ids, and Ack = XACK + XDEL,
/// so only acknowledged entries are ever removed. Malformed clicks go to the dead-letter stream with the
/// reason; an entry with nothing else is acknowledged at once. Delivery is at least once; the click store is
/// idempotent on the event id, so nothing counts twice.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "queue/click_queue.hpp"
#include "redis/redis_client.hpp"

namespace shortener::queue {

struct RedisStreamOptions {
    std::string stream = "shortener:clicks";
    std::string group = "shortener-workers";
    std::string dead_letter_stream = "shortener:clicks:dead";
    std::size_t buffer_capacity = 100'000;  // clicks held in memory before drops
    std::size_t spill_threshold = 10'000;   // while Redis is down, beyond this many buffered clicks go to the journal
    std::size_t xadd_batch = 2'000;         // XADDs per pipeline
    std::string journal_path;               // empty: no journal (clicks wait in memory only)
    std::chrono::milliseconds claim_idle{30'000};  // pending entries idle this long are taken from their consumer
    std::chrono::milliseconds claim_every{1'000};
    std::chrono::milliseconds command_timeout{5'000};
};

/// Creates the consumer group (at the stream's start, MKSTREAM) unless it exists. Throws on other errors.
boost::asio::awaitable<void> EnsureGroup(redis::Client& client, const RedisStreamOptions& options);

class RedisStreamClickSink final : public ClickSink {
  public:
    RedisStreamClickSink(std::shared_ptr<redis::Client> client, RedisStreamOptions options);
    ~RedisStreamClickSink() override;

    /// Starts the flusher (which first replays a journal left by an earlier run).
    void Start();
    /// Stops taking clicks, sends what is buffered (or journals it if Redis is unreachable), joins.
    void Stop();

    bool TryEnqueue(core::ClickEvent&& click) noexcept override;

    QueueStats Stats() const noexcept;
    std::uint64_t Journaled() const noexcept { return journaled_.load(); }  // clicks waiting in the journal

  private:
    void Run();
    bool Send(std::vector<core::ClickEvent>& clicks);  // false: the rest of `clicks` were not sent
    bool SendFields(std::vector<std::vector<std::string>>& entries);
    void Spill(std::vector<core::ClickEvent>& clicks);
    bool ReplayJournal();

    std::shared_ptr<redis::Client> client_;
    RedisStreamOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<core::ClickEvent> buffer_;
    bool stopping_ = false;
    std::thread flusher_;
    std::atomic<std::uint64_t> enqueued_{0};
    std::atomic<std::uint64_t> dropped_{0};
    std::atomic<std::uint64_t> sent_{0};
    std::atomic<std::uint64_t> journaled_{0};
    std::atomic<bool> drop_logged_{false};
};

class RedisStreamClickSource final : public ClickSource {
  public:
    /// Stream entries asked for by one Read(max): entries are acknowledged whole, so a Read returns whole ones.
    static std::size_t EntriesPerRead(std::size_t max) noexcept { return std::max<std::size_t>(4, max / 32); }
    /// The most clicks one Read(max) can return: EntriesPerRead(max) entries of up to kClicksPerEntry clicks.
    static std::size_t MaxClicksPerRead(std::size_t max) noexcept;

    RedisStreamClickSource(std::shared_ptr<redis::Client> client, RedisStreamOptions options, std::string consumer);

    Task<ClickBatch> Read(std::size_t max, std::chrono::milliseconds wait) override;
    Task<void> Ack(const ClickBatch& batch) override;
    bool Drained() const noexcept override { return closed_.load(); }

    /// Read returns empty batches from now on; the worker finishes the batch in hand and stops.
    void Close() noexcept { closed_.store(true); }

    std::uint64_t DeadLettered() const noexcept { return dead_lettered_.load(); }
    std::uint64_t Claimed() const noexcept { return claimed_.load(); }  // clicks taken over from other consumers

  private:
    Task<ClickBatch> Take(const redis::Reply& entries);
    // Entries idle past claim_idle in other consumers' pending lists (XAUTOCLAIM); empty if none.
    Task<ClickBatch> Claim(std::size_t entries);
    // New entries (XREADGROUP … >), waiting up to `wait` for the first.
    Task<ClickBatch> ReadNew(std::size_t entries, std::chrono::milliseconds wait);
    Task<void> Pause(std::chrono::milliseconds wait);

    std::shared_ptr<redis::Client> client_;
    RedisStreamOptions options_;
    std::string consumer_;
    std::atomic<bool> closed_{false};
    bool group_ready_ = false;
    bool error_logged_ = false;
    bool ever_read_ = false;
    std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
    std::string claim_cursor_ = "0-0";
    std::chrono::steady_clock::time_point next_claim_{};
    std::atomic<std::uint64_t> dead_lettered_{0};
    std::atomic<std::uint64_t> claimed_{0};
};

}  // namespace shortener::queue
