// inspectModelFolder: every problem of a model folder, found from config.json, the safetensors headers and
// the tokenizer files, without loading the weights.
#include "whalesong/inspect.h"

#include "model/gguf_model.h"
#include "model/safetensors.h"
#include "model/weights.h"
#include "whalesong/tokenizer.h"

#include <fstream>
#include <new>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ws {
namespace {

namespace fs = std::filesystem;

/// Messages name files relative to the folder: the folder itself is what the user just chose.
class Problems {
  public:
    Problems(const fs::path& dir, std::vector<std::string>& out) : m_prefix((dir / "").string()), m_out(out) {
        if (m_prefix == "/")
            m_prefix.clear(); // the root folder: nothing to shorten
    }
    void add(std::string message) {
        for (std::size_t at; !m_prefix.empty() && (at = message.find(m_prefix)) != std::string::npos;)
            message.erase(at, m_prefix.size());
        m_out.push_back(std::move(message));
    }
    void add(const Status& s) { add(s.message()); }

  private:
    std::string m_prefix;
    std::vector<std::string>& m_out;
};

bool isFile(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

/// The file's text, or nullopt when it cannot be read.
std::optional<std::string> readText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in)
        return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad())
        return std::nullopt;
    return ss.str();
}

/// A .gguf file (or the first part of a split set): metadata, tensor table and tokenizer, as Model::load reads them.
void inspectGguf(const fs::path& file, FolderReport& report) {
    Problems problems(file.parent_path(), report.problems);
    auto gguf = openGgufModel(file);
    if (!gguf) {
        problems.add(gguf.status());
        return;
    }
    const GgufModel& g = gguf.value();
    report.config = g.config;
    auto weights = ModelWeights::bind(g.store, g.config);
    if (!weights) {
        problems.add(weights.status());
    } else {
        ModelInfo info = computeModelInfo(g.config, weights.value(), g.store.totalFileBytes());
        info.fileType = g.fileType;
        for (const GgufTypeShare& t : g.typeMix) info.tensorTypes.push_back({t.type, t.tensors, t.bytes});
        report.info = std::move(info);
    }
    auto tokenizer = tokenizerFromGguf(g.files->first());
    if (!tokenizer)
        problems.add(tokenizer.status());
    else if (tokenizer.value()->size() > static_cast<std::size_t>(g.config.vocab_size))
        problems.add(file.filename().string() + ": " + std::to_string(tokenizer.value()->size()) +
                     " tokens, more than the model's vocab_size " + std::to_string(g.config.vocab_size));
}

void inspectInto(const fs::path& dir, FolderReport& report) {
    Problems problems(dir, report.problems);
    std::error_code ec;
    if (dir.empty()) {
        problems.add("no folder chosen");
        return;
    }
    const auto st = fs::status(dir, ec);
    if (!fs::exists(st)) {
        problems.add(dir.string() + ": missing");
        return;
    }
    if (fs::is_regular_file(st) && isGgufPath(dir)) {
        inspectGguf(dir, report);
        return;
    }
    if (!fs::is_directory(st)) {
        problems.add(dir.string() + ": not a folder");
        return;
    }

    // config.json, checked by the same parser Model::load uses.
    if (const fs::path p = dir / "config.json"; !isFile(p)) {
        problems.add("config.json: missing");
    } else if (const auto text = readText(p); !text) {
        problems.add("config.json: cannot be read");
    } else if (auto config = ModelConfig::parse(*text, "config.json"); !config) {
        problems.add(config.status());
    } else {
        report.config = std::move(config.value());
    }

    // The weights: every shard's header, then (config permitting) the binding, which names the tensor at
    // fault.
    std::vector<Status> storeProblems;
    const TensorStore store = TensorStore::openCollecting(dir, storeProblems);
    for (const Status& s : storeProblems)
        problems.add(s);
    if (storeProblems.empty() && report.config) {
        auto weights = ModelWeights::bind(store, *report.config);
        if (!weights)
            problems.add(weights.status());
        else
            report.info = computeModelInfo(*report.config, weights.value(), store.totalFileBytes());
    }

    // The tokenizer: loaded as Model::load would (parsing catches a broken file), and its size against the
    // config.
    const bool haveTokenizer = isFile(dir / "tokenizer.json");
    const bool haveTokenizerConfig = isFile(dir / "tokenizer_config.json");
    if (!haveTokenizer)
        problems.add("tokenizer.json: missing");
    if (!haveTokenizerConfig)
        problems.add("tokenizer_config.json: missing (BOS/EOS and the chat template)");
    if (haveTokenizer) {
        auto tokenizer = Tokenizer::load(dir);
        if (!tokenizer) {
            problems.add(tokenizer.status());
        } else if (report.config &&
                   tokenizer.value()->size() > static_cast<std::size_t>(report.config->vocab_size)) {
            problems.add("tokenizer.json: " + std::to_string(tokenizer.value()->size()) +
                         " tokens, more than config.json vocab_size " +
                         std::to_string(report.config->vocab_size));
        }
    } else if (haveTokenizerConfig) { // Tokenizer::load did not get to it: at least check it parses
        const auto text = readText(dir / "tokenizer_config.json");
        if (!text || nlohmann::json::parse(*text, nullptr, false).is_discarded())
            problems.add("tokenizer_config.json: malformed JSON");
    }
}

} // namespace

FolderReport inspectModelFolder(const std::filesystem::path& dir) {
    FolderReport report;
    try {
        inspectInto(dir, report);
    } catch (const std::bad_alloc&) {
        report.problems.push_back(dir.string() + ": out of memory while inspecting");
        report.info.reset();
    } catch (const std::exception& e) {
        report.problems.push_back(dir.string() + ": " + e.what());
        report.info.reset();
    }
    return report;
}

} // namespace ws
