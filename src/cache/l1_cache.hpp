#pragma once
/// @file
/// @brief The in-process (L1) link cache in front of every store: sharded by slug hash, bounded (LRU per
/// shard), with a TTL, and with negative entries for unknown slugs so that scanners guessing slugs cannot
/// reach the database at full speed. Negative entries have their own, smaller bound so that they never
/// push out real links.

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
};

using TargetPtr = std::shared_ptr<const core::RedirectTarget>;

/// Thread-safe. Time is passed in (a steady clock reading) so tests control expiry.
class L1Cache {
  public:
    enum class Kind { kMiss, kHit, kNegative };
    struct Lookup {
        Kind kind = Kind::kMiss;
        TargetPtr target;              // set for kHit
        std::uint64_t generation = 0;  // for Fill after a miss
    };

    explicit L1Cache(const L1Options& options);

    Lookup Get(std::string_view slug, SteadyTime now);
    /// Stores what a writer just wrote (created or updated link); always wins over concurrent Fills.
    void Put(std::string_view slug, TargetPtr target, SteadyTime now);
    /// Remembers that the slug does not exist.
    void PutNegative(std::string_view slug, SteadyTime now);
    /// Forgets the slug (positive or negative), e.g. after it was changed or deleted.
    void Erase(std::string_view slug);
    /// Forgets everything (e.g. after invalidations from other replicas may have been missed).
    void Clear();
    /// Stores what a reader fetched after a miss (`target` null: not found) — unless a Put or Erase touched
    /// the shard since that miss (`generation` from the Lookup), so a stale read never overwrites a newer
    /// write.
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

        Entry* Find(std::string_view key, SteadyTime now);
        void Insert(std::string_view key, V value, SteadyTime expires);
        void Erase(std::string_view key);
    };
    struct Empty {};
    struct Shard {
        mutable std::mutex mutex;
        Lru<TargetPtr> positive;
        Lru<Empty> negative;
        std::uint64_t generation = 0;  // bumped by every Put and Erase
    };

    Shard& ShardFor(std::string_view slug);

    L1Options options_;
    std::vector<Shard> shards_;
};

}  // namespace shortener::cache
