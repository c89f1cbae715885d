// whalesong-cli: the engine's command-line front end (info, tokenize, render, logits, generate, bench,
// random-model).
#include <sys/resource.h>

#include <pthread.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <future>
#include <filesystem>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "whalesong/api_server.h"
#include "whalesong/devices.h"
#include "whalesong/memory_plan.h"
#include "whalesong/generate.h"
#include "whalesong/grammar.h"
#include "whalesong/model.h"
#include "whalesong/random_model.h"
#include "whalesong/sampler.h"
#include "whalesong/tokenizer.h"

#include "cli/batch.h"
#include "cli/render_template.h"
#include "model/gguf.h"  // gguf-tensor: the engine's own reader and dequantiser, internal headers
#include "model/quant.h"

namespace {

using nlohmann::json;

struct CliError {
    std::string message;
};

[[noreturn]] void fail(const std::string& message) { throw CliError{message}; }

template <typename T>
T unwrap(ws::Result<T> r) {
    if (!r) fail(r.status().message());
    return std::move(r).value();
}

const char* kUsage =
    "usage: whalesong-cli COMMAND [options]\n"
    "  (--model: a model folder or a .gguf file, the first part of a split set)\n"
    "  --version   the version; --help   this text\n"
    "  info     --model DIR [--context N] [--backend cuda|auto [--gpu N] [--gpu-memory BYTES]]  (+ the GPU memory plan)\n"
    "  tokenize --model DIR (--text STR [--bos] | --jsonl)\n"
    "  render   --model DIR [--no-generation-prompt]       (messages JSON on stdin)\n"
    "  devices  backends built in and visible GPUs (JSON)\n"
    "  template --template FILE --context FILE.json   a Jinja chat template rendered as transformers would\n"
    "  gguf-tensor --model FILE.gguf --tensor NAME --out FILE   one tensor dequantised to float32\n"
    "  logits   --model DIR --ids 0,5,9 --out FILE [--incremental | --pieces K] [--threads N]\n"
    "  generate --model DIR (--prompt STR [--chat] | --ids LIST) [--max-tokens N] [--temperature T]\n"
    "           [--top-p P] [--top-k K] [--min-p P] [--presence-penalty X] [--frequency-penalty X]\n"
    "           [--repetition-penalty X] [--seed S] [--stop STR]... [--threads N] [--context N] [--json]\n"
    "           [--json-schema FILE | --json-object]   (constrained: the output satisfies the schema)\n"
    "           [--runs N]   (the request N times, seeds seed..seed+N-1: warm grammar caches after the first)\n"
    "  bench    --model DIR [--prompt N] [--gen M] [--threads T] [--json]\n"
    "  (logits, generate, bench, serve: [--backend cpu|cuda|auto] [--gpu N]; auto says what it chose and why)\n"
    "  batch    --model DIR --input REQUESTS.jsonl --output RESULTS.jsonl [--parallel N] [--max-batch N]\n"
    "           (OpenAI's Batch API format; run again after an interruption, it resumes)\n"
    "  serve    --model DIR [--host 127.0.0.1] [--port 8000] [--api-key KEY] [--model-name NAME] [--threads N]\n"
    "           [--context N] [--parallel N] [--queue N] [--max-batch N] [--cache-mb N] [--keep-alive-ms N]\n"
    "           the OpenAI-compatible API: GET /v1/models, POST /v1/chat/completions (key also from\n"
    "           $WHALESONG_API_KEY, which `ps` does not show; required beyond loopback). Stops on SIGINT/SIGTERM.\n"
    "  random-model (--config FILE | --demo) --out DIR [--dtype f32|bf16|fp8] [--seed N]\n"
    "           writes config.json and model.safetensors with seeded random weights (no tokenizer);\n"
    "           --demo: the app's built-in demo model's config; fp8 needs quantization_config in the config\n";

/// Flags of one command: --name value pairs, boolean switches, and repeatable --stop.
class Args {
public:
    Args(int argc, char** argv, const std::vector<std::string>& switches) {
        for (int i = 2; i < argc; ++i) {
            std::string a = argv[i];
            if (a.rfind("--", 0) != 0) fail("unexpected argument '" + a + "'");
            const std::string name = a.substr(2);
            if (std::find(switches.begin(), switches.end(), name) != switches.end()) {
                m_values[name].push_back("1");
                continue;
            }
            if (i + 1 >= argc) fail("option --" + name + " needs a value");
            m_values[name].push_back(argv[++i]);
        }
    }
    bool has(const std::string& n) const { return m_values.count(n) != 0; }
    std::string str(const std::string& n) const {
        if (!has(n)) fail("missing option --" + n);
        return m_values.at(n).back();
    }
    std::vector<std::string> all(const std::string& n) const { return has(n) ? m_values.at(n) : std::vector<std::string>{}; }
    long long integer(const std::string& n, long long fallback) const {
        if (!has(n)) return fallback;
        const std::string s = str(n);
        long long v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (ec != std::errc() || p != s.data() + s.size()) fail("option --" + n + ": '" + s + "' is not an integer");
        return v;
    }
    double number(const std::string& n, double fallback) const {
        if (!has(n)) return fallback;
        const std::string s = str(n);
        try {
            std::size_t pos = 0;
            const double v = std::stod(s, &pos);
            if (pos != s.size()) throw std::invalid_argument(s);
            return v;
        } catch (const std::exception&) {
            fail("option --" + n + ": '" + s + "' is not a number");
        }
    }
    void allowOnly(const std::vector<std::string>& known) const {
        for (const auto& [k, v] : m_values)
            if (std::find(known.begin(), known.end(), k) == known.end()) fail("unknown option --" + k);
    }

private:
    std::map<std::string, std::vector<std::string>> m_values;
};

std::vector<ws::TokenId> parseIds(const std::string& s) {
    std::vector<ws::TokenId> ids;
    std::size_t i = 0;
    while (i <= s.size()) {
        const std::size_t j = std::min(s.find(',', i), s.size());
        const std::string part = s.substr(i, j - i);
        long long v = 0;
        auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
        if (part.empty() || ec != std::errc() || p != part.data() + part.size() || v < 0 || v > INT32_MAX)
            fail("--ids: '" + part + "' is not a token id");
        ids.push_back(static_cast<ws::TokenId>(v));
        i = j + 1;
    }
    return ids;
}

/// --threads, --backend cpu|cuda|auto, --gpu N.
ws::LoadOptions loadOptions(const Args& a) {
    ws::LoadOptions opt;
    opt.threads = static_cast<int>(a.integer("threads", 0));
    if (opt.threads < 0 || opt.threads > 1024) fail("--threads must be in [0, 1024]");
    if (a.has("backend")) {
        const auto b = ws::parseBackend(a.str("backend"));
        if (!b) fail("--backend: '" + a.str("backend") + "' is not one of cpu, cuda, auto");
        opt.backend = *b;
    }
    opt.gpu = static_cast<int>(a.integer("gpu", 0));
    opt.context = static_cast<int>(a.integer("context", 0));
    return opt;
}

std::unique_ptr<ws::Model> loadModel(const Args& a) { return unwrap(ws::Model::load(a.str("model"), loadOptions(a))); }

/// `devices`: the backends built in and the GPUs visible, as JSON.
int cmdDevices(const Args& a) {
    a.allowOnly({});
    const ws::DeviceReport r = ws::queryDevices();
    json gpus = json::array();
    for (const ws::GpuInfo& g : r.gpus)
        gpus.push_back({{"index", g.index},
                        {"name", g.name},
                        {"compute_capability", std::to_string(g.computeMajor) + "." + std::to_string(g.computeMinor)},
                        {"total_bytes", g.totalBytes},
                        {"free_bytes", g.freeBytes}});
    json out = {{"backends", r.backends}, {"gpus", gpus}};
    if (!r.gpuProblem.empty()) out["gpu_problem"] = r.gpuProblem;
    std::cout << out.dump(2) << "\n";
    return 0;
}

std::unique_ptr<ws::Session> newSession(const ws::Model& m, const Args& a) {
    ws::SessionOptions so;
    so.contextLimit = static_cast<int>(a.integer("context", 0));
    return unwrap(m.newSession(so));
}

/// The GPU memory plan of `info --backend cuda|auto`: per device bytes of weights, KV cache and workspace against
/// the free memory. --gpu-memory BYTES plans for a GPU with that much free memory instead of a visible one.
json memoryPlanJson(const Args& a, int context) {
    std::vector<ws::GpuInfo> gpus;
    std::string gpuProblem;
    ws::MemoryPlanOptions po;
    po.context = context;
    po.gpu = static_cast<int>(a.integer("gpu", 0));
    if (a.has("gpu-memory")) {
        const long long bytes = a.integer("gpu-memory", 0);
        if (bytes <= 0) fail("--gpu-memory must be a positive number of bytes");
        ws::GpuInfo g;
        g.index = po.gpu;
        g.name = "--gpu-memory";
        g.freeBytes = g.totalBytes = static_cast<std::uint64_t>(bytes);
        gpus.assign(static_cast<std::size_t>(std::max(po.gpu, 0)) + 1, g);
    } else {
        const ws::DeviceReport r = ws::queryDevices();
        gpus = r.gpus;
        gpuProblem = r.gpuProblem;
    }
    const ws::MemoryPlan plan = unwrap(ws::planModelMemory(a.str("model"), gpus, po));
    json devices = json::array();
    for (const ws::DeviceMemory& d : plan.devices)
        devices.push_back({{"device", d.device},
                           {"name", d.name},
                           {"weight_bytes", d.weightBytes},
                           {"kv_bytes", d.kvBytes},
                           {"workspace_bytes", d.workspaceBytes},
                           {"reserve_bytes", d.reserveBytes},
                           {"needed_bytes", d.neededBytes()},
                           {"free_bytes", d.freeBytes}});
    std::size_t onHost = 0;
    for (const ws::TensorPlacement& t : plan.tensors) onHost += t.device == ws::TensorPlacement::kHost;
    json j = {{"context", plan.context},
              {"kv_bytes_per_token", plan.kvBytesPerToken},
              {"devices", devices},
              {"tensors", plan.tensors.size()},
              {"tensors_on_host", onHost},
              {"fits", plan.fits},
              {"max_context", plan.maxContext}};
    if (!plan.problem.empty()) j["problem"] = plan.problem;
    if (!gpuProblem.empty()) j["gpu_problem"] = gpuProblem;
    return j;
}

int cmdInfo(const Args& a) {
    a.allowOnly({"model", "context", "threads", "backend", "gpu", "gpu-memory"});
    // The model card comes from the CPU load (nothing is computed); the GPU plan is made without loading there.
    ws::LoadOptions lo = loadOptions(a);
    const ws::Backend planFor = lo.backend;
    lo.backend = ws::Backend::Cpu;
    auto m = unwrap(ws::Model::load(a.str("model"), lo));
    const ws::ModelInfo& i = m->info();
    const ws::ModelConfig& c = m->config();
    const int context = static_cast<int>(a.integer("context", i.maxContext));
    if (context < 1 || context > i.maxContext)
        fail("--context " + std::to_string(context) + " outside [1, " + std::to_string(i.maxContext) + "]");
    json j = {{"architecture", i.architecture},
              {"layers", i.layers},
              {"dense_layers", i.denseLayers},
              {"experts", i.routedExperts},
              {"shared_experts", i.sharedExperts},
              {"experts_per_token", i.expertsPerToken},
              {"parameters_total", i.parametersTotal},
              {"parameters_active", i.parametersActive},
              {"mtp_parameters", i.mtpParameters},
              {"weight_dtypes", i.weightDtypes},
              {"weight_bytes", i.weightBytes},
              {"kv_bytes_per_token", i.kvBytesPerToken},
              {"max_context", i.maxContext},
              {"context", context},
              {"memory_bytes", i.memoryFor(context)},
              {"vocab_size", c.vocab_size},
              {"hidden_size", c.hidden_size},
              {"tokenizer_size", m->tokenizer().size()},
              {"chat_template", m->tokenizer().chatTemplateSource()},
              {"backend", m->backendName()}};
    if (!i.tensorTypes.empty()) {
        // GGUF: llama.cpp's name of the file type and the quantization mix, largest share first.
        j["file_type"] = i.fileType;
        json mix = json::array();
        for (const auto& t : i.tensorTypes) mix.push_back({{"type", t.type}, {"tensors", t.tensors}, {"bytes", t.bytes}});
        j["tensor_types"] = mix;
    }
    if (planFor != ws::Backend::Cpu || a.has("gpu-memory")) j["gpu_plan"] = memoryPlanJson(a, context);
    std::cout << j.dump(2) << "\n";
    return 0;
}

/// `gguf-tensor`: one tensor of a GGUF file dequantised to little-endian float32, row after row (for checks
/// against other implementations).
int cmdGgufTensor(const Args& a) {
    a.allowOnly({"model", "tensor", "out"});
    const ws::GgufSet set = unwrap(ws::GgufSet::open(a.str("model")));
    const std::string name = a.str("tensor");
    const auto it = set.tensors().find(name);
    if (it == set.tensors().end()) fail(a.str("model") + ": no tensor " + name);
    const ws::GgufTensor& t = *it->second;
    if (!t.dtype) fail(t.file + ": tensor " + name + " has type " + ws::ggmlTypeName(t.ggmlType) + ", which this engine does not read");
    const ws::BlockLayout b = ws::dtypeBlock(*t.dtype);
    std::int64_t n = 1;
    for (const std::int64_t d : t.ne) n *= d;
    std::vector<float> out(static_cast<std::size_t>(n));
    ws::dequantizeBlocks(*t.dtype, t.data, out.data(), n / b.elems);
    std::ofstream f(a.str("out"), std::ios::binary);
    f.write(reinterpret_cast<const char*>(out.data()), static_cast<std::streamsize>(out.size() * sizeof(float)));
    if (!f) fail(a.str("out") + ": cannot write");
    return 0;
}

int cmdTokenize(const Args& a) {
    a.allowOnly({"model", "text", "bos", "jsonl"});
    auto tok = unwrap(ws::Tokenizer::load(a.str("model")));
    if (a.has("jsonl")) {
        std::string line;
        std::size_t n = 0;
        while (std::getline(std::cin, line)) {
            ++n;
            if (line.empty()) continue;
            const json j = json::parse(line, nullptr, false);
            if (j.is_discarded() || !j.is_object() || !j.contains("text") || !j["text"].is_string())
                fail("stdin line " + std::to_string(n) + ": expected {\"text\": string}");
            std::cout << json{{"ids", tok->encode(j["text"].get<std::string>(), a.has("bos"))}}.dump() << "\n";
        }
        return 0;
    }
    std::cout << json{{"ids", tok->encode(a.str("text"), a.has("bos"))}}.dump() << "\n";
    return 0;
}

/// OpenAI-style messages → ChatMessage (content as a string or an array of {"type":"text"} parts).
std::vector<ws::ChatMessage> parseMessages(const json& j) {
    if (!j.is_array()) fail("stdin: expected a JSON array of messages");
    std::vector<ws::ChatMessage> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const json& m = j[i];
        const std::string where = "messages[" + std::to_string(i) + "]";
        if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) fail(where + ": needs a string 'role'");
        ws::ChatMessage msg;
        msg.role = m["role"].get<std::string>();
        if (m.contains("content") && !m["content"].is_null()) {
            const json& c = m["content"];
            if (c.is_string()) {
                msg.content = c.get<std::string>();
            } else if (c.is_array()) {
                std::string text;
                for (const json& part : c) {
                    if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") ||
                        !part["text"].is_string())
                        fail(where + ".content: only {\"type\":\"text\",\"text\":…} parts are supported");
                    text += part["text"].get<std::string>();
                }
                msg.content = text;
            } else {
                fail(where + ".content: must be a string, an array of text parts, or null");
            }
        }
        if (m.contains("tool_calls") && m["tool_calls"].is_array()) {
            for (const json& tc : m["tool_calls"]) {
                ws::ToolCall call;
                call.type = tc.value("type", "function");
                if (!tc.contains("function") || !tc["function"].is_object()) fail(where + ".tool_calls: needs 'function'");
                const json& f = tc["function"];
                call.name = f.value("name", "");
                if (f.contains("arguments"))
                    call.arguments = f["arguments"].is_string() ? f["arguments"].get<std::string>() : f["arguments"].dump();
                msg.toolCalls.push_back(std::move(call));
            }
        }
        out.push_back(std::move(msg));
    }
    return out;
}

