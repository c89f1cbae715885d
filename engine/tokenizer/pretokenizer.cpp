// Pre-tokenizer (HF tokenizers pre_tokenizers/{split,byte_level,sequence}.rs) on PCRE2 instead of Oniguruma.
#include "tokenizer/pretokenizer.h"

#include "tokenizer/utf8.h"

#include <nlohmann/json.hpp>
#include <pcre2.h>

namespace ws::detail {
namespace {

/// Unicode White_Space, written for use inside a character class.
constexpr std::string_view kWhiteSpaceClass = "\\x{9}-\\x{D}\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}"
                                              "\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

/// The GPT-2 split of HF's ByteLevel pre-tokenizer when use_regex is true.
constexpr std::string_view kGpt2Pattern =
    "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

struct MatchDataDeleter {
    void operator()(pcre2_match_data* md) const { pcre2_match_data_free(md); }
};

/// Length of the character starting at `pos`, or 1 for a byte that starts no valid character.
std::size_t charLength(std::string_view s, std::size_t pos) {
    const Utf8Char c = readUtf8(s, pos);
    return c.kind == Utf8Kind::Valid ? c.length : 1;
}

} // namespace

std::string onigurumaToPcre2(std::string_view pattern) {
    std::string out;
    out.reserve(pattern.size() + 64);
    bool inClass = false;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\' && i + 1 < pattern.size()) {
            const char e = pattern[i + 1];
            ++i;
            if (e == 's') {
                if (inClass)
                    out.append(kWhiteSpaceClass);
                else
                    out.append("[").append(kWhiteSpaceClass).append("]");
            } else if (e == 'S' && !inClass) {
                out.append("[^").append(kWhiteSpaceClass).append("]");
            } else {
                out.push_back(c);
                out.push_back(e);
            }
            continue;
        }
        out.push_back(c);
        if (!inClass && c == '[') {
            inClass = true;
            // A ']' right after '[' or '[^' is a literal member, not the end of the class.
            if (i + 1 < pattern.size() && pattern[i + 1] == '^')
                out.push_back(pattern[++i]);
            if (i + 1 < pattern.size() && pattern[i + 1] == ']')
                out.push_back(pattern[++i]);
        } else if (inClass && c == ']') {
            inClass = false;
        }
    }
    return out;
}

void Regex::Deleter::operator()(pcre2_code* code) const { pcre2_code_free(code); }

Result<Regex> Regex::compile(std::string_view pattern, bool literal, const std::string& where) {
    const std::string translated = literal ? std::string(pattern) : onigurumaToPcre2(pattern);
    std::uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    options |= literal ? PCRE2_LITERAL : PCRE2_UCP; // PCRE2 refuses UCP together with LITERAL
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                                     options, &errorCode, &errorOffset, nullptr);
    if (code == nullptr) {
        PCRE2_UCHAR message[256];
        pcre2_get_error_message(errorCode, message, sizeof message);
        return {Code::Unsupported, where + ": cannot compile regex /" + std::string(pattern) +
                                       "/ at offset " + std::to_string(errorOffset) + ": " +
                                       reinterpret_cast<const char*>(message)};
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE); // optional speed-up; the interpreter is the fallback
    Regex regex;
    regex.m_code.reset(code, Deleter{});
    return regex;
}

void Regex::findAll(std::string_view subject, std::vector<std::pair<std::size_t, std::size_t>>& out,
                    pcre2_match_data* matchData) const {
    const auto* data = reinterpret_cast<PCRE2_SPTR>(subject.data());
    std::size_t start = 0;
    while (start <= subject.size()) {
        int rc = pcre2_match(m_code.get(), data, subject.size(), start, 0, matchData, nullptr);
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) // e.g. JIT stack exhausted: retry with the interpreter
            rc = pcre2_match(m_code.get(), data, subject.size(), start, PCRE2_NO_JIT, matchData, nullptr);
        if (rc < 0)
            return;
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(matchData);
        const std::size_t begin = ovector[0];
        const std::size_t end = ovector[1];
        out.emplace_back(begin, end);
        if (end > begin)
            start = end;
        else if (end < subject.size())
            start = end + charLength(subject, end);
        else
            return;
    }
}

Result<PreTokenizer> PreTokenizer::fromJson(const nlohmann::json& json, const std::string& file) {
    PreTokenizer pre;
    if (!json.is_null())
        WS_TRY(pre.addStep(json, file, "pre_tokenizer"));
    return pre;
}

