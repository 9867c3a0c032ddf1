#include "enrich/regex.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <re2/re2.h>

#include <stdexcept>

namespace shortener::enrich {

struct Regex::Impl {
    std::unique_ptr<RE2> re2;
    pcre2_code* pcre = nullptr;
    int groups = 0;
    ~Impl() {
        if (pcre) pcre2_code_free(pcre);
    }
};

Regex::Regex(const std::string& pattern, bool case_insensitive) : impl_(std::make_unique<Impl>()) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(!case_insensitive);
    auto re2 = std::make_unique<RE2>(pattern, options);
    if (re2->ok()) {
        impl_->groups = std::min(re2->NumberOfCapturingGroups(), kMaxGroups);
        impl_->re2 = std::move(re2);
        engine_ = Engine::kRe2;
        return;
    }
    re2_error_ = re2->error();
    int code = 0;
    PCRE2_SIZE offset = 0;
    std::uint32_t flags = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (case_insensitive ? PCRE2_CASELESS : 0);
    impl_->pcre =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), flags, &code, &offset, nullptr);
    if (!impl_->pcre) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(code, message, sizeof(message));
        throw std::invalid_argument("regex rejected by RE2 (" + re2_error_ + ") and PCRE2 (" +
                                    reinterpret_cast<const char*>(message) + "): " + pattern);
    }
    pcre2_jit_compile(impl_->pcre, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if JIT is unavailable
    std::uint32_t count = 0;
    pcre2_pattern_info(impl_->pcre, PCRE2_INFO_CAPTURECOUNT, &count);
    impl_->groups = std::min(static_cast<int>(count), kMaxGroups);
    engine_ = Engine::kPcre2;
}

Regex::~Regex() = default;
Regex::Regex(Regex&&) noexcept = default;
Regex& Regex::operator=(Regex&&) noexcept = default;

bool Regex::Search(std::string_view text, Match* m) const {
    if (impl_->re2) {
        if (!m) return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *impl_->re2);
        re2::StringPiece groups[kMaxGroups + 1];
        const int n = impl_->groups + 1;
        if (!impl_->re2->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(), RE2::UNANCHORED, groups,
                               n)) {
            return false;
        }
        m->groups = impl_->groups;
        for (int i = 0; i <= kMaxGroups; ++i) {
            m->matched[i] = i < n && groups[i].data() != nullptr;
            m->group[i] = m->matched[i] ? std::string_view(groups[i].data(), groups[i].size()) : std::string_view();
        }
        return true;
    }
    // One match-data block per thread, grown to the largest pattern seen.
    struct Data {
        pcre2_match_data* md = pcre2_match_data_create(kMaxGroups + 1, nullptr);
        ~Data() { pcre2_match_data_free(md); }
    };
    thread_local Data data;
    int rc = pcre2_match(impl_->pcre, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), 0, 0, data.md, nullptr);
    if (rc < 0) return false;  // no match, or a matching error (treated as no match)
    if (!m) return true;
    if (rc == 0) rc = kMaxGroups + 1;  // more groups than the ovector holds: the first ones are set
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data.md);
    m->groups = impl_->groups;
    for (int i = 0; i <= kMaxGroups; ++i) {
        const bool set = i < rc && i <= impl_->groups && ov[2 * i] != PCRE2_UNSET;
        m->matched[i] = set;
        m->group[i] = set ? text.substr(ov[2 * i], ov[2 * i + 1] - ov[2 * i]) : std::string_view();
    }
    return true;
}

}  // namespace shortener::enrich
