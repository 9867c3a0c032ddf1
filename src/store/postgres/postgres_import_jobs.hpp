#pragma once
/// @file
/// @brief Import jobs in PostgreSQL (store/import_jobs.hpp): one statement per call, on the primary.

#include <memory>

#include "store/import_jobs.hpp"
#include "store/postgres/pg_pool.hpp"

namespace shortener::store {

class PostgresImportJobs final : public ImportJobStore {
  public:
    explicit PostgresImportJobs(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

    Task<void> Create(const ImportJob& job, core::TimePoint forget_before) override;
    Task<void> Progress(const std::string& id, std::int64_t processed, core::TimePoint at) override;
    Task<void> Finish(const ImportJob& job) override;
    Task<std::optional<ImportJob>> Get(const std::string& id) override;

  private:
    std::shared_ptr<PgPool> pool_;
};

}  // namespace shortener::store
