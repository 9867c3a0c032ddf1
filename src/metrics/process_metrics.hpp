#pragma once
/// @file
/// @brief The standard process_* metrics (CPU, memory, file descriptors, threads, start time) read from
/// /proc/self at scrape time, and shortener_build_info.

#include <string_view>

#include "metrics/registry.hpp"

namespace shortener::metrics {

void AddProcessMetrics(Registry& registry, std::string_view version);

}  // namespace shortener::metrics
