#pragma once
/// @file
/// @brief Keeping raw clicks for a limited time, and erasing a link's clicks (issue #17 "Retention and erasure").
/// Raw clicks are the only per-visit records (user agent, referrer, query, visitor id); the rollups, facets and link
/// totals are counts. Retention deletes raw clicks older than a number of days and keeps every count, so dashboards
/// of old ranges still work (minus what only raw clicks give: the minute interval and the distinct visitors of a
/// range's unaligned ends). Erasure deletes a link's raw clicks before a UTC day *and* the counts of those days.
/// Adapters: SqliteRetention, PostgresRetention.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

#include "core/random.hpp"
#include "store/link_store.hpp"

namespace shortener::store {

/// One bounded step of a retention pass: how many raw clicks went, and where the next step starts.
struct RetentionStep {
    std::size_t deleted = 0;
    std::size_t partitions = 0;  // whole partitions of old clicks dropped (PostgreSQL; their rows are not counted)
    std::int64_t next = 0;       // opaque; pass it to the next step
    bool done = false;           // nothing older than the cutoff is left
};

class ClickRetention {
  public:
    virtual ~ClickRetention() = default;

    /// Deletes a bounded number of raw clicks (and per-visitor day rows) older than `cutoff`, keeping rollups, facets
    /// and totals. Start with next = 0, then pass each step's `next` until `done`. Each step is its own short
    /// transaction, so clicks keep being stored between steps.
    virtual Task<RetentionStep> DeleteRawClicks(core::TimePoint cutoff, std::int64_t next) = 0;

    /// Erases `link`'s clicks before `before`, which must be the start of a UTC day: its raw clicks and the rollup,
    /// facet and visitor rows of those days, and takes them off the link's totals, in one transaction. The click limit
    /// (uses) is not given back. Returns how many raw clicks went.
    virtual Task<std::size_t> EraseClicks(core::LinkId link, core::TimePoint before) = 0;
};

struct RetentionOptions {
    std::chrono::days keep{0};  // raw clicks older than this go
    std::chrono::seconds every{3600};
    std::function<void(std::size_t)> on_deleted;  // per step that deleted something (a metric)
};

/// Runs a retention pass now and then every `options.every`, until its executor stops. Steps yield to other work on
/// the executor (the click worker shares it). A failed pass is logged and tried again after a minute.
Task<void> RunClickRetention(ClickRetention& retention, const core::Clock& clock, RetentionOptions options);

}  // namespace shortener::store