Status PreTokenizer::addStep(const nlohmann::json& json, const std::string& file, const std::string& field) {
    const std::string where = file + ": " + field;
    if (!json.is_object() || !json.contains("type") || !json["type"].is_string())
        return {Code::FormatError, where + " has no \"type\""};
    const std::string type = json["type"].get<std::string>();

    if (type == "Sequence") {
        const auto it = json.find("pretokenizers");
        if (it == json.end() || !it->is_array())
            return {Code::FormatError, where + ".pretokenizers is missing or not an array"};
        for (std::size_t i = 0; i < it->size(); ++i)
            WS_TRY(addStep((*it)[i], file, field + ".pretokenizers[" + std::to_string(i) + "]"));
        return Status::ok();
    }

    if (type == "ByteLevel") {
        // HF's defaults: add_prefix_space true, use_regex true. The byte mapping itself needs no step.
        const bool prefixSpace = json.value("add_prefix_space", true);
        const bool useRegex = json.value("use_regex", true);
        if (prefixSpace) {
            Step step;
            step.prefixSpace = true;
            m_steps.push_back(std::move(step));
        }
        if (useRegex) {
            auto regex = Regex::compile(kGpt2Pattern, false, where);
            if (!regex.isOk())
                return regex.status();
            Step step;
            step.regex = std::move(regex).value();
            m_steps.push_back(std::move(step));
        }
        return Status::ok();
    }

    if (type == "Split") {
        Step step;
        const auto pattern = json.find("pattern");
        if (pattern == json.end() || !pattern->is_object())
            return {Code::FormatError, where + ".pattern is missing or not an object"};
        bool literal = false;
        std::string text;
        if (pattern->contains("Regex") && (*pattern)["Regex"].is_string()) {
            text = (*pattern)["Regex"].get<std::string>();
        } else if (pattern->contains("String") && (*pattern)["String"].is_string()) {
            text = (*pattern)["String"].get<std::string>();
            literal = true;
        } else {
            return {Code::Unsupported, where + ".pattern has neither a \"Regex\" nor a \"String\" string"};
        }
        auto regex = Regex::compile(text, literal, where + ".pattern");
        if (!regex.isOk())
            return regex.status();
        step.regex = std::move(regex).value();

        const std::string behavior = json.value("behavior", std::string("Isolated"));
        if (behavior == "Removed")
            step.behavior = Behavior::Removed;
        else if (behavior == "Isolated")
            step.behavior = Behavior::Isolated;
        else if (behavior == "MergedWithPrevious")
            step.behavior = Behavior::MergedWithPrevious;
        else if (behavior == "MergedWithNext")
            step.behavior = Behavior::MergedWithNext;
        else if (behavior == "Contiguous")
            step.behavior = Behavior::Contiguous;
        else
            return {Code::Unsupported, where + ".behavior \"" + behavior + "\" is not supported"};
        step.invert = json.value("invert", false);
        m_steps.push_back(std::move(step));
        return Status::ok();
    }

    return {Code::Unsupported,
            where + ".type \"" + type + "\" is not supported (expected Sequence, Split or ByteLevel)"};
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& pieces,
                         std::deque<std::string>& arena) const {
    pieces.clear();
    if (text.empty())
        return;
    pieces.push_back(text);
    if (m_steps.empty())
        return;

    std::unique_ptr<pcre2_match_data, MatchDataDeleter> matchData(pcre2_match_data_create(1, nullptr));
    std::vector<std::string_view> next;
    std::vector<std::pair<std::size_t, std::size_t>> matches;
    struct Span {
        std::size_t begin, end;
        bool isMatch;
    };
    std::vector<Span> spans, merged;

    for (const Step& step : m_steps) {
        next.clear();
        for (const std::string_view piece : pieces) {
            if (step.prefixSpace) {
                if (piece.front() == ' ') {
                    next.push_back(piece);
                } else {
                    arena.push_back(" " + std::string(piece));
                    next.emplace_back(arena.back());
                }
                continue;
            }

            // Matches and the stretches between them, in order (HF's Pattern::find_matches).
            matches.clear();
            step.regex.findAll(piece, matches, matchData.get());
            spans.clear();
            std::size_t prev = 0;
            for (const auto& [b, e] : matches) {
                if (b != prev)
                    spans.push_back({prev, b, step.invert});
                spans.push_back({b, e, !step.invert});
                prev = e;
            }
            if (prev != piece.size())
                spans.push_back({prev, piece.size(), step.invert});

            // HF's SplitDelimiterBehavior, applied to the spans.
            merged.clear();
            bool previousMatch = false;
            switch (step.behavior) {
            case Behavior::Isolated:
                merged = spans;
                break;
            case Behavior::Removed:
                for (const Span& s : spans)
                    if (!s.isMatch)
                        merged.push_back(s);
                break;
            case Behavior::MergedWithPrevious:
                for (const Span& s : spans) {
                    if (s.isMatch && !previousMatch && !merged.empty())
                        merged.back().end = s.end;
                    else
                        merged.push_back(s);
                    previousMatch = s.isMatch;
                }
                break;
            case Behavior::MergedWithNext:
                for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
                    if (it->isMatch && !previousMatch && !merged.empty())
                        merged.back().begin = it->begin;
                    else
                        merged.push_back(*it);
                    previousMatch = it->isMatch;
                }
                std::reverse(merged.begin(), merged.end());
                break;
            case Behavior::Contiguous:
                for (const Span& s : spans) {
                    if (s.isMatch == previousMatch && !merged.empty())
                        merged.back().end = s.end;
                    else
                        merged.push_back(s);
                    previousMatch = s.isMatch;
                }
                break;
            }
            for (const Span& s : merged)
                if (s.end > s.begin)
                    next.push_back(piece.substr(s.begin, s.end - s.begin));
        }
        pieces.swap(next);
    }
}

} // namespace ws::detail
