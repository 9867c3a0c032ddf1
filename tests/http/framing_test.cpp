// The RFC 9112 framing rules of http/framing.hpp, without sockets (the session's use of them is tested in
// fuzz_regression_test.cpp and tests/e2e/framing.test.mjs).

#include "http/framing.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <initializer_list>

namespace shortener::http {
namespace {

TEST(IsValidHost, AcceptsRegNamesAddressesAndPorts) {
    for (std::string_view host :
         {"example.com", "EXAMPLE.com", "a", "sho.rt:8080", "127.0.0.1", "127.0.0.1:80", "[::1]", "[::1]:443",
          "[2001:db8::1]", "[::ffff:192.0.2.1]", "[v1.fe80::a+en1]", "xn--bcher-kva.example", "a-b_c~d.e", "%41bc",
          "a:65535", "a:0", "a:", "!$&'()*+,;=", ""}) {
        EXPECT_TRUE(IsValidHost(host)) << host;
    }
}

TEST(IsValidHost, RefusesWhatIsNotUriHostAndPort) {
    for (std::string_view host : {"a b",
                                  "exa mple.com:99999",
                                  "[::1",
                                  "::1",
                                  "[::1]x",
                                  "[::1]:-1",
                                  "a:65536",
                                  "a:99999999999999",
                                  "a:8o",
                                  "a:80:80",
                                  "a/b",
                                  "a@b",
                                  "user@example.com",
                                  "a?b",
                                  "a#b",
                                  "%4",
                                  "%zz",
                                  "a\tb",
                                  "caf\xc3\xa9",
                                  "[fe80::1%25eth0]",
                                  "[1:2:3:4:5:6:7:8:9]",
                                  "[::1::2]",
                                  "[v.x]",
                                  "[v1.]",
                                  "[vq.x]",
                                  "a\"b",
                                  "[]",
                                  "a[b]"}) {
        EXPECT_FALSE(IsValidHost(host)) << host;
    }
    // Port = *DIGIT (RFC 3986 §3.2.3): an empty port is valid, as in "a:" above.
    EXPECT_TRUE(IsValidHost("[::1]:"));
}

// The verdict on a head with the given Transfer-Encoding lines (HTTP/1.1, one Host, Beast reading chunked when
// the last coding is a bare chunked).
FramingError TransferEncoding(std::initializer_list<std::string_view> lines, bool parser_chunked) {
    HeadFraming framing;
    framing.OnHost("example.com");
    for (auto line : lines) framing.OnTransferEncoding(line);
    return framing.Check(11, parser_chunked);
}

TEST(HeadFraming, ChunkedAloneIsTheOnlyTransferEncodingServed) {
    EXPECT_EQ(TransferEncoding({"chunked"}, true), FramingError::kNone);
    EXPECT_EQ(TransferEncoding({"Chunked"}, true), FramingError::kNone);
    EXPECT_EQ(TransferEncoding({" chunked\t"}, true), FramingError::kNone);
    EXPECT_EQ(TransferEncoding({", chunked,"}, true), FramingError::kNone);  // empty list elements are ignored
    EXPECT_EQ(TransferEncoding({"", "chunked"}, true), FramingError::kNone);
}

TEST(HeadFraming, FinalCodingOtherThanChunkedIs400) {
    for (std::string_view te : {"identity", "gzip", "xchunked", "chunkedx", "chunked, identity", "chunked;q=1",
                                "chunked ; a=\"b,c\"", "", ",", "chunked foo", "chunked;", "chunked;a", "chunked;a=",
                                "\"chunked\"", "chunked;a=\"b", "gzip;a=\"x\\\"y\"", "chunked, chunked ,gzip"}) {
        EXPECT_EQ(TransferEncoding({te}, false), FramingError::kChunkedNotFinal) << te;
    }
    EXPECT_EQ(TransferEncoding({"chunked", "gzip"}, false), FramingError::kChunkedNotFinal);
    // The codings are right but the parser would not read the body as chunked: faulty framing, never a body-less
    // request.
    EXPECT_EQ(TransferEncoding({"chunked"}, false), FramingError::kChunkedNotFinal);
}

TEST(HeadFraming, OtherCodingsBeforeAFinalChunkedAre501) {
    EXPECT_EQ(TransferEncoding({"gzip, chunked"}, true), FramingError::kUnimplementedCoding);
    EXPECT_EQ(TransferEncoding({"identity, chunked"}, true), FramingError::kUnimplementedCoding);
    EXPECT_EQ(TransferEncoding({"gzip;level=\"9, really\", chunked"}, true), FramingError::kUnimplementedCoding);
    EXPECT_EQ(TransferEncoding({"gzip", "chunked"}, true), FramingError::kUnimplementedCoding);
    EXPECT_EQ(TransferEncoding({"chunked, chunked"}, false), FramingError::kUnimplementedCoding);
    EXPECT_EQ(TransferEncoding({"chunked, chunked"}, true), FramingError::kUnimplementedCoding);
}

TEST(HeadFraming, TransferEncodingWithContentLengthIs400) {
    HeadFraming framing;
    framing.OnHost("a");
    framing.OnContentLength();
    framing.OnTransferEncoding("gzip, chunked");  // 400 wins over 501
    EXPECT_EQ(framing.Check(11, true), FramingError::kTransferEncodingWithContentLength);
}

TEST(HeadFraming, TransferEncodingInHttp10Is400) {
    HeadFraming framing;
    framing.OnTransferEncoding("chunked");
    EXPECT_EQ(framing.Check(10, true), FramingError::kTransferEncodingInHttp10);
}

TEST(HeadFraming, HostRules) {
    EXPECT_EQ(HeadFraming().Check(11, false), FramingError::kHostMissing);
    EXPECT_EQ(HeadFraming().Check(10, false), FramingError::kNone);  // HTTP/1.0 needs no Host
    HeadFraming repeated;
    repeated.OnHost("a");
    EXPECT_EQ(repeated.early(), FramingError::kNone);
    repeated.OnHost("a");
    EXPECT_EQ(repeated.early(), FramingError::kHostRepeated);
    EXPECT_EQ(repeated.Check(10, false), FramingError::kHostRepeated);  // in any version
    HeadFraming invalid;
    invalid.OnHost("a b");
    EXPECT_EQ(invalid.early(), FramingError::kHostInvalid);
    HeadFraming ok;
    ok.OnHost("example.com:8080");
    EXPECT_EQ(ok.Check(11, false), FramingError::kNone);
}

TEST(HeadFraming, HostFaultsComeBeforeTransferEncodingFaults) {
    HeadFraming framing;
    framing.OnTransferEncoding("gzip, chunked");
    EXPECT_EQ(framing.Check(11, true), FramingError::kHostMissing);
}

TEST(HeadFraming, ObsFoldIsKnownAtOnce) {
    HeadFraming framing;
    framing.OnObsFold();
    EXPECT_EQ(framing.early(), FramingError::kObsFold);
    framing.OnHost("a b");  // the first fault is the one reported
    EXPECT_EQ(framing.Check(11, false), FramingError::kObsFold);
}

TEST(FramingErrorResponse, JsonErrorsThatNeverQuoteTheRequest) {
    auto r = FramingErrorResponse(FramingError::kUnimplementedCoding);
    EXPECT_EQ(r.status, 501u);
    auto body = boost::json::parse(r.body);
    EXPECT_EQ(body.at("error").at("code").as_string(), "not_implemented");
    for (auto e : {FramingError::kObsFold, FramingError::kHostMissing, FramingError::kHostRepeated,
                   FramingError::kHostInvalid, FramingError::kTransferEncodingInHttp10,
                   FramingError::kTransferEncodingWithContentLength, FramingError::kChunkedNotFinal}) {
        r = FramingErrorResponse(e);
        EXPECT_EQ(r.status, 400u);
        body = boost::json::parse(r.body);
        EXPECT_EQ(body.at("error").at("code").as_string(), "invalid_request");
        EXPECT_FALSE(body.at("error").at("message").as_string().empty());
    }
}

}  // namespace
}  // namespace shortener::http
