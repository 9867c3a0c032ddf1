#include "redis/redis_client.hpp"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <pthread.h>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <optional>
#include <stdexcept>

#include "log/log.hpp"

namespace shortener::redis {
namespace {

Reply Convert(const redisReply* r) {
    Reply out;
    switch (r->type) {
        case REDIS_REPLY_STRING:
            out.type = Reply::Type::kString;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_STATUS:
            out.type = Reply::Type::kStatus;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_ERROR:
            out.type = Reply::Type::kError;
            out.str.assign(r->str, r->len);
            break;
        case REDIS_REPLY_INTEGER:
            out.type = Reply::Type::kInteger;
            out.integer = r->integer;
            break;
        case REDIS_REPLY_ARRAY:
            out.type = Reply::Type::kArray;
            out.elements.reserve(r->elements);
            for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
            break;
        default:
            out.type = Reply::Type::kNil;
    }
    return out;
}

}  // namespace

ClientOptions ParseRedisUrl(std::string_view url) {
    ClientOptions o;
    constexpr std::string_view kScheme = "redis://";
    if (url.substr(0, kScheme.size()) != kScheme)
        throw std::invalid_argument("REDIS_URL must start with redis:// (got \"" + std::string(url) + "\")");
    url.remove_prefix(kScheme.size());
    if (auto at = url.rfind('@'); at != std::string_view::npos) {
        auto userinfo = url.substr(0, at);
        auto colon = userinfo.find(':');
        o.password = std::string(colon == std::string_view::npos ? userinfo : userinfo.substr(colon + 1));
        url.remove_prefix(at + 1);
    }
    std::string_view hostport = url;
    if (auto slash = url.find('/'); slash != std::string_view::npos) {
        hostport = url.substr(0, slash);
        auto db = url.substr(slash + 1);
        if (!db.empty()) {
            try {
                o.db = std::stoi(std::string(db));
            } catch (const std::exception&) {
                throw std::invalid_argument("REDIS_URL: bad database number \"" + std::string(db) + "\"");
            }
        }
    }
    std::size_t colon = std::string_view::npos;
    if (!hostport.empty() && hostport.front() == '[') {
        auto close = hostport.find(']');
        if (close != std::string_view::npos && close + 1 < hostport.size() && hostport[close + 1] == ':')
            colon = close + 1;
    } else {
        colon = hostport.rfind(':');
    }
    if (colon != std::string_view::npos) {
        try {
            o.port = std::stoi(std::string(hostport.substr(colon + 1)));
        } catch (const std::exception&) {
            throw std::invalid_argument("REDIS_URL: bad port in \"" + std::string(hostport) + "\"");
        }
        hostport = hostport.substr(0, colon);
    }
    if (hostport.size() > 2 && hostport.front() == '[') hostport = hostport.substr(1, hostport.size() - 2);
    if (!hostport.empty()) o.host = std::string(hostport);
    if (o.port <= 0 || o.port > 65535) throw std::invalid_argument("REDIS_URL: port out of range");
    return o;
}

IoThread::IoThread(std::string name) : guard_(context_.get_executor()) {
    thread_ = std::thread([this, name = std::move(name)] {
        pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
        context_.run();
    });
}

IoThread::~IoThread() { Stop(); }

void IoThread::Stop() {
    guard_.reset();
    if (thread_.joinable()) {
        context_.stop();
        thread_.join();
    }
}

// The Asio side of one redisAsyncContext: hiredis asks for read/write interest through the ev hooks, and
// we turn that into async_wait on the socket. The descriptor belongs to hiredis, so it is released, never
// closed, here.
struct Client::Watcher : std::enable_shared_from_this<Watcher> {
    Watcher(boost::asio::io_context& io, int fd) : socket(io, fd) {}
    boost::asio::posix::stream_descriptor socket;
    redisAsyncContext* ac = nullptr;
    bool want_read = false, want_write = false, read_armed = false, write_armed = false;

