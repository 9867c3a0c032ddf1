#pragma once
/// @file
/// @brief The shared (L2) link cache between the in-process L1 and the link store, seen by every replica.
/// Adapter: cache/redis. Optional: without one, LinkResolver goes from L1 straight to the store.

#include <boost/asio/awaitable.hpp>
#include <string_view>

#include "cache/l1_cache.hpp"

namespace shortener::cache {

/// Thread-safe. Never throws and never makes a caller wait on a broken backend for long: when the cache
/// is unreachable, Get answers kMiss (quickly) and the writes are skipped.
class LinkCache {
  public:
    enum class Kind { kMiss, kHit, kNegative };
    struct Lookup {
        Kind kind = Kind::kMiss;
        TargetPtr target;  // set for kHit
    };

    virtual ~LinkCache() = default;

    virtual boost::asio::awaitable<Lookup> Get(std::string_view slug) = 0;
    /// Stores what a reader fetched from the store (`target` null: no such slug). Never overwrites an entry
    /// already there, so a slow reader cannot replace what a writer just stored.
    virtual void Fill(std::string_view slug, const TargetPtr& target) noexcept = 0;
    /// Stores what a writer just wrote, and tells the other replicas to forget their L1 copies.
    virtual void Put(std::string_view slug, const TargetPtr& target) noexcept = 0;
    /// Drops the slug, and tells the other replicas to forget their L1 copies.
    virtual void Invalidate(std::string_view slug) noexcept = 0;
};

}  // namespace shortener::cache
