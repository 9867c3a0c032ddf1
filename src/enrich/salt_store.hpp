#pragma once
/// @file
/// @brief Where the daily visitor-id salts live (header only, so store adapters can implement it without
/// linking the enricher).

#include <array>
#include <cstdint>

namespace shortener::enrich {

using Salt = std::array<std::uint8_t, 32>;

/// Storage for the daily salts, shared by every worker of a deployment (so one visitor gets one id per day
/// whichever worker sees the click). Implementations must be thread-safe and may throw on backend failure.
class SaltStore {
  public:
    virtual ~SaltStore() = default;
    /// The salt of `utc_day` (days since 1970-01-01). If there is none yet, stores `candidate` and returns it;
    /// if another writer stored one first, returns theirs (insert-if-absent, then read).
    virtual Salt GetOrCreate(std::int64_t utc_day, const Salt& candidate) = 0;
    /// Deletes the salts of days before `utc_day`.
    virtual void ForgetBefore(std::int64_t utc_day) = 0;
};

}  // namespace shortener::enrich