int cmdRender(const Args& a) {
    a.allowOnly({"model", "no-generation-prompt"});
    auto tok = unwrap(ws::Tokenizer::load(a.str("model")));
    const std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    const json j = json::parse(input, nullptr, false);
    if (j.is_discarded()) fail("stdin: malformed JSON");
    const auto messages = parseMessages(j);
    const std::string text = unwrap(tok->renderChat(messages, !a.has("no-generation-prompt")));
    std::cout << json{{"text", text}, {"ids", tok->encode(text, false)}}.dump() << "\n";
    return 0;
}

int cmdLogits(const Args& a) {
    a.allowOnly({"model", "ids", "out", "incremental", "pieces", "threads", "context", "backend", "gpu"});
    const auto ids = parseIds(a.str("ids"));
    const std::string outPath = a.str("out");
    // --incremental: one token at a time (decode steps); --pieces K: K tokens at a time (prompts after a context).
    const std::size_t pieces = a.has("incremental") ? 1 : static_cast<std::size_t>(a.integer("pieces", 0));
    if (a.has("pieces") && pieces < 1) fail("--pieces must be at least 1");
    auto m = loadModel(a);
    auto s = newSession(*m, a);
    std::vector<float> all;
    if (pieces > 0) {
        for (std::size_t i = 0; i < ids.size(); i += pieces) {
            const auto part = std::span<const ws::TokenId>(ids).subspan(i, std::min(pieces, ids.size() - i));
            auto r = unwrap(s->append(part, true));
            all.insert(all.end(), r.begin(), r.end());
        }
    } else {
        auto r = unwrap(s->append(ids, true));
        all.assign(r.begin(), r.end());
    }
    std::ofstream out(outPath, std::ios::binary);
    if (!out) fail(outPath + ": cannot write");
    out.write(reinterpret_cast<const char*>(all.data()), static_cast<std::streamsize>(all.size() * sizeof(float)));
    if (!out) fail(outPath + ": write failed");
    return 0;
}

