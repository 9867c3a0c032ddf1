// Written by hand rather than taken from Debian's libcsv: the importer needs the line of each record for its
// error report, and the whole reader is one small state machine over a buffer already bounded by the caller.

#include "import/csv_reader.hpp"

namespace shortener::imports {

CsvReader::CsvReader(std::string_view text) : text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // spreadsheets (Excel's "CSV UTF-8") write a BOM
}

void CsvReader::ReadQuoted(std::string& field) {
    while (pos_ < text_.size()) {
        const char c = text_[pos_++];
        if (c == '"') {
            if (pos_ < text_.size() && text_[pos_] == '"') {
                field.push_back('"');
                ++pos_;
                continue;
            }
            return;
        }
        if (c == '\n') ++line_;
        field.push_back(c);
    }
    unterminated_ = true;
}

bool CsvReader::Next(std::vector<std::string>& fields, std::size_t& line) {
    fields.clear();
    // Blank lines (LF or CRLF) between records carry no record.
    while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
        if (text_[pos_] == '\n') ++line_;
        ++pos_;
    }
    if (pos_ >= text_.size()) return false;
    line = line_;
    std::string field;
    while (pos_ < text_.size()) {
        const char c = text_[pos_];
        if (c == '"' && field.empty()) {
            ++pos_;
            ReadQuoted(field);
            continue;  // anything up to the next comma or line end after the closing quote is kept as text
        }
        if (c == ',') {
            fields.push_back(std::move(field));
            field.clear();
            ++pos_;
            continue;
        }
        if (c == '\r' || c == '\n') {
            if (c == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n') ++pos_;
            ++pos_;
            ++line_;
            break;
        }
        field.push_back(c);
        ++pos_;
    }
    fields.push_back(std::move(field));
    return true;
}

}  // namespace shortener::imports
