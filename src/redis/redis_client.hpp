#pragma once
/// @file
/// @brief A small Redis client over hiredis's async API, driven by an Asio io_context (the "Redis I/O
/// thread"). Callers on any thread hand commands over without blocking; replies come back as callbacks on
/// the client's context, or as awaitables resumed on the caller's executor. Reconnects with backoff and
/// logs once per state change (up → down, down → up).

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

struct redisAsyncContext;

namespace shortener::redis {

/// A deep copy of a hiredis reply. kError is also used for "not connected", "timed out" and
/// "disconnected before the reply" (with the reason in `str`).
struct Reply {
    enum class Type { kError, kNil, kString, kStatus, kInteger, kArray };
    Type type = Type::kNil;
    std::string str;
    long long integer = 0;
    std::vector<Reply> elements;

    bool IsError() const noexcept { return type == Type::kError; }
    static Reply Error(std::string why) {
        Reply r;
        r.type = Type::kError;
        r.str = std::move(why);
        return r;
    }
};

struct ClientOptions {
    std::string host = "127.0.0.1";
    int port = 6379;
    int db = 0;
    std::string password;
    std::string name = "redis";  // for logs: which connection this is
    std::chrono::milliseconds connect_timeout{1000};
    std::chrono::milliseconds min_backoff{50};
    std::chrono::milliseconds max_backoff{1000};
    bool reset_on_timeout = false;  // a timed-out command drops the connection (a hung server counts as down)
};

/// Parses redis://[[user]:password@]host[:port][/db]. Throws std::invalid_argument.
ClientOptions ParseRedisUrl(std::string_view url);

/// An io_context on its own thread. Start it after creating its clients; Stop joins.
class IoThread {
  public:
    explicit IoThread(std::string name);
    ~IoThread();
    boost::asio::io_context& context() noexcept { return context_; }
    void Stop();

  private:
    boost::asio::io_context context_{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
    std::thread thread_;
};

/// One connection. Thread-safe (every call is posted to the context). Create it with std::make_shared.
class Client : public std::enable_shared_from_this<Client> {
  public:
    using Args = std::vector<std::string>;
    using Callback = std::function<void(Reply)>;

    Client(boost::asio::io_context& context, ClientOptions options);
    ~Client();

    /// Connects (and keeps reconnecting). Call once.
    void Start();
    /// Disconnects; pending commands fail. Blocks until done when called from another thread.
    void Stop();

    bool Connected() const noexcept { return connected_.load(std::memory_order_relaxed); }

    /// Sends one command. `done` runs on the client's context exactly once: with the reply, or with an
    /// error (not connected, `timeout` passed (0 = none), or connection lost).
    void Command(Args args, Callback done, std::chrono::milliseconds timeout = {});
    /// Sends several commands in one write (pipelined); `done` gets every reply, in order.
    void Pipeline(std::vector<Args> commands, std::function<void(std::vector<Reply>)> done,
                  std::chrono::milliseconds timeout = {});
    /// Awaitable Command, resumed on the awaiting coroutine's executor.
    boost::asio::awaitable<Reply> Call(Args args, std::chrono::milliseconds timeout = {});
    /// Awaitable Pipeline.
    boost::asio::awaitable<std::vector<Reply>> CallPipeline(std::vector<Args> commands,
                                                            std::chrono::milliseconds timeout = {});

    /// Puts the connection in subscriber mode for `channel` (re-subscribed after every reconnect):
    /// `on_message` gets each payload on the client's context. Set before Start.
    void SetSubscription(std::string channel, std::function<void(std::string_view)> on_message);
    /// Runs on the client's context after every (re)connection, e.g. to forget state that may have been
    /// missed while disconnected. Set before Start.
    void SetOnConnect(std::function<void()> on_connect) { on_connect_ = std::move(on_connect); }
    /// Runs on the client's context whenever the connection is lost or a connect attempt fails. Set before
    /// Start.
    void SetOnDown(std::function<void()> on_down) { on_down_ = std::move(on_down); }

    boost::asio::io_context& context() noexcept { return context_; }

  private:
    struct Watcher;
    struct Pending;

    void Connect();
    void ScheduleReconnect();
    void HandleConnected(int status);
    void HandleDisconnected(int status);
    void MarkDown(const std::string& why);
    void Send(const Args& args, const std::shared_ptr<Pending>& pending);
    void TimedOut();

    static void OnConnectC(const redisAsyncContext* ac, int status);
    static void OnDisconnectC(const redisAsyncContext* ac, int status);
    static void OnReplyC(redisAsyncContext* ac, void* reply, void* privdata);
    static void OnMessageC(redisAsyncContext* ac, void* reply, void* privdata);

    boost::asio::io_context& context_;
    ClientOptions options_;
    redisAsyncContext* ac_ = nullptr;
    bool stopping_ = false;
    bool ever_connected_ = false;
    bool down_logged_ = false;
    bool handshake_done_ = false;
    std::atomic<bool> connected_{false};
    std::chrono::milliseconds backoff_;
    boost::asio::steady_timer reconnect_timer_;
    boost::asio::steady_timer connect_timer_;
    std::string channel_;
    std::function<void(std::string_view)> on_message_;
    std::function<void()> on_connect_;
    std::function<void()> on_down_;
};

}  // namespace shortener::redis
