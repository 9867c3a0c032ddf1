#include "auth/password.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "core/errc.hpp"

namespace shortener::auth {
namespace {

TEST(Password, HashIsArgon2idAndVerifies) {
    std::string hash = HashPasswordBlocking("correct horse battery staple");
    EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
    EXPECT_TRUE(VerifyPasswordBlocking(hash, "correct horse battery staple"));
    EXPECT_FALSE(VerifyPasswordBlocking(hash, "correct horse battery stapl"));
    EXPECT_FALSE(VerifyPasswordBlocking(hash, ""));
}

TEST(Password, SaltedSoEqualPasswordsHashDifferently) {
    EXPECT_NE(HashPasswordBlocking("same"), HashPasswordBlocking("same"));
}

TEST(Password, MalformedHashesNeverVerify) {
    EXPECT_FALSE(VerifyPasswordBlocking("", "x"));
    EXPECT_FALSE(VerifyPasswordBlocking("$argon2id$v=19$garbage", "x"));
    EXPECT_FALSE(VerifyPasswordBlocking(std::string(500, 'a'), "x"));
}

TEST(Password, HasherRunsOffTheCallersThreadAndResumesOnIt) {
    PasswordHasher hasher(1);
    boost::asio::io_context io;
    auto caller = std::this_thread::get_id();
    auto done = boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<bool> {
            std::string hash = co_await hasher.Hash("s3cret");
            EXPECT_TRUE(std::this_thread::get_id() == caller);
            const bool good = co_await hasher.Verify(hash, "s3cret");
            const bool bad = co_await hasher.Verify(hash, "S3cret");
            co_return good && !bad;
        },
        boost::asio::use_future);
    io.run();
    EXPECT_TRUE(done.get());
}

TEST(Password, AFullHasherRefusesAtOnceInsteadOfQueueing) {
    PasswordHasher hasher(1, 0);  // one computation at a time, none waiting
    const std::string hash = HashPasswordBlocking("pw");
    boost::asio::io_context io;
    int overloaded = 0;
    int verified = 0;
    auto attempt = [&]() -> boost::asio::awaitable<void> {
        try {
            if (co_await hasher.Verify(hash, "pw")) ++verified;
        } catch (const core::Overloaded&) {
            ++overloaded;
        }
    };
    for (int i = 0; i < 3; ++i) boost::asio::co_spawn(io, attempt(), boost::asio::detached);
    io.run();
    EXPECT_EQ(verified, 1);
    EXPECT_EQ(overloaded, 2);
    // Once it is free again, it takes work again.
    auto again = boost::asio::co_spawn(io, hasher.Verify(hash, "pw"), boost::asio::use_future);
    io.restart();
    io.run();
    EXPECT_TRUE(again.get());
}

}  // namespace
}  // namespace shortener::auth
