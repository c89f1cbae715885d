// writeRandomModel: a DeepSeek-V3/V2 model folder with seeded random weights (the C++ twin of
// tools/gen_tiny_model.py: same tensor names, layout, scaling and FP8 block quantisation, its own random
// numbers).
#include "whalesong/random_model.h"

#include "model/dtype.h"
#include "whalesong/model_config.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <nlohmann/json.hpp>
#include <numbers>
#include <random>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace ws {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// How a tensor is drawn (gen_tiny_model.py's "kind"), which also decides its storage under FP8.
enum class Kind {
    Embed,      // N(0, 1)
    Norm,       // 1 + 0.1·N(0, 1)
    Bias,       // 0.1·N(0, 1), always F32 (e_score_correction_bias)
    Gate,       // router: 1.5/sqrt(fan_in)·N(0, 1), sharper so tokens pick clearly different experts
    Linear,     // 1/sqrt(fan_in)·N(0, 1); F8_E4M3 under FP8, with per-block magnitudes that differ
    LinearBf16, // like Linear but stays BF16 under FP8 (the MTP eh_proj)
    Head,       // like Linear; BF16 under FP8
};

struct TensorSpec {
    std::string name;
    std::int64_t rows = 0; // a vector has rows = its length and cols = 0
    std::int64_t cols = 0;
    Kind kind = Kind::Linear;
};

/// Every tensor a config calls for, in gen_tiny_model.py's order; the names and shapes are those
/// ModelWeights::bind (engine/model/weights.cpp) looks for.
std::vector<TensorSpec> tensorSpecs(const ModelConfig& c) {
    std::vector<TensorSpec> t;
    const std::int64_t H = c.hidden_size, V = c.vocab_size, nh = c.num_attention_heads;
    const std::int64_t nope = c.qk_nope_head_dim, rope = c.qk_rope_head_dim, vd = c.v_head_dim;
    const auto add = [&](std::string name, std::int64_t rows, std::int64_t cols, Kind kind) {
        t.push_back({std::move(name), rows, cols, kind});
    };
    add("model.embed_tokens.weight", V, H, Kind::Embed);
    const int mtp = c.isV3() ? c.num_nextn_predict_layers : 0;
    for (int i = 0; i < c.num_hidden_layers + mtp; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        if (i >= c.num_hidden_layers) { // DeepSeek-V3 multi-token-prediction layer: its extra tensors first
            add(p + "embed_tokens.weight", V, H, Kind::Embed);
            add(p + "enorm.weight", H, 0, Kind::Norm);
            add(p + "hnorm.weight", H, 0, Kind::Norm);
            add(p + "eh_proj.weight", H, 2 * H, Kind::LinearBf16);
            add(p + "shared_head.norm.weight", H, 0, Kind::Norm);
            add(p + "shared_head.head.weight", V, H, Kind::Head);
        }
        add(p + "input_layernorm.weight", H, 0, Kind::Norm);
        const std::string a = p + "self_attn.";
        if (c.q_lora_rank > 0) {
            add(a + "q_a_proj.weight", c.q_lora_rank, H, Kind::Linear);
            add(a + "q_a_layernorm.weight", c.q_lora_rank, 0, Kind::Norm);
            add(a + "q_b_proj.weight", nh * (nope + rope), c.q_lora_rank, Kind::Linear);
        } else {
            add(a + "q_proj.weight", nh * (nope + rope), H, Kind::Linear);
        }
        add(a + "kv_a_proj_with_mqa.weight", c.kv_lora_rank + rope, H, Kind::Linear);
        add(a + "kv_a_layernorm.weight", c.kv_lora_rank, 0, Kind::Norm);
        add(a + "kv_b_proj.weight", nh * (nope + vd), c.kv_lora_rank, Kind::Linear);
        add(a + "o_proj.weight", H, nh * vd, Kind::Linear);
        add(p + "post_attention_layernorm.weight", H, 0, Kind::Norm);
        const std::string m = p + "mlp.";
        const auto mlp = [&](const std::string& prefix, std::int64_t ffn) {
            add(prefix + "gate_proj.weight", ffn, H, Kind::Linear);
            add(prefix + "up_proj.weight", ffn, H, Kind::Linear);
            add(prefix + "down_proj.weight", H, ffn, Kind::Linear);
        };
        if (!c.isMoeLayer(i)) {
            mlp(m, c.intermediate_size);
            continue;
        }
        add(m + "gate.weight", c.n_routed_experts, H, Kind::Gate);
        if (c.topk_method == TopkMethod::NoauxTc)
            add(m + "gate.e_score_correction_bias", c.n_routed_experts, 0, Kind::Bias);
        for (int e = 0; e < c.n_routed_experts; ++e)
            mlp(m + "experts." + std::to_string(e) + ".", c.moe_intermediate_size);
        if (c.n_shared_experts > 0)
            mlp(m + "shared_experts.",
                static_cast<std::int64_t>(c.moe_intermediate_size) * c.n_shared_experts);
    }
    add("model.norm.weight", H, 0, Kind::Norm);
    if (!c.tie_word_embeddings)
        add("lm_head.weight", V, H, Kind::Head);
    return t;
}

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

