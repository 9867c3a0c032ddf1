#pragma once
/// @file
/// @brief Retention and erasure of raw clicks in PostgreSQL (store/retention.hpp).

#include <memory>

#include "store/postgres/pg_pool.hpp"
#include "store/retention.hpp"

namespace shortener::store {

/// Retention's first step drops the monthly partitions wholly before the cutoff (drop_click_partitions_before,
/// migration 0016); the next steps delete kStepRows older raw clicks each from the partition that straddles it, then
/// the per-visitor day rows before the cutoff's day. Erasure is one statement (one transaction): it takes the link's
/// advisory lock as Record() does, deletes the raw clicks and the rows of the erased days, and takes the deleted day
/// rows' sums off the link's totals.
class PostgresRetention final : public ClickRetention {
  public:
    static constexpr std::size_t kStepRows = 10'000;

    explicit PostgresRetention(std::shared_ptr<PgPool> pool) : pool_(std::move(pool)) {}

    Task<RetentionStep> DeleteRawClicks(core::TimePoint cutoff, std::int64_t next) override;
    Task<std::size_t> EraseClicks(core::LinkId link, core::TimePoint before) override;

  private:
    std::shared_ptr<PgPool> pool_;
};

}  // namespace shortener::store
