// The social preview page (issue #17): Open Graph and Twitter card tags, every value escaped, strict CSP.

#include "http/handlers/preview_page.hpp"

#include <gtest/gtest.h>

#include <string>

namespace shortener::http {
namespace {

std::string HeaderOf(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
        if (k == name) return v;
    }
    return {};
}

TEST(PreviewPage, CarriesOpenGraphAndTwitterTags) {
    core::SocialPreview p{"Spring sale", "Everything half price", "https://cdn.example.com/card.png"};
    Response r = PreviewPage(p, "https://s.example/abc", "https://example.com/sale?x=1&y=2");
    EXPECT_EQ(r.status, 200u);
    EXPECT_NE(r.content_type.find("text/html"), std::string::npos);
    const std::string& b = r.body;
    EXPECT_NE(b.find(R"(<meta property="og:title" content="Spring sale">)"), std::string::npos);
    EXPECT_NE(b.find(R"(<meta property="og:description" content="Everything half price">)"), std::string::npos);
    EXPECT_NE(b.find(R"(<meta property="og:image" content="https://cdn.example.com/card.png">)"), std::string::npos);
    EXPECT_NE(b.find(R"(<meta property="og:url" content="https://s.example/abc">)"), std::string::npos);
    EXPECT_NE(b.find(R"(<meta name="twitter:card" content="summary_large_image">)"), std::string::npos);
    EXPECT_NE(b.find(R"(<meta name="twitter:image" content="https://cdn.example.com/card.png">)"), std::string::npos);
    EXPECT_NE(b.find(R"(<meta http-equiv="refresh" content="0; url=https://example.com/sale?x=1&amp;y=2">)"),
              std::string::npos);
    EXPECT_NE(b.find(R"(<a href="https://example.com/sale?x=1&amp;y=2">Spring sale</a>)"), std::string::npos);
    EXPECT_EQ(HeaderOf(r, "Content-Security-Policy").rfind("default-src 'none'; img-src https:", 0), 0u);
    EXPECT_EQ(b.find("<script"), std::string::npos);
}

TEST(PreviewPage, EscapesHostileValues) {
    core::SocialPreview p{R"("><script>alert(1)</script>)", "Tom & Jerry's \"best\" <b>", ""};
    p.image = R"(https://cdn.example.com/a.png?"onerror=alert(1))";
    Response r = PreviewPage(p, "https://s.example/abc", "https://example.com/");
    const std::string& b = r.body;
    EXPECT_EQ(b.find("<script"), std::string::npos);
    EXPECT_EQ(b.find("\"><script"), std::string::npos) << b;
    EXPECT_EQ(b.find("\"onerror"), std::string::npos);
    EXPECT_EQ(b.find("<b>"), std::string::npos);
    EXPECT_NE(b.find("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(b.find("Tom &amp; Jerry&#39;s &quot;best&quot; &lt;b&gt;"), std::string::npos);
    EXPECT_NE(b.find("a.png?&quot;onerror=alert(1)"), std::string::npos);
    // Every attribute value is one quoted run: an odd count of quotes would mean one escaped.
    std::size_t quotes = 0;
    for (char c : b) quotes += c == '"';
    EXPECT_EQ(quotes % 2, 0u);
}

TEST(PreviewPage, KeepsUnicodeAsUtf8) {
    core::SocialPreview p{"Ünïcødé 🎉 — 日本語", "Ça marche\u2028ligne", ""};
    Response r = PreviewPage(p, "https://s.example/abc", "https://example.com/");
    EXPECT_NE(r.body.find("<title>Ünïcødé 🎉 — 日本語</title>"), std::string::npos);
    EXPECT_NE(r.body.find(R"(content="Ça marche)"), std::string::npos);
    EXPECT_NE(r.body.find(R"(<meta charset="utf-8">)"), std::string::npos);
}

TEST(PreviewPage, WithoutImageIsASummaryCard) {
    Response r = PreviewPage({"Only a title", "", ""}, "https://s.example/abc", "https://example.com/");
    EXPECT_NE(r.body.find(R"(<meta name="twitter:card" content="summary">)"), std::string::npos);
    EXPECT_EQ(r.body.find("og:image"), std::string::npos);
    EXPECT_EQ(r.body.find("og:description"), std::string::npos);
}

TEST(PreviewPage, WithoutDestinationLinksTheShortUrlAndDoesNotRefresh) {
    Response r = PreviewPage({"Protected", "", ""}, "https://s.example/abc", "");
    EXPECT_EQ(r.body.find("http-equiv"), std::string::npos);
    EXPECT_NE(r.body.find(R"(<a href="https://s.example/abc">)"), std::string::npos);
}

TEST(PreviewPage, TitleFallsBackToTheShortUrl) {
    Response r = PreviewPage({"", "Just a description", ""}, "https://s.example/abc", "https://example.com/");
    EXPECT_NE(r.body.find(R"(<meta property="og:title" content="https://s.example/abc">)"), std::string::npos);
}

}  // namespace
}  // namespace shortener::http
