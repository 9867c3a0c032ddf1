#include "store/postgres/postgres_import_jobs.hpp"

#include <string>

namespace shortener::store {
namespace {

constexpr PgStatement kCreate{"import_job_create", R"SQL(
WITH forget AS (DELETE FROM import_jobs WHERE status <> 'running' AND updated_at < ms_to_ts($6::bigint))
INSERT INTO import_jobs (id, owner_id, format, status, total, processed, created_at, updated_at)
VALUES ($1, $2::bigint, $3, 'running', $4::bigint, 0, ms_to_ts($5::bigint), ms_to_ts($5::bigint)))SQL"};
constexpr PgStatement kProgress{"import_job_progress",
                                "UPDATE import_jobs SET processed = greatest(processed, $2::bigint), "
                                "updated_at = ms_to_ts($3::bigint) WHERE id = $1 AND status = 'running'"};
constexpr PgStatement kFinish{"import_job_finish",
                              "UPDATE import_jobs SET status = $2, processed = $3::bigint, summary = $4, error = $5, "
                              "updated_at = ms_to_ts($6::bigint) WHERE id = $1"};
constexpr PgStatement kGet{"import_job_get",
                           "SELECT id, owner_id, format, status, total, processed, summary, error, "
                           "ts_to_ms(created_at), ts_to_ms(updated_at) FROM import_jobs WHERE id = $1"};

std::string Ms(core::TimePoint t) { return std::to_string(core::ToUnixMillis(t)); }

std::optional<std::string> OptionalText(const std::optional<std::int64_t>& v) {
    return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
}

}  // namespace

Task<void> PostgresImportJobs::Create(const ImportJob& job, core::TimePoint forget_before) {
    PgParams params{
        job.id,           OptionalText(job.owner_id), job.format, std::to_string(job.total), Ms(job.created_at),
        Ms(forget_before)};
    co_await pool_->Execute(kCreate, params);
}

Task<void> PostgresImportJobs::Progress(const std::string& id, std::int64_t processed, core::TimePoint at) {
    PgParams params{id, std::to_string(processed), Ms(at)};
    co_await pool_->Execute(kProgress, params);
}

Task<void> PostgresImportJobs::Finish(const ImportJob& job) {
    PgParams params{job.id, job.status, std::to_string(job.processed), job.summary, job.error, Ms(job.updated_at)};
    co_await pool_->Execute(kFinish, params);
}

Task<std::optional<ImportJob>> PostgresImportJobs::Get(const std::string& id) {
    PgParams params{id};
    auto r = co_await pool_->Execute(kGet, params);
    if (r.Rows() == 0) co_return std::nullopt;
    ImportJob job;
    job.id = std::string(r.Text(0, 0));
    job.owner_id = r.OptionalInt(0, 1);
    job.format = std::string(r.Text(0, 2));
    job.status = std::string(r.Text(0, 3));
    job.total = r.Int(0, 4);
    job.processed = r.Int(0, 5);
    job.summary = std::string(r.Text(0, 6));
    job.error = std::string(r.Text(0, 7));
    job.created_at = core::FromUnixMillis(r.Int(0, 8));
    job.updated_at = core::FromUnixMillis(r.Int(0, 9));
    co_return job;
}

}  // namespace shortener::store
