#pragma once
/// @file
/// @brief The domain blocklist file (SHORTENER_BLOCKLIST_FILE), reloaded without a restart: a background
/// thread looks at the file's modification time, size and inode every few seconds and re-reads it when one
/// changed; SIGHUP (ReloadNow) re-reads it at once. A file that cannot be read or holds an invalid line keeps
/// the list in force and logs one error per broken version of the file.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/url_policy.hpp"

namespace shortener::app {

class BlocklistFile final : public core::DomainListSource {
  public:
    BlocklistFile(std::string path, std::chrono::milliseconds check_every = std::chrono::seconds(2));
    ~BlocklistFile() override;
    BlocklistFile(const BlocklistFile&) = delete;
    BlocklistFile& operator=(const BlocklistFile&) = delete;

    /// Loads the file for the first time. False (and `*error` set) when it cannot be read or is invalid.
    bool Load(std::string* error);
    /// Starts the polling thread (after a successful Load).
    void Start();
    /// Re-reads the file if it changed since the last look. Returns true if a new list is in force.
    bool CheckForChange();
    /// Re-reads the file now, changed or not (SIGHUP). Returns true if a new list is in force.
    bool ReloadNow();

    std::shared_ptr<const core::DomainSet> Current() const override;
    const std::string& path() const noexcept { return path_; }

  private:
    struct Signature {
        long long mtime_ns = -1;
        long long size = -1;
        unsigned long long inode = 0;
        bool operator==(const Signature&) const = default;
    };
    bool Reload(bool force);

    std::string path_;
    std::chrono::milliseconds check_every_;
    mutable std::mutex mutex_;
    std::shared_ptr<const core::DomainSet> current_;
    Signature loaded_;         // the version in force
    Signature last_failed_;    // the last version that failed (logged once)
    std::mutex reload_mutex_;  // one reload at a time (poller and SIGHUP)
    std::mutex stop_mutex_;
    std::condition_variable stop_cv_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace shortener::app