    void ArmRead() {
        if (read_armed || !ac || !want_read) return;
        read_armed = true;
        socket.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [self = shared_from_this()](boost::system::error_code ec) {
                              self->read_armed = false;
                              if (ec || !self->ac || !self->want_read) return;
                              redisAsyncHandleRead(self->ac);
                              self->ArmRead();
                          });
    }
    void ArmWrite() {
        if (write_armed || !ac || !want_write) return;
        write_armed = true;
        socket.async_wait(boost::asio::posix::stream_descriptor::wait_write,
                          [self = shared_from_this()](boost::system::error_code ec) {
                              self->write_armed = false;
                              if (ec || !self->ac || !self->want_write) return;
                              redisAsyncHandleWrite(self->ac);
                              self->ArmWrite();
                          });
    }

    static Watcher& Of(void* p) { return **static_cast<std::shared_ptr<Watcher>*>(p); }
    static void AddRead(void* p) {
        Of(p).want_read = true;
        Of(p).ArmRead();
    }
    static void DelRead(void* p) { Of(p).want_read = false; }
    static void AddWrite(void* p) {
        Of(p).want_write = true;
        Of(p).ArmWrite();
    }
    static void DelWrite(void* p) { Of(p).want_write = false; }
    static void Cleanup(void* p) {
        auto* holder = static_cast<std::shared_ptr<Watcher>*>(p);
        auto& w = **holder;
        w.ac = nullptr;
        w.want_read = w.want_write = false;
        boost::system::error_code ignored;
        w.socket.cancel(ignored);
        w.socket.release();
        delete holder;
    }
};

// One command in flight: completes exactly once (reply, timeout or disconnect).
struct Client::Pending {
    Callback done;
    std::optional<boost::asio::steady_timer> timer;
    bool completed = false;
    void Complete(Reply r) {
        if (completed) return;
        completed = true;
        if (timer) timer->cancel();
        auto cb = std::move(done);
        if (cb) cb(std::move(r));
    }
};

Client::Client(boost::asio::io_context& context, ClientOptions options)
    : context_(context),
      options_(std::move(options)),
      backoff_(options_.min_backoff),
      reconnect_timer_(context),
      connect_timer_(context) {}

Client::~Client() = default;

void Client::Start() {
    boost::asio::post(context_, [self = shared_from_this()] { self->Connect(); });
}

void Client::Stop() {
    auto stop = [self = shared_from_this()] {
        self->stopping_ = true;
        self->reconnect_timer_.cancel();
        self->connect_timer_.cancel();
        if (self->ac_) {
            auto* ac = self->ac_;
            self->ac_ = nullptr;
            redisAsyncFree(ac);
        }
        self->connected_.store(false);
    };
    if (context_.get_executor().running_in_this_thread() || context_.stopped()) {
        stop();
        return;
    }
    std::promise<void> done;
    boost::asio::post(context_, [&] {
        stop();
        done.set_value();
    });
    if (done.get_future().wait_for(std::chrono::seconds(5)) != std::future_status::ready)
        log::Warn("redis_stop_timeout", {{"connection", options_.name}});
}

void Client::SetSubscription(std::string channel, std::function<void(std::string_view)> on_message) {
    channel_ = std::move(channel);
    on_message_ = std::move(on_message);
}

void Client::Connect() {
    if (stopping_) return;
    handshake_done_ = false;
    redisAsyncContext* ac = redisAsyncConnect(options_.host.c_str(), options_.port);
    if (!ac) {
        MarkDown("out of memory");
        ScheduleReconnect();
        return;
    }
    if (ac->err) {
        std::string why = ac->errstr;
        redisAsyncFree(ac);
        MarkDown(why);
        ScheduleReconnect();
        return;
    }
    ac->data = this;
    auto watcher = std::make_shared<Watcher>(context_, ac->c.fd);
    watcher->ac = ac;
    ac->ev.data = new std::shared_ptr<Watcher>(watcher);
    ac->ev.addRead = &Watcher::AddRead;
    ac->ev.delRead = &Watcher::DelRead;
    ac->ev.addWrite = &Watcher::AddWrite;
    ac->ev.delWrite = &Watcher::DelWrite;
    ac->ev.cleanup = &Watcher::Cleanup;
    ac_ = ac;
    redisAsyncSetDisconnectCallback(ac, &Client::OnDisconnectC);
    redisAsyncSetConnectCallback(ac, &Client::OnConnectC);  // arms the first write event
    connect_timer_.expires_after(options_.connect_timeout);
    connect_timer_.async_wait([self = shared_from_this(), ac](boost::system::error_code ec) {
        if (ec || self->ac_ != ac || self->connected_.load()) return;
        self->ac_ = nullptr;
        redisAsyncFree(ac);  // not connected yet: no callbacks but the pending replies'
        self->MarkDown("connect timeout");
        self->ScheduleReconnect();
    });
}

