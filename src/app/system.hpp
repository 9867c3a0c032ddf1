#pragma once
/// @file
/// @brief The real clock and the operating system's CSPRNG (libsodium), for wiring.

#include "core/random.hpp"

namespace shortener::app {

class SystemClock final : public core::Clock {
  public:
    std::chrono::system_clock::time_point Now() const noexcept override { return std::chrono::system_clock::now(); }
};

class SodiumRandom final : public core::RandomSource {
  public:
    SodiumRandom();  // throws if libsodium cannot initialise
    void Fill(std::span<std::uint8_t> out) noexcept override;
};

}  // namespace shortener::app
