// Replays a fuzz target's committed corpus (tests/fuzz/corpus/<target>/) in the normal GCC build, one gtest
// case per file: every input that ever found a bug stays a regression test, with the target's own
// invariants (a violated one aborts, failing the test binary with the message on stderr).
// SHORTENER_FUZZ_CORPUS is the corpus directory; the target source provides LLVMFuzzerTestOneInput.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

std::vector<std::string> CorpusFiles() {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(SHORTENER_FUZZ_CORPUS)) {
        if (entry.is_regular_file()) files.push_back(entry.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    return files;
}

class CorpusReplay : public ::testing::TestWithParam<std::string> {};

TEST_P(CorpusReplay, InvariantsHold) {
    std::ifstream in(std::filesystem::path(SHORTENER_FUZZ_CORPUS) / GetParam(), std::ios::binary);
    ASSERT_TRUE(in) << GetParam();
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0);
}

INSTANTIATE_TEST_SUITE_P(Corpus, CorpusReplay, ::testing::ValuesIn(CorpusFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                             std::string name = info.param;
                             for (char& c : name) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             }
                             return name;
                         });

TEST(CorpusReplay, CorpusIsNotEmpty) { EXPECT_FALSE(CorpusFiles().empty()); }

}  // namespace
