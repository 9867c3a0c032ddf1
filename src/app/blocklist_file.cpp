#include "app/blocklist_file.hpp"

#include <pthread.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "log/log.hpp"

namespace shortener::app {
namespace {

constexpr std::size_t kMaxFileBytes = 256u << 20;  // a bigger "blocklist" is a mistake, not a list

}  // namespace

BlocklistFile::BlocklistFile(std::string path, std::chrono::milliseconds check_every)
    : path_(std::move(path)), check_every_(check_every) {}

BlocklistFile::~BlocklistFile() {
    {
        std::lock_guard lock(stop_mutex_);
        stopping_ = true;
    }
    stop_cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

bool BlocklistFile::Load(std::string* error) {
    std::lock_guard reload(reload_mutex_);
    struct stat st {};
    if (::stat(path_.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        if (error) *error = "cannot read " + path_;
        return false;
    }
    std::ifstream in(path_, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in.good() && !in.eof()) {
        if (error) *error = "cannot read " + path_;
        return false;
    }
    std::string why;
    auto set = core::DomainSet::ParseList(text.str(), &why);
    if (!set) {
        if (error) *error = path_ + " " + why;
        return false;
    }
    std::lock_guard lock(mutex_);
    current_ = std::make_shared<const core::DomainSet>(std::move(*set));
    loaded_ = {static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
               static_cast<long long>(st.st_size), static_cast<unsigned long long>(st.st_ino)};
    return true;
}

void BlocklistFile::Start() {
    thread_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "blocklist");
        std::unique_lock lock(stop_mutex_);
        while (!stop_cv_.wait_for(lock, check_every_, [this] { return stopping_; })) {
            lock.unlock();
            CheckForChange();
            lock.lock();
        }
    });
}

bool BlocklistFile::CheckForChange() { return Reload(false); }
bool BlocklistFile::ReloadNow() { return Reload(true); }

bool BlocklistFile::Reload(bool force) {
    std::lock_guard reload(reload_mutex_);
    struct stat st {};
    Signature now;
    if (::stat(path_.c_str(), &st) == 0) {
        now = {static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec,
               static_cast<long long>(st.st_size), static_cast<unsigned long long>(st.st_ino)};
    }
    {
        std::lock_guard lock(mutex_);
        if (!force && now == loaded_) return false;
    }
    if (!force && now == last_failed_) return false;  // already logged; wait for the next version
    std::string error;
    std::optional<core::DomainSet> set;
    if (now.size < 0 || !S_ISREG(st.st_mode)) {
        error = "cannot read the file";
    } else if (static_cast<std::size_t>(now.size) > kMaxFileBytes) {
        error = "the file is larger than 256 MiB";
    } else {
        std::ifstream in(path_, std::ios::binary);
        std::ostringstream text;
        if (in) text << in.rdbuf();
        if (!in) {
            error = "cannot read the file";
        } else {
            set = core::DomainSet::ParseList(text.str(), &error);
        }
    }
    if (!set) {
        last_failed_ = now;
        log::Error("blocklist_reload_failed",
                   {{"path", path_}, {"error", error}, {"kept", "the previous list stays in force"}});
        return false;
    }
    const std::size_t count = set->size();
    {
        std::lock_guard lock(mutex_);
        current_ = std::make_shared<const core::DomainSet>(std::move(*set));
        loaded_ = now;
    }
    last_failed_ = {};
    log::Info("blocklist_loaded", {{"path", path_}, {"domains", std::to_string(count)}});
    return true;
}

std::shared_ptr<const core::DomainSet> BlocklistFile::Current() const {
    std::lock_guard lock(mutex_);
    return current_;
}

}  // namespace shortener::app
