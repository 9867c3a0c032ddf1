#include "enrich/visitor_id.hpp"

#include <sodium.h>

#include <stdexcept>

namespace shortener::enrich {

Salt InMemorySaltStore::GetOrCreate(std::int64_t day, const Salt& candidate) {
    std::lock_guard lock(mutex_);
    return salts_.try_emplace(day, candidate).first->second;
}

void InMemorySaltStore::ForgetBefore(std::int64_t day) {
    std::lock_guard lock(mutex_);
    salts_.erase(salts_.begin(), salts_.lower_bound(day));
}

std::size_t InMemorySaltStore::size() const {
    std::lock_guard lock(mutex_);
    return salts_.size();
}

VisitorIdHasher::VisitorIdHasher(SaltStore& store) : store_(store) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
}

std::int64_t VisitorIdHasher::UtcDay(std::int64_t unix_ms) noexcept {
    constexpr std::int64_t kDayMs = 86'400'000;
    return unix_ms >= 0 ? unix_ms / kDayMs : (unix_ms - kDayMs + 1) / kDayMs;
}

const Salt* VisitorIdHasher::SaltFor(std::int64_t day) {
    if (day > newest_day_) {
        // A new day: forget everything before yesterday, here and in the store.
        newest_day_ = day;
        cache_.erase(cache_.begin(), cache_.lower_bound(day - 1));
        store_.ForgetBefore(day - 1);
    }
    if (day < newest_day_ - 1) return nullptr;
    if (auto it = cache_.find(day); it != cache_.end()) return &it->second;
    Salt candidate;
    randombytes_buf(candidate.data(), candidate.size());
    Salt salt = store_.GetOrCreate(day, candidate);
    sodium_memzero(candidate.data(), candidate.size());
    return &cache_.emplace(day, salt).first->second;
}

std::string VisitorIdHasher::VisitorId(std::int64_t unix_ms, std::string_view address, std::string_view user_agent) {
    std::array<unsigned char, 16> digest{};
    {
        std::lock_guard lock(mutex_);
        const Salt* salt = SaltFor(UtcDay(unix_ms));
        if (!salt) return {};
        crypto_generichash_state state;
        crypto_generichash_init(&state, salt->data(), salt->size(), digest.size());
        crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(address.data()), address.size());
        const unsigned char separator = 0;  // keeps ("ab","c") and ("a","bc") apart
        crypto_generichash_update(&state, &separator, 1);
        crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(user_agent.data()), user_agent.size());
        crypto_generichash_final(&state, digest.data(), digest.size());
    }
    char hex[33];
    sodium_bin2hex(hex, sizeof(hex), digest.data(), digest.size());
    return std::string(hex, 32);
}

}  // namespace shortener::enrich
