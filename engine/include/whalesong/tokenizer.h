// Tokenizer: byte-level BPE from a Hugging Face tokenizer.json, the chat template, streaming detokenizer.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "whalesong/status.h"

namespace ws {

using TokenId = std::int32_t;

/// One tool call of an assistant message (OpenAI shape: {"type","function":{"name","arguments"}}).
struct ToolCall {
    std::string type = "function";
    std::string name;
    std::string arguments; ///< JSON text, written verbatim into the prompt
};

/// One OpenAI-style chat message. `content` is absent for an assistant message that only calls tools.
struct ChatMessage {
    std::string role; ///< "system" | "user" | "assistant" | "tool"
    std::optional<std::string> content;
    std::vector<ToolCall> toolCalls;
};

/// What a chat template reads besides the messages.
struct ChatTemplateOptions {
    std::optional<bool> thinking; ///< DeepSeek-V3.1's `thinking` switch (absent: the template's own default)
};

/// Immutable after load; every const method is safe to call from several threads at once.
class Tokenizer {
public:
    /// Reads `dir`/tokenizer.json and, when present, `dir`/tokenizer_config.json (BOS/EOS, add_bos_token); or,
    /// when `dir` is a .gguf file, its tokenizer.ggml.* metadata. Errors name the file and the field at fault.
    static Result<std::unique_ptr<Tokenizer>> load(const std::filesystem::path& dir);
    virtual ~Tokenizer() = default;

    /// Encodes UTF-8 text (invalid UTF-8 is encoded byte by byte, never an error). Added tokens written in the
    /// text are matched first, longest first. `addBos` prepends the BOS id.
    virtual std::vector<TokenId> encode(std::string_view text, bool addBos = false) const = 0;
    /// The bytes the ids stand for, concatenated (may end inside a UTF-8 sequence).
    virtual std::string decode(std::span<const TokenId> ids) const = 0;
    /// The raw bytes of one token ("" for an id out of range).
    virtual std::string tokenBytes(TokenId id) const = 0;
    /// Added tokens marked "special" in tokenizer.json (BOS, EOS, padding, placeholders): generated text leaves
    /// them out, as skip_special_tokens does in the serving stacks.
    virtual bool isSpecial(TokenId id) const = 0;
    /// The id of a token's exact string (vocab or added token), if any.
    virtual std::optional<TokenId> tokenId(std::string_view token) const = 0;

    /// Number of ids (highest id + 1), which may be below config.json's vocab_size (padding rows).
    virtual std::size_t size() const = 0;
    virtual TokenId bos() const = 0;
    virtual TokenId eos() const = 0;
    /// Whether plain encode() for a completion prompt should start with BOS (tokenizer_config add_bos_token).
    virtual bool addBosByDefault() const = 0;

    /// The model's own chat template (tokenizer_config.json's chat_template or the GGUF's tokenizer.chat_template)
    /// run by our Jinja interpreter exactly as transformers renders it; when the model ships none, DeepSeek-V3's
    /// template written out in C++ (chatTemplateSource() says which). Fails with the template's own message
    /// (raise_exception), a feature the interpreter lacks, or the message index at fault — never a wrong prompt.
    virtual Result<std::string> renderChat(std::span<const ChatMessage> messages, bool addGenerationPrompt,
                                           const ChatTemplateOptions& options = {}) const = 0;
    /// Where renderChat's template comes from: "tokenizer_config.json", "GGUF metadata", or "built-in DeepSeek-V3
    /// (the model ships no chat template)".
    virtual std::string chatTemplateSource() const = 0;
    /// The model's template has DeepSeek-V3.1's `thinking` switch (renderChat honours ChatTemplateOptions::thinking).
    virtual bool chatTemplateHasThinkingSwitch() const = 0;
};

/// Turns a stream of ids into text deltas that never split a UTF-8 sequence. Not thread-safe.
class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tokenizer) : m_tok(&tokenizer) {}
    /// Returns the text completed by this id (possibly empty while a multi-byte character is pending).
    std::string push(TokenId id);
    /// Returns whatever is still pending at the end, invalid bytes replaced with U+FFFD.
    std::string flush();

private:
    const Tokenizer* m_tok;
    std::string m_pending;
};

} // namespace ws
