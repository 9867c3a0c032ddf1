#pragma once
// Runs an awaitable to completion on this thread's test io_context and returns its result (our userver-style
// UTEST). The context lives as long as the thread and is reused: a Redis I/O thread that completes an awaited call
// posts to it and signals its condition variable just after unlocking, so a context destroyed as soon as run()
// returns would be torn down under that thread's feet (ThreadSanitizer reports it).

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>
#include <optional>

namespace shortener::testing {

inline boost::asio::io_context& TestContext() {
    static thread_local boost::asio::io_context context;
    context.restart();
    return context;
}

template <class T>
T RunAwaitable(boost::asio::awaitable<T> task) {
    auto& context = TestContext();
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
    auto& context = TestContext();
    std::exception_ptr error;
    boost::asio::co_spawn(context, std::move(task), [&](std::exception_ptr e) { error = e; });
    context.run();
    if (error) std::rethrow_exception(error);
}

}  // namespace shortener::testing
