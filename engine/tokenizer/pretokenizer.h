// Pre-tokenizer: HF's Split / ByteLevel / Sequence steps, run with PCRE2, cutting text into BPE pieces.
#pragma once

#include "whalesong/status.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;

namespace ws::detail {

/// Rewrites an Oniguruma pattern (what HF tokenizers compiles) for PCRE2: \s and \S become explicit Unicode
/// White_Space classes, since PCRE2's \s also takes U+180E and Oniguruma's does not.
std::string onigurumaToPcre2(std::string_view pattern);

/// One compiled pattern (UTF, UCP, invalid UTF-8 allowed, JIT when available). Immutable; thread-safe.
class Regex {
  public:
    /// `where` names the JSON field in error messages.
    static Result<Regex> compile(std::string_view pattern, bool literal, const std::string& where);

    /// Appends [start, end) of every match in `subject` to `out`, left to right, as Oniguruma's find_iter.
    void findAll(std::string_view subject, std::vector<std::pair<std::size_t, std::size_t>>& out,
                 pcre2_real_match_data_8* matchData) const;

  private:
    struct Deleter {
        void operator()(pcre2_real_code_8* code) const;
    };
    std::shared_ptr<pcre2_real_code_8> m_code;
};

/// The pre_tokenizer of tokenizer.json. Pieces are raw bytes; the byte-level mapping is left to the BPE.
class PreTokenizer {
  public:
    enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

    /// `json` is the pre_tokenizer value (null allowed: no splitting). `file` names tokenizer.json.
    static Result<PreTokenizer> fromJson(const nlohmann::json& json, const std::string& file);

    /// Splits `text` into pieces that view `text` or strings kept alive in `arena` (prefix spaces).
    void split(std::string_view text, std::vector<std::string_view>& pieces,
               std::deque<std::string>& arena) const;

  private:
    struct Step {
        bool prefixSpace = false; ///< ByteLevel add_prefix_space: prepend ' ' to a piece that lacks one
        Regex regex;
        Behavior behavior = Behavior::Isolated;
        bool invert = false;
    };
    Status addStep(const nlohmann::json& json, const std::string& file, const std::string& field);

    std::vector<Step> m_steps;
};

} // namespace ws::detail
