#include "store/sqlite/sqlite_salt_store.hpp"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_stores.hpp"
#include "support/fakes.hpp"

namespace shortener::store {
namespace {

TEST(SqliteSaltStore, InsertIfAbsentSharedAcrossInstancesAndForgets) {
    shortener::testing::TempDir dir("salt-test-");
    {
        SqliteDb db(dir.File("t.db"));
        db.Migrate(SqliteMigrations());
        SqliteSaltStore a(db), b(db);
        enrich::Salt s1{}, s2{};
        s1.fill(1);
        s2.fill(2);
        EXPECT_EQ(a.GetOrCreate(100, s1), s1);
        EXPECT_EQ(b.GetOrCreate(100, s2), s1);  // the first writer's salt wins
        EXPECT_EQ(b.GetOrCreate(101, s2), s2);
        a.ForgetBefore(101);
        EXPECT_EQ(a.GetOrCreate(100, s2), s2);  // day 100 was deleted: a new salt
        auto c = db.Acquire();
        auto count = c->Prepare("SELECT COUNT(*) FROM visitor_salts");
        ASSERT_TRUE(count.Step());
        EXPECT_EQ(count.Int(0), 2);
    }
}

}  // namespace
}  // namespace shortener::store