void Client::ScheduleReconnect() {
    if (stopping_) return;
    reconnect_timer_.expires_after(backoff_);
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    reconnect_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec) self->Connect();
    });
}

void Client::MarkDown(const std::string& why) {
    connected_.store(false);
    if (!down_logged_) {
        down_logged_ = true;
        log::Warn("redis_unavailable", {{"connection", options_.name},
                                        {"address", options_.host + ":" + std::to_string(options_.port)},
                                        {"error", why}});
    }
    if (on_down_) on_down_();
}

void Client::OnConnectC(const redisAsyncContext* ac, int status) {
    auto* self = static_cast<Client*>(ac->data);
    self->HandleConnected(status);
}

void Client::HandleConnected(int status) {
    connect_timer_.cancel();
    if (status != REDIS_OK) {
        // hiredis frees the context right after this callback.
        std::string why = ac_ && ac_->errstr ? ac_->errstr : "connect failed";
        ac_ = nullptr;
        MarkDown(why);
        ScheduleReconnect();
        return;
    }
    backoff_ = options_.min_backoff;
    // AUTH and SELECT go first on the connection; anything sent after them is ordered behind.
    auto check = [self = shared_from_this()](Reply r) {
        if (r.IsError()) log::Error("redis_handshake_failed", {{"connection", self->options_.name}, {"error", r.str}});
    };
    connected_.store(true);
    auto pending = [&check] {
        auto p = std::make_shared<Pending>();
        p->done = check;
        return p;
    };
    if (!options_.password.empty()) Send({"AUTH", options_.password}, pending());
    if (options_.db != 0) Send({"SELECT", std::to_string(options_.db)}, pending());
    if (down_logged_ || !ever_connected_) {
        log::Info("redis_connected",
                  {{"connection", options_.name}, {"address", options_.host + ":" + std::to_string(options_.port)}});
    }
    down_logged_ = false;
    ever_connected_ = true;
    if (!channel_.empty() && ac_) {
        const char* argv[] = {"SUBSCRIBE", channel_.c_str()};
        size_t lens[] = {9, channel_.size()};
        redisAsyncCommandArgv(ac_, &Client::OnMessageC, this, 2, argv, lens);
    }
    if (on_connect_) on_connect_();
}

void Client::OnDisconnectC(const redisAsyncContext* ac, int status) {
    auto* self = static_cast<Client*>(ac->data);
    self->HandleDisconnected(status);
}

void Client::HandleDisconnected(int status) {
    ac_ = nullptr;
    connected_.store(false);
    if (stopping_) return;
    MarkDown("connection lost");
    ScheduleReconnect();
}

void Client::OnReplyC(redisAsyncContext* ac, void* reply, void* privdata) {
    std::unique_ptr<std::shared_ptr<Pending>> holder(static_cast<std::shared_ptr<Pending>*>(privdata));
    auto& pending = **holder;
    if (reply) {
        pending.Complete(Convert(static_cast<redisReply*>(reply)));
    } else {
        pending.Complete(Reply::Error(ac && ac->errstr ? ac->errstr : "disconnected"));
    }
}

void Client::OnMessageC(redisAsyncContext*, void* reply, void* privdata) {
    auto* self = static_cast<Client*>(privdata);
    auto* r = static_cast<redisReply*>(reply);
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 3) return;
    if (std::string_view(r->element[0]->str, r->element[0]->len) != "message") return;
    if (self->on_message_) self->on_message_(std::string_view(r->element[2]->str, r->element[2]->len));
}

void Client::Send(const Args& args, const std::shared_ptr<Pending>& pending) {
    if (!ac_ || !connected_.load()) {
        pending->Complete(Reply::Error("redis not connected"));
        return;
    }
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    argv.reserve(args.size());
    lens.reserve(args.size());
    for (const auto& a : args) {
        argv.push_back(a.data());
        lens.push_back(a.size());
    }
    auto* holder = new std::shared_ptr<Pending>(pending);
    if (redisAsyncCommandArgv(ac_, &Client::OnReplyC, holder, static_cast<int>(argv.size()), argv.data(),
                              lens.data()) != REDIS_OK) {
        delete holder;
        pending->Complete(Reply::Error("redis command rejected"));
    }
}

