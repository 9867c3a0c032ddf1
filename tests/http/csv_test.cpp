// CSV cells: RFC 4180 quoting, and formulas neutralised as OWASP recommends.

#include "http/csv.hpp"

#include <gtest/gtest.h>

namespace shortener::http {
namespace {

std::string Cell(std::string_view v, bool numeric = false) {
    std::string out;
    AppendCsvCell(out, v, numeric);
    return out;
}

TEST(Csv, QuotesOnlyWhatNeedsIt) {
    EXPECT_EQ(Cell("Mozilla/5.0"), "Mozilla/5.0");
    EXPECT_EQ(Cell(""), "");
    EXPECT_EQ(Cell("a,b"), "\"a,b\"");
    EXPECT_EQ(Cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    EXPECT_EQ(Cell("line\nbreak"), "\"line\nbreak\"");
    EXPECT_EQ(Cell("a=b+c-d@e"), "a=b+c-d@e");  // only the first character can start a formula
}

TEST(Csv, NeutralisesFormulaStarts) {
    EXPECT_EQ(Cell("=HYPERLINK(\"https://evil.example\",\"x\")"),
              "\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"x\"\")\"");
    EXPECT_EQ(Cell("+1+1"), "\"'+1+1\"");
    EXPECT_EQ(Cell("-2+3"), "\"'-2+3\"");
    EXPECT_EQ(Cell("@SUM(A1:A9)"), "\"'@SUM(A1:A9)\"");
    EXPECT_EQ(Cell("\t=1"), "\"'\t=1\"");
    EXPECT_EQ(Cell("\r=1"), "\"'\r=1\"");
    EXPECT_EQ(Cell("=1,2"), "\"'=1,2\"");
}

TEST(Csv, NumbersStayNumbers) {
    EXPECT_EQ(Cell("-33.86", true), "-33.86");
    EXPECT_EQ(Cell("151.2", true), "151.2");
}

}  // namespace
}  // namespace shortener::http
