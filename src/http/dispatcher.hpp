#pragma once
/// @file
/// @brief Runs the matching handler for a request: 404/405 when none, and the one place where handler
/// exceptions become responses (503 for an unavailable backend, 500 otherwise, never with internals).

#include <boost/asio/awaitable.hpp>

#include "http/request.hpp"
#include "http/router.hpp"

namespace shortener::http {

struct DispatchResult {
    Response response;
    std::string_view route;  // the matched route's name, or "none"
};

boost::asio::awaitable<DispatchResult> Dispatch(const Router& router, const Request& request);

}  // namespace shortener::http
