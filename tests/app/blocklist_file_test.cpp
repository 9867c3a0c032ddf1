// The blocklist file (issue #7): loaded at start, reloaded when it changes (polling and SIGHUP's ReloadNow),
// and a broken version never replaces a good list.

#include "app/blocklist_file.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "support/fakes.hpp"

namespace shortener::app {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class BlocklistFileTest : public ::testing::Test {
  protected:
    // Writes through a temporary file and rename, as deploy tools (and ConfigMap updates) do.
    void Write(const std::string& text) {
        const auto tmp = path_ + ".tmp";
        std::ofstream(tmp) << text;
        fs::rename(tmp, path_);
    }
    shortener::testing::TempDir dir_{"blocklist-test-"};
    std::string path_ = dir_.File("blocklist.txt");
};

TEST_F(BlocklistFileTest, LoadsAndReloadsOnChange) {
    Write("# bad actors\nevil.example\n\n*.phish.example  # comment\n0.0.0.0 ads.example\n");
    BlocklistFile file(path_, 20ms);
    std::string error;
    ASSERT_TRUE(file.Load(&error)) << error;
    auto list = file.Current();
    ASSERT_TRUE(list);
    EXPECT_EQ(list->size(), 3u);
    EXPECT_TRUE(list->Matches("www.evil.example"));
    EXPECT_TRUE(list->Matches("phish.example"));
    EXPECT_FALSE(list->Matches("good.example"));
    EXPECT_FALSE(file.CheckForChange());  // unchanged

    Write("good.example\n");
    EXPECT_TRUE(file.CheckForChange());
    EXPECT_TRUE(file.Current()->Matches("good.example"));
    EXPECT_FALSE(file.Current()->Matches("evil.example"));
    EXPECT_TRUE(list->Matches("evil.example"));  // a reader holding the old list keeps it intact
}

TEST_F(BlocklistFileTest, ABrokenFileKeepsThePreviousList) {
    Write("evil.example\n");
    BlocklistFile file(path_, 20ms);
    ASSERT_TRUE(file.Load(nullptr));
    Write("evil.example\nthis is not a domain\n");
    EXPECT_FALSE(file.CheckForChange());
    EXPECT_TRUE(file.Current()->Matches("evil.example"));
    fs::remove(path_);
    EXPECT_FALSE(file.CheckForChange());
    EXPECT_FALSE(file.ReloadNow());
    EXPECT_TRUE(file.Current()->Matches("evil.example"));
    Write("other.example\n");  // fixed: taken at the next look
    EXPECT_TRUE(file.CheckForChange());
    EXPECT_TRUE(file.Current()->Matches("other.example"));
}

TEST_F(BlocklistFileTest, ThePollerPicksUpChangesWithoutBeingAsked) {
    Write("a.example\n");
    BlocklistFile file(path_, 20ms);
    ASSERT_TRUE(file.Load(nullptr));
    file.Start();
    Write("b.example\n");
    bool seen = false;
    for (int i = 0; i < 200 && !seen; ++i) {
        std::this_thread::sleep_for(10ms);
        seen = file.Current()->Matches("b.example");
    }
    EXPECT_TRUE(seen);
}

TEST_F(BlocklistFileTest, AMissingOrInvalidFileFailsTheFirstLoad) {
    BlocklistFile missing(path_);
    std::string error;
    EXPECT_FALSE(missing.Load(&error));
    EXPECT_NE(error.find("cannot read"), std::string::npos);
    Write("ok.example\nhttp://x.example/path\n");
    BlocklistFile invalid(path_);
    EXPECT_FALSE(invalid.Load(&error));
    EXPECT_NE(error.find("line 2"), std::string::npos) << error;
}

}  // namespace
}  // namespace shortener::app
