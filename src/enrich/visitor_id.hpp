#pragma once
/// @file
/// @brief Privacy-safe visitor ids: a keyed BLAKE2b hash (libsodium crypto_generichash) of the client address
/// and User-Agent under a random salt that changes every UTC day. Old salts are deleted, so ids cannot be
/// linked across days and nobody (us included) can recompute them from an address later.

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "enrich/salt_store.hpp"

namespace shortener::enrich {

/// Salts in memory only (tests, and a fallback): a restart starts new salts.
class InMemorySaltStore final : public SaltStore {
  public:
    Salt GetOrCreate(std::int64_t utc_day, const Salt& candidate) override;
    void ForgetBefore(std::int64_t utc_day) override;
    std::size_t size() const;

  private:
    mutable std::mutex mutex_;
    std::map<std::int64_t, Salt> salts_;
};

/// Computes visitor ids. Keeps today's and yesterday's salts (clicks may reach the worker a little after
/// midnight); when a new day is first seen, salts older than yesterday are deleted from the store. A click
/// older than that gets no visitor id. Thread-safe.
class VisitorIdHasher {
  public:
    explicit VisitorIdHasher(SaltStore& store);

    /// 32 lower-case hex characters (128 bits), or "" when the click's day salt is gone.
    std::string VisitorId(std::int64_t unix_ms, std::string_view address, std::string_view user_agent);

    static std::int64_t UtcDay(std::int64_t unix_ms) noexcept;

  private:
    const Salt* SaltFor(std::int64_t day);
    SaltStore& store_;
    std::mutex mutex_;
    std::map<std::int64_t, Salt> cache_;  // at most two days
    std::int64_t newest_day_ = INT64_MIN;
};

}  // namespace shortener::enrich
