#include "metrics/process_metrics.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace shortener::metrics {
namespace {

double Value(const std::string& text, const std::string& name) {
    std::smatch m;
    std::regex re("\n" + name + " ([0-9.e+-]+)\n");
    std::string padded = "\n" + text;
    if (!std::regex_search(padded, m, re)) return -1;
    return std::stod(m[1]);
}

TEST(ProcessMetrics, ReportsThisProcess) {
    Registry r;
    AddProcessMetrics(r, "1.2.3");
    std::string text = r.Render();
    EXPECT_GT(Value(text, "process_resident_memory_bytes"), 1e5) << text;
    EXPECT_GE(Value(text, "process_cpu_seconds_total"), 0);
    EXPECT_GE(Value(text, "process_open_fds"), 3);
    EXPECT_GE(Value(text, "process_threads"), 1);
    EXPECT_GT(Value(text, "process_start_time_seconds"), 1.6e9);
    EXPECT_NE(text.find("shortener_build_info{version=\"1.2.3\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace shortener::metrics
