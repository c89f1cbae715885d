// Every decode kernel of engine/cuda/kernels against float64 loops written here (and the router against
// model/routing.h), on fresh random inputs (seed printed), outputs poisoned with NaN before each launch.
// One source, two builds: nvcc on a GPU (exit 77 without a device), or g++ -DWS_CUDA_EMU through the CPU
// emulator. Usage: test_cuda_kernels [--seed N] [--quick]   (--quick: the smaller shapes only, for the TSan
// build)
#include "cuda/kernels/kernels.cuh"
#include "model/dtype.h"
#include "model/routing.h"
#include "model/yarn.h"

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using ws::cuda::WeightType;

#ifdef WS_CUDA_EMU
constexpr bool kEmulated = true;
#else
constexpr bool kEmulated = false;
#endif

int g_pass = 0, g_fail = 0;
bool g_quick = false;
std::chrono::steady_clock::time_point g_lastCheck = std::chrono::steady_clock::now();

/// Seconds since the previous check line (launch and reference together).
double sinceLastCheck() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - g_lastCheck).count();
    g_lastCheck = now;
    return s;
}
std::mt19937_64 g_rng;

// ---- memory: device buffers, or 256-byte aligned host buffers under the emulator --------------------------

[[noreturn]] void fatal(const char* what, int code) {
    std::printf("FATAL %s (%d)\n", what, code);
    std::exit(1);
}

#ifndef WS_CUDA_EMU
void cudaCheck(cudaError_t e, const char* what) {
    if (e != cudaSuccess) {
        std::printf("FATAL %s: %s\n", what, cudaGetErrorString(e));
        std::exit(1);
    }
}
#endif

