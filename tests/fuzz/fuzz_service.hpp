#pragma once
// The service as the fuzz targets drive it: the real handlers and router over a real SQLite store in a
// temporary directory (in /dev/shm when there is one, so that writes cost no disk I/O), with a
// deterministic clock and random source, reset before every input so that a finding reproduces from its
// input alone.

#include <signal.h>
#include <unistd.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "cache/l1_cache.hpp"
#include "cache/link_resolver.hpp"
#include "http/dispatcher.hpp"
#include "http/handlers/handlers.hpp"
#include "queue/in_process/in_process_click_queue.hpp"
#include "store/sqlite/sqlite_stats_store.hpp"
#include "store/sqlite/sqlite_stores.hpp"
#include "support/fakes.hpp"

namespace shortener::fuzz {

inline void Require(bool condition, const char* what, std::string_view detail = {}) {
    if (!condition) {
        const std::string text(detail);  // not %.*s: a default string_view's data() is null
        std::fprintf(stderr, "invariant violated: %s\n%s\n", what, text.c_str());
        std::abort();
    }
}

inline std::filesystem::path& FuzzTempDirPath() {
    static std::filesystem::path path;
    return path;
}

// A directory of this process, removed at exit. The harnesses live until the process ends (their servers'
// threads never stop), so no destructor would remove it (hence not testing::TempDir); directories left by
// killed or crashed runs (their pid gone) are removed on the next start.
inline std::filesystem::path FuzzTempDir() {
    std::filesystem::path base = std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                                     : std::filesystem::temp_directory_path();
    constexpr std::string_view kPrefix = "shortener-fuzz-";
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(kPrefix, 0) != 0) continue;
        const pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + kPrefix.size()));
        if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) std::filesystem::remove_all(entry.path(), ec);
    }
    auto dir = base / (std::string(kPrefix) + std::to_string(::getpid()));
    std::filesystem::remove_all(dir, ec);
    std::filesystem::create_directories(dir);
    FuzzTempDirPath() = dir;
    std::atexit([] {
        std::error_code ignored;
        std::filesystem::remove_all(FuzzTempDirPath(), ignored);
    });
    return dir;
}

struct FuzzService {
    FuzzService()
        : dir(FuzzTempDir()),
          db(std::make_shared<store::SqliteDb>((dir / "fuzz.db").string())),
          links(db),
          stats(db),
          l1(cache::L1Options{}),
          resolver(links, l1),
          queue(1000),
          ctx{links, resolver, queue, clock, random, core::SlugGenerator(random), {}, "https://sho.rt", registry, {}} {
        db->Migrate(store::SqliteMigrations());
        ctx.url_policy.own_hosts = {"sho.rt"};
        ctx.stats = &stats;
    }
    ~FuzzService() { std::filesystem::remove_all(dir); }

    // Back to the initial state: no links, an empty cache, the same random sequence. (Clicks never reach
    // the store: nothing drains the queue here.)
    void Reset() {
        {
            auto writer = db->AcquireWriter();
            writer->Exec("DELETE FROM links");
        }
        l1.Clear();
        random.Reset();
    }

    std::filesystem::path dir;
    std::shared_ptr<store::SqliteDb> db;
    store::SqliteLinkStore links;
    store::SqliteStatsStore stats;
    cache::L1Cache l1;
    cache::LinkResolver resolver;
    queue::InProcessClickQueue queue;
    testing::FakeClock clock;  // stands still at its default time
    // Not secure, and need not be: deterministic slugs keep crashes reproducible.
    testing::SeededRandom random{12345};
    metrics::Registry registry;
    http::HandlerContext ctx;
};

// Runs an awaitable to completion on a local event loop; an escaping exception is a finding.
template <class T>
T Run(boost::asio::awaitable<T> task) {
    boost::asio::io_context context;
    std::optional<T> result;
    boost::asio::co_spawn(context, std::move(task), [&](std::exception_ptr e, T value) {
        Require(!e, "no exception escapes the dispatcher");
        result.emplace(std::move(value));
    });
    context.run();
    return std::move(*result);
}

}  // namespace shortener::fuzz