ws::SamplingParams samplingFrom(const Args& a, const ws::Model& m) {
    ws::SamplingParams p;
    p.temperature = static_cast<float>(a.number("temperature", m.generationDefaults().temperature.value_or(1.0f)));
    p.top_p = static_cast<float>(a.number("top-p", m.generationDefaults().top_p.value_or(1.0f)));
    p.top_k = static_cast<int>(a.integer("top-k", 0));
    p.min_p = static_cast<float>(a.number("min-p", 0.0));
    p.presence_penalty = static_cast<float>(a.number("presence-penalty", 0.0));
    p.frequency_penalty = static_cast<float>(a.number("frequency-penalty", 0.0));
    p.repetition_penalty = static_cast<float>(a.number("repetition-penalty", 1.0));
    const long long seed = a.integer("seed", -1);
    p.seed = seed >= 0 ? static_cast<std::uint64_t>(seed) : std::random_device{}();
    if (auto st = p.validate(); !st) fail(st.message());
    return p;
}

int cmdGenerate(const Args& a) {
    a.allowOnly({"model", "prompt", "chat", "ids", "max-tokens", "temperature", "top-p", "top-k", "min-p",
                 "presence-penalty", "frequency-penalty", "repetition-penalty", "seed", "stop", "threads",
                 "context", "json", "backend", "gpu", "json-schema", "json-object", "runs"});
    if (a.has("prompt") == a.has("ids")) fail("give exactly one of --prompt and --ids");
    const long long runs = a.integer("runs", 1);
    if (runs < 1 || runs > 1000) fail("--runs must be 1..1000");
    std::shared_ptr<const ws::Grammar> grammar;
    if (a.has("json-schema")) {
        const std::string path = a.str("json-schema");
        std::ifstream in(path);
        if (!in) fail("cannot read " + path);
        const auto schema = nlohmann::ordered_json::parse(in, nullptr, false);
        if (schema.is_discarded()) fail(path + ": not valid JSON");
        grammar = unwrap(ws::Grammar::fromJsonSchema(schema, path));
    } else if (a.has("json-object")) {
        grammar = ws::Grammar::anyJson(true);
    }
    ws::GenerateOptions go;
    go.maxTokens = static_cast<int>(a.integer("max-tokens", ws::kDefaultMaxTokens));
    go.stop = a.all("stop");
    if (auto st = go.validate(); !st) fail(st.message());
    auto m = loadModel(a);
    const ws::SamplingParams params = samplingFrom(a, *m);
    std::vector<ws::TokenId> prompt;
    if (a.has("ids")) {
        prompt = parseIds(a.str("ids"));
    } else if (a.has("chat")) {
        const ws::ChatMessage user{"user", a.str("prompt"), {}};
        const std::string text = unwrap(m->tokenizer().renderChat(std::span(&user, 1), true));
        prompt = m->tokenizer().encode(text, false);
    } else {
        prompt = m->tokenizer().encode(a.str("prompt"), m->tokenizer().addBosByDefault());
    }
    const bool asJson = a.has("json");
    // --runs N: the same request N times in one process (seed, seed+1, …), each in a fresh session, sharing the
    // compiled grammar — the first run pays for its mask caches, the later ones find them warm, as a server does.
    for (long long run = 0; run < runs; ++run) {
        ws::SamplingParams runParams = params;
        runParams.seed = params.seed + static_cast<std::uint64_t>(run);
        auto s = newSession(*m, a);
        ws::Sampler sampler(runParams);
        std::optional<ws::GrammarMatcher> constraint;
        if (grammar) {
            constraint.emplace(grammar, m->tokenVocabulary());
            go.constraint = &*constraint;
        }
        std::stop_source cancel; // a closed stdout ends generation; the error is reported after it returns
        go.stopToken = cancel.get_token();
        auto res = unwrap(ws::generate(*s, m->tokenizer(), prompt, sampler, go, [&](const ws::TokenEvent& e) {
            if (asJson) return;
            std::cout << e.text;
            std::cout.flush();
            if (!std::cout) cancel.request_stop();
        }));
        if (!asJson && !std::cout) fail("cannot write to standard output (closed pipe?)");
        if (!asJson) {
            std::cout << "\n";
            continue;
        }
        const json j = {{"output_ids", res.outputIds},
                        {"text", res.text},
                        {"finish_reason", ws::finishReasonName(res.finishReason)},
                        {"prompt_tokens", res.promptTokens},
                        {"completion_tokens", res.outputIds.size()},
                        {"prefill_tokens_per_s", res.prefillTokensPerSecond()},
                        {"decode_tokens_per_s", res.decodeTokensPerSecond()},
                        {"time_to_first_token_s", res.timeToFirstTokenSeconds},
                        {"constraint_ms_per_token", res.outputIds.empty() ? 0.0
                                                     : 1e3 * res.constraintSeconds / static_cast<double>(res.outputIds.size())},
                        {"seed", runParams.seed},
                        {"run", run + 1},
                        {"backend", m->backendName()},
                        {"backend_note", m->backendNote()}};
        std::cout << j.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    }
    return 0;
}

