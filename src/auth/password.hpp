#pragma once
/// @file
/// @brief Password hashing with argon2id (libsodium's crypto_pwhash_str), shared by web accounts and
/// password-protected links. Hashing costs tens of milliseconds and 64 MiB on purpose, so the awaitable
/// methods run it on a small pool of their own threads instead of blocking an HTTP event loop.

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace shortener::auth {

/// Longest password accepted (longer ones are refused before hashing: hostile input must not buy CPU time).
inline constexpr std::size_t kMaxPasswordLength = 1024;

/// The encoded argon2id hash of `password` (self-describing: algorithm, parameters, salt). Blocks the
/// calling thread for the whole computation. Throws std::runtime_error if libsodium runs out of memory.
std::string HashPasswordBlocking(std::string_view password);

/// True if `password` matches `encoded` (a HashPasswordBlocking result). False for malformed hashes.
/// Blocks like HashPasswordBlocking.
bool VerifyPasswordBlocking(std::string_view encoded, std::string_view password);

/// Runs hashing and verification on its own threads. Thread-safe. At most `threads` computations run at
/// once (each holds 64 MiB while it runs); up to `max_waiting` more wait their turn, and beyond that Hash and
/// Verify throw core::Overloaded at once (503 + Retry-After) rather than let a flood of guesses from many
/// addresses queue without bound behind the rate limits.
class PasswordHasher {
  public:
    explicit PasswordHasher(std::size_t threads = 2, std::size_t max_waiting = 64);
    ~PasswordHasher();
    PasswordHasher(const PasswordHasher&) = delete;
    PasswordHasher& operator=(const PasswordHasher&) = delete;

    boost::asio::awaitable<std::string> Hash(std::string password);
    boost::asio::awaitable<bool> Verify(std::string encoded, std::string password);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace shortener::auth