void Client::TimedOut() {
    if (!options_.reset_on_timeout || !ac_) return;
    // Replies still pending fail now; the disconnect callback marks us down and schedules a reconnect.
    log::Warn("redis_timeout_reset", {{"connection", options_.name}});
    auto* ac = ac_;
    redisAsyncFree(ac);
}

void Client::Command(Args args, Callback done, std::chrono::milliseconds timeout) {
    boost::asio::post(context_, [self = shared_from_this(), args = std::move(args), done = std::move(done),
                                 timeout]() mutable {
        auto pending = std::make_shared<Pending>();
        pending->done = std::move(done);
        if (timeout.count() > 0) {
            pending->timer.emplace(self->context_);
            pending->timer->expires_after(timeout);
            pending->timer->async_wait([self, weak = std::weak_ptr<Pending>(pending)](boost::system::error_code ec) {
                if (ec) return;
                if (auto p = weak.lock()) {
                    p->Complete(Reply::Error("redis timeout"));
                    self->TimedOut();
                }
            });
        }
        self->Send(args, pending);
    });
}

void Client::Pipeline(std::vector<Args> commands, std::function<void(std::vector<Reply>)> done,
                      std::chrono::milliseconds timeout) {
    boost::asio::post(context_, [self = shared_from_this(), commands = std::move(commands), done = std::move(done),
                                 timeout]() mutable {
        struct Batch {
            std::vector<Reply> replies;
            std::vector<bool> received;
            std::size_t remaining = 0;
            std::function<void(std::vector<Reply>)> done;
            std::optional<boost::asio::steady_timer> timer;
            void Finish() {
                if (!done) return;
                if (timer) timer->cancel();
                auto cb = std::move(done);
                done = nullptr;
                cb(std::move(replies));
            }
        };
        auto batch = std::make_shared<Batch>();
        batch->replies.resize(commands.size());
        batch->received.resize(commands.size());
        batch->remaining = commands.size();
        batch->done = std::move(done);
        if (commands.empty()) {
            batch->Finish();
            return;
        }
        if (timeout.count() > 0) {
            batch->timer.emplace(self->context_);
            batch->timer->expires_after(timeout);
            batch->timer->async_wait([self, weak = std::weak_ptr<Batch>(batch)](boost::system::error_code ec) {
                if (ec) return;
                auto b = weak.lock();
                if (!b || !b->done) return;
                for (std::size_t i = 0; i < b->replies.size(); ++i)
                    if (!b->received[i]) b->replies[i] = Reply::Error("redis timeout");
                b->Finish();
                self->TimedOut();
            });
        }
        for (std::size_t i = 0; i < commands.size(); ++i) {
            auto pending = std::make_shared<Pending>();
            pending->done = [batch, i](Reply r) {
                if (!batch->done) return;
                batch->replies[i] = std::move(r);
                batch->received[i] = true;
                if (--batch->remaining == 0) batch->Finish();
            };
            self->Send(commands[i], pending);
        }
    });
}

boost::asio::awaitable<Reply> Client::Call(Args args, std::chrono::milliseconds timeout) {
    co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(Reply)>(
        [this, &args, timeout](auto handler) {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            Command(
                std::move(args),
                [h](Reply r) {
                    auto ex = boost::asio::get_associated_executor(*h);
                    boost::asio::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
                },
                timeout);
        },
        boost::asio::use_awaitable);
}

boost::asio::awaitable<std::vector<Reply>> Client::CallPipeline(std::vector<Args> commands,
                                                                std::chrono::milliseconds timeout) {
    co_return co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void(std::vector<Reply>)>(
        [this, &commands, timeout](auto handler) {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            Pipeline(
                std::move(commands),
                [h](std::vector<Reply> r) {
                    auto ex = boost::asio::get_associated_executor(*h);
                    boost::asio::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); });
                },
                timeout);
        },
        boost::asio::use_awaitable);
}

}  // namespace shortener::redis
