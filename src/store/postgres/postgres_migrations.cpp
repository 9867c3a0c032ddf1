#include "store/postgres/postgres_migrations.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>

#include "core/errc.hpp"
#include "store/postgres/postgres_partitions.hpp"

namespace shortener::store {
namespace {

using PgConnPtr = std::unique_ptr<pg_conn, decltype(&PQfinish)>;
using PgResultPtr = std::unique_ptr<pg_result, decltype(&PQclear)>;

std::string LastError(pg_conn* conn) {
    std::string m = PQerrorMessage(conn);
    while (!m.empty() && m.back() == '\n') m.pop_back();
    return m;
}

bool Succeeded(const PgResultPtr& r) {
    auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// A blocking connection of its own: migrations run before serving, outside any event loop.
PgConnPtr Connect(const PostgresOptions& options) {
    const char* keywords[] = {"dbname", "application_name", "connect_timeout", nullptr};
    std::string timeout = std::to_string(
        std::max<std::int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(options.connect_timeout).count()));
    const char* values[] = {options.dsn.c_str(), "shortener-migrate", timeout.c_str(), nullptr};
    PgConnPtr conn(PQconnectdbParams(keywords, values, 1), &PQfinish);
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
        std::string m = conn ? LastError(conn.get()) : "out of memory";
        throw core::BackendUnavailable("PostgreSQL: cannot connect: " + m);
    }
    PQsetNoticeProcessor(
        conn.get(), [](void*, const char*) {}, nullptr);  // "already exists, skipping"
    return conn;
}

// One statement with parameters (extended protocol).
PgResultPtr Exec(pg_conn* conn, const char* sql, std::vector<const char*> params = {}) {
    PgResultPtr r(PQexecParams(conn, sql, static_cast<int>(params.size()), nullptr, params.data(), nullptr, nullptr, 0),
                  &PQclear);
    if (!Succeeded(r)) {
        std::string m = LastError(conn);
        if (PQstatus(conn) != CONNECTION_OK) throw core::BackendUnavailable("PostgreSQL: " + m);
        throw std::runtime_error(m);
    }
    return r;
}

// A migration file: simple protocol, several statements, no parameters.
void Script(pg_conn* conn, const std::string& sql) {
    PgResultPtr r(PQexec(conn, sql.c_str()), &PQclear);
    if (!Succeeded(r)) throw std::runtime_error(LastError(conn));
}

// Runs `body` in one transaction holding the migrations' advisory lock (per schema). Transaction-scoped on
// purpose: the lock and the work it guards reach the server on one connection even through a pooler in
// transaction mode (PgBouncer), where a session lock could be taken on one server connection, never released,
// and block every later migration run.
template <class Body>
void Locked(pg_conn* conn, Body body) {
    Exec(conn, "BEGIN");
    try {
        Exec(conn, "SELECT pg_advisory_xact_lock(hashtext('shortener_migrations:' || current_schema()))");
        body();
        Exec(conn, "COMMIT");
    } catch (...) {
        PQclear(PQexec(conn, "ROLLBACK"));
        throw;
    }
}

std::set<long> AppliedVersions(pg_conn* conn) {
    std::set<long> applied;
    Locked(conn, [&] {
        Exec(conn,
             "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, "
             "applied_at timestamptz NOT NULL DEFAULT now())");
        auto rows = Exec(conn, "SELECT version FROM schema_migrations");
        for (int i = 0; i < PQntuples(rows.get()); ++i)
            applied.insert(std::strtol(PQgetvalue(rows.get(), i, 0), nullptr, 10));
    });
    return applied;
}

// The migration and its schema_migrations row in one transaction, unless another process applied it while this
// one waited for the lock.
void Apply(pg_conn* conn, const EmbeddedFile& m, long version) {
    std::string v = std::to_string(version), name(m.name);
    try {
        Locked(conn, [&] {
            if (PQntuples(Exec(conn, "SELECT 1 FROM schema_migrations WHERE version = $1", {v.c_str()}).get()) > 0)
                return;
            Script(conn, std::string(m.content));
            Exec(conn, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", {v.c_str(), name.c_str()});
        });
    } catch (const std::exception& e) {
        throw std::runtime_error("migration " + name + " failed: " + e.what());
    }
}

void ApplyPending(pg_conn* conn) {
    const std::set<long> applied = AppliedVersions(conn);
    for (const auto& m : PostgresMigrations()) {
        long version = std::strtol(std::string(m.name).c_str(), nullptr, 10);
        if (version <= 0) throw std::runtime_error("migration without a version number: " + std::string(m.name));
        if (!applied.contains(version)) Apply(conn, m, version);
    }
}

}  // namespace

void MigratePostgres(const PostgresOptions& options) {
    PgConnPtr conn = Connect(options);
    // Replicas starting together queue on the lock of each step, then find the work done. Nothing outlives a
    // transaction (no session lock, no prepared statement), so this may run through PgBouncer in transaction mode.
    ApplyPending(conn.get());
    std::string ahead = std::to_string(options.partitions_ahead);
    Locked(conn.get(), [&] { Exec(conn.get(), kEnsureClickPartitionsSql, {ahead.c_str()}); });
}

}  // namespace shortener::store
