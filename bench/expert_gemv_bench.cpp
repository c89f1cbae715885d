// expert_gemv_bench: the routed-expert GEMVs alone — where a 671B model on a workstation spends its CPU time.
// One decode step's expert products at DeepSeek-V3's shapes (hidden 7168, expert width 2048): gate and up
// [2048 × 7168] then down [7168 × 2048] for 8 chosen experts of a pool of 32 (so each step reads weights that
// are not in cache), per weight type, exact float activations against the default int8 ones; GB/s of weights
// read, and that as a share of the read bandwidth measured here (a streaming sum over 1 GiB, same threads).
//   build/release/bench/expert_gemv_bench [THREADS=2] [STEPS=20] [TYPES=bf16,f8,q8_0,q6_k,q4_k] [HIDDEN=7168]
//       [WIDTH=2048]   (V2-Lite: 2048 1408)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cpu/matmul.h"
#include "cpu/thread_pool.h"
#include "model/dtype.h"
#include "model/quant.h"

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// Random bytes with every f16 scale field set to a moderate value (no NaN or infinity in the sums).
std::vector<std::uint8_t> randomWeights(ws::DType t, std::int64_t rows, std::int64_t cols, std::mt19937& rng) {
    const std::size_t bytes = ws::rowBytesOf(t, static_cast<int>(cols)) * static_cast<std::size_t>(rows);
    std::vector<std::uint8_t> b(bytes);
    std::uint32_t s = rng();
    for (std::size_t i = 0; i < bytes; ++i) {
        s = s * 1664525u + 1013904223u;
        b[i] = static_cast<std::uint8_t>(s >> 24);
    }
    const auto put16 = [&](std::size_t at, std::uint16_t v) { std::memcpy(b.data() + at, &v, 2); };
    const ws::BlockLayout bl = ws::dtypeBlock(t);
    std::vector<int> fields; // f16 fields of a block
    switch (t) {
    case ws::DType::Q8_0: case ws::DType::Q4_0: case ws::DType::Q5_0: case ws::DType::IQ4_NL: case ws::DType::IQ4_XS:
    case ws::DType::Q4_K: case ws::DType::Q5_K: fields = {0}; break;
    case ws::DType::Q6_K: fields = {208}; break;
    case ws::DType::Q4_1: case ws::DType::Q5_1: fields = {0, 2}; break;
    case ws::DType::Q2_K: fields = {80, 82}; break;
    case ws::DType::Q3_K: fields = {108}; break;
    case ws::DType::BF16:
        for (std::size_t i = 1; i < bytes; i += 2) b[i] = static_cast<std::uint8_t>(0x3C | (b[i] & 0x80)); // |w| < 2
        break;
    case ws::DType::F8_E4M3:
        for (auto& v : b) v &= 0xBF; // no NaN codes
        break;
    default: break;
    }
    if (!fields.empty())
        for (std::size_t blk = 0; blk < bytes / static_cast<std::size_t>(bl.bytes); ++blk)
            for (int f : fields) put16(blk * static_cast<std::size_t>(bl.bytes) + static_cast<std::size_t>(f), 0x2000);
    return b;
}

double readBandwidth(ws::cpu::ThreadPool& pool) {
    const std::size_t n = (std::size_t{1} << 30) / sizeof(double);
    std::vector<double> a(n, 1.0);
    std::vector<double> sums(static_cast<std::size_t>(pool.size()));
    double best = 0;
    for (int rep = 0; rep < 3; ++rep) {
        const double t0 = now();
        pool.parallelFor(static_cast<std::int64_t>(n), [&](std::int64_t b, std::int64_t e) {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            for (std::int64_t i = b; i + 3 < e; i += 4) {
                s0 += a[static_cast<std::size_t>(i)];
                s1 += a[static_cast<std::size_t>(i + 1)];
                s2 += a[static_cast<std::size_t>(i + 2)];
                s3 += a[static_cast<std::size_t>(i + 3)];
            }
            sums[static_cast<std::size_t>(b * pool.size() / static_cast<std::int64_t>(n))] = s0 + s1 + s2 + s3;
        });
        best = std::max(best, static_cast<double>(n * sizeof(double)) / (now() - t0) / 1e9);
    }
    return best;
}

} // namespace

