#include "store/postgres/pg_named.hpp"

#include <algorithm>

namespace shortener::store {

std::string ResolveParamNames(std::string_view sql, std::span<const std::string_view> names) {
    std::vector<bool> used(names.size());
    std::string out;
    out.reserve(sql.size());
    for (std::size_t i = 0; i < sql.size();) {
        const auto close = sql[i] == '{' ? sql.find('}', i) : std::string_view::npos;
        if (close == std::string_view::npos) {
            out.push_back(sql[i++]);
            continue;
        }
        const std::string_view name = sql.substr(i + 1, close - i - 1);
        const auto it = std::find(names.begin(), names.end(), name);
        if (it == names.end()) throw std::logic_error("SQL names an unknown parameter: " + std::string(name));
        const auto index = static_cast<std::size_t>(it - names.begin());
        used[index] = true;
        out += "$" + std::to_string(index + 1);
        i = close + 1;
    }
    for (std::size_t k = 0; k < names.size(); ++k) {
        if (!used[k]) throw std::logic_error("SQL does not use the parameter " + std::string(names[k]));
    }
    return out;
}

std::string InsertSql(std::string_view table, std::span<const std::string_view> names,
                      std::span<const std::string_view> expressions) {
    std::string columns, values;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i) {
            columns += ", ";
            values += ", ";
        }
        columns += names[i];
        const std::string_view e = expressions[i];
        const auto hole = e.find("{}");
        values += std::string(e.substr(0, hole)) + "{" + std::string(names[i]) + "}" + std::string(e.substr(hole + 2));
    }
    return "INSERT INTO " + std::string(table) + " (" + columns + ") VALUES (" + values + ")";
}

}  // namespace shortener::store
