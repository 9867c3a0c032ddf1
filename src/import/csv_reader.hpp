#pragma once
/// @file
/// @brief An RFC 4180 reader for imported files: quoted fields, embedded commas and line breaks, doubled quotes,
/// CRLF or LF line ends, a leading UTF-8 byte order mark.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace shortener::imports {

/// Reads records one at a time from text it does not own (the text must outlive the reader). Blank lines are
/// skipped. Not thread-safe.
class CsvReader {
  public:
    explicit CsvReader(std::string_view text);

    /// The next record's fields, and the 1-based line its first character is on; false at the end of the text.
    /// A quote never closed takes the rest of the text into one field and sets unterminated().
    bool Next(std::vector<std::string>& fields, std::size_t& line);

    /// True once a quoted field ran to the end of the text without its closing quote.
    bool unterminated() const noexcept { return unterminated_; }

  private:
    // Reads one quoted field's content, from after its opening quote to after its closing quote.
    void ReadQuoted(std::string& field);

    std::string_view text_;
    std::size_t pos_ = 0;
    std::size_t line_ = 1;
    bool unterminated_ = false;
};

}  // namespace shortener::imports
