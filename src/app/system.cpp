#include "app/system.hpp"

#include <sodium.h>

#include <stdexcept>

namespace shortener::app {

SodiumRandom::SodiumRandom() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

void SodiumRandom::Fill(std::span<std::uint8_t> out) noexcept { randombytes_buf(out.data(), out.size()); }

}  // namespace shortener::app
