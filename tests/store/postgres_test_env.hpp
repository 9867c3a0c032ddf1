#pragma once
// Where the PostgreSQL tests run, from the environment (scripts/test-services.sh sets the DSNs):
//   SHORTENER_TEST_PG_DSN           the server itself: always used to set up and drop what a test uses
//   SHORTENER_TEST_VIA_PGBOUNCER=1  the stores connect through SHORTENER_TEST_PGBOUNCER_DSN (PgBouncer in
//                                   transaction mode) with unnamed statements, each test in a database of its own
//   SHORTENER_TEST_PG_STATEMENTS    prepared | unnamed: the statement mode, to compare them (or to see prepared
//                                   ones fail through PgBouncer)

#include <libpq-fe.h>

#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>

#include "store/postgres/pg_pool.hpp"

namespace shortener::store::pgtest {

inline std::string Env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

inline bool ViaPgBouncer() {
    std::string v = Env("SHORTENER_TEST_VIA_PGBOUNCER");
    return !v.empty() && v != "0";
}

/// The server itself, for setting up (CREATE SCHEMA / DATABASE) and inspecting.
inline std::string AdminDsn() { return Env("SHORTENER_TEST_PG_DSN"); }
inline std::string PgBouncerDsn() { return Env("SHORTENER_TEST_PGBOUNCER_DSN"); }

/// The variable this configuration lacks, or "" when the tests can run.
inline std::string MissingVariable(bool via_pgbouncer = ViaPgBouncer()) {
    if (AdminDsn().empty()) return "SHORTENER_TEST_PG_DSN";
    if (via_pgbouncer && PgBouncerDsn().empty()) return "SHORTENER_TEST_PGBOUNCER_DSN";
    return "";
}

/// SHORTENER_TEST_PG_STATEMENTS if set (prepared through PgBouncer shows what breaks), else unnamed through PgBouncer.
inline PgStatementMode Statements() {
    std::string v = Env("SHORTENER_TEST_PG_STATEMENTS");
    if (v.empty()) v = ViaPgBouncer() ? "unnamed" : "prepared";
    return v == "unnamed" ? PgStatementMode::kUnnamed : PgStatementMode::kPrepared;
}

/// `dsn` (a postgres:// URI without parameters) with another database name.
inline std::string WithDatabase(const std::string& dsn, const std::string& database) {
    auto slash = dsn.find('/', dsn.find("://") + 3);
    return dsn.substr(0, slash) + "/" + database;
}

/// Runs one statement (simple protocol) on a connection of its own; throws with the server's message.
inline void Exec(const std::string& dsn, const std::string& sql) {
    const char* k[] = {"dbname", nullptr};
    const char* v[] = {dsn.c_str(), nullptr};
    PGconn* c = PQconnectdbParams(k, v, 1);
    std::string error;
    if (PQstatus(c) != CONNECTION_OK) {
        error = PQerrorMessage(c);
    } else {
        PQsetNoticeProcessor(
            c, [](void*, const char*) {}, nullptr);
        PGresult* r = PQexec(c, sql.c_str());
        auto status = PQresultStatus(r);
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) error = sql + ": " + PQerrorMessage(c);
        PQclear(r);
    }
    PQfinish(c);
    if (!error.empty()) throw std::runtime_error(error);
}

/// A fresh place for one test's tables, dropped on destruction: a schema that the DSN's `options` put first on the
/// search path, or, through PgBouncer (which passes no `options`, and whose server connections change between
/// transactions), a database of its own behind the wildcard entry.
class TestNamespace {
  public:
    explicit TestNamespace(const std::string& prefix, bool via_pgbouncer = ViaPgBouncer())
        : via_pgbouncer_(via_pgbouncer) {
        std::random_device rd;
        name_ = prefix + std::to_string(rd()) + "_" + std::to_string(rd());
        if (via_pgbouncer_) {
            Exec(AdminDsn(), "CREATE DATABASE " + name_);
            dsn_ = WithDatabase(PgBouncerDsn(), name_);
            return;
        }
        Exec(AdminDsn(), "CREATE SCHEMA " + name_);
        dsn_ = AdminDsn() + (AdminDsn().find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
               name_ + "&application_name=" + name_;
    }
    ~TestNamespace() {
        try {
            // FORCE: PgBouncer keeps its server connections to the database open.
            Exec(AdminDsn(),
                 via_pgbouncer_ ? "DROP DATABASE " + name_ + " WITH (FORCE)" : "DROP SCHEMA " + name_ + " CASCADE");
        } catch (...) {
        }
    }
    TestNamespace(const TestNamespace&) = delete;
    TestNamespace& operator=(const TestNamespace&) = delete;

    const std::string& dsn() const { return dsn_; }
    const std::string& name() const { return name_; }
    /// The same database on the server itself, not through PgBouncer (for inspecting pg_stat_activity).
    std::string DirectDsn() const { return via_pgbouncer_ ? WithDatabase(AdminDsn(), name_) : dsn_; }

  private:
    bool via_pgbouncer_;
    std::string name_;
    std::string dsn_;
};

}  // namespace shortener::store::pgtest
