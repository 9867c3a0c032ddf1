// Each import format read from its sample file (tests/data/import, built from the sources' documentation and code;
// docs/import.md), and the CSV reader's RFC 4180 corners.

#include "import/formats.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "import/csv_reader.hpp"

namespace shortener::imports {
namespace {

std::string Sample(const std::string& name) {
    std::ifstream in(std::string(SHORTENER_IMPORT_DATA_DIR) + "/" + name, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::vector<std::string> Tags(std::initializer_list<const char*> tags) { return {tags.begin(), tags.end()}; }

TEST(CsvReader, QuotesCommasLineBreaksBomAndBlankLines) {
    CsvReader reader(
        "\xEF\xBB\xBF"
        "a,\"b,c\",\"say \"\"hi\"\"\"\r\n\r\n\"two\nlines\",x,\n");
    std::vector<std::string> f;
    std::size_t line = 0;
    ASSERT_TRUE(reader.Next(f, line));
    EXPECT_EQ(line, 1u);
    EXPECT_EQ(f, (std::vector<std::string>{"a", "b,c", "say \"hi\""}));
    ASSERT_TRUE(reader.Next(f, line));
    EXPECT_EQ(line, 3u);
    EXPECT_EQ(f, (std::vector<std::string>{"two\nlines", "x", ""}));
    EXPECT_FALSE(reader.Next(f, line));
    EXPECT_FALSE(reader.unterminated());
}

TEST(CsvReader, UnclosedQuoteIsReported) {
    CsvReader reader("a,\"never closed\nb\n");
    std::vector<std::string> f;
    std::size_t line = 0;
    ASSERT_TRUE(reader.Next(f, line));
    EXPECT_TRUE(reader.unterminated());
}

TEST(ImportFormats, NamesParse) {
    EXPECT_EQ(ParseFormat("kutt"), Format::kKutt);
    EXPECT_EQ(ParseFormat("CSV"), std::nullopt);
    EXPECT_EQ(ParseFormat(""), std::nullopt);
}

TEST(ImportFormats, OwnCsvSample) {
    Parsed p = ParseFile(Format::kCsv, Sample("csv.csv"));
    ASSERT_EQ(p.error, "");
    ASSERT_EQ(p.rows.size(), 4u);
    EXPECT_EQ(p.rows[0].line, 2u);
    EXPECT_EQ(p.rows[0].url, "https://example.com/spring");
    EXPECT_EQ(p.rows[0].slug, "spring-sale");
    EXPECT_EQ(p.rows[0].tags, Tags({"sale", "spring"}));
    EXPECT_EQ(core::FormatRfc3339(*p.rows[0].created_at), "2024-01-02T03:04:05.000Z");
    EXPECT_EQ(p.rows[1].url, "https://example.com/search?q=\"shoes\"&page=1");
    EXPECT_EQ(p.rows[1].max_clicks, 100);
    EXPECT_TRUE(p.rows[1].expires_at);
    EXPECT_EQ(p.rows[2].line, 5u);  // the title of line 3 spans two lines
    EXPECT_EQ(p.rows[2].slug, "");
    EXPECT_EQ(p.rows[3].password, "s3cret-pass");
    for (const auto& r : p.rows) EXPECT_FALSE(r.error);
}

TEST(ImportFormats, OwnCsvRefusesUnknownColumnsWithoutQuotingThem) {
    Parsed p = ParseFile(Format::kCsv, "url,<script>\nhttps://a.example/,x\n");
    EXPECT_EQ(p.error, "Column 2 of the header is not one this format knows.");
    EXPECT_EQ(ParseFile(Format::kCsv, "slug\nabc\n").error, "The header has no \"url\" column.");
    EXPECT_NE(ParseFile(Format::kCsv, "").error, "");
}

TEST(ImportFormats, OwnCsvUndoesTheExportsFormulaGuard) {
    Parsed p = ParseFile(Format::kCsv, "url,slug,tags\nhttps://a.example/,'-sale,'-x|'y\n");
    ASSERT_EQ(p.rows.size(), 1u);
    EXPECT_EQ(p.rows[0].slug, "-sale");
    EXPECT_EQ(p.rows[0].tags, Tags({"-x", "'y"}));
}

TEST(ImportFormats, BadCellsFailTheirRowOnly) {
    Parsed p = ParseFile(Format::kCsv,
                         "url,created_at,max_clicks\nhttps://a.example/,yesterday,\n"
                         "https://b.example/,,many\nhttps://c.example/,,5\n");
    ASSERT_EQ(p.rows.size(), 3u);
    EXPECT_EQ(p.rows[0].error, core::Errc::kInvalidRequest);
    EXPECT_EQ(p.rows[0].error_message, "\"created_at\" is not a date-time (RFC 3339).");
    EXPECT_EQ(p.rows[1].error, core::Errc::kInvalidMaxClicks);
    EXPECT_FALSE(p.rows[2].error);
}

TEST(ImportFormats, BitlySample) {
    Parsed p = ParseFile(Format::kBitly, Sample("bitly.json"));
    ASSERT_EQ(p.error, "");
    ASSERT_EQ(p.rows.size(), 2u);
    EXPECT_EQ(p.rows[0].url, "https://example.com/spring-collection?utm_source=bitly");
    EXPECT_EQ(p.rows[0].domain, "bit.ly");
    EXPECT_EQ(p.rows[0].slug, "3xYzAbc");
    EXPECT_EQ(p.rows[0].tags, Tags({"campaign", "spring"}));
    EXPECT_EQ(core::FormatRfc3339(*p.rows[0].created_at), "2023-04-12T09:30:00.000Z");  // "+0000" read
    EXPECT_EQ(p.rows[1].slug, "acme-launch");                                           // the custom back-half wins
    EXPECT_EQ(p.rows[1].line, 2u);
}

TEST(ImportFormats, KuttSample) {
    Parsed p = ParseFile(Format::kKutt, Sample("kutt.json"));
    ASSERT_EQ(p.error, "");
    ASSERT_EQ(p.rows.size(), 2u);
    EXPECT_EQ(p.rows[0].url, "https://example.com/docs/api");
    EXPECT_EQ(p.rows[0].slug, "kutt-docs");
    EXPECT_EQ(p.rows[0].domain, "");
    EXPECT_EQ(p.rows[0].imported_clicks, 42);
    EXPECT_EQ(core::FormatRfc3339(*p.rows[0].expires_at), "2099-12-31T00:00:00.000Z");
    EXPECT_EQ(p.rows[1].imported_clicks, 7);
    EXPECT_FALSE(p.rows[1].expires_at);
}

TEST(ImportFormats, KuttProtectedLinkFailsInsteadOfOpening) {
    Parsed p = ParseFile(Format::kKutt, R"({"data":[{"target":"https://a.example/","address":"p1","password":true}]})");
    ASSERT_EQ(p.rows.size(), 1u);
    EXPECT_EQ(p.rows[0].error, core::Errc::kInvalidPassword);
}

TEST(ImportFormats, ShlinkSample) {
    Parsed p = ParseFile(Format::kShlink, Sample("shlink.csv"));
    ASSERT_EQ(p.error, "");
    ASSERT_EQ(p.rows.size(), 2u);
    EXPECT_EQ(p.rows[0].url, "https://example.com/promo");
    EXPECT_EQ(p.rows[0].slug, "promo");
    EXPECT_EQ(p.rows[0].domain, "s.example.net");
    EXPECT_EQ(p.rows[0].tags, Tags({"promo", "winter"}));
    EXPECT_EQ(p.rows[0].imported_clicks, 128);
    EXPECT_EQ(core::FormatRfc3339(*p.rows[0].created_at), "2023-11-20T09:15:00.000Z");
    EXPECT_EQ(p.rows[1].url, "https://example.com/docs?a=1,2");
    EXPECT_EQ(p.rows[1].slug, "Docs-1");
}

TEST(ImportFormats, ShlinkHeadersAreCaseAndSpaceInsensitiveAndShortUrlFillsIn) {
    Parsed p = ParseFile(Format::kShlink,
                         "Long URL,Short URL,Tags\nhttps://a.example/,https://s.example:8080/abc?x=1,"
                         "\"a,b\"\n");
    ASSERT_EQ(p.error, "");
    ASSERT_EQ(p.rows.size(), 1u);
    EXPECT_EQ(p.rows[0].slug, "abc");
    EXPECT_EQ(p.rows[0].domain, "s.example");
    EXPECT_EQ(p.rows[0].tags, Tags({"a", "b"}));
}

TEST(ImportFormats, YourlsSample) {
    Parsed p = ParseFile(Format::kYourls, Sample("yourls.csv"));
    ASSERT_EQ(p.error, "");
    ASSERT_EQ(p.rows.size(), 2u);
    EXPECT_EQ(p.rows[0].slug, "yrl1");
    EXPECT_EQ(p.rows[0].url, "https://example.com/yourls/one");
    EXPECT_EQ(p.rows[0].imported_clicks, 15);
    EXPECT_EQ(core::FormatRfc3339(*p.rows[0].created_at), "2022-06-01T12:00:00.000Z");
    EXPECT_EQ(p.rows[1].slug, "hello-world");
}

TEST(ImportFormats, JsonThatIsNotTheFormatFailsAsAWhole) {
    EXPECT_NE(ParseFile(Format::kBitly, "not json").error, "");
    EXPECT_EQ(ParseFile(Format::kKutt, R"({"links":[]})").error, "The file has no \"data\" list of links.");
    Parsed p = ParseFile(Format::kBitly, R"([{"links":[{"long_url":"https://a.example/"}]},{"long_url":"x"},3])");
    ASSERT_EQ(p.error, "");
    ASSERT_EQ(p.rows.size(), 3u);  // a page, a bare link, and an item that is not a link
    EXPECT_EQ(p.rows[2].error, core::Errc::kInvalidRequest);
}

}  // namespace
}  // namespace shortener::imports