/// An untyped allocation of exactly `bytes` (so ASan sees overruns under the emulator).
class Memory {
  public:
    explicit Memory(std::size_t bytes) : m_bytes(bytes) {
#ifdef WS_CUDA_EMU
        if (posix_memalign(&m_ptr, 256, std::max<std::size_t>(bytes, 1)) != 0)
            fatal("posix_memalign", 0);
#else
        cudaCheck(cudaMalloc(&m_ptr, std::max<std::size_t>(bytes, 1)), "cudaMalloc");
#endif
    }
    ~Memory() {
#ifdef WS_CUDA_EMU
        std::free(m_ptr);
#else
        cudaFree(m_ptr);
#endif
    }
    Memory(const Memory&) = delete;
    Memory& operator=(const Memory&) = delete;
    void* get() const { return m_ptr; }
    void write(const void* src, std::size_t bytes) {
#ifdef WS_CUDA_EMU
        std::memcpy(m_ptr, src, bytes);
#else
        cudaCheck(cudaMemcpy(m_ptr, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy H2D");
#endif
    }
    void read(void* dst, std::size_t bytes) const {
#ifdef WS_CUDA_EMU
        std::memcpy(dst, m_ptr, bytes);
#else
        cudaCheck(cudaMemcpy(dst, m_ptr, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy D2H");
#endif
    }
    /// 0xFF bytes: NaN as floats, -1 as ints, NaN as e4m3 / bf16.
    void poison() {
#ifdef WS_CUDA_EMU
        std::memset(m_ptr, 0xFF, m_bytes);
#else
        cudaCheck(cudaMemset(m_ptr, 0xFF, m_bytes), "cudaMemset");
#endif
    }

  private:
    void* m_ptr = nullptr;
    std::size_t m_bytes;
};

template <class T> class Buf {
  public:
    explicit Buf(std::size_t n) : m_n(n), m_mem(n * sizeof(T)) {}
    explicit Buf(const std::vector<T>& h) : Buf(h.size()) { upload(h); }
    T* get() const { return static_cast<T*>(m_mem.get()); }
    std::size_t size() const { return m_n; }
    void upload(const std::vector<T>& h) { m_mem.write(h.data(), h.size() * sizeof(T)); }
    std::vector<T> download() const {
        std::vector<T> h(m_n);
        m_mem.read(h.data(), m_n * sizeof(T));
        return h;
    }
    void poison() { m_mem.poison(); }

  private:
    std::size_t m_n;
    Memory m_mem;
};

/// After a launch: its status, then (on a GPU) the kernel's own errors.
bool launched(cudaError_t e, const char* what) {
    if (e != cudaSuccess) {
        std::printf("FAIL %s: the launcher returned %d\n", what, static_cast<int>(e));
        ++g_fail;
        return false;
    }
#ifndef WS_CUDA_EMU
    cudaCheck(cudaDeviceSynchronize(), what);
#endif
    return true;
}

// ---- random inputs and reporting --------------------------------------------------------------------------

float normal(float sigma = 1.0f) { return std::normal_distribution<float>(0.0f, sigma)(g_rng); }
int uniformInt(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(g_rng); }

std::vector<float> normals(std::size_t n, float sigma = 1.0f) {
    std::vector<float> v(n);
    for (float& x : v)
        x = normal(sigma);
    return v;
}

std::uint16_t toBf16(float f) { // round to nearest even (finite inputs)
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    return static_cast<std::uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

/// Relative L2 error against a float64 reference, with the largest absolute difference printed.
bool report(const std::string& name, const std::vector<double>& ref, const std::vector<float>& got,
            double tol) {
    double num = 0.0, den = 0.0, maxdiff = 0.0;
    bool finite = got.size() == ref.size();
    for (std::size_t i = 0; i < ref.size() && finite; ++i) {
        finite = std::isfinite(got[i]);
        const double d = got[i] - ref[i];
        num += d * d;
        den += ref[i] * ref[i];
        maxdiff = std::max(maxdiff, std::fabs(d));
    }
    const double rel = std::sqrt(num / std::max(den, 1e-300));
    const bool ok = finite && den > 0.0 && rel <= tol;
    std::printf("%s %-52s rel %.2e  maxdiff %.2e  (tol %.0e)%s  [%.2f s]\n", ok ? "PASS" : "FAIL",
                name.c_str(), rel, maxdiff, tol,
                !finite     ? "  NaN/Inf or missing output"
                : den > 0.0 ? ""
                            : "  reference is all zeros",
                sinceLastCheck());
    ok ? ++g_pass : ++g_fail;
    return ok;
}

void expect(bool ok, const std::string& name, const std::string& detail = "") {
    std::printf("%s %s%s%s  [%.2f s]\n", ok ? "PASS" : "FAIL", name.c_str(), detail.empty() ? "" : "  ",
                detail.c_str(), sinceLastCheck());
    ok ? ++g_pass : ++g_fail;
}

const char* typeName(WeightType t) {
    switch (t) {
    case WeightType::F32:
        return "F32";
    case WeightType::F16:
        return "F16";
    case WeightType::BF16:
        return "BF16";
    case WeightType::FP8E4M3:
        return "FP8";
    }
    return "?";
}

// ---- weights ----------------------------------------------------------------------------------------------

/// A random weight matrix in host memory, its exact values (as the CPU backend decodes them) and a device
/// copy.
struct HostMatrix {
    WeightType type = WeightType::F32;
    int rows = 0, cols = 0, ld = 0, scaleLd = 0;
    std::vector<unsigned char> bytes; // [rows, ld] elements
    std::vector<float> scale;         // FP8: [ceil(rows/128), scaleLd]

    double at(int r, int k) const {
        const std::size_t i = static_cast<std::size_t>(r) * ld + k;
        switch (type) {
        case WeightType::F32: {
            float f;
            std::memcpy(&f, bytes.data() + 4 * i, 4);
            return f;
        }
        case WeightType::F16:
        case WeightType::BF16: {
            std::uint16_t h;
            std::memcpy(&h, bytes.data() + 2 * i, 2);
            return type == WeightType::F16 ? ws::f16ToFloat(h) : ws::bf16ToFloat(h);
        }
        case WeightType::FP8E4M3:
            return static_cast<double>(ws::fp8e4m3ToFloat(bytes[i])) *
                   scale[static_cast<std::size_t>(r / 128) * scaleLd + k / 128];
        }
        return 0.0;
    }
    /// Row r decoded, [cols].
    std::vector<double> row(int r) const {
        std::vector<double> v(static_cast<std::size_t>(cols));
        for (int k = 0; k < cols; ++k)
            v[static_cast<std::size_t>(k)] = at(r, k);
        return v;
    }
};

double dot(const std::vector<double>& w, const float* x) {
    double s = 0.0;
    for (std::size_t k = 0; k < w.size(); ++k)
        s += w[k] * x[k];
    return s;
}

HostMatrix randomMatrix(WeightType type, int rows, int cols) {
    HostMatrix m;
    m.type = type;
    m.rows = rows;
    m.cols = cols;
    const int size = ws::cuda::weightTypeSize(type), perRow = 16 / size;
    m.ld = (cols + perRow - 1) / perRow * perRow; // rows 16-byte aligned, padding left as garbage
    m.bytes.assign(static_cast<std::size_t>(rows) * m.ld * size, 0xFF); // the padding: NaN in every type
    for (std::size_t i = 0; i < m.bytes.size() / static_cast<std::size_t>(size); ++i) {
        if (static_cast<int>(i % static_cast<std::size_t>(m.ld)) >= cols)
            continue;
        unsigned char* p = m.bytes.data() + i * size;
        if (type == WeightType::F32) {
            const float f = normal(0.1f);
            std::memcpy(p, &f, 4);
        } else if (type == WeightType::F16) { // any sign, exponents 0 (subnormal) .. 20, any mantissa
            const auto h = static_cast<std::uint16_t>((g_rng() & 0x8000u) | (uniformInt(0, 20) << 10) |
                                                      (g_rng() & 0x3FFu));
            std::memcpy(p, &h, 2);
        } else if (type == WeightType::BF16) {
            const std::uint16_t h = toBf16(normal(0.1f));
            std::memcpy(p, &h, 2);
        } else {
            do
                p[0] = static_cast<unsigned char>(g_rng());
            while ((p[0] & 0x7Fu) == 0x7Fu); // every code but NaN
        }
    }
    if (type == WeightType::FP8E4M3) {
        m.scaleLd = (cols + 127) / 128 + 1; // wider than needed, as a padded copy would be
        m.scale.resize(static_cast<std::size_t>((rows + 127) / 128) * m.scaleLd);
        for (float& s : m.scale)
            s = std::exp(normal()) * 1e-3f;
    }
    return m;
}

/// A device copy of a HostMatrix.
struct DevMatrix {
    explicit DevMatrix(const HostMatrix& h)
        : data(h.bytes.size()), scale(std::max<std::size_t>(h.scale.size(), 1)) {
        data.upload(h.bytes);
        if (!h.scale.empty())
            scale.upload(h.scale);
        m.type = h.type;
        m.rows = h.rows;
        m.cols = h.cols;
        m.ld = h.ld;
        m.data = data.get();
        m.scale = h.type == WeightType::FP8E4M3 ? scale.get() : nullptr;
        m.scaleLd = h.scaleLd;
    }
    Buf<unsigned char> data;
    Buf<float> scale;
    ws::cuda::DeviceMatrix m;
};

// ---- GEMV -------------------------------------------------------------------------------------------------

void testGemv(WeightType type, int rows, int cols, int T) {
    const HostMatrix h = randomMatrix(type, rows, cols);
    const DevMatrix d(h);
    const int ldx = (cols + 3) / 4 * 4 + 4, ldy = rows + 3;
    std::vector<float> x(static_cast<std::size_t>(T) * ldx);
    for (int t = 0; t < T; ++t)
        for (int k = 0; k < ldx; ++k)
            x[static_cast<std::size_t>(t) * ldx + k] = k < cols ? normal() : NAN; // padding unread
    Buf<float> X(x), Y(static_cast<std::size_t>(T) * ldy);
    Y.poison();
    const std::string name = std::string("gemv ") + typeName(type) + " " + std::to_string(rows) + "x" +
                             std::to_string(cols) + " T=" + std::to_string(T);
    if (!launched(ws::cuda::gemv(d.m, X.get(), ldx, T, Y.get(), ldy, nullptr), name.c_str()))
        return;
    const std::vector<float> y = Y.download();
    std::vector<double> ref(static_cast<std::size_t>(T) * rows);
    std::vector<float> got(ref.size());
    bool padIntact = true;
    for (int r = 0; r < rows; ++r) {
        const std::vector<double> w = h.row(r);
        for (int t = 0; t < T; ++t) {
            ref[static_cast<std::size_t>(t) * rows + r] =
                dot(w, x.data() + static_cast<std::size_t>(t) * ldx);
            got[static_cast<std::size_t>(t) * rows + r] = y[static_cast<std::size_t>(t) * ldy + r];
        }
    }
    for (int t = 0; t < T; ++t)
        for (int r = rows; r < ldy; ++r)
            padIntact = padIntact && std::isnan(y[static_cast<std::size_t>(t) * ldy + r]);
    if (!padIntact)
        expect(false, name + ": wrote past rows in Y");
    report(name, ref, got, 1e-5);
}

// ---- MoE GEMV ---------------------------------------------------------------------------------------------

/// nTokens tokens, each choosing k distinct experts of nExperts (expert `common` by every token when >= 0),
/// pairs shuffled; plus optional invalid pairs (expert -1, token out of range) that must come out NaN.
void testMoe(WeightType type, int nExperts, int rows, int cols, int nTokens, int k, int common,
             bool invalid) {
    std::vector<HostMatrix> host;
    std::vector<std::unique_ptr<DevMatrix>> dev;
    std::vector<const void*> dataPtr;
    std::vector<const float*> scalePtr;
    for (int e = 0; e < nExperts; ++e) {
        host.push_back(randomMatrix(type, rows, cols));
        dev.push_back(std::make_unique<DevMatrix>(host.back()));
        dataPtr.push_back(dev.back()->m.data);
        scalePtr.push_back(dev.back()->m.scale);
    }
    std::vector<int> expertOf, tokenOf;
    for (int t = 0; t < nTokens; ++t) {
        std::vector<int> all(static_cast<std::size_t>(nExperts));
        for (int e = 0; e < nExperts; ++e)
            all[static_cast<std::size_t>(e)] = e;
        std::shuffle(all.begin(), all.end(), g_rng);
        if (common >= 0)
            std::iter_swap(all.begin(), std::find(all.begin(), all.end(), common));
        for (int j = 0; j < k; ++j) {
            expertOf.push_back(all[static_cast<std::size_t>(j)]);
            tokenOf.push_back(t);
        }
    }
    std::vector<std::size_t> order(expertOf.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::shuffle(order.begin(), order.end(), g_rng);
    std::vector<int> ex, tk;
    for (std::size_t i : order) {
        ex.push_back(expertOf[i]);
        tk.push_back(tokenOf[i]);
    }
    if (invalid) {
        ex.insert(ex.begin() + 1, -1);
        tk.insert(tk.begin() + 1, 0);
        ex.push_back(ex[0]);
        tk.push_back(nTokens); // out of range
    }
    const int nPairs = static_cast<int>(ex.size());
    const int ldx = (cols + 3) / 4 * 4, ldy = rows;
    const std::vector<float> x = normals(static_cast<std::size_t>(nTokens) * ldx);
    Buf<float> X(x), Y(static_cast<std::size_t>(nPairs) * ldy);
    Buf<int> E(ex), Tk(tk);
    Buf<const void*> D(dataPtr);
    Buf<const float*> S(scalePtr);
    ws::cuda::MoeWeights w;
    w.type = type;
    w.rows = rows;
    w.cols = cols;
    w.ld = host[0].ld;
    w.nExperts = nExperts;
    w.data = D.get();
    w.scale = type == WeightType::FP8E4M3 ? S.get() : nullptr;
    w.scaleLd = host[0].scaleLd;
    Y.poison();
    const std::string name = std::string("moe gemv ") + typeName(type) + " " + std::to_string(nExperts) +
                             "x[" + std::to_string(rows) + "x" + std::to_string(cols) +
                             "] tokens=" + std::to_string(nTokens) + " pairs=" + std::to_string(nPairs) +
                             (common >= 0 ? " common expert" : "") + (invalid ? " +invalid" : "");
    if (!launched(
            ws::cuda::moeGemv(w, E.get(), Tk.get(), nPairs, nTokens, X.get(), ldx, Y.get(), ldy, nullptr),
            name.c_str()))
        return;
    const std::vector<float> y = Y.download();
    std::vector<double> ref;
    std::vector<float> got;
    bool nanWhereInvalid = true;
    for (int p = 0; p < nPairs; ++p) {
        const int e = ex[static_cast<std::size_t>(p)], t = tk[static_cast<std::size_t>(p)];
        for (int r = 0; r < rows; ++r) {
            const float v = y[static_cast<std::size_t>(p) * ldy + r];
            if (e < 0 || e >= nExperts || t < 0 || t >= nTokens) {
                nanWhereInvalid = nanWhereInvalid && std::isnan(v);
                continue;
            }
            double s = 0.0;
            for (int c = 0; c < cols; ++c)
                s += host[static_cast<std::size_t>(e)].at(r, c) * x[static_cast<std::size_t>(t) * ldx + c];
            ref.push_back(s);
            got.push_back(v);
        }
    }
    report(name, ref, got, 1e-5);
    if (invalid)
        expect(nanWhereInvalid, name + ": invalid pairs give NaN rows");
}

// ---- element-wise -----------------------------------------------------------------------------------------

void testRmsNorm(int rows, int n, bool residual, bool inPlace) {
    const std::vector<float> x = normals(static_cast<std::size_t>(rows) * n, 2.0f), r = normals(x.size()),
                             w = normals(static_cast<std::size_t>(n));
    const float eps = 1e-6f;
    Buf<float> X(x), R(r), W(w), O(x.size());
    O.poison();
    float* out = inPlace ? X.get() : O.get();
    const std::string name = "rmsnorm " + std::to_string(rows) + "x" + std::to_string(n) +
                             (residual ? " +residual" : "") + (inPlace ? " in place" : "");
    if (!launched(
            ws::cuda::rmsNorm(X.get(), residual ? R.get() : nullptr, rows, n, W.get(), eps, out, nullptr),
            name.c_str()))
        return;
    const std::vector<float> xo = X.download(), o = inPlace ? xo : O.download();
    std::vector<double> ref, refSum;
    std::vector<float> gotSum;
    for (int i = 0; i < rows; ++i) {
        double ss = 0.0;
        std::vector<double> v(static_cast<std::size_t>(n));
        for (int j = 0; j < n; ++j) {
            const std::size_t a = static_cast<std::size_t>(i) * n + j;
            v[static_cast<std::size_t>(j)] =
                residual ? static_cast<double>(static_cast<float>(x[a] + r[a])) : x[a];
            ss += v[static_cast<std::size_t>(j)] * v[static_cast<std::size_t>(j)];
            refSum.push_back(v[static_cast<std::size_t>(j)]);
            gotSum.push_back(xo[a]);
        }
        const double inv = 1.0 / std::sqrt(ss / n + eps);
        for (int j = 0; j < n; ++j)
            ref.push_back(v[static_cast<std::size_t>(j)] * inv * w[static_cast<std::size_t>(j)]);
    }
    report(name, ref, o, 1e-6);
    if (residual && !inPlace)
        report(name + ": x + residual", refSum, gotSum, 0.0);
}

/// DeepSeek-V3's rope: dim 64 with YaRN (factor 40), the q layout [rows, heads, nope + rope] at a few
/// positions.
void testRope(int rows, int heads) {
    ws::ModelConfig c;
    c.qk_rope_head_dim = 64;
    c.qk_nope_head_dim = 128;
    c.rope_theta = 10000.0;
    ws::RopeScaling y;
    y.type = "yarn";
    y.factor = 40.0;
    y.original_max_position_embeddings = 4096;
    y.mscale = 1.0;
    y.mscale_all_dim = 1.0;
    c.rope_scaling = y;
    const ws::RopeParams rp = ws::ropeParams(c);
    const int dq = 192, dim = 64, nope = 128;
    std::vector<float> q = normals(static_cast<std::size_t>(rows) * heads * dq);
    std::vector<int> pos(static_cast<std::size_t>(rows));
    const int fixed[] = {0, 1, 4095, 163839};
    for (int i = 0; i < rows; ++i)
        pos[static_cast<std::size_t>(i)] = i < 4 ? fixed[i] : uniformInt(0, 163839);
    Buf<float> Q(q);
    Buf<int> P(pos);
    Buf<double> F(rp.invFreq);
    const std::string name =
        "rope interleaved dim 64 yarn " + std::to_string(rows) + "x" + std::to_string(heads);
    if (!launched(ws::cuda::ropeInterleaved(Q.get() + nope, rows, heads, heads * dq, dq, dim, P.get(),
                                            F.get(), rp.cosSinScale, nullptr),
                  name.c_str()))
        return;
    const std::vector<float> got = Q.download();
    std::vector<double> ref(q.begin(), q.end());
    int ulpOff = 0;
    for (int i = 0; i < rows; ++i)
        for (int h = 0; h < heads; ++h)
            for (int j = 0; j < dim / 2; ++j) { // the CPU's formula: angle, cos, sin in double
                const std::size_t a = (static_cast<std::size_t>(i) * heads + h) * dq + nope + 2 * j;
                const double ang = pos[static_cast<std::size_t>(i)] * rp.invFreq[static_cast<std::size_t>(j)];
                const double cs = std::cos(ang) * rp.cosSinScale, sn = std::sin(ang) * rp.cosSinScale;
                ref[a] = q[a] * cs - q[a + 1] * sn;
                ref[a + 1] = q[a] * sn + q[a + 1] * cs;
                for (std::size_t b : {a, a + 1})
                    ulpOff += got[b] != static_cast<float>(ref[b]) &&
                              std::fabs(got[b] - ref[b]) > std::ldexp(std::fabs(ref[b]), -23);
            }
    report(name, ref, got, 1e-7);
    expect(ulpOff == 0, name + ": within 1 ulp of the CPU formula", std::to_string(ulpOff) + " values off");
}

void testSiluMul(int n) {
    const std::vector<float> g = normals(static_cast<std::size_t>(n), 3.0f),
                             u = normals(static_cast<std::size_t>(n));
    Buf<float> G(g), U(u);
    if (!launched(ws::cuda::siluMul(G.get(), U.get(), n, nullptr), "silu mul"))
        return;
    std::vector<double> ref;
    for (int i = 0; i < n; ++i)
        ref.push_back(g[static_cast<std::size_t>(i)] /
                      (1.0 + std::exp(-static_cast<double>(g[static_cast<std::size_t>(i)]))) *
                      u[static_cast<std::size_t>(i)]);
    report("silu mul n=" + std::to_string(n), ref, G.download(), 1e-6);
}

// ---- router -----------------------------------------------------------------------------------------------

/// T tokens through the device router and ws::routeToken; experts must be identical, weights equal to 1e-6.
/// `ties`: logits on a coarse grid, so that equal scores (and group scores) are common.
void testRouter(const ws::ModelConfig& c, int T, bool withBias, bool ties, const std::string& what) {
    const int n = c.n_routed_experts, k = c.num_experts_per_tok;
    std::vector<float> logits(static_cast<std::size_t>(T) * n), bias;
    for (float& l : logits)
        l = ties ? static_cast<float>(uniformInt(-4, 4)) * 0.5f : normal(2.0f);
    if (withBias) {
        bias.resize(static_cast<std::size_t>(n));
        for (float& b : bias)
            b = ties ? static_cast<float>(uniformInt(-2, 2)) * 0.25f : normal(0.05f);
    }
    ws::cuda::RouterParams p;
    p.nExperts = n;
    p.k = k;
    p.nGroup = c.n_group;
    p.topkGroup = c.topk_group;
    p.scoring = c.scoring_func == ws::ScoringFunc::Sigmoid ? ws::cuda::RouterScoring::Sigmoid
                                                           : ws::cuda::RouterScoring::Softmax;
    switch (c.topk_method) {
    case ws::TopkMethod::NoauxTc:
        p.method = ws::cuda::RouterTopk::NoauxTc;
        break;
    case ws::TopkMethod::Greedy:
        p.method = ws::cuda::RouterTopk::Greedy;
        break;
    case ws::TopkMethod::GroupLimitedGreedy:
        p.method = ws::cuda::RouterTopk::GroupLimitedGreedy;
        break;
    }
    p.normTopkProb = c.norm_topk_prob;
    p.isV3 = c.isV3();
    p.routedScalingFactor = static_cast<float>(c.routed_scaling_factor);
    const int ld = n + 5;
    std::vector<float> padded(static_cast<std::size_t>(T) * ld, NAN);
    for (int t = 0; t < T; ++t)
        std::copy_n(logits.begin() + static_cast<std::ptrdiff_t>(t) * n, n,
                    padded.begin() + static_cast<std::ptrdiff_t>(t) * ld);
    Buf<float> L(padded), Bi(withBias ? bias : std::vector<float>(1));
    Buf<int> E(static_cast<std::size_t>(T) * k);
    Buf<float> W(static_cast<std::size_t>(T) * k);
    E.poison();
    W.poison();
    const std::string name = "router " + what;
    if (!launched(
            ws::cuda::route(L.get(), ld, withBias ? Bi.get() : nullptr, T, p, E.get(), W.get(), nullptr),
            name.c_str()))
        return;
    const std::vector<int> ex = E.download();
    const std::vector<float> wt = W.download();
    std::vector<float> scratch;
    int same = 0;
    std::vector<double> refW;
    for (int t = 0; t < T; ++t) {
        std::vector<int> e(static_cast<std::size_t>(k));
        std::vector<float> w(static_cast<std::size_t>(k));
        ws::routeToken(c,
                       std::span<const float>(logits.data() + static_cast<std::size_t>(t) * n,
                                              static_cast<std::size_t>(n)),
                       bias, e, w, scratch);
        same += std::equal(e.begin(), e.end(), ex.begin() + static_cast<std::ptrdiff_t>(t) * k);
        refW.insert(refW.end(), w.begin(), w.end());
    }
    expect(same == T, name + ": same experts as routing.h",
           std::to_string(same) + "/" + std::to_string(T) + " tokens");
    report(name + ": weights", refW, wt, 1e-6);
}

ws::ModelConfig routerConfig(const char* type, int n, int k, int nGroup, int topkGroup, ws::TopkMethod m,
                             ws::ScoringFunc s, bool norm, double scaling) {
    ws::ModelConfig c;
    c.model_type = type;
    c.n_routed_experts = n;
    c.num_experts_per_tok = k;
    c.n_group = nGroup;
    c.topk_group = topkGroup;
    c.topk_method = m;
    c.scoring_func = s;
    c.norm_topk_prob = norm;
    c.routed_scaling_factor = scaling;
    return c;
}

// ---- MLA --------------------------------------------------------------------------------------------------

/// Per batch row b a BF16 cache of len[b] positions ([len, R + dr]); attention of nh heads over it.
void testMlaDecode(const std::vector<int>& len, int nh, int R, int dr, int splitLen) {
    const int B = static_cast<int>(len.size()), W = R + dr;
    const int maxLen = std::max(1, *std::max_element(len.begin(), len.end()));
    const float scale = 1.0f / std::sqrt(192.0f);
    std::vector<std::vector<std::uint16_t>> cache(static_cast<std::size_t>(B));
    std::vector<std::unique_ptr<Buf<std::uint16_t>>> dcache;
    std::vector<const __nv_bfloat16*> ptr;
    for (int b = 0; b < B; ++b) {
        auto& cb = cache[static_cast<std::size_t>(b)];
        cb.resize(static_cast<std::size_t>(std::max(len[static_cast<std::size_t>(b)], 1)) * W);
        for (auto& v : cb)
            v = toBf16(normal());
        dcache.push_back(std::make_unique<Buf<std::uint16_t>>(cb));
        ptr.push_back(reinterpret_cast<const __nv_bfloat16*>(dcache.back()->get()));
    }
    const std::vector<float> ql = normals(static_cast<std::size_t>(B) * nh * R, 0.5f),
                             qp = normals(static_cast<std::size_t>(B) * nh * dr, 0.5f);
    Buf<float> QL(ql), QP(qp), O(static_cast<std::size_t>(B) * nh * R);
    Buf<const __nv_bfloat16*> C(ptr);
    Buf<int> Len(len);
    const std::size_t wb = ws::cuda::mlaDecodeWorkspaceBytes(B, nh, R, maxLen, splitLen);
    Buf<unsigned char> work(std::max<std::size_t>(wb, 1));
    work.poison();
    O.poison();
    std::string lens;
    for (int l : len)
        lens += (lens.empty() ? "" : ",") + std::to_string(l);
    const std::string name = "mla decode B=" + std::to_string(B) + " nh=" + std::to_string(nh) +
                             " R=" + std::to_string(R) + " dr=" + std::to_string(dr) + " len=" + lens +
                             (splitLen ? " split=" + std::to_string(splitLen) : "") +
                             " ws=" + std::to_string(wb >> 10) + "K";
    if (!launched(ws::cuda::mlaDecode(QL.get(), QP.get(), C.get(), Len.get(), B, maxLen, nh, R, dr, scale,
                                      O.get(), work.get(), wb, splitLen, nullptr),
                  name.c_str()))
        return;
    std::vector<double> ref(static_cast<std::size_t>(B) * nh * R, 0.0);
    for (int b = 0; b < B; ++b) {
        const int n = len[static_cast<std::size_t>(b)];
        const auto& cb = cache[static_cast<std::size_t>(b)];
        for (int h = 0; h < nh; ++h) {
            const std::size_t bh = static_cast<std::size_t>(b) * nh + h;
            std::vector<double> s(static_cast<std::size_t>(n));
            double mx = -INFINITY, sum = 0.0;
            for (int t = 0; t < n; ++t) {
                double d = 0.0;
                for (int i = 0; i < R; ++i)
                    d += static_cast<double>(ql[bh * R + i]) *
                         ws::bf16ToFloat(cb[static_cast<std::size_t>(t) * W + i]);
                for (int i = 0; i < dr; ++i)
                    d += static_cast<double>(qp[bh * dr + i]) *
                         ws::bf16ToFloat(cb[static_cast<std::size_t>(t) * W + R + i]);
                s[static_cast<std::size_t>(t)] = d * scale;
                mx = std::max(mx, d * scale);
            }
            for (double& v : s)
                sum += v = std::exp(v - mx);
            for (int t = 0; t < n; ++t)
                for (int i = 0; i < R; ++i)
                    ref[bh * R + i] += s[static_cast<std::size_t>(t)] / sum *
                                       ws::bf16ToFloat(cb[static_cast<std::size_t>(t) * W + i]);
        }
    }
    report(name, ref, O.download(), 1e-5);
}

void testMlaAppend(const std::vector<int>& pos, int R, int dr) {
    const int B = static_cast<int>(pos.size()), W = R + dr, ld = W + 4;
    ws::ModelConfig c;
    c.qk_rope_head_dim = dr;
    c.qk_nope_head_dim = 128;
    c.rope_theta = 10000.0;
    const ws::RopeParams rp = ws::ropeParams(c);
    const float eps = 1e-6f;
    const std::vector<float> kva = normals(static_cast<std::size_t>(B) * ld, 3.0f),
                             w = normals(static_cast<std::size_t>(R));
    std::vector<std::unique_ptr<Buf<std::uint16_t>>> dcache;
    std::vector<__nv_bfloat16*> ptr;
    for (int b = 0; b < B; ++b) {
        dcache.push_back(std::make_unique<Buf<std::uint16_t>>(
            static_cast<std::size_t>(pos[static_cast<std::size_t>(b)] + 2) * W));
        dcache.back()->poison();
        ptr.push_back(reinterpret_cast<__nv_bfloat16*>(dcache.back()->get()));
    }
    Buf<float> K(kva), Wn(w);
    Buf<int> P(pos);
    Buf<double> F(rp.invFreq);
    Buf<__nv_bfloat16*> C(ptr);
    const std::string name =
        "mla append kv B=" + std::to_string(B) + " R=" + std::to_string(R) + " dr=" + std::to_string(dr);
    if (!launched(ws::cuda::mlaAppendKv(K.get(), ld, B, R, dr, Wn.get(), eps, P.get(), F.get(),
                                        rp.cosSinScale, C.get(), nullptr),
                  name.c_str()))
        return;
    std::vector<double> ref;
    std::vector<float> got;
    int offUlp = 0;
    bool othersUntouched = true;
    for (int b = 0; b < B; ++b) {
        const std::vector<std::uint16_t> row = dcache[static_cast<std::size_t>(b)]->download();
        const int p = pos[static_cast<std::size_t>(b)];
        const float* src = kva.data() + static_cast<std::size_t>(b) * ld;
        double ss = 0.0;
        for (int i = 0; i < R; ++i)
            ss += static_cast<double>(src[i]) * src[i];
        const double inv = 1.0 / std::sqrt(ss / R + eps);
        std::vector<double> v(static_cast<std::size_t>(W));
        for (int i = 0; i < R; ++i)
            v[static_cast<std::size_t>(i)] = src[i] * inv * w[static_cast<std::size_t>(i)];
        for (int j = 0; j < dr / 2; ++j) {
            const double a = p * rp.invFreq[static_cast<std::size_t>(j)], cs = std::cos(a), sn = std::sin(a);
            v[static_cast<std::size_t>(R + 2 * j)] = src[R + 2 * j] * cs - src[R + 2 * j + 1] * sn;
            v[static_cast<std::size_t>(R + 2 * j + 1)] = src[R + 2 * j] * sn + src[R + 2 * j + 1] * cs;
        }
        for (int i = 0; i < W; ++i) {
            const float g = ws::bf16ToFloat(row[static_cast<std::size_t>(p) * W + i]);
            const double r = v[static_cast<std::size_t>(i)];
            ref.push_back(r);
            got.push_back(g);
            offUlp += std::fabs(g - r) > std::ldexp(std::fabs(r), -8) * 1.01; // more than one bf16 ulp
        }
        for (std::size_t i = 0; i < row.size(); ++i)
            if ((i < static_cast<std::size_t>(p) * W || i >= static_cast<std::size_t>(p + 1) * W) &&
                row[i] != 0xFFFF)
                othersUntouched = false;
    }
    report(name, ref, got, 4e-3); // BF16 storage: 2^-9 relative per value
    expect(offUlp == 0, name + ": each value within one BF16 ulp", std::to_string(offUlp) + " off");
    expect(othersUntouched, name + ": only position pos[b] written");
}

// ---- FP8 activation quantiser -----------------------------------------------------------------------------

/// e4m3 by search over all finite codes: nearest, ties to the even code, saturating at 448.
std::uint8_t encodeE4m3(float v) {
    const std::uint8_t sign = std::signbit(v) ? 0x80 : 0x00;
    const double a = std::fabs(static_cast<double>(v));
    int best = 0;
    for (int code = 1; code <= 0x7E; ++code) {
        const double d = std::fabs(ws::fp8e4m3ToFloat(static_cast<std::uint8_t>(code)) - a);
        const double db = std::fabs(ws::fp8e4m3ToFloat(static_cast<std::uint8_t>(best)) - a);
        if (d < db || (d == db && (code & 1) == 0))
            best = code;
    }
    return static_cast<std::uint8_t>(sign | best);
}

void testQuantize(int M, int K) {
    const int ldx = K + 4, groups = (K + 127) / 128;
    std::vector<float> x = normals(static_cast<std::size_t>(M) * ldx);
    for (int k = 0; k < std::min(K, 128); ++k)
        x[static_cast<std::size_t>(k)] = 0.0f; // a zero group
    for (int k = 0; k < K; ++k)
        x[static_cast<std::size_t>(ldx) + k] *= 1e4f; // large values
    if (M > 2) {                                      // tiny values beside ordinary ones
        x[2 * static_cast<std::size_t>(ldx) + 5] = -3e-3f;
        x[2 * static_cast<std::size_t>(ldx) + 6] = 1e-30f;
    }
    Buf<float> X(x), S(static_cast<std::size_t>(groups) * M);
    Buf<std::uint8_t> Q(static_cast<std::size_t>(M) * K);
    Q.poison();
    S.poison();
    const std::string name = "quantize 1x128 " + std::to_string(M) + "x" + std::to_string(K);
    if (!launched(ws::cuda::quantize1x128(X.get(), ldx, M, K, Q.get(), S.get(), nullptr), name.c_str()))
        return;
    const std::vector<std::uint8_t> q = Q.download();
    const std::vector<float> s = S.download();
    int badScale = 0, badCode = 0;
    std::vector<double> ref;
    std::vector<float> got;
    for (int m = 0; m < M; ++m)
        for (int g = 0; g < groups; ++g) {
            float amax = 0.0f;
            for (int k = 128 * g; k < std::min(K, 128 * g + 128); ++k)
                amax = std::max(amax, std::fabs(x[static_cast<std::size_t>(m) * ldx + k]));
            const float sr = std::max(amax / 448.0f, FLT_MIN);
            const float sg = s[static_cast<std::size_t>(g) * M + m];
            badScale += sg != sr;
            for (int k = 128 * g; k < std::min(K, 128 * g + 128); ++k) {
                const float v = x[static_cast<std::size_t>(m) * ldx + k];
                const std::uint8_t code = q[static_cast<std::size_t>(m) * K + k];
                badCode += code != encodeE4m3(v / sr);
                ref.push_back(v);
                got.push_back(ws::fp8e4m3ToFloat(code) * sg);
            }
        }
    expect(badScale == 0, name + ": scales exactly max|x| / 448 in [g, m] order",
           std::to_string(badScale) + " wrong");
    expect(badCode == 0, name + ": codes as a round-to-nearest-even e4m3 encoder",
           std::to_string(badCode) + " wrong");
    report(name + ": dequantised", ref, got, 0.04); // e4m3 keeps 3 mantissa bits: <= 2^-4 relative per value
}

// ---- arguments the launchers must refuse ------------------------------------------------------------------

void testRefusals() {
    const HostMatrix h = randomMatrix(WeightType::FP8E4M3, 8, 32);
    const DevMatrix d(h);
    Buf<float> X(std::vector<float>(64 * 20, 1.0f)), Y(64 * 20);
    Y.poison();
    int accepted = 0, cases = 0;
    const auto refuse = [&](cudaError_t e) {
        ++cases;
        accepted += e != cudaErrorInvalidValue;
    };
    ws::cuda::DeviceMatrix m = d.m;
    refuse(ws::cuda::gemv(m, X.get(), 32, 0, Y.get(), 8, nullptr));
    refuse(ws::cuda::gemv(m, X.get(), 32, 17, Y.get(), 8, nullptr));
    refuse(ws::cuda::gemv(m, X.get() + 1, 32, 1, Y.get(), 8, nullptr)); // X misaligned
    refuse(ws::cuda::gemv(m, X.get(), 34, 1, Y.get(), 8, nullptr));     // ldx % 4
    refuse(ws::cuda::gemv(m, X.get(), 32, 1, Y.get(), 7, nullptr));     // ldy < rows
    m.ld = 40;                                                          // 40 bytes: rows not 16-byte aligned
    refuse(ws::cuda::gemv(m, X.get(), 40, 1, Y.get(), 8, nullptr));
    m = d.m;
    m.scaleLd = 0;
    refuse(ws::cuda::gemv(m, X.get(), 32, 1, Y.get(), 8, nullptr));
    m = d.m;
    m.scale = nullptr;
    refuse(ws::cuda::gemv(m, X.get(), 32, 1, Y.get(), 8, nullptr));
    m = d.m;
    m.data = static_cast<const unsigned char*>(m.data) + 8;
    refuse(ws::cuda::gemv(m, X.get(), 32, 1, Y.get(), 8, nullptr));
    m = d.m;
    m.rows = 0;
    refuse(ws::cuda::gemv(m, X.get(), 32, 1, Y.get(), 8, nullptr));

    ws::cuda::MoeWeights mw;
    mw.type = WeightType::BF16;
    mw.rows = 8;
    mw.cols = 32;
    mw.ld = 32;
    mw.nExperts = 1;
    Buf<int> pairs(std::vector<int>(8, 0));
    refuse(
        ws::cuda::moeGemv(mw, pairs.get(), pairs.get(), 1, 1, X.get(), 32, Y.get(), 8, nullptr)); // no data
    Buf<const void*> ptrs(std::vector<const void*>{d.m.data});
    mw.data = ptrs.get();
    refuse(ws::cuda::moeGemv(mw, pairs.get(), pairs.get(), ws::cuda::kMaxMoePairs + 1, 1, X.get(), 32,
                             Y.get(), 8, nullptr));
    refuse(
        ws::cuda::moeGemv(mw, pairs.get(), pairs.get(), 1, 0, X.get(), 32, Y.get(), 8, nullptr)); // no tokens

    ws::cuda::RouterParams rp;
    rp.nExperts = 16;
    rp.k = 4;
    rp.nGroup = 3; // 16 % 3 != 0
    rp.topkGroup = 1;
    Buf<int> E(64);
    refuse(ws::cuda::route(X.get(), 16, nullptr, 2, rp, E.get(), Y.get(), nullptr));
    rp.nGroup = 4;
    rp.topkGroup = 5;
    refuse(ws::cuda::route(X.get(), 16, nullptr, 2, rp, E.get(), Y.get(), nullptr));
    rp.topkGroup = 2;
    rp.k = 17;
    refuse(ws::cuda::route(X.get(), 16, nullptr, 2, rp, E.get(), Y.get(), nullptr));
    rp.k = 4;
    rp.nExperts = ws::cuda::kMaxRouterExperts + 32;
    refuse(ws::cuda::route(X.get(), rp.nExperts, nullptr, 1, rp, E.get(), Y.get(), nullptr));

    Buf<const __nv_bfloat16*> C(1);
    refuse(ws::cuda::mlaDecode(X.get(), X.get(), C.get(), E.get(), 1, 10, 4, 12, 8, 1.0f, Y.get(), nullptr, 0,
                               0, nullptr)); // R % 8
    refuse(ws::cuda::mlaDecode(X.get(), X.get(), C.get(), E.get(), 1, 10, 4, 520, 8, 1.0f, Y.get(), nullptr,
                               0, 0, nullptr)); // R > 512
    refuse(ws::cuda::mlaDecode(X.get(), X.get(), C.get(), E.get(), 1, 4000, 4, 32, 8, 1.0f, Y.get(), nullptr,
                               0, 10, nullptr)); // 400 splits
    refuse(ws::cuda::mlaDecode(X.get(), X.get(), C.get(), E.get(), 2, 4000, 4, 32, 8, 1.0f, Y.get(), nullptr,
                               0, 0, nullptr)); // no workspace
    refuse(ws::cuda::quantize1x128(X.get(), 10, 1, 20, nullptr, Y.get(), nullptr));
    refuse(ws::cuda::rmsNorm(Y.get(), nullptr, 0, 10, X.get(), 1e-6f, Y.get(), nullptr));
    refuse(ws::cuda::ropeInterleaved(Y.get(), 1, 1, 8, 8, 7, E.get(), nullptr, 1.0, nullptr));

    const std::vector<float> y = Y.download();
    const bool untouched = std::all_of(y.begin(), y.end(), [](float v) { return std::isnan(v); });
    expect(accepted == 0 && untouched, "bad arguments refused without a launch",
           std::to_string(cases - accepted) + "/" + std::to_string(cases) + " refused");
}

#ifndef WS_CUDA_EMU
// ---- timings (GPU only, never asserted) -------------------------------------------------------------------

/// Mean time of `launch` over 20 calls after 3 warm-up calls, in microseconds.
template <class F> double timeUs(F launch) {
    for (int i = 0; i < 3; ++i)
        cudaCheck(launch(), "bench warm-up");
    cudaEvent_t start, stop;
    cudaCheck(cudaEventCreate(&start), "cudaEventCreate");
    cudaCheck(cudaEventCreate(&stop), "cudaEventCreate");
    cudaCheck(cudaEventRecord(start), "cudaEventRecord");
    for (int i = 0; i < 20; ++i)
        cudaCheck(launch(), "bench");
    cudaCheck(cudaEventRecord(stop), "cudaEventRecord");
    cudaCheck(cudaEventSynchronize(stop), "cudaEventSynchronize");
    float ms = 0.0f;
    cudaCheck(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    return ms * 1000.0 / 20.0;
}

/// GEMV time and weight bytes per second: the roofline of decode.
void benchGemv(WeightType type, int rows, int cols, int T) {
    HostMatrix h;
    h.type = type;
    h.rows = rows;
    h.cols = cols;
    h.ld = cols;
    h.bytes.assign(static_cast<std::size_t>(rows) * cols * ws::cuda::weightTypeSize(type), 0x11);
    h.scaleLd = (cols + 127) / 128;
    h.scale.assign(static_cast<std::size_t>((rows + 127) / 128) * h.scaleLd, 1e-3f);
    const DevMatrix d(h);
    Buf<float> X(normals(static_cast<std::size_t>(T) * cols)), Y(static_cast<std::size_t>(T) * rows);
    const double us = timeUs([&] { return ws::cuda::gemv(d.m, X.get(), cols, T, Y.get(), rows, nullptr); });
    std::printf("BENCH gemv %s %dx%d T=%-2d %8.1f us  %6.0f GB/s of weights\n", typeName(type), rows, cols, T,
                us, static_cast<double>(h.bytes.size()) / us * 1e-3);
}

/// MLA decode time for B rows of len positions (DeepSeek-V3: R 512, dr 64): cache GB/s and TFLOP/s.
void benchMla(int B, int nh, int len) {
    const int R = 512, dr = 64, W = R + dr;
    Buf<std::uint16_t> cache(static_cast<std::size_t>(B) * len * W);
    cache.upload(std::vector<std::uint16_t>(cache.size(), 0x3f80));
    std::vector<const __nv_bfloat16*> ptr;
    for (int b = 0; b < B; ++b)
        ptr.push_back(
            reinterpret_cast<const __nv_bfloat16*>(cache.get() + static_cast<std::size_t>(b) * len * W));
    Buf<const __nv_bfloat16*> C(ptr);
    Buf<int> L(std::vector<int>(static_cast<std::size_t>(B), len));
    Buf<float> QL(normals(static_cast<std::size_t>(B) * nh * R)),
        QP(normals(static_cast<std::size_t>(B) * nh * dr)), O(static_cast<std::size_t>(B) * nh * R);
    const std::size_t wb = ws::cuda::mlaDecodeWorkspaceBytes(B, nh, R, len);
    Buf<unsigned char> work(std::max<std::size_t>(wb, 1));
    const double us = timeUs([&] {
        return ws::cuda::mlaDecode(QL.get(), QP.get(), C.get(), L.get(), B, len, nh, R, dr, 0.07f, O.get(),
                                   work.get(), wb, 0, nullptr);
    });
    const double bytes = 2.0 * B * len * W, flops = 2.0 * B * nh * len * (W + R);
    std::printf("BENCH mla decode B=%d nh=%d len=%d %8.1f us  %6.0f GB/s of cache  %5.1f TFLOP/s\n", B, nh,
                len, us, bytes / us * 1e-3, flops / us * 1e-6);
}
#endif

// ---- the run ----------------------------------------------------------------------------------------------

void runAll() {
    const WeightType types[] = {WeightType::F32, WeightType::F16, WeightType::BF16, WeightType::FP8E4M3};
    // Rows not a multiple of the 4-row groups or the 128-row FP8 blocks; columns with a tail after the
    // 16-byte chunks and a partial 128-column block; 32-, 128- and 256-thread groups.
    for (WeightType t : types) {
        testGemv(t, 300, 392, 1);
        testGemv(t, 130, 200, 16);
        if (!g_quick) {
            testGemv(t, 70, 1040, 3);
            testGemv(t, 9, 264, 7);
        }
    }
    testGemv(WeightType::FP8E4M3, 9, 8200, 2); // 256-thread groups
    const bool big = !kEmulated && !g_quick;
    if (big) { // the model's shapes (V3: hidden 7168, q_lora 1536, kv_a 576)
        for (int T : {1, 4, 16})
            testGemv(WeightType::FP8E4M3, 1536, 7168, T);
        testGemv(WeightType::FP8E4M3, 576, 7168, 1);
        testGemv(WeightType::FP8E4M3, 7168, 2048, 5);
        testGemv(WeightType::BF16, 7168, 1536, 16);
        testGemv(WeightType::F32, 256, 7168, 3);
    }

    for (WeightType t : types)
        testMoe(t, 6, 72, 136, 5, 3, 2, false);
    testMoe(WeightType::FP8E4M3, 4, 40, 264, 1, 2, -1, false);
    testMoe(WeightType::BF16, 5, 36, 96, 16, 2, 0, true); // 16 tokens on one expert: two batches of 8
    if (!g_quick)
        testMoe(WeightType::F16, 8, 33, 200, 3, 8, -1, false);
    if (big) // 256 rows of V3's [2048, 7168] experts
        testMoe(WeightType::FP8E4M3, 32, 256, 7168, 16, 8, 7, true);

    testRmsNorm(3, 1000, false, false);
    testRmsNorm(2, 7168, true, false);
    testRmsNorm(2, 96, true, true);
    testRope(5, 3);
    testSiluMul(1003);

    using ws::ScoringFunc;
    using ws::TopkMethod;
    const int T = 16;
    testRouter(
        routerConfig("deepseek_v3", 256, 8, 8, 4, TopkMethod::NoauxTc, ScoringFunc::Sigmoid, true, 2.5), T,
        true, false, "V3 256/8 groups 8/4 sigmoid+bias");
    testRouter(
        routerConfig("deepseek_v3", 256, 8, 8, 4, TopkMethod::NoauxTc, ScoringFunc::Sigmoid, true, 2.5), T,
        true, true, "V3 256/8 groups 8/4, tied logits");
    testRouter(routerConfig("deepseek_v2", 160, 6, 8, 3, TopkMethod::GroupLimitedGreedy, ScoringFunc::Softmax,
                            false, 16.0),
               T, false, false, "V2 160/6 group_limited_greedy 8/3 softmax");
    testRouter(routerConfig("deepseek_v2", 64, 6, 1, 1, TopkMethod::Greedy, ScoringFunc::Softmax, true, 1.0),
               T, false, true, "V2-Lite 64/6 greedy softmax norm, tied");
    testRouter(
        routerConfig("deepseek_v3", 16, 4, 8, 1, TopkMethod::NoauxTc, ScoringFunc::Sigmoid, false, 1.5), T,
        true, false, "V3 16/4 groups 8/1: fewer kept than k");
    testRouter(routerConfig("deepseek_v3", 8, 1, 1, 1, TopkMethod::NoauxTc, ScoringFunc::Sigmoid, true, 2.0),
               3, false, false, "V3 8/1 (no normalising at k=1)");
    testRouter(
        routerConfig("deepseek_v3", 1024, 8, 32, 8, TopkMethod::NoauxTc, ScoringFunc::Softmax, true, 2.5), 2,
        true, false, "1024 experts 32 groups softmax");

    testMlaAppend({0, 5, 77}, 64, 16);
    testMlaAppend({1234}, 512, 64);
    testMlaDecode({1, 1, 1}, 20, 64, 16, 0);        // context 1: one split, no combine
    testMlaDecode({3000, 37, 1, 0}, 20, 64, 16, 0); // several splits, empty ones, an empty row
    if (!g_quick)
        testMlaDecode({777, 64}, 4, 32, 8, 100); // the tiny model's shape, splits of 100
    testMlaDecode({40}, 16, 512, 64, 0);         // DeepSeek's R and dr
    if (big) {
        testMlaDecode({4096, 1, 2500, 333}, 128, 512, 64, 0);
        testMlaDecode({8191}, 128, 512, 64, 0);
    }

    testQuantize(3, 300);
    if (big)
        testQuantize(16, 7168);
    testRefusals();
#ifndef WS_CUDA_EMU
    if (big) {
        benchGemv(WeightType::FP8E4M3, 18432, 7168, 1);
        for (int T : {1, 2, 4, 8, 16})
            benchGemv(WeightType::FP8E4M3, 7168, 2048, T);
        benchGemv(WeightType::BF16, 7168, 2048, 1);
        benchMla(1, 128, 4096);
        benchMla(16, 128, 4096);
    }
#endif
}

} // namespace

int main(int argc, char** argv) {
    unsigned long long seed = std::random_device{}();
    seed = seed << 32 ^ std::random_device{}();
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--seed" && i + 1 < argc)
            seed = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--quick")
            g_quick = true;
        else {
            std::printf("usage: %s [--seed N] [--quick]\n", argv[0]);
            return 2;
        }
    }
#ifndef WS_CUDA_EMU
    int devices = 0;
    if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
        std::printf("SKIP: no CUDA device (the emulated build, cuda_kernels_emu, covers the logic)\n");
        return 77;
    }
    cudaDeviceProp prop{};
    cudaCheck(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
    std::printf("device: %s, sm_%d%d\n", prop.name, prop.major, prop.minor);
#endif
#if defined(WS_CUDA_EMU) && defined(WS_CUDA_EMU_FP8_INTRINSICS)
    const char* mode = "CPU emulation (FP8 through the sm_89+ intrinsics)";
#elif defined(WS_CUDA_EMU)
    const char* mode = "CPU emulation (FP8 by bit operations, as sm_80)";
#else
    const char* mode = "GPU";
#endif
    std::printf("%s; seed %llu (rerun with --seed %llu)%s\n", mode, seed, seed, g_quick ? "; quick" : "");
    g_rng.seed(seed);
    if (const cudaError_t e = ws::cuda::prepareKernels(); e != cudaSuccess)
        fatal("prepareKernels", static_cast<int>(e));
    const auto start = std::chrono::steady_clock::now();
    g_lastCheck = start;
    runAll();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%d passed, %d failed (%.1f s; seed %llu)\n", g_pass, g_fail, secs, seed);
    return g_fail == 0 ? 0 : 1;
}