std::uint64_t fnv1a64(std::string_view s) {
    std::uint64_t h = 0xCBF29CE484222325ULL;
    for (const char ch : s)
        h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001B3ULL;
    return h;
}

/// N(0, 1) by Box-Muller over std::mt19937_64, whose output the standard fixes (std::normal_distribution's
/// algorithm is the library's choice, so its numbers differ between libstdc++ and libc++).
class Normal {
  public:
    explicit Normal(std::uint64_t seed) : m_rng(seed) {}
    double next() {
        if (m_haveSpare) {
            m_haveSpare = false;
            return m_spare;
        }
        const double u1 = (static_cast<double>(m_rng() >> 11) + 1.0) * 0x1p-53; // (0, 1]: log(u1) is finite
        const double u2 = static_cast<double>(m_rng() >> 11) * 0x1p-53;         // [0, 1)
        const double r = std::sqrt(-2.0 * std::log(u1));
        const double theta = 2.0 * std::numbers::pi * u2;
        m_spare = r * std::sin(theta);
        m_haveSpare = true;
        return r * std::cos(theta);
    }

  private:
    std::mt19937_64 m_rng;
    double m_spare = 0;
    bool m_haveSpare = false;
};

/// float → bfloat16 bits, round to nearest, ties to even; NaN stays NaN (as gen_tiny_model.f32_to_bf16_bits).
std::uint16_t floatToBf16(float f) {
    const std::uint32_t u = std::bit_cast<std::uint32_t>(f);
    if (std::isnan(f))
        return static_cast<std::uint16_t>((u >> 16) | 0x40u);
    return static_cast<std::uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

/// float → F8_E4M3 (fn) code: round to nearest, ties to even code, saturating at ±448 (as
/// gen_tiny_model.f_to_e4m3).
class E4m3Encoder {
  public:
    E4m3Encoder() {
        for (std::size_t i = 0; i < m_pos.size(); ++i)
            m_pos[i] = fp8e4m3ToFloat(static_cast<std::uint8_t>(i));
    }
    std::uint8_t encode(double x) const {
        if (std::isnan(x))
            return 0x7F;
        const double a = std::min(std::fabs(x), kMax);
        std::size_t hi =
            static_cast<std::size_t>(std::lower_bound(m_pos.begin(), m_pos.end(), a) - m_pos.begin());
        hi = std::min(hi, m_pos.size() - 1);
        const std::size_t lo = hi > 0 ? hi - 1 : 0;
        const double dlo = a - m_pos[lo], dhi = m_pos[hi] - a;
        const bool takeHi = dhi < dlo || (dhi == dlo && (hi & 1u) == 0);
        auto code = static_cast<std::uint8_t>(takeHi ? hi : lo);
        if (std::signbit(x))
            code = static_cast<std::uint8_t>(code | 0x80u);
        return code;
    }
    static constexpr double kMax = 448.0;

  private:
    std::array<double, 0x7F> m_pos{}; // codes 0x00..0x7E: the finite non-negative values, increasing
};

/// One tensor as stored in the file.
struct Stored {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t offset = 0; // in the data section
    std::uint64_t nbytes = 0;
};

DType storageOf(Kind kind, RandomDtype dtype) {
    if (kind == Kind::Bias || dtype == RandomDtype::F32)
        return DType::F32;
    if (dtype == RandomDtype::FP8 && kind == Kind::Linear)
        return DType::F8_E4M3;
    return DType::BF16;
}

/// A file being written under a temporary name; removed unless commit() renamed it into place.
class PendingFile {
  public:
    PendingFile(fs::path final, fs::path temp) : m_final(std::move(final)), m_temp(std::move(temp)) {}
    ~PendingFile() {
        if (m_fd >= 0)
            ::close(m_fd);
        if (!m_committed)
            ::unlink(m_temp.c_str());
    }
    PendingFile(const PendingFile&) = delete;
    PendingFile& operator=(const PendingFile&) = delete;

    Status open() {
        m_fd = ::open(m_temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (m_fd < 0)
            return error("cannot create");
        return Status::ok();
    }
    Status resize(std::uint64_t size) {
        if (::ftruncate(m_fd, static_cast<off_t>(size)) != 0)
            return error("cannot size");
        return Status::ok();
    }
    Status write(const void* data, std::size_t n, std::uint64_t offset) {
        const auto* p = static_cast<const char*>(data);
        while (n > 0) {
            const ssize_t w = ::pwrite(m_fd, p, n, static_cast<off_t>(offset));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return error("write failed");
            p += w;
            n -= static_cast<std::size_t>(w);
            offset += static_cast<std::uint64_t>(w);
        }
        return Status::ok();
    }
    /// fsync, close, rename onto the final name.
    Status commit() {
        if (::fsync(m_fd) != 0)
            return error("fsync failed");
        const int fd = m_fd;
        m_fd = -1;
        if (::close(fd) != 0)
            return error("close failed");
        if (::rename(m_temp.c_str(), m_final.c_str()) != 0)
            return {Code::IoError, m_final.string() + ": cannot rename " + m_temp.filename().string() +
                                       " into place: " + std::strerror(errno)};
        m_committed = true;
        return Status::ok();
    }
    const fs::path& finalPath() const { return m_final; }

  private:
    Status error(const char* what) const {
        return {Code::IoError, m_final.string() + ": " + what + " (" + m_temp.filename().string() +
                                   "): " + std::strerror(errno)};
    }
    fs::path m_final, m_temp;
    int m_fd = -1;
    bool m_committed = false;
};

/// Draws and writes the weights of a config into model.safetensors, tensor by tensor, a slice of rows at a
/// time (memory stays a few MiB whatever the model's size).
class WeightWriter {
  public:
    WeightWriter(const ModelConfig& c, const RandomModelSpec& spec) : m_c(c), m_spec(spec) {}

    /// Lays the tensors out as gen_tiny_model.write_safetensors does: largest element size first, then by
    /// name, so each starts aligned to its element size; returns the header (padded to 8 bytes).
    std::string layout(const std::vector<TensorSpec>& specs) {
        for (const TensorSpec& t : specs) {
            const DType dt = storageOf(t.kind, m_spec.dtype);
            std::vector<std::int64_t> shape = {t.rows};
            if (t.cols)
                shape.push_back(t.cols);
            add(t.name, dt, shape);
            if (dt == DType::F8_E4M3)
                add(scaleName(t.name), DType::F32,
                    {ceilDiv(t.rows, m_c.fp8_block_rows), ceilDiv(t.cols, m_c.fp8_block_cols)});
        }
        std::vector<Stored*> order;
        for (auto& s : m_stored)
            order.push_back(&s);
        std::sort(order.begin(), order.end(), [](const Stored* a, const Stored* b) {
            const auto sa = dtypeSize(a->dtype), sb = dtypeSize(b->dtype);
            return sa != sb ? sa > sb : a->name < b->name;
        });
        json header = json::object();
        std::uint64_t off = 0;
        for (Stored* s : order) {
            s->offset = off;
            off += s->nbytes;
            header[s->name] = {{"dtype", std::string(dtypeName(s->dtype))},
                               {"shape", s->shape},
                               {"data_offsets", {s->offset, off}}};
        }
        m_dataBytes = off;
        header["__metadata__"] = {{"format", "pt"}};
        std::string text = header.dump();
        text.append((8 - text.size() % 8) % 8, ' ');
        return text;
    }
    std::uint64_t dataBytes() const { return m_dataBytes; }

    /// Writes every tensor's data; `dataStart`: the file offset of the data section.
    Status write(const std::vector<TensorSpec>& specs, PendingFile& file, std::uint64_t dataStart) {
        for (const TensorSpec& t : specs) {
            WS_TRY(writeTensor(t, file, dataStart));
        }
        return Status::ok();
    }

  private:
    static std::int64_t ceilDiv(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }
    static std::string scaleName(const std::string& weight) { return weight + "_scale_inv"; }

    void add(const std::string& name, DType dt, const std::vector<std::int64_t>& shape) {
        std::uint64_t n = dtypeSize(dt);
        for (auto d : shape)
            n *= static_cast<std::uint64_t>(d);
        m_stored.push_back({name, dt, shape, 0, n});
        m_index[name] = m_stored.size() - 1;
    }
    const Stored& stored(const std::string& name) const { return m_stored[m_index.at(name)]; }

    bool advance(std::uint64_t bytes) {
        m_written += bytes;
        if (!m_spec.progress)
            return true;
        return m_spec.progress(
            m_dataBytes ? std::min(1.0, static_cast<double>(m_written) / static_cast<double>(m_dataBytes))
                        : 1.0);
    }

    Status cancelled(const PendingFile& file) const {
        return {Code::Cancelled, file.finalPath().string() + ": writing the random model was cancelled"};
    }

    Status writeTensor(const TensorSpec& t, PendingFile& file, std::uint64_t dataStart) {
        Normal normal(splitmix64(m_spec.seed ^ splitmix64(fnv1a64(t.name))));
        const Stored& out = stored(t.name);
        if (t.cols == 0) { // a vector
            std::vector<float> v(static_cast<std::size_t>(t.rows));
            for (float& x : v)
                x = static_cast<float>(t.kind == Kind::Norm ? 1.0 + 0.1 * normal.next()
                                                            : 0.1 * normal.next());
            const std::vector<std::uint8_t> bytes = encode(v, out.dtype);
            WS_TRY(file.write(bytes.data(), bytes.size(), dataStart + out.offset));
            return advance(bytes.size()) ? Status::ok() : cancelled(file);
        }
        const bool fp8 = out.dtype == DType::F8_E4M3;
        const std::int64_t br = fp8 ? m_c.fp8_block_rows : 0, bc = fp8 ? m_c.fp8_block_cols : 0;
        const std::int64_t nbc = fp8 ? ceilDiv(t.cols, bc) : 0;
        // Under FP8 the magnitude varies from block to block (exp(0.4·N)), so that the block scales really
        // differ.
        std::vector<double> blockFactor;
        if (fp8) {
            blockFactor.resize(static_cast<std::size_t>(ceilDiv(t.rows, br) * nbc));
            for (double& f : blockFactor)
                f = std::exp(0.4 * normal.next());
        }
        double scale = 1.0;
        if (t.kind == Kind::Gate)
            scale = 1.5 / std::sqrt(static_cast<double>(t.cols));
        if (t.kind == Kind::Linear || t.kind == Kind::LinearBf16 || t.kind == Kind::Head)
            scale = 1.0 / std::sqrt(static_cast<double>(t.cols));

        // Rows per slice: one block row under FP8, else about a million elements.
        const std::int64_t slice = fp8 ? br : std::max<std::int64_t>(1, (std::int64_t{1} << 20) / t.cols);
        std::vector<float> v;
        std::vector<float> scales(fp8 ? static_cast<std::size_t>(ceilDiv(t.rows, br) * nbc) : 0);
        const std::uint64_t rowBytes = static_cast<std::uint64_t>(t.cols) * dtypeSize(out.dtype);
        for (std::int64_t r0 = 0; r0 < t.rows; r0 += slice) {
            const std::int64_t r1 = std::min(t.rows, r0 + slice);
            v.resize(static_cast<std::size_t>((r1 - r0) * t.cols));
            for (std::int64_t r = r0; r < r1; ++r)
                for (std::int64_t col = 0; col < t.cols; ++col) {
                    double x = normal.next() * scale;
                    if (fp8)
                        x *= blockFactor[static_cast<std::size_t>((r / br) * nbc + col / bc)];
                    v[static_cast<std::size_t>((r - r0) * t.cols + col)] = static_cast<float>(x);
                }
            const std::vector<std::uint8_t> bytes =
                fp8 ? quantizeStripe(v, r1 - r0, t.cols, &scales[static_cast<std::size_t>((r0 / br) * nbc)])
                    : encode(v, out.dtype);
            WS_TRY(file.write(bytes.data(), bytes.size(),
                              dataStart + out.offset + static_cast<std::uint64_t>(r0) * rowBytes));
            if (!advance(bytes.size()))
                return cancelled(file);
        }
        if (fp8) {
            const Stored& s = stored(scaleName(t.name));
            WS_TRY(file.write(scales.data(), scales.size() * sizeof(float), dataStart + s.offset));
            if (!advance(s.nbytes))
                return cancelled(file);
        }
        return Status::ok();
    }

    static std::vector<std::uint8_t> encode(const std::vector<float>& v, DType dt) {
        std::vector<std::uint8_t> out(v.size() * dtypeSize(dt));
        if (dt == DType::F32) {
            std::memcpy(out.data(), v.data(), out.size()); // little-endian, as every platform we build for
        } else {
            for (std::size_t i = 0; i < v.size(); ++i) {
                const std::uint16_t h = floatToBf16(v[i]);
                std::memcpy(out.data() + 2 * i, &h, 2);
            }
        }
        return out;
    }

    /// A stripe of at most one block row [rows, cols] → e4m3 codes, and each block's scale_inv = amax / 448
    /// (1 for an all-zero block) into `scales` [ceil(cols / block_cols)], as
    /// gen_tiny_model.quantize_fp8_blocks.
    std::vector<std::uint8_t> quantizeStripe(const std::vector<float>& v, std::int64_t rows,
                                             std::int64_t cols, float* scales) const {
        std::vector<std::uint8_t> codes(v.size());
        const std::int64_t bc = m_c.fp8_block_cols;
        for (std::int64_t c0 = 0, b = 0; c0 < cols; c0 += bc, ++b) {
            const std::int64_t c1 = std::min(cols, c0 + bc);
            double amax = 0;
            for (std::int64_t r = 0; r < rows; ++r)
                for (std::int64_t col = c0; col < c1; ++col)
                    amax = std::max(
                        amax, std::fabs(static_cast<double>(v[static_cast<std::size_t>(r * cols + col)])));
            const float s = amax > 0 ? static_cast<float>(amax / E4m3Encoder::kMax) : 1.0f;
            scales[b] = s;
            for (std::int64_t r = 0; r < rows; ++r)
                for (std::int64_t col = c0; col < c1; ++col) {
                    const auto i = static_cast<std::size_t>(r * cols + col);
                    codes[i] = m_e4m3.encode(static_cast<double>(v[i]) / static_cast<double>(s));
                }
        }
        return codes;
    }

    const ModelConfig& m_c;
    const RandomModelSpec& m_spec;
    E4m3Encoder m_e4m3;
    std::vector<Stored> m_stored;
    std::map<std::string, std::size_t> m_index;
    std::uint64_t m_dataBytes = 0;
    std::uint64_t m_written = 0;
};

void syncDirectory(const fs::path& dir) {
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return; // best effort: the files themselves are synced
    (void)::fsync(fd);
    ::close(fd);
}

} // namespace

Status writeRandomModel(const std::filesystem::path& dir, const RandomModelSpec& spec) {
    auto parsed = ModelConfig::parse(spec.configJson, (dir / "config.json").string());
    if (!parsed)
        return parsed.status();
    const ModelConfig& c = parsed.value();
    if (spec.dtype == RandomDtype::FP8 && c.fp8_block_rows == 0)
        return {Code::InvalidArgument,
                (dir / "config.json").string() +
                    ": FP8 weights need quantization_config (quant_method fp8, weight_block_size)"};
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
        return {Code::IoError, dir.string() + ": cannot create the folder: " + ec.message()};

    try {
        const std::vector<TensorSpec> specs = tensorSpecs(c);
        WeightWriter writer(c, spec);
        const std::string header = writer.layout(specs);
        const std::uint64_t dataStart = 8 + header.size();
        const std::uint64_t fileBytes = dataStart + writer.dataBytes();

        const fs::path weightsPath = dir / "model.safetensors";
        const fs::space_info space = fs::space(dir, ec);
        if (!ec && space.available < fileBytes + spec.configJson.size())
            return {Code::IoError, weightsPath.string() + ": needs " + std::to_string(fileBytes) +
                                       " bytes, only " + std::to_string(space.available) +
                                       " free on its disk"};

        PendingFile weights(weightsPath, dir / "model.safetensors.tmp");
        WS_TRY(weights.open());
        WS_TRY(weights.resize(fileBytes));
        const std::uint64_t headerLen = header.size(); // little-endian u64, then the JSON header
        WS_TRY(weights.write(&headerLen, 8, 0));
        WS_TRY(weights.write(header.data(), header.size(), 8));
        WS_TRY(writer.write(specs, weights, dataStart)); // the last progress report (1.0) came from here

        PendingFile config(dir / "config.json", dir / "config.json.tmp");
        WS_TRY(config.open());
        WS_TRY(config.write(spec.configJson.data(), spec.configJson.size(), 0));

        // An index would take precedence over model.safetensors.
        fs::remove(dir / "model.safetensors.index.json", ec);
        if (ec)
            return {Code::IoError,
                    (dir / "model.safetensors.index.json").string() + ": cannot remove: " + ec.message()};
        WS_TRY(weights.commit());
        WS_TRY(config.commit());
        syncDirectory(dir);
    } catch (const std::bad_alloc&) {
        return {Code::OutOfMemory, (dir / "model.safetensors").string() + ": out of memory while writing"};
    }
    return Status::ok();
}

std::string demoModelConfigJson() {
    // Exactly what `tools/gen_tiny_model.py --preset demo` writes (with the real tokenizer's vocabulary).
    return R"({
  "architectures": [
    "DeepseekV3ForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "auto_map": {
    "AutoConfig": "configuration_deepseek.DeepseekV3Config",
    "AutoModel": "modeling_deepseek.DeepseekV3Model",
    "AutoModelForCausalLM": "modeling_deepseek.DeepseekV3ForCausalLM"
  },
  "aux_loss_alpha": 0.001,
  "bos_token_id": 0,
  "eos_token_id": 1,
  "ep_size": 1,
  "first_k_dense_replace": 1,
  "hidden_act": "silu",
  "hidden_size": 256,
  "initializer_range": 0.02,
  "intermediate_size": 512,
  "kv_lora_rank": 64,
  "max_position_embeddings": 4096,
  "model_type": "deepseek_v3",
  "moe_intermediate_size": 96,
  "moe_layer_freq": 1,
  "n_group": 4,
  "n_routed_experts": 16,
  "n_shared_experts": 1,
  "norm_topk_prob": true,
  "num_attention_heads": 4,
  "num_experts_per_tok": 4,
  "num_hidden_layers": 4,
  "num_key_value_heads": 4,
  "num_nextn_predict_layers": 0,
  "pretraining_tp": 1,
  "q_lora_rank": 96,
  "qk_nope_head_dim": 32,
  "qk_rope_head_dim": 16,
  "rms_norm_eps": 1e-06,
  "rope_scaling": null,
  "rope_theta": 10000,
  "routed_scaling_factor": 2.5,
  "scoring_func": "sigmoid",
  "seq_aux": true,
  "tie_word_embeddings": false,
  "topk_group": 2,
  "topk_method": "noaux_tc",
  "torch_dtype": "bfloat16",
  "transformers_version": "4.33.1",
  "use_cache": true,
  "v_head_dim": 32,
  "vocab_size": 129280
}
)";
}

} // namespace ws
