#pragma once
/// @file
/// @brief Retention and erasure of raw clicks in the SQLite store (store/retention.hpp).

#include <memory>

#include "store/retention.hpp"
#include "store/sqlite/sqlite_db.hpp"

namespace shortener::store {

/// Retention walks the links created before the cutoff (a link has no click before its creation) in id order and
/// deletes at most kStepRows raw clicks per step, each step one write transaction, so the click worker's batches
/// interleave. Erasure runs on the database's write thread (SqliteDb::OffLoop), not on the caller's event loop.
class SqliteRetention final : public ClickRetention {
  public:
    static constexpr std::size_t kStepRows = 5'000;
    static constexpr std::size_t kStepLinks = 200;

    explicit SqliteRetention(std::shared_ptr<SqliteDb> db) : db_(std::move(db)) {}

    Task<RetentionStep> DeleteRawClicks(core::TimePoint cutoff, std::int64_t next) override;
    Task<std::size_t> EraseClicks(core::LinkId link, core::TimePoint before) override;

  private:
    std::shared_ptr<SqliteDb> db_;
};

}  // namespace shortener::store
