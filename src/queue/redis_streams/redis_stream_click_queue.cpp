#include "queue/redis_streams/redis_stream_click_queue.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "log/log.hpp"
#include "queue/redis_streams/click_codec.hpp"

namespace shortener::queue {
namespace {

using redis::Reply;

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::uint64_t CountRecords(std::string_view data) {
    std::uint64_t n = 0;
    std::size_t pos = 0;
    std::vector<std::string> fields;
    while (ReadRecord(data, pos, fields)) ++n;
    return n;
}

redis::Client::Args Xadd(const std::string& stream, std::vector<std::string>&& fields) {
    redis::Client::Args args;
    args.reserve(fields.size() + 3);
    args.emplace_back("XADD");
    args.push_back(stream);
    args.emplace_back("*");
    for (auto& f : fields) args.push_back(std::move(f));
    return args;
}

}  // namespace

boost::asio::awaitable<void> EnsureGroup(redis::Client& client, const RedisStreamOptions& options) {
    redis::Client::Args args{"XGROUP", "CREATE", options.stream, options.group, "0", "MKSTREAM"};
    auto r = co_await client.Call(std::move(args), options.command_timeout);
    if (r.IsError() && r.str.rfind("BUSYGROUP", 0) != 0) throw std::runtime_error("XGROUP CREATE: " + r.str);
}

// ---------------------------------------------------------------------------------------------------------
// Producer

RedisStreamClickSink::RedisStreamClickSink(std::shared_ptr<redis::Client> client, RedisStreamOptions options)
    : client_(std::move(client)), options_(std::move(options)) {
    if (!options_.journal_path.empty() && std::filesystem::exists(options_.journal_path))
        journaled_.store(CountRecords(ReadFile(options_.journal_path)));
}

RedisStreamClickSink::~RedisStreamClickSink() { Stop(); }

void RedisStreamClickSink::Start() {
    if (journaled_.load() > 0)
        log::Info("click_journal_found",
                  {{"clicks", std::to_string(journaled_.load())}, {"path", options_.journal_path}});
    flusher_ = std::thread([this] {
        pthread_setname_np(pthread_self(), "click-flusher");
        Run();
    });
}

void RedisStreamClickSink::Stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !flusher_.joinable()) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (flusher_.joinable()) flusher_.join();
}

bool RedisStreamClickSink::TryEnqueue(core::ClickEvent&& click) noexcept {
    bool was_empty = false;
    {
        std::lock_guard lock(mutex_);
        if (buffer_.size() >= options_.buffer_capacity || stopping_) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            if (!drop_logged_.exchange(true))
                log::Error("clicks_dropped",
                           {{"reason", "click buffer full"}, {"capacity", std::to_string(options_.buffer_capacity)}});
            return false;
        }
        was_empty = buffer_.empty();
        buffer_.push_back(std::move(click));
    }
    enqueued_.fetch_add(1, std::memory_order_relaxed);
    // A lone click is sent at once; under load the flusher is busy and batches form by themselves.
    if (was_empty) wake_.notify_one();
    return true;
}

QueueStats RedisStreamClickSink::Stats() const noexcept {
    QueueStats s;
    s.enqueued = enqueued_.load();
    s.dropped = dropped_.load();
    std::lock_guard lock(mutex_);
    s.depth = buffer_.size() + journaled_.load();
    return s;
}

