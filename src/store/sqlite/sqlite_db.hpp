#pragma once
/// @file
/// @brief A small SQLite toolkit: a pool of connections (WAL mode), cached prepared statements and
/// versioned migrations. Used by the SQLite adapters only.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "common/embedded_file.hpp"
#include "core/errc.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace shortener::store {

/// A prepared statement, reset and unbound when the Statement goes out of scope.
class Statement {
  public:
    explicit Statement(sqlite3_stmt* stmt) noexcept : stmt_(stmt) {}
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    Statement& Bind(int index, std::int64_t value);
    Statement& Bind(int index, std::string_view value);
    Statement& Bind(int index, double value);
    Statement& Bind(int index, std::span<const std::uint8_t> blob);
    Statement& BindNull(int index);
    template <class T>
    Statement& Bind(int index, const std::optional<T>& value) {
        return value ? Bind(index, *value) : BindNull(index);
    }

    /// Steps once: true if a row is ready, false when done. Throws SqliteError.
    bool Step();
    /// Steps to completion, ignoring rows.
    void Run();

    bool IsNull(int column) const;
    std::int64_t Int(int column) const;
    std::optional<std::int64_t> OptionalInt(int column) const;
    std::string Text(int column) const;

  private:
    sqlite3_stmt* stmt_;
};

/// A SQLite error; `constraint` is set for constraint violations (e.g. a unique index).
class SqliteError : public std::runtime_error {
  public:
    SqliteError(int code, const std::string& message);
    int code() const noexcept { return code_; }
    bool IsConstraint() const noexcept;
    bool IsUniqueViolation() const noexcept;
    bool IsBusy() const noexcept;

  private:
    int code_;
};

/// Runs `fn`, turning SQLite failures that are not about the data (I/O error, disk full, locked for too long)
/// into core::BackendUnavailable, which the HTTP layer answers with 503. Every SQLite adapter wraps its work in it.
template <class Fn>
auto GuardBackend(Fn&& fn) {
    try {
        return fn();
    } catch (const SqliteError& e) {
        throw core::BackendUnavailable(e.what());
    }
}

/// One connection with its statement cache. Not thread-safe; leased from SqliteDb.
class SqliteConnection {
  public:
    explicit SqliteConnection(const std::string& path);
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;
    ~SqliteConnection();

    /// The cached statement for `sql`, which must be a string with static storage (it is the cache key).
    Statement Prepare(const char* sql);
    void Exec(const char* sql);
    std::int64_t LastInsertRowId() const;
    int Changes() const;

  private:
    sqlite3* db_ = nullptr;
    std::unordered_map<const char*, sqlite3_stmt*> statements_;
};

/// A pool of connections to one database file. Thread-safe.
class SqliteDb {
  public:
    class Lease {
      public:
        Lease(SqliteDb& db, std::unique_ptr<SqliteConnection> c) : db_(&db), connection_(std::move(c)) {}
        Lease(Lease&&) = default;
        ~Lease();
        SqliteConnection* operator->() const noexcept { return connection_.get(); }
        SqliteConnection& operator*() const noexcept { return *connection_; }

      private:
        SqliteDb* db_;
        std::unique_ptr<SqliteConnection> connection_;
    };

    /// The one connection that writes, held exclusively. SQLite allows a single writer at a time; taking
    /// turns here, in-process, avoids its busy handler, which sleeps for milliseconds on contention.
    class WriteLease {
      public:
        explicit WriteLease(SqliteDb& db) : lock_(db.write_mutex_), connection_(db.writer_.get()) {}
        SqliteConnection* operator->() const noexcept { return connection_; }
        SqliteConnection& operator*() const noexcept { return *connection_; }

      private:
        std::unique_lock<std::mutex> lock_;
        SqliteConnection* connection_;
    };

    /// Opens (creating if needed) the database file; `:memory:` is not supported (each connection would
    /// see its own database).
    explicit SqliteDb(std::string path);

    /// A connection for reading (WAL mode: readers never wait for the writer).
    Lease Acquire();
    WriteLease AcquireWriter() { return WriteLease(*this); }

    /// Applies the migrations not yet applied, in name order, each in its own transaction. Names start
    /// with a version number ("0001_init.sql"). Throws on failure, leaving earlier migrations applied.
    void Migrate(std::span<const EmbeddedFile> migrations);

    const std::string& path() const noexcept { return path_; }

    /// Runs `fn` on this database's own write thread and resumes the caller on its executor with the result
    /// (or exception). For writes made from an HTTP event loop: waiting for the writer (which the click worker
    /// holds while it commits a batch) blocks that thread, not the loop and every connection on it.
    template <class Fn>
    boost::asio::awaitable<std::invoke_result_t<Fn&>> OffLoop(Fn fn) {
        std::invoke_result_t<Fn&> result =
            co_await boost::asio::co_spawn(write_thread_, Call(std::move(fn)), boost::asio::use_awaitable);
        co_return result;
    }

  private:
    // A plain coroutine function: `fn` lives in its frame (GCC 12 mishandles coroutine lambdas' captures).
    template <class Fn>
    static boost::asio::awaitable<std::invoke_result_t<Fn&>> Call(Fn fn) {
        co_return fn();
    }

    std::string path_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<SqliteConnection>> idle_;
    std::mutex write_mutex_;
    std::unique_ptr<SqliteConnection> writer_;
    boost::asio::thread_pool write_thread_{1};  // last: joined before the connections close
};

/// Runs `fn` inside BEGIN IMMEDIATE … COMMIT (rolled back if it throws).
template <class Fn>
auto WriteTransaction(SqliteConnection& c, Fn&& fn) {
    c.Exec("BEGIN IMMEDIATE");
    try {
        if constexpr (std::is_void_v<decltype(fn())>) {
            fn();
            c.Exec("COMMIT");
        } else {
            auto result = fn();
            c.Exec("COMMIT");
            return result;
        }
    } catch (...) {
        try {
            c.Exec("ROLLBACK");
        } catch (...) {
        }
        throw;
    }
}

}  // namespace shortener::store
