#include "store/sqlite/sqlite_retention.hpp"

#include <vector>

namespace shortener::store {
namespace {

constexpr const char* kLinksBefore = "SELECT id FROM links WHERE id >= ?1 AND created_at < ?2 ORDER BY id LIMIT ?3";
// The clicks table is clustered by (link_id, ts, event_id) (WITHOUT ROWID): the oldest rows of one link, by key.
constexpr const char* kDeleteOldClicks =
    "DELETE FROM clicks WHERE (link_id, ts, event_id) IN "
    "(SELECT link_id, ts, event_id FROM clicks WHERE link_id = ?1 AND ts < ?2 LIMIT ?3)";
constexpr const char* kDeleteOldVisitors[] = {
    "DELETE FROM link_visitors_day WHERE link_id = ?1 AND day < ?2",
    "DELETE FROM link_destination_visitors_day WHERE link_id = ?1 AND day < ?2",  // migration 0020
};

constexpr const char* kEraseClicks = "DELETE FROM clicks WHERE link_id = ?1 AND ts < ?2";
constexpr const char* kErasedDays =
    "SELECT coalesce(sum(clicks), 0), coalesce(sum(human_clicks), 0), coalesce(sum(unique_visitors), 0), "
    "coalesce(sum(human_unique_visitors), 0) FROM link_clicks_day WHERE link_id = ?1 AND bucket < ?2";
constexpr const char* kEraseRows[] = {
    "DELETE FROM link_clicks_day WHERE link_id = ?1 AND bucket < ?2",
    "DELETE FROM link_clicks_quarter WHERE link_id = ?1 AND bucket < ?2",
    "DELETE FROM link_dimension_day WHERE link_id = ?1 AND day < ?2",
    "DELETE FROM link_visitors_day WHERE link_id = ?1 AND day < ?2",
    "DELETE FROM link_destination_visitors_day WHERE link_id = ?1 AND day < ?2",
};
constexpr const char* kTakeOffTotals =
    "UPDATE links SET clicks = clicks - ?2, human_clicks = human_clicks - ?3, unique_visitors = unique_visitors - ?4, "
    "human_unique_visitors = human_unique_visitors - ?5 WHERE id = ?1";

constexpr std::int64_t kDayMs = 86'400'000;

std::int64_t Ms(core::TimePoint t) { return core::ToUnixMillis(t); }

// One step of a retention pass inside a write transaction.
RetentionStep DeleteStep(SqliteConnection& c, std::int64_t cutoff_ms, std::int64_t next) {
    std::vector<std::int64_t> links;
    auto s = c.Prepare(kLinksBefore);
    s.Bind(1, next).Bind(2, cutoff_ms).Bind(3, static_cast<std::int64_t>(SqliteRetention::kStepLinks));
    while (s.Step()) links.push_back(s.Int(0));
    RetentionStep step;
    for (std::int64_t link : links) {
        const auto budget = static_cast<std::int64_t>(SqliteRetention::kStepRows - step.deleted);
        c.Prepare(kDeleteOldClicks).Bind(1, link).Bind(2, cutoff_ms).Bind(3, budget).Run();
        step.deleted += static_cast<std::size_t>(c.Changes());
        if (step.deleted >= SqliteRetention::kStepRows) {
            step.next = link;  // this link may have more: it comes again
            return step;
        }
        // Visitor ids of whole days before the cutoff's day: only the current day's are ever read.
        for (const char* sql : kDeleteOldVisitors)
            c.Prepare(sql).Bind(1, link).Bind(2, cutoff_ms - cutoff_ms % kDayMs).Run();
    }
    step.done = links.size() < SqliteRetention::kStepLinks;
    step.next = links.empty() ? next : links.back() + 1;
    return step;
}

}  // namespace

Task<RetentionStep> SqliteRetention::DeleteRawClicks(core::TimePoint cutoff, std::int64_t next) {
    co_return GuardBackend([&] {
        auto c = db_->AcquireWriter();
        return WriteTransaction(*c, [&] { return DeleteStep(*c, Ms(cutoff), next); });
    });
}

Task<std::size_t> SqliteRetention::EraseClicks(core::LinkId link, core::TimePoint before) {
    const std::int64_t before_ms = Ms(before);
    // Captures by reference only, as every OffLoop caller: GCC 12 destroys a temporary lambda with a non-trivial
    // capture (a shared_ptr) twice around a co_await, which ASan reported as a use after free.
    const std::size_t erased = co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            return WriteTransaction(*c, [&] {
                c->Prepare(kEraseClicks).Bind(1, link).Bind(2, before_ms).Run();
                const auto deleted = static_cast<std::size_t>(c->Changes());
                std::int64_t clicks = 0, human = 0, visitors = 0, human_visitors = 0;
                {
                    auto sums = c->Prepare(kErasedDays);
                    sums.Bind(1, link).Bind(2, before_ms);
                    if (sums.Step()) {
                        clicks = sums.Int(0), human = sums.Int(1), visitors = sums.Int(2), human_visitors = sums.Int(3);
                    }
                }
                for (const char* sql : kEraseRows) c->Prepare(sql).Bind(1, link).Bind(2, before_ms).Run();
                c->Prepare(kTakeOffTotals)
                    .Bind(1, link)
                    .Bind(2, clicks)
                    .Bind(3, human)
                    .Bind(4, visitors)
                    .Bind(5, human_visitors)
                    .Run();
                return deleted;
            });
        });
    });
    co_return erased;
}

}  // namespace shortener::store
