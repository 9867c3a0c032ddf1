#pragma once
/// @file
/// @brief Distributed-mode live updates over Redis pub/sub: workers PUBLISH each event on one channel,
/// every API replica SUBSCRIBEs and hands what arrives to its own LiveHub. Pub/sub is fire-and-forget:
/// an event missed while a replica was disconnected is repaired by the snapshot a reconnecting client
/// gets (ids are link totals, so the gap is visible; live/broadcaster.hpp).

#include <memory>
#include <string>

#include "live/broadcaster.hpp"
#include "redis/redis_client.hpp"

namespace shortener::live {

class RedisBroadcaster final : public Broadcaster {
  public:
    /// `publisher`: a normal connection used for PUBLISH (null on API replicas, which only subscribe).
    /// `subscriber`: a dedicated connection put in subscriber mode here, before its Start (null on workers).
    RedisBroadcaster(std::shared_ptr<redis::Client> publisher, const std::shared_ptr<redis::Client>& subscriber,
                     std::string channel, HubOptions options = {});

    void Publish(LiveEvent event) override;
    LiveHub& hub() override { return hub_; }

  private:
    std::shared_ptr<redis::Client> publisher_;
    std::string channel_;
    LiveHub hub_;
};

}  // namespace shortener::live
