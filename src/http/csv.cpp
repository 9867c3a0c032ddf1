#include "http/csv.hpp"

namespace shortener::http {

void AppendCsvCell(std::string& out, std::string_view value, bool numeric) {
    constexpr std::string_view kFormulaStart = "=+-@\t\r";
    const bool formula = !numeric && !value.empty() && kFormulaStart.find(value.front()) != std::string_view::npos;
    if (!formula && value.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += value;
        return;
    }
    out += '"';
    if (formula) out += '\'';
    for (char c : value) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

}  // namespace shortener::http
