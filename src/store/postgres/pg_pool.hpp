#pragma once
/// @file
/// @brief A small libpq toolkit for the PostgreSQL adapters: a bounded pool of non-blocking connections
/// driven by Asio, prepared statements per connection (or unnamed ones, for a transaction-mode pooler such as
/// PgBouncer), results as text. Used by store/postgres only.
///
/// Every wait (connect, send, receive, a free connection) is an Asio wait on the *calling coroutine's*
/// executor: a leased connection's socket is registered with that executor's reactor for the duration of
/// the lease. So the pool needs no thread of its own and never blocks the thread it is called from;
/// HTTP loops, the click worker and tests may all share one pool.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace shortener::store {

/// How PgLease::Execute sends a statement.
enum class PgStatementMode {
    /// Named statements, prepared once per connection and reused: the server plans each SQL text once.
    /// Needs the same server connection from one statement to the next: PostgreSQL itself, or a pooler in
    /// session mode.
    kPrepared,
    /// The unnamed statement, parsed again each time (Parse, Bind, Execute and Sync in one round trip): it never
    /// outlives one transaction, so a pooler in transaction mode (PgBouncer before 1.21) may hand each statement
    /// to another server connection.
    kUnnamed,
};

/// Settings of the PostgreSQL adapter.
struct PostgresOptions {
    std::string dsn;                                          // libpq connection string or postgres:// URI
    std::size_t pool_size = 8;                                // connections at most (opened lazily)
    std::chrono::milliseconds connect_timeout{3000};          // one connection attempt
    std::chrono::milliseconds acquire_timeout{2000};          // waiting for a free connection when all are busy
    std::chrono::milliseconds query_timeout{10000};           // one statement, send to last byte of the answer
    int partitions_ahead = 2;                                 // monthly click partitions created beyond this month
    PgStatementMode statements = PgStatementMode::kPrepared;  // kUnnamed behind a transaction-mode pooler
};

/// An error the server reported for a statement (not a connection failure). `sqlstate` is e.g. "23505".
class PgError : public std::runtime_error {
  public:
    PgError(std::string sqlstate, const std::string& message, std::string constraint = {})
        : std::runtime_error(message), sqlstate_(std::move(sqlstate)), constraint_(std::move(constraint)) {}
    const std::string& sqlstate() const noexcept { return sqlstate_; }
    const std::string& constraint() const noexcept { return constraint_; }
    bool IsUniqueViolation() const noexcept { return sqlstate_ == "23505"; }
    /// Serialization failure or deadlock: the statement had no effect and may simply be run again.
    bool IsRetryable() const noexcept { return sqlstate_ == "40001" || sqlstate_ == "40P01"; }

  private:
    std::string sqlstate_;
    std::string constraint_;
};

/// A statement's result rows, as text (NULL is distinguishable). Move-only owner of a PGresult.
class PgResult {
  public:
    PgResult() = default;
    explicit PgResult(pg_result* r) noexcept : r_(r) {}
    PgResult(PgResult&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
    PgResult& operator=(PgResult&& o) noexcept;
    ~PgResult();

    int Rows() const noexcept;
    /// Rows changed by INSERT/UPDATE/DELETE.
    std::int64_t Affected() const noexcept;
    bool IsNull(int row, int column) const noexcept;
    std::string_view Text(int row, int column) const noexcept;
    std::int64_t Int(int row, int column) const;
    std::optional<std::int64_t> OptionalInt(int row, int column) const;

  private:
    pg_result* r_ = nullptr;
};

/// A named statement, prepared once per connection on first use (PgStatementMode::kPrepared). `name` must be
/// unique per SQL text.
struct PgStatement {
    const char* name;
    const char* sql;
};

/// Statement parameters; nullopt is SQL NULL. Text form unless executed with PgFormat::kBinary.
using PgParams = std::vector<std::optional<std::string>>;

/// How parameters are sent: PostgreSQL's text form, or its binary form (e.g. large arrays, which the
/// server then does not have to parse).
enum class PgFormat { kText, kBinary };

class PgPool;

/// One connection. Not thread-safe; leased from PgPool.
class PgConnection {
  public:
    PgConnection() = default;
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;
    ~PgConnection();