int cmdBench(const Args& a) {
    a.allowOnly({"model", "prompt", "gen", "threads", "json", "context", "backend", "gpu"});
    const int n = static_cast<int>(a.integer("prompt", 128)), gen = static_cast<int>(a.integer("gen", 64));
    if (n < 1 || gen < 1) fail("--prompt and --gen must be at least 1");
    // Measured warm, as llama-bench measures: the weights read into memory while loading (as the app and the
    // server load them), then one short untimed run (thread start-up, first-touch of the working memory).
    ws::LoadOptions lo = loadOptions(a);
    lo.prefault = true;
    auto m = unwrap(ws::Model::load(a.str("model"), lo));
    auto s = newSession(*m, a);
    // A fixed pseudo-random prompt of ordinary (non-added) token ids.
    std::mt19937 rng(1234);
    const int hi = static_cast<int>(std::min<std::size_t>(m->tokenizer().size(), static_cast<std::size_t>(m->config().vocab_size)));
    std::uniform_int_distribution<int> pick(std::min(3, hi - 1), hi - 1);
    std::vector<ws::TokenId> prompt(static_cast<std::size_t>(n));
    for (auto& id : prompt) id = pick(rng);
    ws::SamplingParams p;
    p.temperature = 0.0f;
    ws::Sampler sampler(p);
    ws::GenerateOptions go;
    go.maxTokens = gen;
    go.ignoreEos = true;
    if (auto st = go.validate(); !st) fail(st.message());
    {
        auto warm = newSession(*m, a);
        ws::Sampler warmSampler(p);
        ws::GenerateOptions wo = go;
        wo.maxTokens = std::min(2, gen);
        const std::vector<ws::TokenId> head(prompt.begin(), prompt.begin() + std::min(n, 32));
        (void)unwrap(ws::generate(*warm, m->tokenizer(), head, warmSampler, wo));
    }
    auto res = unwrap(ws::generate(*s, m->tokenizer(), prompt, sampler, go));
    struct rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    const auto rss = static_cast<std::uint64_t>(ru.ru_maxrss) * 1024u;
    if (a.has("json")) {
        std::cout << json{{"prefill_tokens_per_s", res.prefillTokensPerSecond()},
                          {"decode_tokens_per_s", res.decodeTokensPerSecond()},
                          {"peak_rss_bytes", rss},
                          {"prompt_tokens", n},
                          {"generated_tokens", res.outputIds.size()},
                          {"threads", m->backendInfo().cpuThreads},
                          {"backend", m->backendName()},
                          {"backend_note", m->backendNote()},
                          {"weight_bytes", m->info().weightBytes}}
                         .dump()
                  << "\n";
    } else {
        if (!m->backendNote().empty()) std::printf("auto: %s\n", m->backendNote().c_str());
        std::printf("backend %s, %d threads\nprefill: %d tokens, %.1f tokens/s\ndecode:  %zu tokens, %.1f tokens/s\n"
                    "peak RSS: %.1f MiB (weights %.1f MiB)\n",
                    m->backendName().c_str(), m->backendInfo().cpuThreads, n, res.prefillTokensPerSecond(), res.outputIds.size(),
                    res.decodeTokensPerSecond(), static_cast<double>(rss) / (1 << 20),
                    static_cast<double>(m->info().weightBytes) / (1 << 20));
    }
    return 0;
}

