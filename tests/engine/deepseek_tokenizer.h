// The real DeepSeek-V3 tokenizer from shared/, loaded once per test process, for the tokenizer tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include "whalesong/tokenizer.h"

namespace ws::test {

inline const std::filesystem::path kDeepSeekDir = std::filesystem::path(WS_SHARED_DIR) / "tokenizers" / "deepseek-v3";

/// nullptr when shared/ is absent (the test then skips).
inline const Tokenizer* deepSeek() {
    static const std::unique_ptr<Tokenizer> tok = [] {
        if (!std::filesystem::exists(kDeepSeekDir / "tokenizer.json")) return std::unique_ptr<Tokenizer>();
        auto r = Tokenizer::load(kDeepSeekDir);
        if (!r.isOk()) {
            ADD_FAILURE() << r.status().message();
            return std::unique_ptr<Tokenizer>();
        }
        return std::move(r).value();
    }();
    return tok.get();
}

} // namespace ws::test

#define REQUIRE_DEEPSEEK()                                                                                   \
    const ws::Tokenizer* tok = ws::test::deepSeek();                                                         \
    if (tok == nullptr)                                                                                      \
    GTEST_SKIP() << "no " << ws::test::kDeepSeekDir << " (shared folder missing)"