void RedisStreamClickSink::Run() {
    for (;;) {
        std::vector<core::ClickEvent> batch;
        bool stopping = false;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_ || !buffer_.empty(); });
            stopping = stopping_;
            const bool up = client_->Connected();
            std::size_t take = 0;
            if (up)
                take = std::min(buffer_.size(), options_.xadd_batch);
            else if (stopping || buffer_.size() >= options_.spill_threshold)
                take = buffer_.size();
            batch.reserve(take);
            for (std::size_t i = 0; i < take; ++i) {
                batch.push_back(std::move(buffer_.front()));
                buffer_.pop_front();
            }
        }
        if (journaled_.load() > 0 && client_->Connected()) ReplayJournal();
        if (!batch.empty()) {
            if (client_->Connected() && Send(batch)) {
                // all sent
            } else if (stopping || !client_->Connected()) {
                Spill(batch);
                // Whatever piled up meanwhile goes too, unless it is little (it then waits for Redis in memory).
                std::vector<core::ClickEvent> rest;
                {
                    std::lock_guard lock(mutex_);
                    if (buffer_.size() >= options_.spill_threshold && !client_->Connected()) {
                        rest.assign(std::make_move_iterator(buffer_.begin()), std::make_move_iterator(buffer_.end()));
                        buffer_.clear();
                    }
                }
                Spill(rest);
            } else {
                // Redis answered with errors: keep the clicks and try again shortly.
                {
                    std::lock_guard lock(mutex_);
                    buffer_.insert(buffer_.begin(), std::make_move_iterator(batch.begin()),
                                   std::make_move_iterator(batch.end()));
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
        if (stopping) {
            std::lock_guard lock(mutex_);
            if (buffer_.empty()) break;
        }
    }
    log::Info("click_flusher_stopped", {{"sent", std::to_string(sent_.load())},
                                        {"journaled", std::to_string(journaled_.load())},
                                        {"dropped", std::to_string(dropped_.load())}});
}

bool RedisStreamClickSink::SendFields(std::vector<std::vector<std::string>>& entries) {
    // Clicks travel kClicksPerEntry to a stream entry; an entry that fails keeps all its clicks for a retry.
    std::vector<redis::Client::Args> commands;
    std::vector<std::pair<std::size_t, std::size_t>> ranges;  // [first, last) click of each entry
    for (std::size_t first = 0; first < entries.size(); first += kClicksPerEntry) {
        const std::size_t last = std::min(entries.size(), first + kClicksPerEntry);
        std::vector<std::vector<std::string>> chunk(entries.begin() + first, entries.begin() + last);
        commands.push_back(Xadd(options_.stream, EncodeEntry(chunk)));
        ranges.emplace_back(first, last);
    }
    auto promise = std::make_shared<std::promise<std::vector<Reply>>>();
    auto future = promise->get_future();
    client_->Pipeline(
        std::move(commands), [promise](std::vector<Reply> r) { promise->set_value(std::move(r)); },
        options_.command_timeout);
    if (future.wait_for(options_.command_timeout + std::chrono::seconds(1)) != std::future_status::ready) return false;
    auto replies = future.get();
    std::vector<std::vector<std::string>> failed;
    std::string error;
    for (std::size_t i = 0; i < replies.size(); ++i) {
        if (replies[i].IsError()) {
            error = replies[i].str;
            for (std::size_t k = ranges[i].first; k < ranges[i].second; ++k) failed.push_back(std::move(entries[k]));
        }
    }
    sent_.fetch_add(entries.size() - failed.size());
    entries = std::move(failed);
    if (!entries.empty())
        log::Debug("click_xadd_failed", {{"clicks", std::to_string(entries.size())}, {"error", error}});
    return entries.empty();
}

bool RedisStreamClickSink::Send(std::vector<core::ClickEvent>& clicks) {
    std::vector<std::vector<std::string>> entries;
    entries.reserve(clicks.size());
    for (const auto& c : clicks) entries.push_back(EncodeClick(c));
    if (SendFields(entries)) {
        clicks.clear();
        return true;
    }
    // Keep the clicks whose XADD failed (XADD of one that did reach Redis is harmless: stored once by id).
    std::vector<core::ClickEvent> rest;
    for (auto& e : entries) {
        auto decoded = DecodeClick(e);
        if (auto* c = std::get_if<core::ClickEvent>(&decoded)) rest.push_back(std::move(*c));
    }
    clicks = std::move(rest);
    return false;
}

void RedisStreamClickSink::Spill(std::vector<core::ClickEvent>& clicks) {
    if (clicks.empty()) return;
    if (options_.journal_path.empty()) {
        dropped_.fetch_add(clicks.size());
        log::Error("clicks_lost", {{"clicks", std::to_string(clicks.size())}, {"reason", "redis down, no journal"}});
        clicks.clear();
        return;
    }
    std::string data;
    for (const auto& c : clicks) AppendRecord(data, EncodeClick(c));
    int fd = ::open(options_.journal_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    bool ok = fd >= 0;
    for (std::size_t off = 0; ok && off < data.size();) {
        auto n = ::write(fd, data.data() + off, data.size() - off);
        if (n <= 0)
            ok = false;
        else
            off += static_cast<std::size_t>(n);
    }
    if (ok) ok = ::fdatasync(fd) == 0;
    if (fd >= 0) ::close(fd);
    if (!ok) {
        // Keep them in memory rather than lose them; drops start only when the buffer is full.
        log::Error("click_journal_write_failed", {{"path", options_.journal_path}, {"error", std::strerror(errno)}});
        std::lock_guard lock(mutex_);
        buffer_.insert(buffer_.begin(), std::make_move_iterator(clicks.begin()), std::make_move_iterator(clicks.end()));
        clicks.clear();
        return;
    }
    if (journaled_.load() == 0) log::Warn("clicks_journaled", {{"path", options_.journal_path}});
    journaled_.fetch_add(clicks.size());
    clicks.clear();
}

bool RedisStreamClickSink::ReplayJournal() {
    std::string data = ReadFile(options_.journal_path);
    std::size_t pos = 0;
    std::vector<std::string> fields;
    std::vector<std::vector<std::string>> chunk;
    std::uint64_t replayed = 0;
    while (ReadRecord(data, pos, fields)) {
        chunk.push_back(fields);
        if (chunk.size() >= options_.xadd_batch) {
            // On failure the whole journal is replayed again later: some entries then reach the stream
            // twice, and the idempotent store keeps one.
            if (!SendFields(chunk)) return false;
            replayed += options_.xadd_batch;
            chunk.clear();
        }
    }
    if (!chunk.empty()) {
        auto n = chunk.size();
        if (!SendFields(chunk)) return false;
        replayed += n;
    }
    if (::truncate(options_.journal_path.c_str(), 0) != 0) {
        log::Error("click_journal_truncate_failed", {{"path", options_.journal_path}, {"error", std::strerror(errno)}});
        return false;
    }
    journaled_.store(0);
    log::Info("click_journal_replayed", {{"clicks", std::to_string(replayed)}});
    return true;
}

// ---------------------------------------------------------------------------------------------------------
// Consumer

RedisStreamClickSource::RedisStreamClickSource(std::shared_ptr<redis::Client> client, RedisStreamOptions options,
                                               std::string consumer)
    : client_(std::move(client)), options_(std::move(options)), consumer_(std::move(consumer)) {}

Task<void> RedisStreamClickSource::Pause(std::chrono::milliseconds wait) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, wait);
    co_await timer.async_wait(boost::asio::use_awaitable);
}

