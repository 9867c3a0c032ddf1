#pragma once
/// @file
/// @brief One compiled regular expression: RE2 when RE2 accepts the pattern (linear time, no backtracking),
/// PCRE2 (JIT) only for the patterns RE2 rejects (lookaround, backreferences). Thread-safe matching.

#include <array>
#include <memory>
#include <string>
#include <string_view>

namespace shortener::enrich {

class Regex {
  public:
    static constexpr int kMaxGroups = 9;
    enum class Engine { kRe2, kPcre2 };

    /// Capture groups 0..kMaxGroups of one match; a group that did not take part is std::nullopt-like
    /// (matched[i] false).
    struct Match {
        std::array<std::string_view, kMaxGroups + 1> group{};
        std::array<bool, kMaxGroups + 1> matched{};
        int groups = 0;  // capture groups in the pattern (capped at kMaxGroups)
    };

    /// Compiles `pattern` (unanchored search). Throws std::invalid_argument when neither engine accepts it.
    Regex(const std::string& pattern, bool case_insensitive);
    ~Regex();
    Regex(Regex&&) noexcept;
    Regex& operator=(Regex&&) noexcept;

    Engine engine() const noexcept { return engine_; }
    /// Why RE2 refused the pattern (when engine() is kPcre2).
    const std::string& re2_error() const noexcept { return re2_error_; }

    /// True if the pattern matches somewhere in `text`; fills `m` when given.
    bool Search(std::string_view text, Match* m = nullptr) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    Engine engine_ = Engine::kRe2;
    std::string re2_error_;
};

}  // namespace shortener::enrich
