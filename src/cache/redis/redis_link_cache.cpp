#include "cache/redis/redis_link_cache.hpp"

#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <random>
#include <unordered_set>

#include "log/log.hpp"
#include "store/link_codec.hpp"

namespace shortener::cache {
namespace {

std::string_view NextField(std::string_view& rest) {
    auto tab = rest.find('\t');
    auto field = rest.substr(0, tab);
    rest = tab == std::string_view::npos ? std::string_view{} : rest.substr(tab + 1);
    return field;
}

template <class T>
bool ParseInt(std::string_view s, T& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

// Format "4\t<id>\t<type>\t<expires ms|->\t<max clicks|->\t<deleted>\t<disabled>\t<forward query>\t
// <password hash>\t<expired url>\t<targeting json>\t<rules json>\t<split json>\t<preview json>\t<long url>"
// (version 3 added either the rules and split of issue #17 or the social preview, depending on the build; version 4
// carries both, so that entries of either version 3 read as misses). The rules are the link's own, its targeting's are
// derived again on reading. No field but the last can hold a tab: URLs with whitespace are refused by the URL policy,
// argon2 strings are base64, and JSON escapes control characters. Entries of another version (a replica of an older
// release) read as misses.
std::string SerializeTarget(const TargetPtr& target) {
    if (!target) return "0";
    std::string out = "4\t";
    out += std::to_string(target->id);
    out += '\t';
    out += std::to_string(static_cast<int>(target->redirect_type));
    out += '\t';
    out += target->expires_at ? std::to_string(core::ToUnixMillis(*target->expires_at)) : "-";
    out += '\t';
    out += target->max_clicks ? std::to_string(*target->max_clicks) : "-";
    out += '\t';
    out += target->deleted ? '1' : '0';
    out += '\t';
    out += target->disabled ? '1' : '0';
    out += '\t';
    out += target->forward_query ? '1' : '0';
    out += '\t';
    out += target->password_hash;
    out += '\t';
    out += target->expired_url;
    out += '\t';
    out += store::TargetingToJson(target->targeting);
    out += '\t';
    out += store::RulesToJson(target->rules);
    out += '\t';
    out += store::SplitToJson(target->split);
    out += '\t';
    if (target->preview) out += store::PreviewToJson(*target->preview);
    out += '\t';
    out += target->long_url;
    return out;
}

std::optional<TargetPtr> ParseTarget(std::string_view value) {
    if (value == "0") return TargetPtr{};
    std::string_view rest = value;
    if (NextField(rest) != "4") return std::nullopt;
    core::RedirectTarget t;
    int type = 0;
    if (!ParseInt(NextField(rest), t.id) || !ParseInt(NextField(rest), type)) return std::nullopt;
    auto redirect = core::RedirectTypeFromInt(type);
    if (!redirect) return std::nullopt;
    t.redirect_type = *redirect;
    auto expires = NextField(rest);
    if (expires != "-") {
        std::int64_t ms = 0;
        if (!ParseInt(expires, ms)) return std::nullopt;
        t.expires_at = core::FromUnixMillis(ms);
    }
    auto max = NextField(rest);
    if (max != "-") {
        std::int64_t n = 0;
        if (!ParseInt(max, n)) return std::nullopt;
        t.max_clicks = n;
    }
    auto flag = [&](bool& out) {
        auto f = NextField(rest);
        out = f == "1";
        return f == "0" || f == "1";
    };
    if (!flag(t.deleted) || !flag(t.disabled) || !flag(t.forward_query)) return std::nullopt;
    t.password_hash = std::string(NextField(rest));
    t.expired_url = std::string(NextField(rest));
    auto targeting = store::TargetingFromJson(NextField(rest));
    if (!targeting) return std::nullopt;
    t.targeting = std::move(*targeting);
    t.rules = core::EffectiveRules(store::RulesFromJson(NextField(rest)), t.targeting);
    t.split = store::SplitFromJson(NextField(rest));
    auto preview = store::PreviewFromJson(NextField(rest));
    if (!preview) return std::nullopt;
    if (!preview->Empty()) t.preview = std::make_shared<const core::SocialPreview>(std::move(*preview));
    if (rest.empty()) return std::nullopt;
    t.long_url = std::string(rest);
    return std::make_shared<const core::RedirectTarget>(std::move(t));
}

RedisLinkCache::RedisLinkCache(std::shared_ptr<redis::Client> commands, std::shared_ptr<redis::Client> subscriber,
                               RedisLinkCacheOptions options, std::function<void(std::string_view)> on_remote_change,
                               std::function<void()> on_resync)
    : commands_(std::move(commands)), subscriber_(std::move(subscriber)), options_(std::move(options)) {
    std::random_device rd;
    instance_ = std::to_string(::getpid()) + "-" + std::to_string(rd());
    subscriber_->SetSubscription(
        options_.channel, [instance = instance_, on_remote_change = std::move(on_remote_change)](std::string_view msg) {
            // "<instance> <slug>"
            auto space = msg.find(' ');
            if (space == std::string_view::npos) return;
            if (msg.substr(0, space) == instance) return;
            on_remote_change(msg.substr(space + 1));
        });
    subscriber_->SetOnConnect([on_resync = std::move(on_resync)] { on_resync(); });
    // Changes made while Redis was away could not delete their L2 entries; do it now.
    commands_->SetOnConnect([this] { ReplayMissed(); });
}

boost::asio::awaitable<LinkCache::Lookup> RedisLinkCache::Get(std::string_view slug) {
    Lookup result;
    if (!commands_->Connected() || options_.ttl.count() == 0) co_return result;
    redis::Client::Args args{"GET", options_.key_prefix + std::string(slug)};  // GCC 12: no braced lists in co_await
    auto reply = co_await commands_->Call(std::move(args), options_.get_timeout);
    if (reply.type != redis::Reply::Type::kString) co_return result;
    auto target = ParseTarget(reply.str);
    if (!target) co_return result;
    result.kind = *target ? Kind::kHit : Kind::kNegative;
    result.target = std::move(*target);
    co_return result;
}

void RedisLinkCache::Fill(std::string_view slug, const TargetPtr& target) noexcept {
    if (!commands_->Connected() || options_.ttl.count() == 0) return;
    try {
        auto ttl = target ? options_.ttl : options_.negative_ttl;
        commands_->Command({"SET", options_.key_prefix + std::string(slug), SerializeTarget(target), "EX",
                            std::to_string(ttl.count()), "NX"},
                           [](const redis::Reply&) {});
    } catch (...) {
    }
}

void RedisLinkCache::Put(std::string_view slug, const TargetPtr& target) noexcept {
    try {
        if (!commands_->Connected()) {
            Remember(slug);
            return;
        }
        if (options_.ttl.count() > 0) {
            commands_->Command({"SET", options_.key_prefix + std::string(slug), SerializeTarget(target), "EX",
                                std::to_string(options_.ttl.count())},
                               [](const redis::Reply&) {});
        }
        Publish(*commands_, options_.channel, instance_, slug);
    } catch (...) {
    }
}

void RedisLinkCache::Invalidate(std::string_view slug) noexcept {
    try {
        if (!commands_->Connected()) {
            Remember(slug);
            return;
        }
        std::string key = options_.key_prefix + std::string(slug);
        commands_->Command({"DEL", key}, [](const redis::Reply&) {});
        Publish(*commands_, options_.channel, instance_, slug);
        // A reader that fetched the old row just before the change may still write it (SET NX) after our
        // DEL; deleting once more a little later closes that window.
        auto timer = std::make_shared<boost::asio::steady_timer>(commands_->context(), options_.second_invalidation);
        timer->async_wait([timer, commands = commands_, key, channel = options_.channel, instance = instance_,
                           slug = std::string(slug)](boost::system::error_code ec) {
            if (ec) return;
            commands->Command({"DEL", key}, [](const redis::Reply&) {});
            Publish(*commands, channel, instance, slug);
        });
    } catch (...) {
    }
}

void RedisLinkCache::Remember(std::string_view slug) {
    std::lock_guard lock(missed_mutex_);
    if (missed_.size() >= kMaxMissed) {
        if (!missed_overflow_) log::Error("cache_invalidations_overflow", {{"kept", std::to_string(kMaxMissed)}});
        missed_overflow_ = true;
        return;
    }
    missed_.emplace(slug);
}

void RedisLinkCache::ReplayMissed() {
    std::unordered_set<std::string> missed;
    {
        std::lock_guard lock(missed_mutex_);
        missed.swap(missed_);
        missed_overflow_ = false;
    }
    if (missed.empty()) return;
    log::Info("cache_invalidations_replayed", {{"slugs", std::to_string(missed.size())}});
    for (const auto& slug : missed) {
        commands_->Command({"DEL", options_.key_prefix + slug}, [](const redis::Reply&) {});
        Publish(*commands_, options_.channel, instance_, slug);
    }
}

void RedisLinkCache::Publish(redis::Client& client, const std::string& channel, const std::string& instance,
                             std::string_view slug) {
    client.Command({"PUBLISH", channel, instance + " " + std::string(slug)}, [](const redis::Reply&) {});
}

}  // namespace shortener::cache
