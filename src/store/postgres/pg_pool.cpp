#include "store/postgres/pg_pool.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>
#include <cstring>

#include "core/errc.hpp"

namespace shortener::store {
namespace {

namespace asio = boost::asio;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;
using Descriptor = asio::posix::stream_descriptor;

std::string ConnectionMessage(pg_conn* c) {
    std::string m = c ? PQerrorMessage(c) : "out of memory";
    while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
    return m.empty() ? "connection lost" : m;
}

// Waits until `fd` is ready for `what`, or throws BackendUnavailable at `deadline`. The descriptor is
// registered with the caller's reactor only for this wait and released (never closed: libpq owns the fd).
asio::awaitable<void> WaitSocket(int fd, Descriptor::wait_type what, Clock::time_point deadline, const char* doing) {
    using namespace asio::experimental::awaitable_operators;
    auto ex = co_await asio::this_coro::executor;
    Descriptor socket(ex, fd);
    asio::steady_timer timer(ex, deadline);
    std::variant<std::monostate, std::monostate> done;
    try {
        done = co_await (socket.async_wait(what, use_awaitable) || timer.async_wait(use_awaitable));
    } catch (...) {
        socket.release();
        throw;
    }
    socket.release();
    if (done.index() == 1) throw core::BackendUnavailable(std::string("PostgreSQL: timed out ") + doing);
}

// Errors that say the server or the connection is unusable rather than that the statement is wrong:
// class 08 (connection exception), 53 (insufficient resources), 57P01-57P03 (shutdown, cannot connect now).
// Whether an idle connection is still usable, without waiting: a healthy idle connection has nothing to read.
// A server that closed it (restart, pg_terminate_backend) left an error message and then end-of-file.
bool IsAlive(pg_conn* c) {
    for (int i = 0; i < 4; ++i) {
        pollfd p{PQsocket(c), POLLIN, 0};
        if (p.fd < 0 || ::poll(&p, 1, 0) < 0) return false;
        if (p.revents == 0) break;
        if (!PQconsumeInput(c)) return false;
    }
    return PQstatus(c) == CONNECTION_OK;
}

bool IsUnavailableState(std::string_view s) {
    return s.starts_with("08") || s.starts_with("53") || s == "57P01" || s == "57P02" || s == "57P03";
}

}  // namespace

// ---- PgResult ----

PgResult& PgResult::operator=(PgResult&& o) noexcept {
    if (this != &o) {
        if (r_) PQclear(r_);
        r_ = o.r_;
        o.r_ = nullptr;
    }
    return *this;
}

PgResult::~PgResult() {
    if (r_) PQclear(r_);
}

int PgResult::Rows() const noexcept { return r_ ? PQntuples(r_) : 0; }

std::int64_t PgResult::Affected() const noexcept {
    if (!r_) return 0;
    const char* n = PQcmdTuples(r_);
    return (n && *n) ? std::strtoll(n, nullptr, 10) : 0;
}

bool PgResult::IsNull(int row, int column) const noexcept { return PQgetisnull(r_, row, column) != 0; }

std::string_view PgResult::Text(int row, int column) const noexcept {
    return {PQgetvalue(r_, row, column), static_cast<std::size_t>(PQgetlength(r_, row, column))};
}

std::int64_t PgResult::Int(int row, int column) const { return std::strtoll(PQgetvalue(r_, row, column), nullptr, 10); }

std::optional<std::int64_t> PgResult::OptionalInt(int row, int column) const {
    if (IsNull(row, column)) return std::nullopt;
    return Int(row, column);
}

// ---- PgConnection ----

PgConnection::~PgConnection() { Close(); }

bool PgConnection::IsOpen() const noexcept { return conn_ && PQstatus(conn_) == CONNECTION_OK; }

void PgConnection::Close() noexcept {
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    prepared_.clear();
}

// ---- PgLease ----

PgLease::~PgLease() {
    if (c_) pool_->Release(std::move(c_));
}

asio::awaitable<PgResult> PgLease::Execute(const PgStatement& statement, const PgParams& params, PgFormat format) {
    pg_conn* conn = c_->conn_;
    const bool prepared = pool_->options_.statements == PgStatementMode::kPrepared;
    if (prepared && std::find(c_->prepared_.begin(), c_->prepared_.end(), statement.name) == c_->prepared_.end()) {
        bool sent = PQsendPrepare(conn, statement.name, statement.sql, static_cast<int>(params.size()), nullptr);
        co_await RunToCompletion(sent);
        c_->prepared_.push_back(statement.name);
    }
    std::vector<const char*> values;
    std::vector<int> lengths, formats;
    values.reserve(params.size());
    for (const auto& p : params) {
        values.push_back(p ? p->data() : nullptr);
        lengths.push_back(p ? static_cast<int>(p->size()) : 0);
        formats.push_back(format == PgFormat::kBinary ? 1 : 0);
    }
    const int n = static_cast<int>(values.size());
    // Unnamed: the server infers parameter types as PQsendPrepare with no types would, so both modes accept the
    // same SQL and binary parameters.
    bool sent =
        prepared ? PQsendQueryPrepared(conn, statement.name, n, values.data(), lengths.data(), formats.data(), 0)
                 : PQsendQueryParams(conn, statement.sql, n, nullptr, values.data(), lengths.data(), formats.data(), 0);
    co_return co_await RunToCompletion(sent);
}

asio::awaitable<PgResult> PgLease::ExecuteScript(const char* sql) {
    co_return co_await RunToCompletion(PQsendQuery(c_->conn_, sql));
}

asio::awaitable<PgResult> PgLease::RunToCompletion(bool sent) {
    pg_conn* conn = c_->conn_;
    auto fail = [&](const std::string& what) -> core::BackendUnavailable {
        std::string message = "PostgreSQL: " + what + ": " + ConnectionMessage(conn);
        c_->Close();
        return core::BackendUnavailable(message);
    };
    if (!sent) throw fail("sending a statement");
    const auto deadline = Clock::now() + pool_->options_.query_timeout;
    const int fd = PQsocket(conn);
    try {
        // A large statement may not fit in the socket buffer: flush as the socket drains.
        for (;;) {
            int f = PQflush(conn);
            if (f == 0) break;
            if (f < 0) throw fail("sending a statement");
            co_await WaitSocket(fd, Descriptor::wait_write, deadline, "sending a statement");
            if (!PQconsumeInput(conn)) throw fail("reading an answer");
        }
        PgResult last;
        std::optional<PgError> error;
        for (;;) {
            while (!PQisBusy(conn)) {
                pg_result* r = PQgetResult(conn);
                if (!r) {
                    if (error) {
                        if (PQstatus(conn) != CONNECTION_OK) throw fail("running a statement");
                        if (IsUnavailableState(error->sqlstate())) {
                            c_->Close();
                            throw core::BackendUnavailable(std::string("PostgreSQL: ") + error->what());
                        }
                        throw *error;
                    }
                    co_return last;
                }
                auto status = PQresultStatus(r);
                if (status == PGRES_FATAL_ERROR || status == PGRES_BAD_RESPONSE || status == PGRES_NONFATAL_ERROR) {
                    if (!error) {
                        const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
                        const char* constraint = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
                        std::string message = PQresultErrorMessage(r);
                        while (!message.empty() && message.back() == '\n') message.pop_back();
                        error.emplace(state ? state : "", message, constraint ? constraint : "");
                    }
                    PQclear(r);
                } else {
                    last = PgResult(r);
                }
            }
            co_await WaitSocket(fd, Descriptor::wait_read, deadline, "waiting for an answer");
            if (!PQconsumeInput(conn)) throw fail("reading an answer");
        }
    } catch (const core::BackendUnavailable&) {
        // A timed-out statement leaves the connection mid-protocol: it cannot be reused.
        c_->Close();
        throw;
    }
}

// ---- PgPool ----

struct PgPool::Waiter {
    explicit Waiter(const asio::any_io_executor& ex) : timer(ex) {}
    asio::steady_timer timer;
    std::unique_ptr<PgConnection> connection;  // set by Release when handed over
};

PgPool::PgPool(PostgresOptions options) : options_(std::move(options)) {
    if (options_.pool_size == 0) options_.pool_size = 1;
}

PgPool::~PgPool() = default;

PgPool::Stats PgPool::GetStats() const {
    std::lock_guard lock(mutex_);
    Stats s = stats_;
    s.open = slots_used_;
    s.idle = idle_.size();
    s.waiting = waiters_.size();
    return s;
}

void PgPool::Release(std::unique_ptr<PgConnection> c) noexcept {
    // A connection left inside a transaction or mid-statement (a coroutine abandoned while waiting) is not
    // safe to reuse; its slot stays, and the next user reconnects.
    if (c->conn_ && (PQstatus(c->conn_) != CONNECTION_OK || PQtransactionStatus(c->conn_) != PQTRANS_IDLE)) {
        c->Close();
    }
    std::lock_guard lock(mutex_);
    if (!waiters_.empty()) {
        auto w = std::move(waiters_.front());
        waiters_.pop_front();
        w->connection = std::move(c);
        // The waiter's timer is its wake-up call; cancel it on the waiter's own executor.
        asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
        return;
    }
    idle_.push_back(std::move(c));
}

asio::awaitable<PgLease> PgPool::Acquire() {
    auto ex = co_await asio::this_coro::executor;
    std::unique_ptr<PgConnection> c;
    std::shared_ptr<Waiter> waiter;
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            c = std::move(idle_.back());
            idle_.pop_back();
        } else if (slots_used_ < options_.pool_size) {
            ++slots_used_;
            c = std::make_unique<PgConnection>();
        } else {
            waiter = std::make_shared<Waiter>(ex);
            waiter->timer.expires_after(options_.acquire_timeout);
            waiters_.push_back(waiter);
        }
    }
    if (waiter) {
        // If this coroutine is destroyed while waiting (its event loop shut down), the waiter must leave the
        // queue, and a connection already handed to it must go back to the pool.
        struct Abandon {
            PgPool* pool;
            std::shared_ptr<Waiter> waiter;
            ~Abandon() {
                if (!waiter) return;
                std::unique_ptr<PgConnection> handed;
                {
                    std::lock_guard lock(pool->mutex_);
                    auto it = std::find(pool->waiters_.begin(), pool->waiters_.end(), waiter);
                    if (it != pool->waiters_.end()) pool->waiters_.erase(it);
                    handed = std::move(waiter->connection);
                }
                if (handed) pool->Release(std::move(handed));
            }
        } abandon{this, waiter};
        co_await waiter->timer.async_wait(asio::as_tuple(use_awaitable));
        abandon.waiter.reset();
        std::lock_guard lock(mutex_);
        if (waiter->connection) {
            c = std::move(waiter->connection);
        } else {
            waiters_.erase(std::find(waiters_.begin(), waiters_.end(), waiter));
            ++stats_.acquire_timeouts;
            throw core::BackendUnavailable("PostgreSQL: no free connection in the pool within the acquire timeout");
        }
    }
    PgLease lease(*this, std::move(c), ex);
    // An idle connection may have been closed by the server (restart, idle timeout): reading what is
    // pending notices that without waiting, and a fresh connection replaces it.
    PgConnection& conn = *lease.c_;
    if (conn.conn_ && !IsAlive(conn.conn_)) conn.Close();
    if (!conn.conn_) co_await Connect(conn);
    co_return lease;
}

