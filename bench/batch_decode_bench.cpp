// batch_decode_bench: decode steps of B sessions run one at a time (Session::append) against the same steps run
// together (Session::appendBatch), on one model and thread count, side by side; and the sampler's time per token.
//   build/release/bench/batch_decode_bench MODEL_DIR [THREADS=2] [STEPS=32]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "whalesong/model.h"
#include "whalesong/sampler.h"

namespace {
double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
} // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs("usage: batch_decode_bench MODEL_DIR [THREADS] [STEPS]\n", stderr);
        return 1;
    }
    ws::LoadOptions options;
    options.threads = argc > 2 ? std::atoi(argv[2]) : 2;
    const int steps = argc > 3 ? std::atoi(argv[3]) : 32;
    auto model = ws::Model::load(argv[1], options);
    if (!model) {
        std::fprintf(stderr, "%s\n", model.status().message().c_str());
        return 1;
    }
    std::printf("%s, %d threads, %d decode steps after a 16-token prompt\n", argv[1], model.value()->backendInfo().cpuThreads, steps);
    std::printf("%6s %16s %16s %10s\n", "batch", "one by one tok/s", "batched tok/s", "speed-up");
    for (int B : {1, 2, 4, 8, 16}) {
        double rate[2] = {0, 0};
        for (int batched = 0; batched < 2; ++batched) {
            std::vector<std::unique_ptr<ws::Session>> sessions;
            std::vector<ws::Session*> ptrs;
            for (int i = 0; i < B; ++i) {
                sessions.push_back(std::move(model.value()->newSession({1024}).value()));
                std::vector<ws::TokenId> prompt(16);
                for (int t = 0; t < 16; ++t) prompt[static_cast<std::size_t>(t)] = 100 + 7 * i + t;
                if (!sessions.back()->prefill(prompt)) return 1;
                ptrs.push_back(sessions.back().get());
            }
            const std::vector<ws::TokenId> ids(static_cast<std::size_t>(B), 200);
            std::chrono::steady_clock::time_point t0;
            for (int k = -4; k < steps; ++k) { // 4 warm-up steps, not timed
                if (k == 0) t0 = std::chrono::steady_clock::now();
                if (batched) {
                    if (!ws::Session::appendBatch(ptrs, ids)) return 1;
                } else {
                    for (ws::Session* s : ptrs)
                        if (!s->append(std::span<const ws::TokenId>(ids.data(), 1))) return 1;
                }
            }
            rate[batched] = static_cast<double>(steps) * B / since(t0);
        }
        std::printf("%6d %16.0f %16.0f %9.2fx\n", B, rate[0], rate[1], rate[1] / rate[0]);
    }
    // The sampler over the model's whole vocabulary (temperature 1, top_p 1), per token.
    auto session = model.value()->newSession({1024});
    auto logits = session.value()->prefill(std::vector<ws::TokenId>{1, 2, 3});
    ws::Sampler sampler(ws::SamplingParams{});
    const auto t0 = std::chrono::steady_clock::now();
    for (int k = 0; k < steps; ++k) {
        std::vector<float> row(logits.value().begin(), logits.value().end());
        (void)sampler.sample(row);
    }
    std::printf("sampling: %.2f ms per token over %zu logits\n", since(t0) / steps * 1e3, logits.value().size());
    return 0;
}
