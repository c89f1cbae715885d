// Model catalog: the list, the size estimate per format, and how a model fits this computer's memory.
#include "model_catalog.h"

#include "model_card.h"

#include <QCoreApplication>

#include <unistd.h>

namespace {

// The latent KV cache per token on the CPU: (kv_lora_rank 512 + qk_rope_head_dim 64) × layers × 4 bytes.
constexpr quint64 kvPerToken(int layers) { return quint64(512 + 64) * quint64(layers) * 4; }
} // namespace

QList<CatalogModel> modelCatalog() {
    // Bits per weight: FP8 e4m3 with its 128×128 scales and the BF16 norms/embeddings ≈ 8.05; BF16 16;
    // llama.cpp's Q4_K_M mix ≈ 4.85 (Q4_K with some Q6_K), Q8_0 8.5.
    const CatalogFormat lite{QStringLiteral("BF16"), QStringLiteral("deepseek-ai/DeepSeek-V2-Lite-Chat"),
                             QStringLiteral("deepseek-ai/DeepSeek-V2-Lite-Chat"), {}, 16};
    return {
        CatalogModel{QStringLiteral("DeepSeek-V2-Lite-Chat"),
                     QCoreApplication::translate("ModelCatalog", "The smallest DeepSeek MoE chat model (15.7B, 2.4B active): runs on most computers."),
                     15'700'000'000ULL, 2'400'000'000ULL, kvPerToken(27), {lite}},
        CatalogModel{QStringLiteral("DeepSeek-Coder-V2-Lite-Instruct"),
                     QCoreApplication::translate("ModelCatalog", "DeepSeek-V2-Lite trained for code (15.7B, 2.4B active)."),
                     15'700'000'000ULL, 2'400'000'000ULL, kvPerToken(27),
                     {CatalogFormat{QStringLiteral("BF16"), QStringLiteral("deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct"),
                                    QStringLiteral("deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct"), {}, 16},
                      CatalogFormat{QStringLiteral("GGUF Q4_K_M"),
                                    QStringLiteral("bartowski/DeepSeek-Coder-V2-Lite-Instruct-GGUF"), {},
                                    QStringLiteral("Q4_K_M"), 4.85}}},
        CatalogModel{QStringLiteral("DeepSeek-V2.5"),
                     QCoreApplication::translate("ModelCatalog", "DeepSeek-V2's chat and code model merged (236B, 21B active)."),
                     236'000'000'000ULL, 21'000'000'000ULL, kvPerToken(60),
                     {CatalogFormat{QStringLiteral("BF16"), QStringLiteral("deepseek-ai/DeepSeek-V2.5"),
                                    QStringLiteral("deepseek-ai/DeepSeek-V2.5"), {}, 16}}},
        CatalogModel{QStringLiteral("DeepSeek-V3-0324"),
                     QCoreApplication::translate("ModelCatalog", "DeepSeek-V3 as updated in March 2025 (671B, 37B active): the model behind deepseek-chat."),
                     685'000'000'000ULL, 37'000'000'000ULL, kvPerToken(61),
                     {CatalogFormat{QStringLiteral("FP8"), QStringLiteral("deepseek-ai/DeepSeek-V3-0324"),
                                    QStringLiteral("deepseek-ai/DeepSeek-V3-0324"), {}, 8.05},
                      CatalogFormat{QStringLiteral("GGUF Q4_K_M"), QStringLiteral("unsloth/DeepSeek-V3-0324-GGUF"), {},
                                    QStringLiteral("Q4_K_M"), 4.85}}},
        CatalogModel{QStringLiteral("DeepSeek-R1-0528"),
                     QCoreApplication::translate("ModelCatalog", "DeepSeek's reasoning model, May 2025 (671B, 37B active): thinks before it answers."),
                     685'000'000'000ULL, 37'000'000'000ULL, kvPerToken(61),
                     {CatalogFormat{QStringLiteral("FP8"), QStringLiteral("deepseek-ai/DeepSeek-R1-0528"),
                                    QStringLiteral("deepseek-ai/DeepSeek-R1-0528"), {}, 8.05},
                      CatalogFormat{QStringLiteral("GGUF Q4_K_M"), QStringLiteral("unsloth/DeepSeek-R1-0528-GGUF"), {},
                                    QStringLiteral("Q4_K_M"), 4.85}}},
    };
}

QString fitDescription(quint64 weightBytes, quint64 kvBytes, quint64 ramBytes, quint64 gpuBytes, bool* fits) {
    const quint64 needed = weightBytes + kvBytes;
    if (fits)
        *fits = (gpuBytes > 0 && needed <= gpuBytes) || (ramBytes > 0 && needed <= ramBytes);
    if (gpuBytes > 0 && needed <= gpuBytes)
        return QCoreApplication::translate("ModelCatalog", "Fits in GPU memory (%1 of %2)").arg(formatDataSize(needed), formatDataSize(gpuBytes));
    if (ramBytes > 0 && needed <= ramBytes)
        return QCoreApplication::translate("ModelCatalog", "Fits in memory (%1 of %2)").arg(formatDataSize(needed), formatDataSize(ramBytes));
    if (ramBytes == 0)
        return QCoreApplication::translate("ModelCatalog", "Needs about %1").arg(formatDataSize(needed));
    return QCoreApplication::translate("ModelCatalog", "Too large: needs %1, this computer has %2 (it would run from disk, very slowly)")
        .arg(formatDataSize(needed), formatDataSize(ramBytes));
}

quint64 physicalMemoryBytes() {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGESIZE);
    return pages > 0 && pageSize > 0 ? static_cast<quint64>(pages) * static_cast<quint64>(pageSize) : 0;
}