asio::awaitable<void> PgPool::Connect(PgConnection& c) {
    // application_name first: one given in the DSN overrides it.
    const char* keywords[] = {"application_name", "dbname", nullptr};
    const char* values[] = {"shortener", options_.dsn.c_str(), nullptr};
    c.conn_ = PQconnectStartParams(keywords, values, /*expand_dbname=*/1);
    auto fail = [&] {
        std::string message = "PostgreSQL: cannot connect: " + ConnectionMessage(c.conn_);
        c.Close();
        std::lock_guard lock(mutex_);
        ++stats_.connect_failures;
        return core::BackendUnavailable(message);
    };
    if (!c.conn_ || PQstatus(c.conn_) == CONNECTION_BAD) throw fail();
    const auto deadline = Clock::now() + options_.connect_timeout;
    auto poll = PGRES_POLLING_WRITING;
    for (;;) {
        if (poll == PGRES_POLLING_OK) break;
        if (poll == PGRES_POLLING_FAILED) throw fail();
        // The socket may change between steps (libpq tries each address in turn).
        int fd = PQsocket(c.conn_);
        if (fd < 0) throw fail();
        try {
            co_await WaitSocket(fd, poll == PGRES_POLLING_READING ? Descriptor::wait_read : Descriptor::wait_write,
                                deadline, "connecting");
        } catch (const core::BackendUnavailable&) {
            c.Close();
            std::lock_guard lock(mutex_);
            ++stats_.connect_failures;
            throw;
        }
        poll = PQconnectPoll(c.conn_);
    }
    if (PQsetnonblocking(c.conn_, 1) != 0) throw fail();
    PQsetNoticeProcessor(
        c.conn_, [](void*, const char*) {}, nullptr);  // notices are not errors; no stderr noise
    std::lock_guard lock(mutex_);
    ++stats_.connects;
}

