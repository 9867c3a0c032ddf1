#pragma once
/// @file
/// @brief Import jobs (issue #15): a large file given to `POST /api/v1/imports` is imported in the background, and its
/// progress and summary are kept in the database, so that `GET /api/v1/imports/{id}` answers on any replica.
/// Adapters: SqliteImportJobs, PostgresImportJobs.

#include <cstdint>
#include <optional>
#include <string>

#include "core/time.hpp"
#include "store/link_store.hpp"

namespace shortener::store {

struct ImportJob {
    std::string id;  // 32 hex digits, random: not guessable
    std::optional<std::int64_t> owner_id;
    std::string format;
    std::string status = "running";  // running | done | failed
    std::int64_t total = 0;          // rows in the file
    std::int64_t processed = 0;      // rows handled so far
    std::string summary;             // the summary JSON once done (the synchronous answer's body); else empty
    std::string error;               // why it failed; else empty
    core::TimePoint created_at{};
    core::TimePoint updated_at{};
};

class ImportJobStore {
  public:
    virtual ~ImportJobStore() = default;

    /// Stores a new running job, and deletes the finished jobs last updated before `forget_before`.
    virtual Task<void> Create(const ImportJob& job, core::TimePoint forget_before) = 0;
    /// Progress of a running job: `processed` only grows, and a finished job is left as it is (progress updates may
    /// arrive after the final one).
    virtual Task<void> Progress(const std::string& id, std::int64_t processed, core::TimePoint at) = 0;
    /// The end of a job: status, processed, summary and error, whatever came before.
    virtual Task<void> Finish(const ImportJob& job) = 0;
    virtual Task<std::optional<ImportJob>> Get(const std::string& id) = 0;
};

}  // namespace shortener::store
