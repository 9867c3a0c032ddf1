#include "store/sqlite/sqlite_import_jobs.hpp"

namespace shortener::store {
namespace {

constexpr const char* kForget = "DELETE FROM import_jobs WHERE status <> 'running' AND updated_at < ?1";
constexpr const char* kInsert =
    "INSERT INTO import_jobs (id, owner_id, format, status, total, processed, created_at, updated_at) "
    "VALUES (?1, ?2, ?3, 'running', ?4, 0, ?5, ?5)";
constexpr const char* kProgress =
    "UPDATE import_jobs SET processed = max(processed, ?2), updated_at = ?3 WHERE id = ?1 AND status = 'running'";
constexpr const char* kFinish =
    "UPDATE import_jobs SET status = ?2, processed = ?3, summary = ?4, error = ?5, updated_at = ?6 WHERE id = ?1";
constexpr const char* kGet =
    "SELECT id, owner_id, format, status, total, processed, summary, error, created_at, updated_at "
    "FROM import_jobs WHERE id = ?1";

std::int64_t Ms(core::TimePoint t) { return core::ToUnixMillis(t); }

}  // namespace

Task<void> SqliteImportJobs::Create(const ImportJob& job, core::TimePoint forget_before) {
    co_await db_->OffLoop([&] {
        GuardBackend([&] {
            auto c = db_->AcquireWriter();
            WriteTransaction(*c, [&] {
                c->Prepare(kForget).Bind(1, Ms(forget_before)).Run();
                c->Prepare(kInsert)
                    .Bind(1, job.id)
                    .Bind(2, job.owner_id)
                    .Bind(3, job.format)
                    .Bind(4, job.total)
                    .Bind(5, Ms(job.created_at))
                    .Run();
                return 0;
            });
            return 0;
        });
        return 0;
    });
}

Task<void> SqliteImportJobs::Progress(const std::string& id, std::int64_t processed, core::TimePoint at) {
    co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            c->Prepare(kProgress).Bind(1, id).Bind(2, processed).Bind(3, Ms(at)).Run();
            return 0;
        });
    });
}

Task<void> SqliteImportJobs::Finish(const ImportJob& job) {
    co_await db_->OffLoop([&] {
        return GuardBackend([&] {
            auto c = db_->AcquireWriter();
            c->Prepare(kFinish)
                .Bind(1, job.id)
                .Bind(2, job.status)
                .Bind(3, job.processed)
                .Bind(4, job.summary)
                .Bind(5, job.error)
                .Bind(6, Ms(job.updated_at))
                .Run();
            return 0;
        });
    });
}

Task<std::optional<ImportJob>> SqliteImportJobs::Get(const std::string& id) {
    co_return GuardBackend([&]() -> std::optional<ImportJob> {
        auto lease = db_->Acquire();
        auto s = lease->Prepare(kGet);
        s.Bind(1, id);
        if (!s.Step()) return std::nullopt;
        ImportJob job;
        job.id = s.Text(0);
        job.owner_id = s.OptionalInt(1);
        job.format = s.Text(2);
        job.status = s.Text(3);
        job.total = s.Int(4);
        job.processed = s.Int(5);
        job.summary = s.Text(6);
        job.error = s.Text(7);
        job.created_at = core::FromUnixMillis(s.Int(8));
        job.updated_at = core::FromUnixMillis(s.Int(9));
        return job;
    });
}

}  // namespace shortener::store