asio::awaitable<PgResult> PgPool::Execute(const PgStatement& statement, const PgParams& params, PgFormat format) {
    auto lease = co_await Acquire();
    co_return co_await lease.Execute(statement, params, format);
}

// ---- PgBinaryArray ----

PgBinaryArray::PgBinaryArray(std::uint32_t element_oid) {
    out_.reserve(4096);
    PutInt32(1);  // dimensions
    PutInt32(0);  // has nulls: patched in Finish
    PutInt32(static_cast<std::int32_t>(element_oid));
    PutInt32(0);  // length: patched in Finish
    PutInt32(1);  // lower bound
}

void PgBinaryArray::PutInt32(std::int32_t v) {
    auto u = static_cast<std::uint32_t>(v);
    char b[4] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8),
                 static_cast<char>(u)};
    out_.append(b, 4);
}

void PgBinaryArray::Null() {
    PutInt32(-1);
    has_null_ = true;
    ++count_;
}

void PgBinaryArray::Bytes(std::string_view data) {
    PutInt32(static_cast<std::int32_t>(data.size()));
    out_.append(data);
    ++count_;
}

void PgBinaryArray::Int8(std::int64_t v) {
    auto u = static_cast<std::uint64_t>(v);
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(u >> (56 - 8 * i));
    Bytes(std::string_view(b, 8));
}

void PgBinaryArray::Float8(double v) {
    std::uint64_t u;
    std::memcpy(&u, &v, sizeof u);
    Int8(static_cast<std::int64_t>(u));
}

void PgBinaryArray::Bool(bool v) {
    char b = v ? 1 : 0;
    Bytes(std::string_view(&b, 1));
}

std::string PgBinaryArray::Finish() {
    auto patch = [&](std::size_t at, std::int32_t v) {
        auto u = static_cast<std::uint32_t>(v);
        out_[at] = static_cast<char>(u >> 24);
        out_[at + 1] = static_cast<char>(u >> 16);
        out_[at + 2] = static_cast<char>(u >> 8);
        out_[at + 3] = static_cast<char>(u);
    };
    patch(4, has_null_ ? 1 : 0);
    patch(12, count_);
    return std::move(out_);
}

void AppendArrayElement(std::string& out, std::string_view value) {
    out.push_back('"');
    for (char ch : value) {
        if (ch == '"' || ch == '\\') out.push_back('\\');
        out.push_back(ch);
    }
    out.push_back('"');
}

}  // namespace shortener::store
