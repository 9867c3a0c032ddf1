#pragma once
/// @file
/// @brief Statements whose parameters are bound by name (internal to store/postgres): the SQL says
/// `{long_url}` where libpq wants `$2`, and one table gives each name its value, so a value cannot land
/// in another parameter's position.

#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/postgres/pg_pool.hpp"

namespace shortener::store {

/// A named parameter of a statement over `T`: its value in text form (nullopt = NULL). For a column
/// written by INSERT, `expression` is the SQL around the parameter (`{}` stands for it), e.g. "ms_to_ts({})".
template <class T>
struct PgNamedParam {
    std::string_view name;
    std::optional<std::string> (*value)(const T&);
    std::string_view expression = "{}";
};

/// `sql` with each `{name}` replaced by `$n`, n being the name's 1-based position in `names`. Throws
/// std::logic_error for a name not in `names` and for a name never used.
std::string ResolveParamNames(std::string_view sql, std::span<const std::string_view> names);

/// "INSERT INTO <table> (<name>, …) VALUES (<expression with {name}>, …)" for the given columns.
std::string InsertSql(std::string_view table, std::span<const std::string_view> names,
                      std::span<const std::string_view> expressions);

/// A statement and the table of its named parameters. The SQL is resolved once, at construction.
template <class T>
class PgNamedStatement {
  public:
    PgNamedStatement(const char* name, std::string_view sql, std::span<const PgNamedParam<T>> params)
        : params_(params), sql_(ResolveParamNames(sql, Names(params))), statement_{name, sql_.c_str()} {}

    /// An INSERT of one row, a column per parameter, followed by `tail` (e.g. "RETURNING id").
    static PgNamedStatement Insert(const char* name, std::string_view table, std::span<const PgNamedParam<T>> params,
                                   std::string_view tail) {
        std::vector<std::string_view> expressions;
        for (const auto& p : params) expressions.push_back(p.expression);
        return PgNamedStatement(name, InsertSql(table, Names(params), expressions) + " " + std::string(tail), params);
    }

    PgNamedStatement(const PgNamedStatement&) = delete;
    PgNamedStatement& operator=(const PgNamedStatement&) = delete;
    PgNamedStatement(PgNamedStatement&& o) noexcept
        : params_(o.params_), sql_(std::move(o.sql_)), statement_{o.statement_.name, sql_.c_str()} {}

    const PgStatement& Statement() const noexcept { return statement_; }

    /// The parameter values of `v`, in the statement's $n order.
    PgParams Params(const T& v) const {
        PgParams out;
        out.reserve(params_.size());
        for (const auto& p : params_) out.push_back(p.value(v));
        return out;
    }

  private:
    static std::vector<std::string_view> Names(std::span<const PgNamedParam<T>> params) {
        std::vector<std::string_view> names;
        for (const auto& p : params) names.push_back(p.name);
        return names;
    }

    std::span<const PgNamedParam<T>> params_;
    std::string sql_;
    PgStatement statement_;
};

}  // namespace shortener::store
