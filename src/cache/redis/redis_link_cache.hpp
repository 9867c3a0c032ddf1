#pragma once
/// @file
/// @brief The Redis L2 link cache: `SET <prefix><slug> <serialized target> EX <ttl>`, short-lived negative
/// entries for unknown slugs, and invalidation of every replica's L1 over a pub/sub channel.

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "cache/link_cache.hpp"
#include "redis/redis_client.hpp"

namespace shortener::cache {

struct RedisLinkCacheOptions {
    std::string key_prefix = "shortener:link:";
    std::string channel = "shortener:link-changes";
    std::chrono::seconds ttl{86'400};                     // the seed's 24 h per slug; 0: no entries (only invalidation)
    std::chrono::seconds negative_ttl{30};                // unknown slugs, so scanners do not reach the database
    std::chrono::milliseconds get_timeout{100};           // a slow Redis must not hold a redirect back for long
    std::chrono::milliseconds second_invalidation{1500};  // repeats DEL + publish to beat racing fills
};

/// RedirectTarget ⇄ the cached value (versioned text: "1\t<id>\t<type>\t<expires ms|->\t<max|->\t<del>\t<url>";
/// "0" is a negative entry).
std::string SerializeTarget(const TargetPtr& target);
/// nullopt when the value is not understood (treated as a miss); a null TargetPtr for a negative entry.
std::optional<TargetPtr> ParseTarget(std::string_view value);

/// Thread-safe. `commands` is a connection for GET/SET/DEL/PUBLISH; `subscriber` a second connection that
/// this class puts into subscriber mode (set up in the constructor; Start them after).
class RedisLinkCache final : public LinkCache {
  public:
    /// `on_remote_change(slug)` runs when another replica changed the slug; `on_resync()` after the
    /// subscriber (re)connected, since messages may have been missed while it was away.
    RedisLinkCache(std::shared_ptr<redis::Client> commands, std::shared_ptr<redis::Client> subscriber,
                   RedisLinkCacheOptions options, std::function<void(std::string_view)> on_remote_change,
                   std::function<void()> on_resync);

    boost::asio::awaitable<Lookup> Get(std::string_view slug) override;
    void Fill(std::string_view slug, const TargetPtr& target) noexcept override;
    void Put(std::string_view slug, const TargetPtr& target) noexcept override;
    void Invalidate(std::string_view slug) noexcept override;

  private:
    static constexpr std::size_t kMaxMissed = 100'000;
    static void Publish(redis::Client& client, const std::string& channel, const std::string& instance,
                        std::string_view slug);
    void Remember(std::string_view slug);
    void ReplayMissed();

    std::shared_ptr<redis::Client> commands_;
    std::shared_ptr<redis::Client> subscriber_;
    RedisLinkCacheOptions options_;
    std::string instance_;  // our own messages are skipped
    std::mutex missed_mutex_;
    std::unordered_set<std::string> missed_;  // slugs changed while Redis was unreachable
    bool missed_overflow_ = false;
};

}  // namespace shortener::cache
