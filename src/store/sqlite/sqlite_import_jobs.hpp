#pragma once
/// @file
/// @brief Import jobs in the SQLite store (store/import_jobs.hpp). Writes run on the database's write thread
/// (SqliteDb::OffLoop), reads on the caller's.

#include <memory>

#include "store/import_jobs.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace shortener::store {

class SqliteImportJobs final : public ImportJobStore {
  public:
    explicit SqliteImportJobs(std::shared_ptr<SqliteDb> db) : db_(std::move(db)) {}

    Task<void> Create(const ImportJob& job, core::TimePoint forget_before) override;
    Task<void> Progress(const std::string& id, std::int64_t processed, core::TimePoint at) override;
    Task<void> Finish(const ImportJob& job) override;
    Task<std::optional<ImportJob>> Get(const std::string& id) override;

  private:
    std::shared_ptr<SqliteDb> db_;
};

}  // namespace shortener::store
