#pragma once
/// @file
/// @brief Slugs: the path of a short link. Generated ones use nanoid's URL-safe alphabet; custom ones are
/// checked against the same alphabet, a length range and the reserved words.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/errc.hpp"
#include "core/random.hpp"

namespace shortener::core {

/// nanoid's URL-safe alphabet. 64 symbols, so a random byte masked with 63 picks one without bias.
inline constexpr std::string_view kSlugAlphabet = "useandom-26T198340PX75pxJACKVERYMINDBUSHWOLF_GQZbfghjklqvwyzrict";

inline constexpr std::size_t kMinCustomSlugLength = 3;
inline constexpr std::size_t kMaxCustomSlugLength = 64;
inline constexpr std::size_t kDefaultSlugLength = 6;

/// Makes random slugs of a fixed length from a (cryptographically secure) RandomSource.
class SlugGenerator {
  public:
    SlugGenerator(RandomSource& random, std::size_t length = kDefaultSlugLength);
    std::string Next() const;
    std::size_t length() const noexcept { return length_; }

  private:
    RandomSource& random_;
    std::size_t length_;
};

/// True if every character is in the alphabet (A-Z a-z 0-9 _ -) and the length is 1..kMaxCustomSlugLength.
/// Used on the redirect path to reject garbage before any lookup.
bool IsSlugShaped(std::string_view s) noexcept;

/// True for paths that the service itself uses (UI, API, assets, well-known files), case-insensitively,
/// so that no link can shadow them.
bool IsReservedSlug(std::string_view s) noexcept;

/// Validates a user-chosen slug: kInvalidSlug for bad characters or length, kSlugReserved for reserved words.
Result<void> CheckCustomSlug(std::string_view s);

}  // namespace shortener::core
