#include "store/postgres/pg_values.hpp"

namespace shortener::store::pg_value {

std::string Str(std::int64_t v) { return std::to_string(v); }

std::optional<std::string> OptMillis(const std::optional<core::TimePoint>& t) {
    if (!t) return std::nullopt;
    return Str(core::ToUnixMillis(*t));
}

std::string Bool(bool v) { return v ? "t" : "f"; }

std::optional<std::string> OptText(std::string s) {
    if (s.empty()) return std::nullopt;
    return s;
}

std::optional<std::string> OptInt(const std::optional<std::int64_t>& v) {
    if (!v) return std::nullopt;
    return Str(*v);
}

void AppendUtf8(std::string& out, std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            if (c != 0) out.push_back(static_cast<char>(c));
            ++i;
            continue;
        }
        std::size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
        bool ok = n != 0 && i + n <= s.size();
        for (std::size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
        if (ok && n == 3) {
            auto c1 = static_cast<unsigned char>(s[i + 1]);
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
        }
        if (ok && n == 4) {
            auto c1 = static_cast<unsigned char>(s[i + 1]);
            ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
        }
        if (ok) {
            out.append(s.substr(i, n));
            i += n;
        } else {
            out.append("\xEF\xBF\xBD");
            ++i;
        }
    }
}

std::string Sanitized(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    AppendUtf8(out, s);
    return out;
}

}  // namespace shortener::store::pg_value
