#pragma once
/// @file
/// @brief Sources of randomness and time, passed in so that core stays pure and tests stay deterministic.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>

namespace shortener::core {

/// Fills buffers with random bytes. Implementations used for slugs must be cryptographically secure.
/// Implementations must be thread-safe.
class RandomSource {
  public:
    virtual ~RandomSource() = default;
    virtual void Fill(std::span<std::uint8_t> out) noexcept = 0;
};

/// Wall-clock time. Implementations must be thread-safe.
class Clock {
  public:
    virtual ~Clock() = default;
    virtual std::chrono::system_clock::time_point Now() const noexcept = 0;
};

}  // namespace shortener::core