std::size_t RedisStreamClickSource::MaxClicksPerRead(std::size_t max) noexcept {
    return EntriesPerRead(max) * kClicksPerEntry;
}

Task<ClickBatch> RedisStreamClickSource::Read(std::size_t max, std::chrono::milliseconds wait) {
    if (closed_.load()) co_return ClickBatch{};
    // `max` counts clicks, COUNT counts entries (up to kClicksPerEntry clicks each, fewer under light load).
    const std::size_t entries = EntriesPerRead(max);
    std::string error;
    try {
        if (!group_ready_) {
            co_await EnsureGroup(*client_, options_);
            group_ready_ = true;
        }
        auto now = std::chrono::steady_clock::now();
        if (now >= next_claim_) {
            next_claim_ = now + options_.claim_every;
            auto claimed = co_await Claim(entries);
            if (!claimed.empty()) co_return claimed;
        }
        co_return co_await ReadNew(entries, wait);
    } catch (const std::exception& e) {
        error = e.what();
    }
    // At startup the connection may simply not be up yet: only a lasting failure is worth a line.
    const bool starting = !ever_read_ && std::chrono::steady_clock::now() - created_ < std::chrono::seconds(3);
    if (!error_logged_ && !starting) {
        error_logged_ = true;
        log::Error("click_source_failed", {{"consumer", consumer_}, {"error", error}});
    }
    co_await Pause(std::max(wait, std::chrono::milliseconds(100)));
    co_return ClickBatch{};
}

Task<ClickBatch> RedisStreamClickSource::Claim(std::size_t entries) {
    redis::Client::Args claim{
        "XAUTOCLAIM",  options_.stream, options_.group,         consumer_, std::to_string(options_.claim_idle.count()),
        claim_cursor_, "COUNT",         std::to_string(entries)};
    auto r = co_await client_->Call(std::move(claim), options_.command_timeout);
    if (r.IsError()) throw std::runtime_error("XAUTOCLAIM: " + r.str);
    if (r.elements.size() < 2) co_return ClickBatch{};
    claim_cursor_ = r.elements[0].str.empty() ? "0-0" : r.elements[0].str;
    if (r.elements[1].elements.empty()) co_return ClickBatch{};
    auto batch = co_await Take(r.elements[1]);
    claimed_.fetch_add(batch.clicks.size());
    log::Info("clicks_claimed", {{"entries", std::to_string(r.elements[1].elements.size())},
                                 {"clicks", std::to_string(batch.clicks.size())},
                                 {"consumer", consumer_}});
    co_return batch;
}