int main(int argc, char** argv) {
    const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
    const int steps = argc > 2 ? std::atoi(argv[2]) : 20;
    const std::string types = argc > 3 ? argv[3] : "bf16,f8,q8_0,q6_k,q4_k";
    ws::cpu::ThreadPool pool(threads);
    // The read bandwidth is measured again after every type: on a shared VM it drifts by a third within minutes, and
    // each type's share is against the higher of the figures just before and just after its runs.
    double bw = readBandwidth(pool);
    std::printf("expert GEMVs, gate/up %dx%d, down %dx%d, 8 of 32 experts per step, %d threads, kernels %s; "
                "bw: the streaming read's GB/s around each type's runs\n",
                argc > 5 ? std::atoi(argv[5]) : 2048, argc > 4 ? std::atoi(argv[4]) : 7168,
                argc > 4 ? std::atoi(argv[4]) : 7168, argc > 5 ? std::atoi(argv[5]) : 2048, threads,
                ws::cpu::kernelName());
    std::printf("%-8s %-14s %10s %10s %8s %8s\n", "type", "activations", "ms/step", "GB/s", "bw", "% of bw");
    constexpr int kPool = 32, kChosen = 8;
    const int kHidden = argc > 4 ? std::atoi(argv[4]) : 7168, kWidth = argc > 5 ? std::atoi(argv[5]) : 2048;
    std::mt19937 rng(1);
    std::stringstream list(types);
    for (std::string name; std::getline(list, name, ',');) {
        ws::DType t{};
        if (name == "bf16") t = ws::DType::BF16;
        else if (name == "f8") t = ws::DType::F8_E4M3;
        else if (name == "q8_0") t = ws::DType::Q8_0;
        else if (name == "q6_k") t = ws::DType::Q6_K;
        else if (name == "q4_k") t = ws::DType::Q4_K;
        else if (name == "q5_k") t = ws::DType::Q5_K;
        else if (name == "q5_0") t = ws::DType::Q5_0;
        else if (name == "q4_0") t = ws::DType::Q4_0;
        else if (name == "iq4_xs") t = ws::DType::IQ4_XS;
        else if (name == "q4_1") t = ws::DType::Q4_1;
        else if (name == "q5_1") t = ws::DType::Q5_1;
        else if (name == "q2_k") t = ws::DType::Q2_K;
        else if (name == "q3_k") t = ws::DType::Q3_K;
        else {
            std::fprintf(stderr, "unknown type %s\n", name.c_str());
            return 1;
        }
        std::vector<std::vector<std::uint8_t>> store;
        std::vector<float> scales(static_cast<std::size_t>(kHidden / 128 + 1) * (kHidden / 128 + 1), 0.01f);
        std::vector<ws::Matrix> gate(kPool), up(kPool), down(kPool);
        const auto make = [&](ws::Matrix& m, int rows, int cols) {
            store.push_back(randomWeights(t, rows, cols, rng));
            m.dtype = t;
            m.rows = rows;
            m.cols = cols;
            m.data = store.back().data();
            if (t == ws::DType::F8_E4M3) {
                m.scale = scales.data();
                m.blockRows = m.blockCols = 128;
            }
        };
        for (int e = 0; e < kPool; ++e) {
            make(gate[static_cast<std::size_t>(e)], kWidth, kHidden);
            make(up[static_cast<std::size_t>(e)], kWidth, kHidden);
            make(down[static_cast<std::size_t>(e)], kHidden, kWidth);
        }
        const double stepBytes = kChosen * static_cast<double>(gate[0].bytes() + up[0].bytes() + down[0].bytes());
        std::vector<float> x(kHidden), h(static_cast<std::size_t>(kChosen) * 2 * kWidth), y(static_cast<std::size_t>(kChosen) * kHidden);
        std::normal_distribution<float> g(0.0f, 1.0f);
        for (auto& v : x) v = g(rng);
        std::vector<std::pair<const char*, double>> rows; // activations, seconds per step
        for (const bool exact : {true, false}) {
            if (!exact && !ws::hasInt8Dot(t)) continue;
            ws::cpu::setActivationPrecision(exact ? ws::cpu::ActivationPrecision::Exact
                                                  : ws::cpu::ActivationPrecision::Split16);
            double total = 0;
            for (int s = -2; s < steps; ++s) { // two warm-up steps
                std::vector<int> chosen(kPool);
                for (int e = 0; e < kPool; ++e) chosen[static_cast<std::size_t>(e)] = e;
                std::shuffle(chosen.begin(), chosen.end(), rng);
                const double t0 = now();
                std::vector<ws::cpu::MatJob> jobs;
                for (int k = 0; k < kChosen; ++k) {
                    const auto e = static_cast<std::size_t>(chosen[static_cast<std::size_t>(k)]);
                    jobs.push_back({&gate[e], x.data(), 1, h.data() + 2 * k * kWidth});
                    jobs.push_back({&up[e], x.data(), 1, h.data() + (2 * k + 1) * kWidth});
                }
                ws::cpu::matmulMany(pool, jobs);
                jobs.clear();
                for (int k = 0; k < kChosen; ++k) {
                    const auto e = static_cast<std::size_t>(chosen[static_cast<std::size_t>(k)]);
                    jobs.push_back({&down[e], h.data() + 2 * k * kWidth, 1, y.data() + k * kHidden});
                }
                ws::cpu::matmulMany(pool, jobs);
                if (s >= 0) total += now() - t0;
            }
            rows.emplace_back(exact ? "float" : "int8+residual", total / steps);
        }
        const double after = readBandwidth(pool), around = std::max(bw, after);
        bw = after;
        for (const auto& [activations, perStep] : rows) {
            const double gbs = stepBytes / perStep / 1e9;
            std::printf("%-8s %-14s %10.3f %10.1f %8.1f %7.0f%%\n", name.c_str(), activations, perStep * 1e3, gbs,
                        around, 100.0 * gbs / around);
        }
    }
    return 0;
}
