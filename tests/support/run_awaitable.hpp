#pragma once
// Runs an awaitable to completion on a local io_context and returns its result (our userver-style UTEST).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>

namespace shortener::testing {

template <class T>
T RunAwaitable(boost::asio::awaitable<T> task) {
    boost::asio::io_context context;
    std::optional<T> result;
    std::exception_ptr error;
    boost::asio::co_spawn(context, std::move(task), [&](std::exception_ptr e, T value) {
        error = e;
        if (!e) result.emplace(std::move(value));
    });
    context.run();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
}

inline void RunAwaitable(boost::asio::awaitable<void> task) {
    boost::asio::io_context context;
    std::exception_ptr error;
    boost::asio::co_spawn(context, std::move(task), [&](std::exception_ptr e) { error = e; });
    context.run();
    if (error) std::rethrow_exception(error);
}

}  // namespace shortener::testing