Task<ClickBatch> RedisStreamClickSource::ReadNew(std::size_t entries, std::chrono::milliseconds wait) {
    redis::Client::Args read{"XREADGROUP",
                             "GROUP",
                             options_.group,
                             consumer_,
                             "COUNT",
                             std::to_string(entries),
                             "BLOCK",
                             std::to_string(wait.count()),
                             "STREAMS",
                             options_.stream,
                             ">"};
    auto r = co_await client_->Call(std::move(read), wait + options_.command_timeout);
    if (r.IsError()) {
        if (r.str.rfind("NOGROUP", 0) == 0) group_ready_ = false;
        throw std::runtime_error("XREADGROUP: " + r.str);
    }
    ever_read_ = true;
    if (error_logged_) {
        error_logged_ = false;
        log::Info("click_source_recovered", {{"consumer", consumer_}});
    }
    if (r.type != Reply::Type::kArray || r.elements.empty() || r.elements[0].elements.size() < 2)
        co_return ClickBatch{};
    co_return co_await Take(r.elements[0].elements[1]);
}

Task<ClickBatch> RedisStreamClickSource::Take(const Reply& entries) {
    ClickBatch batch;
    std::vector<redis::Client::Args> dead;
    std::vector<std::string> dead_ids;  // entries with nothing to store: acknowledged here
    for (const auto& entry : entries.elements) {
        if (entry.elements.size() < 2 || entry.elements[0].type != Reply::Type::kString) continue;
        const std::string& id = entry.elements[0].str;
        if (entry.elements[1].type != Reply::Type::kArray) {
            dead_ids.push_back(id);  // deleted meanwhile: nothing to store, just acknowledge
            continue;
        }
        std::vector<std::string> fields;
        fields.reserve(entry.elements[1].elements.size());
        for (const auto& f : entry.elements[1].elements) fields.push_back(f.str);
        auto decoded = DecodeEntry(fields);
        for (auto& [reason, bad] : decoded.malformed) {
            redis::Client::Args args{
                "XADD", options_.dead_letter_stream, "MAXLEN", "~", "100000", "*", "reason", reason, "source_id", id};
            for (auto& f : bad) args.push_back(std::move(f));
            dead.push_back(std::move(args));
        }
        if (decoded.clicks.empty()) {
            dead_ids.push_back(id);
            continue;
        }
        // The entry is acknowledged with the batch, once its clicks are stored.
        for (auto& c : decoded.clicks) batch.clicks.push_back(std::move(c));
        batch.tokens.push_back(id);
    }
    const std::size_t letters = dead.size();
    if (!dead_ids.empty() || letters > 0) {
        if (!dead_ids.empty()) {
            redis::Client::Args ack{"XACK", options_.stream, options_.group};
            redis::Client::Args del{"XDEL", options_.stream};
            for (const auto& id : dead_ids) {
                ack.push_back(id);
                del.push_back(id);
            }
            dead.push_back(std::move(ack));
            dead.push_back(std::move(del));
        }
        auto replies = co_await client_->CallPipeline(std::move(dead), options_.command_timeout);
        for (const auto& r : replies)
            if (r.IsError()) throw std::runtime_error("dead-lettering: " + r.str);
        if (letters > 0) {
            dead_lettered_.fetch_add(letters);
            log::Warn("clicks_dead_lettered",
                      {{"entries", std::to_string(letters)}, {"stream", options_.dead_letter_stream}});
        }
    }
    co_return batch;
}

Task<void> RedisStreamClickSource::Ack(const ClickBatch& batch) {
    if (batch.tokens.empty()) co_return;
    redis::Client::Args ack{"XACK", options_.stream, options_.group};
    redis::Client::Args del{"XDEL", options_.stream};
    ack.reserve(batch.tokens.size() + 3);
    del.reserve(batch.tokens.size() + 2);
    for (const auto& id : batch.tokens) {
        ack.push_back(id);
        del.push_back(id);
    }
    // Acknowledged entries are deleted at once: the stream only ever holds unacknowledged ones.
    std::vector<redis::Client::Args> commands;
    commands.push_back(std::move(ack));
    commands.push_back(std::move(del));
    auto replies = co_await client_->CallPipeline(std::move(commands), options_.command_timeout);
    for (const auto& r : replies)
        if (r.IsError()) throw std::runtime_error("XACK: " + r.str);
}

}  // namespace shortener::queue
