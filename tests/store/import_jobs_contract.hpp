#pragma once
// The ImportJobStore contract: one typed suite, instantiated once per adapter (sqlite_store_test.cpp: SQLite,
// label unit; postgres_store_pgtest.cpp: PostgreSQL, label pg).
//
// A backend type B provides:
//   void Open();  void Close();   // (re)opens the store on the same data; migrations run again
//   ImportJobStore& jobs();

#include <gtest/gtest.h>

#include <string>

#include "store/import_jobs.hpp"
#include "support/run_awaitable.hpp"

namespace shortener::store::import_jobs_contract {

using shortener::testing::RunAwaitable;

inline core::TimePoint T(std::int64_t ms) { return core::FromUnixMillis(1'700'000'000'000 + ms); }

inline ImportJob MakeJob(std::string id, std::optional<std::int64_t> owner = 7) {
    ImportJob job;
    job.id = std::move(id);
    job.owner_id = owner;
    job.format = "csv";
    job.total = 12'000;
    job.created_at = job.updated_at = T(0);
    return job;
}

template <class Backend>
class ImportJobStoreContract : public ::testing::Test {
  protected:
    void SetUp() override { backend_.Open(); }
    void TearDown() override { backend_.Close(); }
    ImportJobStore& jobs() { return backend_.jobs(); }
    ImportJob GetOrDie(const std::string& id) {
        auto job = RunAwaitable(jobs().Get(id));
        if (!job) throw std::runtime_error("no job " + id);
        return *job;
    }
    Backend backend_;
};

TYPED_TEST_SUITE_P(ImportJobStoreContract);

TYPED_TEST_P(ImportJobStoreContract, ACreatedJobRunsWithNothingProcessed) {
    RunAwaitable(this->jobs().Create(MakeJob("a1"), T(0)));
    const ImportJob job = this->GetOrDie("a1");
    EXPECT_EQ(job.status, "running");
    EXPECT_EQ(job.owner_id, 7);
    EXPECT_EQ(job.format, "csv");
    EXPECT_EQ(job.total, 12'000);
    EXPECT_EQ(job.processed, 0);
    EXPECT_EQ(job.summary, "");
    EXPECT_EQ(job.created_at, T(0));
    EXPECT_FALSE(RunAwaitable(this->jobs().Get("nope")).has_value());
    RunAwaitable(this->jobs().Create(MakeJob("anon", std::nullopt), T(0)));
    EXPECT_FALSE(this->GetOrDie("anon").owner_id.has_value());
}

TYPED_TEST_P(ImportJobStoreContract, ProgressOnlyGrowsAndNeverReopensAFinishedJob) {
    RunAwaitable(this->jobs().Create(MakeJob("p1"), T(0)));
    RunAwaitable(this->jobs().Progress("p1", 5'000, T(1'000)));
    RunAwaitable(this->jobs().Progress("p1", 3'000, T(2'000)));  // late, out of order
    ImportJob job = this->GetOrDie("p1");
    EXPECT_EQ(job.processed, 5'000);
    EXPECT_EQ(job.updated_at, T(2'000));

    job.status = "done";
    job.processed = 12'000;
    job.summary = R"({"imported":12000})";
    job.updated_at = T(3'000);
    RunAwaitable(this->jobs().Finish(job));
    RunAwaitable(this->jobs().Progress("p1", 11'000, T(4'000)));  // after the end: ignored
    const ImportJob done = this->GetOrDie("p1");
    EXPECT_EQ(done.status, "done");
    EXPECT_EQ(done.processed, 12'000);
    EXPECT_EQ(done.summary, R"({"imported":12000})");
    EXPECT_EQ(done.updated_at, T(3'000));
}

TYPED_TEST_P(ImportJobStoreContract, AFailedJobKeepsWhy) {
    RunAwaitable(this->jobs().Create(MakeJob("f1"), T(0)));
    ImportJob job = MakeJob("f1");
    job.status = "failed";
    job.processed = 500;
    job.error = "The database could not be reached.";
    job.updated_at = T(9);
    RunAwaitable(this->jobs().Finish(job));
    const ImportJob failed = this->GetOrDie("f1");
    EXPECT_EQ(failed.status, "failed");
    EXPECT_EQ(failed.error, "The database could not be reached.");
    EXPECT_EQ(failed.summary, "");
}

TYPED_TEST_P(ImportJobStoreContract, CreatingForgetsFinishedJobsOnlyAndSurvivesReopening) {
    RunAwaitable(this->jobs().Create(MakeJob("old-done"), T(0)));
    ImportJob done = MakeJob("old-done");
    done.status = "done";
    done.updated_at = T(100);
    RunAwaitable(this->jobs().Finish(done));
    RunAwaitable(this->jobs().Create(MakeJob("old-running"), T(0)));  // never finished: kept (shown as interrupted)
    RunAwaitable(this->jobs().Create(MakeJob("new"), T(200)));        // forgets what finished before T(200)
    EXPECT_FALSE(RunAwaitable(this->jobs().Get("old-done")).has_value());
    EXPECT_TRUE(RunAwaitable(this->jobs().Get("old-running")).has_value());
    this->backend_.Close();
    this->backend_.Open();
    EXPECT_EQ(this->GetOrDie("new").status, "running");
}

REGISTER_TYPED_TEST_SUITE_P(ImportJobStoreContract, ACreatedJobRunsWithNothingProcessed,
                            ProgressOnlyGrowsAndNeverReopensAFinishedJob, AFailedJobKeepsWhy,
                            CreatingForgetsFinishedJobsOnlyAndSurvivesReopening);

}  // namespace shortener::store::import_jobs_contract
