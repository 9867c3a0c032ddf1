#pragma once
/// @file
/// @brief The visitor-id salts in the SQLite database (table visitor_salts, migration 0002).

#include "enrich/salt_store.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace shortener::store {

/// Thread-safe (the database serializes writers). Throws SqliteError when the database fails.
class SqliteSaltStore final : public enrich::SaltStore {
  public:
    explicit SqliteSaltStore(SqliteDb& db) : db_(db) {}
    enrich::Salt GetOrCreate(std::int64_t utc_day, const enrich::Salt& candidate) override;
    void ForgetBefore(std::int64_t utc_day) override;

  private:
    SqliteDb& db_;
};

}  // namespace shortener::store