    bool IsOpen() const noexcept;
    void Close() noexcept;

  private:
    friend class PgPool;
    friend class PgLease;
    pg_conn* conn_ = nullptr;
    std::vector<const char*> prepared_;  // statement names prepared on this connection
};

/// Exclusive use of one pooled connection until destroyed. Run statements with Execute; the connection
/// goes back to the pool (or is discarded if it broke) when the lease ends.
class PgLease {
  public:
    PgLease(PgPool& pool, std::unique_ptr<PgConnection> c, boost::asio::any_io_executor ex) noexcept
        : pool_(&pool), c_(std::move(c)), executor_(std::move(ex)) {}
    PgLease(PgLease&& o) noexcept = default;
    PgLease& operator=(PgLease&&) = delete;
    ~PgLease();

    /// Runs a statement, prepared or unnamed as the pool's options say. Throws PgError for an error the server reports,
    /// core::BackendUnavailable when the connection fails or the answer takes longer than the query timeout.
    boost::asio::awaitable<PgResult> Execute(const PgStatement& statement, const PgParams& params,
                                             PgFormat format = PgFormat::kText);
    /// Runs SQL text with the simple protocol (several statements allowed, no parameters).
    boost::asio::awaitable<PgResult> ExecuteScript(const char* sql);

  private:
    friend class PgPool;
    boost::asio::awaitable<PgResult> RunToCompletion(bool sent);
    PgPool* pool_;
    std::unique_ptr<PgConnection> c_;
    boost::asio::any_io_executor executor_;
};

/// A bounded pool of connections to one database. Thread-safe. Connections open lazily, on the first
/// Acquire that needs one, and reopen after a failure; when all are busy, Acquire waits (in FIFO order,
/// without blocking its thread) up to acquire_timeout.
class PgPool {
  public:
    explicit PgPool(PostgresOptions options);
    PgPool(const PgPool&) = delete;
    PgPool& operator=(const PgPool&) = delete;
    ~PgPool();

    /// A connection, open and idle. Throws core::BackendUnavailable if none can be had in time or the
    /// database cannot be reached.
    boost::asio::awaitable<PgLease> Acquire();

    /// Acquires a connection and runs one statement on it. (A pooled connection the server has closed is
    /// noticed and replaced in Acquire, before anything is sent.)
    boost::asio::awaitable<PgResult> Execute(const PgStatement& statement, const PgParams& params,
                                             PgFormat format = PgFormat::kText);

    const PostgresOptions& options() const noexcept { return options_; }

    struct Stats {
        std::size_t open = 0;  // connections existing (idle or leased)
        std::size_t idle = 0;
        std::size_t waiting = 0;  // coroutines waiting for a connection
        std::uint64_t connects = 0;
        std::uint64_t connect_failures = 0;
        std::uint64_t acquire_timeouts = 0;
    };
    Stats GetStats() const;

  private:
    friend class PgLease;
    struct Waiter;
    void Release(std::unique_ptr<PgConnection> c) noexcept;
    boost::asio::awaitable<void> Connect(PgConnection& c);

    PostgresOptions options_;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<PgConnection>> idle_;
    std::deque<std::shared_ptr<Waiter>> waiters_;
    std::size_t slots_used_ = 0;  // connections idle or leased, opened or not
    Stats stats_;
};

/// Builds a one-dimensional array in PostgreSQL's binary format (what array_recv reads).
class PgBinaryArray {
  public:
    /// `element_oid`: 16 bool, 20 int8, 25 text, 701 float8, 2950 uuid.
    explicit PgBinaryArray(std::uint32_t element_oid);
    void Null();
    void Bytes(std::string_view data);  // the element's binary form (text: its UTF-8 bytes)
    void Int8(std::int64_t v);
    void Float8(double v);
    void Bool(bool v);
    /// The finished array; the builder is empty afterwards.
    std::string Finish();

  private:
    void PutInt32(std::int32_t v);
    std::string out_;
    std::int32_t count_ = 0;
    bool has_null_ = false;
};

/// Escapes one element of a text-format array literal ("{…}"): quoted, with \ and " escaped.
void AppendArrayElement(std::string& out, std::string_view value);

}  // namespace shortener::store