int cmdRandomModel(const Args& a) {
    a.allowOnly({"config", "demo", "out", "dtype", "seed"});
    if (a.has("config") == a.has("demo")) fail("give exactly one of --config and --demo");
    ws::RandomModelSpec spec;
    if (a.has("demo")) {
        spec.configJson = ws::demoModelConfigJson();
    } else {
        const std::string path = a.str("config");
        std::ifstream in(path, std::ios::binary);
        if (!in) fail(path + ": cannot open");
        spec.configJson.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const std::string dtype = a.has("dtype") ? a.str("dtype") : "bf16";
    if (dtype == "f32") spec.dtype = ws::RandomDtype::F32;
    else if (dtype == "bf16") spec.dtype = ws::RandomDtype::BF16;
    else if (dtype == "fp8") spec.dtype = ws::RandomDtype::FP8;
    else fail("--dtype: '" + dtype + "' is not one of f32, bf16, fp8");
    const long long seed = a.integer("seed", 0);
    if (seed < 0) fail("--seed must not be negative");
    spec.seed = static_cast<std::uint64_t>(seed);
    if (const ws::Status st = ws::writeRandomModel(a.str("out"), spec); !st) fail(st.message());
    return 0;
}

std::string oneLine(std::string s) {
    for (char& ch : s)
        if (ch == '\n' || ch == '\r') ch = ' ';
    return s;
}

/// `serve`: the API server in the foreground until SIGINT / SIGTERM (waited for with sigwait, so no handler runs
/// inside the server's threads).
/// The id the API serves the model under: --model-name, else the folder's (or GGUF file's) name.
std::string servedName(const Args& a) {
    std::string name = a.has("model-name") ? a.str("model-name")
                                           : std::filesystem::absolute(a.str("model")).lexically_normal().filename().string();
    if (name.empty()) name = std::filesystem::absolute(a.str("model")).parent_path().filename().string();
    // A GGUF file: its name without ".gguf" (and without a split set's "-00001-of-0000N").
    if (!a.has("model-name") && name.size() > 5 && name.compare(name.size() - 5, 5, ".gguf") == 0) {
        name.resize(name.size() - 5);
        if (name.size() > 15 && name.compare(name.size() - 15, 4, "-000") == 0 && name.compare(name.size() - 10, 4, "-of-") == 0)
            name.resize(name.size() - 15);
    }
    return name;
}

int cmdBatch(const Args& a) {
    a.allowOnly({"model", "input", "output", "parallel", "model-name", "threads", "context", "max-batch", "backend",
                 "gpu"});
    ws::cli::BatchOptions o;
    o.input = a.str("input");
    o.output = a.str("output");
    o.parallel = static_cast<int>(a.integer("parallel", 8));
    if (o.parallel < 1 || o.parallel > 256) fail("--parallel must be in [1, 256]");
    o.server.contextLimit = static_cast<int>(a.integer("context", 0));
    o.server.maxBatch = static_cast<int>(a.integer("max-batch", 32));
    if (o.server.maxBatch < 1 || o.server.maxBatch > 256) fail("--max-batch must be in [1, 256]");
    if (!std::filesystem::exists(o.input)) fail(o.input.string() + ": no such file");
    std::shared_ptr<const ws::Model> model = loadModel(a);
    return ws::cli::runBatch(o, std::move(model), servedName(a));
}

int cmdServe(const Args& a) {
    a.allowOnly({"model", "host", "port", "api-key", "model-name", "threads", "context", "parallel", "queue",
                 "max-batch", "cache-mb", "keep-alive-ms", "backend", "gpu"});
    sigset_t stopSignals;
    sigemptyset(&stopSignals);
    sigaddset(&stopSignals, SIGINT);
    sigaddset(&stopSignals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr); // before any thread starts: all of them inherit it

    ws::ApiServerOptions o;
    o.host = a.has("host") ? a.str("host") : "127.0.0.1";
    o.port = static_cast<int>(a.integer("port", 8000));
    if (a.has("api-key")) {
        o.apiKey = a.str("api-key");
    } else if (const char* env = std::getenv("WHALESONG_API_KEY")) {
        o.apiKey = env;
    }
    o.contextLimit = static_cast<int>(a.integer("context", 0));
    o.parallel = static_cast<int>(a.integer("parallel", 4));
    o.queue = static_cast<int>(a.integer("queue", 256));
    if (o.parallel < 1 || o.parallel > 256) fail("--parallel must be in [1, 256]");
    if (o.queue < 0 || o.queue > 4096) fail("--queue must be in [0, 4096]");
    o.maxBatch = static_cast<int>(a.integer("max-batch", 32));
    if (o.maxBatch < 1 || o.maxBatch > 256) fail("--max-batch must be in [1, 256]");
    const long long cacheMb = a.integer("cache-mb", 4096);
    if (cacheMb < 0) fail("--cache-mb must be at least 0");
    o.cacheBytes = static_cast<std::size_t>(cacheMb) << 20;
    const long long keepAlive = a.integer("keep-alive-ms", 2000);
    if (keepAlive < 10 || keepAlive > 600000) fail("--keep-alive-ms must be in [10, 600000]");
    o.keepAliveInterval = std::chrono::milliseconds(keepAlive);
    o.log = [](const std::string& line) { std::cerr << line + "\n" << std::flush; };

    // Loaded on a thread of its own while this one watches for SIGINT/SIGTERM: a Ctrl-C during a long load
    // cancels it.
    std::atomic<bool> cancelLoad{false};
    ws::LoadOptions lo = loadOptions(a);
    lo.progress = [&](double, std::string_view) { return !cancelLoad.load(); };
    auto loading = std::async(std::launch::async, [&] { return ws::Model::load(a.str("model"), lo); });
    while (loading.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
        const timespec now{0, 0};
        if (sigtimedwait(&stopSignals, nullptr, &now) > 0) cancelLoad = true;
    }
    auto loaded = loading.get();
    if (!loaded && loaded.status().code() == ws::Code::Cancelled) {
        std::cerr << "stopped while loading the model\n";
        return 0;
    }
    std::shared_ptr<const ws::Model> model = unwrap(std::move(loaded));
    if (o.contextLimit < 0 || o.contextLimit > model->config().max_position_embeddings)
        fail("--context must be in [0, " + std::to_string(model->config().max_position_embeddings) + "]");
    const std::string name = servedName(a);
    auto server = unwrap(ws::ApiServer::start(o, model, name));
    std::cerr << "serving " << name << " (" << model->backendName() << ") at " << server->baseUrl()
              << (o.apiKey.empty() ? " without a key" : " (Bearer key required)") << "\n"
              << std::flush;
    int sig = 0;
    sigwait(&stopSignals, &sig);
    std::cerr << "stopping (" << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ")\n" << std::flush;
    server.reset();
    return 0;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    if (std::string(argv[1]) == "--version" || std::string(argv[1]) == "version") {
        std::printf("whalesong-cli %s\n", WS_VERSION);
        return 0;
    }
    const std::string cmd = argv[1];
    // A closed pipe (`… | head`) is reported as an error below, not a SIGPIPE death.
    std::signal(SIGPIPE, SIG_IGN);
    try {
        if (cmd == "info") return cmdInfo(Args(argc, argv, {}));
        if (cmd == "tokenize") return cmdTokenize(Args(argc, argv, {"bos", "jsonl"}));
        if (cmd == "render") return cmdRender(Args(argc, argv, {"no-generation-prompt"}));
        if (cmd == "logits") return cmdLogits(Args(argc, argv, {"incremental"}));
        if (cmd == "generate") return cmdGenerate(Args(argc, argv, {"chat", "json", "json-object"}));
        if (cmd == "bench") return cmdBench(Args(argc, argv, {"json"}));
        if (cmd == "serve") return cmdServe(Args(argc, argv, {}));
        if (cmd == "batch") return cmdBatch(Args(argc, argv, {}));
        if (cmd == "devices") return cmdDevices(Args(argc, argv, {}));
        if (cmd == "gguf-tensor") return cmdGgufTensor(Args(argc, argv, {}));
        if (cmd == "template") {
            const Args a(argc, argv, {});
            a.allowOnly({"template", "context"});
            return ws::cli::renderTemplateCommand(a.str("template"), a.str("context"));
        }
        if (cmd == "random-model") return cmdRandomModel(Args(argc, argv, {"demo"}));
        fail("unknown command '" + cmd + "' (try --help)");
    } catch (const CliError& e) {
        std::cerr << "whalesong-cli " << cmd << ": " << oneLine(e.message) << "\n";
    } catch (const std::bad_alloc&) {
        std::cerr << "whalesong-cli " << cmd << ": out of memory\n";
    } catch (const std::exception& e) {
        std::cerr << "whalesong-cli " << cmd << ": " << oneLine(e.what()) << "\n";
    }
    return 1;
}
