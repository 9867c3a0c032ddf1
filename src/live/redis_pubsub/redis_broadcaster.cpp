#include "live/redis_pubsub/redis_broadcaster.hpp"

namespace shortener::live {

RedisBroadcaster::RedisBroadcaster(std::shared_ptr<redis::Client> publisher,
                                   const std::shared_ptr<redis::Client>& subscriber, std::string channel,
                                   HubOptions options)
    : publisher_(std::move(publisher)), channel_(std::move(channel)), hub_(options) {
    if (subscriber) {
        subscriber->SetSubscription(channel_, [this](std::string_view payload) {
            if (auto e = DecodeEvent(payload)) hub_.Deliver(*e);
        });
    }
}

void RedisBroadcaster::Publish(LiveEvent event) {
    if (!publisher_) return;
    // Never waits: a lost event is repaired by the next snapshot.
    publisher_->Command(
        {"PUBLISH", channel_, EncodeEvent(event)}, [](const redis::Reply&) {}, std::chrono::milliseconds(1000));
}

}  // namespace shortener::live
