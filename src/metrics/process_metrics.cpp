#include "metrics/process_metrics.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace shortener::metrics {
namespace {

// Fields of /proc/self/stat after the command name (which may contain spaces), 0-based from field 3.
std::vector<std::string> StatFields() {
    std::ifstream in("/proc/self/stat");
    std::string line;
    std::getline(in, line);
    auto close = line.rfind(')');
    std::istringstream rest(close == std::string::npos ? std::string() : line.substr(close + 2));
    std::vector<std::string> fields;
    for (std::string f; rest >> f;) fields.push_back(f);
    return fields;
}

double StatField(std::size_t field_number) {
    auto fields = StatFields();
    std::size_t index = field_number - 3;
    return index < fields.size() ? std::stod(fields[index]) : 0;
}

double BootTimeSeconds() {
    std::ifstream in("/proc/stat");
    for (std::string key; in >> key;) {
        if (key == "btime") {
            double t = 0;
            in >> t;
            return t;
        }
        in.ignore(1 << 20, '\n');
    }
    return 0;
}

}  // namespace

void AddProcessMetrics(Registry& r, std::string_view version) {
    static const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    static const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
    r.AddCounterFunction("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                         [] { return (StatField(14) + StatField(15)) / ticks; });
    r.AddGauge("process_resident_memory_bytes", "Resident memory size in bytes.", [] { return StatField(24) * page; });
    r.AddGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", [] { return StatField(23); });
    r.AddGauge("process_threads", "Number of OS threads in the process.", [] { return StatField(20); });
    r.AddGauge("process_open_fds", "Number of open file descriptors.", [] {
        std::error_code ec;
        double n = 0;
        for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
             !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
            ++n;
        }
        return n;
    });
    r.AddGauge("process_max_fds", "Maximum number of open file descriptors.", [] {
        rlimit limit{};
        getrlimit(RLIMIT_NOFILE, &limit);
        return static_cast<double>(limit.rlim_cur);
    });
    static const double start = BootTimeSeconds() + StatField(22) / ticks;
    r.AddGauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
               [] { return start; });
    r.AddGauge(
        "shortener_build_info", "Always 1; the version label says which build runs.", [] { return 1.0; },
        "version=\"" + std::string(version) + "\"");
}

}  // namespace shortener::metrics
