#include "store/postgres/postgres_retention.hpp"

#include <string>

namespace shortener::store {
namespace {

constexpr PgStatement kDropPartitions{"retention_drop_partitions",
                                      "SELECT drop_click_partitions_before(ms_to_ts($1::bigint))"};

constexpr PgStatement kDeleteOldClicks{"retention_delete_clicks", R"SQL(
WITH doomed AS (SELECT link_id, ts, event_id FROM clicks WHERE ts < ms_to_ts($1::bigint) LIMIT $2::int),
gone AS (
    DELETE FROM clicks c USING doomed d
    WHERE c.link_id = d.link_id AND c.ts = d.ts AND c.event_id = d.event_id
    RETURNING 1
)
SELECT count(*) FROM gone)SQL"};

// Visitor ids of whole days before the cutoff's day: only the current day's are ever read.
// The destination visitor-days (migration 0023) likewise: their counts stay in link_dimension_day.
constexpr PgStatement kDeleteOldVisitors{"retention_delete_visitors", R"SQL(
WITH d AS (DELETE FROM link_destination_visitors_day WHERE day < (ms_to_ts($1::bigint) AT TIME ZONE 'UTC')::date)
DELETE FROM link_visitors_day WHERE day < (ms_to_ts($1::bigint) AT TIME ZONE 'UTC')::date)SQL"};

constexpr PgStatement kErase{"erase_link_clicks", R"SQL(
WITH lock AS MATERIALIZED (SELECT count(pg_advisory_xact_lock($1::bigint)) AS n),
raw AS (
    DELETE FROM clicks WHERE link_id = $1 AND ts < ms_to_ts($2::bigint) AND (SELECT n FROM lock) >= 0 RETURNING 1
), day AS (
    DELETE FROM link_clicks_day WHERE link_id = $1 AND bucket < ms_to_ts($2::bigint) AND (SELECT n FROM lock) >= 0
    RETURNING clicks, human_clicks, unique_visitors, human_unique_visitors
), quarter AS (
    DELETE FROM link_clicks_quarter WHERE link_id = $1 AND bucket < ms_to_ts($2::bigint) AND (SELECT n FROM lock) >= 0
), facets AS (
    DELETE FROM link_dimension_day
    WHERE link_id = $1 AND day < (ms_to_ts($2::bigint) AT TIME ZONE 'UTC')::date AND (SELECT n FROM lock) >= 0
), visitors AS (
    DELETE FROM link_visitors_day
    WHERE link_id = $1 AND day < (ms_to_ts($2::bigint) AT TIME ZONE 'UTC')::date AND (SELECT n FROM lock) >= 0
), destination_visitors AS (
    DELETE FROM link_destination_visitors_day
    WHERE link_id = $1 AND day < (ms_to_ts($2::bigint) AT TIME ZONE 'UTC')::date AND (SELECT n FROM lock) >= 0
), totals AS (
    UPDATE links l SET clicks = l.clicks - s.c, human_clicks = l.human_clicks - s.h,
        unique_visitors = l.unique_visitors - s.v, human_unique_visitors = l.human_unique_visitors - s.hv
    FROM (SELECT coalesce(sum(clicks), 0) AS c, coalesce(sum(human_clicks), 0) AS h,
                 coalesce(sum(unique_visitors), 0) AS v, coalesce(sum(human_unique_visitors), 0) AS hv FROM day) s
    WHERE l.id = $1
)
SELECT count(*) FROM raw)SQL"};

std::string Ms(core::TimePoint t) { return std::to_string(core::ToUnixMillis(t)); }

}  // namespace

Task<RetentionStep> PostgresRetention::DeleteRawClicks(core::TimePoint cutoff, std::int64_t next) {
    RetentionStep step;
    if (next == 0) {
        PgParams params{Ms(cutoff)};
        auto r = co_await pool_->Execute(kDropPartitions, params);
        step.partitions = static_cast<std::size_t>(r.Int(0, 0));
        step.next = 1;
        co_return step;
    }
    PgParams params{Ms(cutoff), std::to_string(kStepRows)};
    auto r = co_await pool_->Execute(kDeleteOldClicks, params);
    step.deleted = static_cast<std::size_t>(r.Int(0, 0));
    step.next = next + 1;
    if (step.deleted < kStepRows) {
        PgParams visitors{Ms(cutoff)};
        co_await pool_->Execute(kDeleteOldVisitors, visitors);
        step.done = true;
    }
    co_return step;
}

Task<std::size_t> PostgresRetention::EraseClicks(core::LinkId link, core::TimePoint before) {
    PgParams params{std::to_string(link), Ms(before)};
    auto r = co_await pool_->Execute(kErase, params);
    co_return static_cast<std::size_t>(r.Int(0, 0));
}

}  // namespace shortener::store
