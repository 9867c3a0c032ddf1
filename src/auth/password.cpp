#include "auth/password.hpp"

#include <sodium.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>

#include "core/errc.hpp"

namespace shortener::auth {
namespace {

void InitSodium() {
    static const bool ok = sodium_init() >= 0;
    if (!ok) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace

std::string HashPasswordBlocking(std::string_view password) {
    InitSodium();
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
        throw std::runtime_error("password hashing ran out of memory");
    }
    return out;
}

bool VerifyPasswordBlocking(std::string_view encoded, std::string_view password) {
    InitSodium();
    // crypto_pwhash_str_verify wants a NUL-terminated string of bounded length.
    if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) return false;
    std::string terminated(encoded);
    return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

struct PasswordHasher::Impl {
    Impl(std::size_t threads, std::size_t max_waiting) : pool(threads), limit(threads + max_waiting) {}
    boost::asio::thread_pool pool;
    const std::size_t limit;  // computations running or waiting, at most
    std::atomic<std::size_t> in_flight{0};
};

namespace {

// Counts one computation in flight for its lifetime; refuses when the hasher is full.
class Slot {
  public:
    Slot(std::atomic<std::size_t>& in_flight, std::size_t limit) : in_flight_(in_flight) {
        if (in_flight_.fetch_add(1, std::memory_order_relaxed) >= limit) {
            in_flight_.fetch_sub(1, std::memory_order_relaxed);
            throw core::Overloaded("password hashing queue full");
        }
    }
    ~Slot() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;

  private:
    std::atomic<std::size_t>& in_flight_;
};

}  // namespace

PasswordHasher::PasswordHasher(std::size_t threads, std::size_t max_waiting)
    : impl_(std::make_unique<Impl>(threads == 0 ? 1 : threads, max_waiting)) {
    InitSodium();
}

PasswordHasher::~PasswordHasher() { impl_->pool.join(); }

namespace {

// Plain coroutine functions (not lambdas): their by-value parameters live in the coroutine frame.
boost::asio::awaitable<std::string> HashTask(std::string password) { co_return HashPasswordBlocking(password); }

boost::asio::awaitable<bool> VerifyTask(std::string encoded, std::string password) {
    co_return VerifyPasswordBlocking(encoded, password);
}

}  // namespace

// co_spawn onto the pool runs the computation there; the awaiting coroutine resumes on its own executor.
boost::asio::awaitable<std::string> PasswordHasher::Hash(std::string password) {
    Slot slot(impl_->in_flight, impl_->limit);
    std::string hash =
        co_await boost::asio::co_spawn(impl_->pool, HashTask(std::move(password)), boost::asio::use_awaitable);
    co_return hash;
}

boost::asio::awaitable<bool> PasswordHasher::Verify(std::string encoded, std::string password) {
    Slot slot(impl_->in_flight, impl_->limit);
    const bool ok = co_await boost::asio::co_spawn(impl_->pool, VerifyTask(std::move(encoded), std::move(password)),
                                                   boost::asio::use_awaitable);
    co_return ok;
}

}  // namespace shortener::auth
