// Which certificate file a TLS server name is served with (issue #14): exact, then wildcard, then default.

#include "http/tls_names.hpp"

#include <gtest/gtest.h>

namespace shortener::http {
namespace {

using Stems = std::vector<std::string>;

TEST(TlsNames, ExactThenWildcardThenDefault) {
    EXPECT_EQ(CertificateStems("go.acme.com"), (Stems{"go.acme.com", "_.acme.com", "default"}));
    EXPECT_EQ(CertificateStems("Go.ACME.com."), (Stems{"go.acme.com", "_.acme.com", "default"}));
    EXPECT_EQ(CertificateStems("a.b.acme.com"), (Stems{"a.b.acme.com", "_.b.acme.com", "default"}));
}

TEST(TlsNames, NoWildcardForATopLevelParent) {
    EXPECT_EQ(CertificateStems("acme.com"), (Stems{"acme.com", "default"}));
    EXPECT_EQ(CertificateStems("localhost"), (Stems{"localhost", "default"}));
}

TEST(TlsNames, NoOrInvalidNameGetsTheDefault) {
    using namespace std::string_view_literals;
    for (std::string_view bad :
         std::vector<std::string_view>{"", ".", "a..b", ".a.b", "a b.com", "*.acme.com", "_.acme.com", "../etc/passwd",
                                       "acme.com/x", "a\0b.com"sv}) {
        EXPECT_EQ(CertificateStems(bad), (Stems{"default"})) << bad;
    }
    EXPECT_EQ(CertificateStems(std::string(64, 'a') + ".com"), (Stems{"default"}));  // a label over 63
    EXPECT_EQ(CertificateStems(std::string(254, 'a')), (Stems{"default"}));
}

TEST(TlsNames, FileNames) {
    EXPECT_EQ(CertificateStemOf("go.acme.com.crt"), "go.acme.com");
    EXPECT_EQ(CertificateStemOf("Go.Acme.com.key"), "go.acme.com");
    EXPECT_EQ(CertificateStemOf("_.acme.com.crt"), "_.acme.com");
    EXPECT_EQ(CertificateStemOf("default.key"), "default");
    EXPECT_EQ(CertificateStemOf("xn--bcher-kva.example.crt"), "xn--bcher-kva.example");
    for (std::string_view other : {"go.acme.com.pem", ".crt", "_.com.crt", "_.crt", "*.acme.com.crt", "a..b.crt",
                                   "go.acme.com..crt", "notes.txt", "..data", "ca.pem", "_.acme.com.csr"}) {
        EXPECT_EQ(CertificateStemOf(other), std::nullopt) << other;
    }
}

}  // namespace
}  // namespace shortener::http
