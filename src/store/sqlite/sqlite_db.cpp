#include "store/sqlite/sqlite_db.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>

namespace shortener::store {
namespace {

[[noreturn]] void Throw(sqlite3* db, int rc) { throw SqliteError(rc, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)); }

}  // namespace

SqliteError::SqliteError(int code, const std::string& message)
    : std::runtime_error("sqlite: " + message), code_(code) {}
bool SqliteError::IsConstraint() const noexcept { return (code_ & 0xff) == SQLITE_CONSTRAINT; }
bool SqliteError::IsUniqueViolation() const noexcept {
    return code_ == SQLITE_CONSTRAINT_UNIQUE || code_ == SQLITE_CONSTRAINT_PRIMARYKEY;
}
bool SqliteError::IsBusy() const noexcept { return (code_ & 0xff) == SQLITE_BUSY || (code_ & 0xff) == SQLITE_LOCKED; }

Statement::~Statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

Statement& Statement::Bind(int index, std::int64_t value) {
    if (int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) Throw(sqlite3_db_handle(stmt_), rc);
    return *this;
}
Statement& Statement::Bind(int index, std::string_view value) {
    if (int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
        rc != SQLITE_OK) {
        Throw(sqlite3_db_handle(stmt_), rc);
    }
    return *this;
}
Statement& Statement::Bind(int index, double value) {
    if (int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) Throw(sqlite3_db_handle(stmt_), rc);
    return *this;
}
Statement& Statement::Bind(int index, std::span<const std::uint8_t> blob) {
    if (int rc = sqlite3_bind_blob64(stmt_, index, blob.data(), blob.size(), SQLITE_TRANSIENT); rc != SQLITE_OK) {
        Throw(sqlite3_db_handle(stmt_), rc);
    }
    return *this;
}
Statement& Statement::BindNull(int index) {
    if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) Throw(sqlite3_db_handle(stmt_), rc);
    return *this;
}

bool Statement::Step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    Throw(sqlite3_db_handle(stmt_), sqlite3_extended_errcode(sqlite3_db_handle(stmt_)));
}
void Statement::Run() {
    while (Step()) {
    }
}
bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }
std::optional<std::int64_t> Statement::OptionalInt(int column) const {
    if (IsNull(column)) return std::nullopt;
    return Int(column);
}
std::string Statement::Text(int column) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

SqliteConnection::SqliteConnection(const std::string& path) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr); rc != SQLITE_OK) {
        std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw SqliteError(rc, message + " (" + path + ")");
    }
    sqlite3_extended_result_codes(db_, 1);
    // A writer waits for another instead of failing at once; writes are short (one batch, one link).
    sqlite3_busy_timeout(db_, 5000);
    Exec("PRAGMA journal_mode=WAL");
    // NORMAL in WAL mode: a commit survives a process crash; only power loss may undo the last ones.
    Exec("PRAGMA synchronous=NORMAL");
    Exec("PRAGMA foreign_keys=ON");
    Exec("PRAGMA temp_store=MEMORY");
    // The rollup rows of many links are touched by every batch: a page cache too small for them (SQLite's
    // default is 2 MiB) turns each upsert into a read from the file. 64 MiB, allocated as pages are used.
    Exec("PRAGMA cache_size=-65536");
}

SqliteConnection::~SqliteConnection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
}

Statement SqliteConnection::Prepare(const char* sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        sqlite3_stmt* stmt = nullptr;
        if (int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr); rc != SQLITE_OK) {
            Throw(db_, rc);
        }
        it = statements_.emplace(sql, stmt).first;
    }
    return Statement(it->second);
}

void SqliteConnection::Exec(const char* sql) {
    char* error = nullptr;
    if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error); rc != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throw SqliteError(sqlite3_extended_errcode(db_), message);
    }
}

std::int64_t SqliteConnection::LastInsertRowId() const { return sqlite3_last_insert_rowid(db_); }
int SqliteConnection::Changes() const { return sqlite3_changes(db_); }

SqliteDb::SqliteDb(std::string path) : path_(std::move(path)), writer_(std::make_unique<SqliteConnection>(path_)) {}

SqliteDb::Lease SqliteDb::Acquire() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return Lease(*this, std::move(c));
        }
    }
    // Connections are made on demand, so the pool grows to the peak number of concurrent users (about one
    // per thread).
    return Lease(*this, std::make_unique<SqliteConnection>(path_));
}

SqliteDb::Lease::~Lease() {
    if (connection_) {
        std::lock_guard lock(db_->mutex_);
        db_->idle_.push_back(std::move(connection_));
    }
}

void SqliteDb::Migrate(std::span<const EmbeddedFile> migrations) {
    auto c = AcquireWriter();
    c->Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
    std::vector<EmbeddedFile> sorted(migrations.begin(), migrations.end());
    std::sort(sorted.begin(), sorted.end(), [](auto& a, auto& b) { return a.name < b.name; });
    for (const auto& m : sorted) {
        std::int64_t version = std::stoll(std::string(m.name.substr(0, m.name.find('_'))));
        WriteTransaction(*c, [&] {
            auto check = c->Prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
            check.Bind(1, version);
            if (check.Step()) return;
            c->Exec(std::string(m.content).c_str());
            auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
            c->Prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
                .Bind(1, version)
                .Bind(2, m.name)
                .Bind(3, static_cast<std::int64_t>(now))
                .Run();
        });
    }
}

}  // namespace shortener::store
