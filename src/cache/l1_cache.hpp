#pragma once
/// @file
/// @brief The in-process (L1) link cache in front of every store: sharded by slug hash, bounded (LRU per
/// shard), with a TTL, and with negative entries for unknown slugs so that scanners guessing slugs cannot
/// reach the database at full speed. Negative entries have their own, smaller bound so that they never
/// push out real links.
///
/// Stale-if-error: a link entry that needs revalidation — its TTL ran out, or it was cached before the last
/// MarkAllStale (invalidations may have been missed) — is not dropped while it was confirmed (by a Put or a
/// Fill) less than `stale_if_error` ago. Get answers it as kStale: the caller revalidates it with L2 or the
/// store and may answer it when they cannot be reached. Such entries still count against the capacity.

#include <chrono>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/link.hpp"

namespace shortener::cache {

using SteadyTime = std::chrono::steady_clock::time_point;

struct L1Options {
    std::size_t capacity = 1'000'000;         // links held, over all shards
    std::size_t negative_capacity = 100'000;  // unknown slugs remembered, over all shards
    std::size_t shards = 64;
    std::chrono::milliseconds ttl{std::chrono::minutes(10)};
    std::chrono::milliseconds negative_ttl{std::chrono::seconds(30)};
    // How long after it was last confirmed an entry that needs revalidation is kept to be served when the
    // stores cannot be reached (SHORTENER_STALE_IF_ERROR_S); 0: such entries are dropped at once.
    std::chrono::milliseconds stale_if_error{0};
};

using TargetPtr = std::shared_ptr<const core::RedirectTarget>;

/// Thread-safe. Time is passed in (a steady clock reading) so tests control expiry.
class L1Cache {
  public:
    /// kStale: the entry must be revalidated (then Fill) before use; its target is what to answer if
    /// revalidation fails because the stores cannot be reached.
    enum class Kind { kMiss, kHit, kStale, kNegative };
    struct Lookup {
        Kind kind = Kind::kMiss;
        TargetPtr target;              // set for kHit and kStale
        std::uint64_t generation = 0;  // for Fill after a miss or a stale answer
    };

    explicit L1Cache(const L1Options& options);

    Lookup Get(std::string_view slug, SteadyTime now);
    /// Stores what a writer just wrote (created or updated link); always wins over concurrent Fills.
    void Put(std::string_view slug, TargetPtr target, SteadyTime now);
    /// Remembers that the slug does not exist.
    void PutNegative(std::string_view slug, SteadyTime now);
    /// Forgets the slug (positive or negative), e.g. after it was changed or deleted.
    void Erase(std::string_view slug);
    /// Forgets everything.
    void Clear();
    /// After invalidations from other replicas may have been missed: every link entry needs revalidation
    /// before its next use (Get answers kStale, or kMiss past the stale-if-error bound); negative entries
    /// are dropped.
    void MarkAllStale();
    /// Stores what a reader fetched after a miss or a stale answer (`target` null: not found) — unless a
    /// Put, Erase or MarkAllStale touched the shard since that lookup (`generation` from the Lookup), so a
    /// stale read never overwrites a newer write.
    void Fill(std::string_view slug, TargetPtr target, SteadyTime now, std::uint64_t generation);

    std::size_t Size() const;          // positive entries
    std::size_t NegativeSize() const;  // negative entries

  private:
    // One LRU map: a list in recency order (front = newest) and an index into it. Keys in the index view
    // the strings held by the list nodes, which never move.
    template <class V>
    struct Lru {
        struct Entry {
            std::string key;
            V value;
            SteadyTime expires;
        };
        std::list<Entry> order;
        std::unordered_map<std::string_view, typename std::list<Entry>::iterator> index;
        std::size_t capacity = 0;

        Entry* Find(std::string_view key);  // and makes it the most recent; expiry is the caller's
        void Clear();
        void Insert(std::string_view key, V value, SteadyTime expires);
        void Erase(std::string_view key);
    };
    struct Empty {};
    struct Cached {
        TargetPtr target;
        SteadyTime confirmed;  // last Put or Fill: the stale-if-error bound counts from here
        std::uint64_t epoch;   // the shard's epoch then; an older one needs revalidation
    };
    struct Shard {
        mutable std::mutex mutex;
        Lru<Cached> positive;
        Lru<Empty> negative;
        std::uint64_t generation = 0;  // bumped by every Put, Erase and MarkAllStale
        std::uint64_t epoch = 0;       // bumped by every MarkAllStale
    };

    Shard& ShardFor(std::string_view slug);
    void StorePositive(Shard& shard, std::string_view slug, TargetPtr target, SteadyTime now);

    L1Options options_;
    std::vector<Shard> shards_;
};

}  // namespace shortener::cache
