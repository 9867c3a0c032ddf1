#pragma once
/// @file
/// @brief /healthz, /readyz and /metrics for any process, with or without the link API (the worker serves
/// these alone).

#include <vector>

#include "http/handlers/handlers.hpp"

namespace shortener::http {

/// `checks` must outlive the router.
void AddHealthRoutes(Router& router, metrics::Registry& metrics, const std::vector<ReadinessCheck>& checks);

}  // namespace shortener::http
