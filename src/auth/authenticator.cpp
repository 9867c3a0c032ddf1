#include "auth/authenticator.hpp"

#include <mutex>
#include <string>
#include <unordered_map>

namespace shortener::auth {
namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

core::TimePoint Now(const core::Clock& clock) {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(clock.Now());
}

Principal KeyPrincipal(const store::ApiKeyWithUser& k) {
    Principal p;
    p.kind = Principal::Kind::kApiKey;
    p.user_id = k.user.id;
    p.email = k.user.email;
    p.key_id = k.key.id;
    p.rate_limit = k.key.rate_limit;
    p.scopes = ParseScopeList(k.key.scopes).value_or(0);
    // A key never carries more than its owner holds now: demoting a user disarms their admin keys.
    if (!k.user.is_admin) p.scopes &= static_cast<Scopes>(~kAdmin);
    return p;
}

Principal SessionPrincipal(const store::SessionWithUser& s, std::string token_hash) {
    Principal p;
    p.kind = Principal::Kind::kSession;
    p.user_id = s.user.id;
    p.email = s.user.email;
    p.scopes = kUserScopes | (s.user.is_admin ? kAdmin : 0);
    p.csrf_token = s.csrf_token;
    p.session_token_hash = std::move(token_hash);
    return p;
}

}  // namespace

struct Authenticator::Cache {
    struct KeyEntry {
        store::ApiKeyWithUser key;
        SteadyTime fetched;
    };
    struct SessionEntry {
        store::SessionWithUser session;
        SteadyTime fetched;
    };
    std::mutex mutex;
    std::unordered_map<std::string, KeyEntry> keys;          // by key hash
    std::unordered_map<std::string, SessionEntry> sessions;  // by token hash
};

Authenticator::Authenticator(store::AuthStore& store, core::Clock& clock, AuthenticatorOptions options)
    : store_(store), clock_(clock), options_(options), cache_(std::make_unique<Cache>()) {}

Authenticator::~Authenticator() = default;

boost::asio::awaitable<std::optional<Principal>> Authenticator::AuthenticateKey(std::string key) {
    if (!LooksLikeApiKey(key)) co_return std::nullopt;
    const std::string hash = Sha256Hex(key);
    const auto steady_now = std::chrono::steady_clock::now();
    std::optional<store::ApiKeyWithUser> found;
    {
        std::lock_guard lock(cache_->mutex);
        auto it = cache_->keys.find(hash);
        if (it != cache_->keys.end() && steady_now - it->second.fetched < options_.cache_ttl) found = it->second.key;
    }
    if (!found) {
        found = co_await store_.FindApiKey(hash);
        if (!found) co_return std::nullopt;
        std::lock_guard lock(cache_->mutex);
        if (cache_->keys.size() >= options_.cache_capacity) cache_->keys.clear();
        cache_->keys.insert_or_assign(hash, Cache::KeyEntry{*found, steady_now});
    }
    if (found->key.revoked_at) co_return std::nullopt;

    // last_used_at: one write per key per touch_every on this replica. The decision is taken under the
    // lock, on the cached copy, so concurrent requests do not all write.
    const core::TimePoint now = Now(clock_);
    bool touch = false;
    {
        std::lock_guard lock(cache_->mutex);
        auto it = cache_->keys.find(hash);
        auto& last = it != cache_->keys.end() ? it->second.key.key.last_used_at : found->key.last_used_at;
        if (!last || now - *last >= options_.touch_every) {
            last = now;
            touch = true;
        }
    }
    if (touch) {
        try {
            co_await store_.TouchApiKey(found->key.id, now);
        } catch (const std::exception&) {
            // Best effort: a missed use record must not fail the request it describes.
        }
    }
    co_return KeyPrincipal(*found);
}

boost::asio::awaitable<std::optional<Principal>> Authenticator::AuthenticateSession(std::string token) {
    if (!LooksLikeToken(token)) co_return std::nullopt;
    std::string hash = Sha256Hex(token);
    const auto steady_now = std::chrono::steady_clock::now();
    const core::TimePoint now = Now(clock_);
    std::optional<store::SessionWithUser> found;
    {
        std::lock_guard lock(cache_->mutex);
        auto it = cache_->sessions.find(hash);
        if (it != cache_->sessions.end() && steady_now - it->second.fetched < options_.cache_ttl) {
            found = it->second.session;
        }
    }
    if (!found) {
        found = co_await store_.FindSession(hash, now);
        if (!found) co_return std::nullopt;
        std::lock_guard lock(cache_->mutex);
        if (cache_->sessions.size() >= options_.cache_capacity) cache_->sessions.clear();
        cache_->sessions.insert_or_assign(hash, Cache::SessionEntry{*found, steady_now});
    }
    if (found->expires_at <= now) co_return std::nullopt;
    co_return SessionPrincipal(*found, std::move(hash));
}

bool Authenticator::Remembers(std::string_view credential_hash) const {
    const auto steady_now = std::chrono::steady_clock::now();
    const std::string hash(credential_hash);
    std::lock_guard lock(cache_->mutex);
    if (auto it = cache_->keys.find(hash); it != cache_->keys.end()) {
        return steady_now - it->second.fetched < options_.cache_ttl;
    }
    auto it = cache_->sessions.find(hash);
    return it != cache_->sessions.end() && steady_now - it->second.fetched < options_.cache_ttl;
}

void Authenticator::ForgetKeys() {
    std::lock_guard lock(cache_->mutex);
    cache_->keys.clear();
}

void Authenticator::ForgetSession(std::string_view token_hash) {
    std::lock_guard lock(cache_->mutex);
    cache_->sessions.erase(std::string(token_hash));
}

}  // namespace shortener::auth
