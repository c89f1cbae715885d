// Model catalog: the DeepSeek-family models this project runs, each in the formats published for it (where on
// Hugging Face and ModelScope), with its size per format and whether it fits this computer's memory.
#pragma once

#include <QList>
#include <QString>

struct CatalogFormat {
    QString format;         ///< "FP8", "BF16", "GGUF Q4_K_M"
    QString huggingFace;    ///< repository on Hugging Face (and its mirrors)
    QString modelScope;     ///< the same on ModelScope; empty when it has none
    QString ggufChoice;     ///< a GGUF repository: the quantization to take ("Q4_K_M"); empty: every file
    double bitsPerWeight = 16; ///< average over the weights as published, for the size estimate
};

struct CatalogModel {
    QString name;               ///< "DeepSeek-V3-0324"
    QString description;        ///< one line, translated
    quint64 parameters = 0;     ///< all weights as published (MTP layers included)
    quint64 activeParameters = 0;
    quint64 kvBytesPerToken = 0; ///< the CPU's latent KV cache (float32), all layers
    QList<CatalogFormat> formats;

    /// The files' size in a format, estimated from the parameters.
    quint64 bytes(const CatalogFormat& f) const {
        return static_cast<quint64>(static_cast<double>(parameters) * f.bitsPerWeight / 8.0);
    }
};

/// The models, smallest first; descriptions in the current language.
QList<CatalogModel> modelCatalog();

/// How a model of `weightBytes` with `context` tokens of KV cache fits: in the GPU's memory (`gpuBytes`, 0 = no
/// GPU), in RAM (`ramBytes`), or not (then read from disk as used — very slow). One short translated phrase;
/// `fits` says whether it fits either.
QString fitDescription(quint64 weightBytes, quint64 kvBytes, quint64 ramBytes, quint64 gpuBytes, bool* fits = nullptr);

/// This computer's physical memory in bytes (0 when unknown).
quint64 physicalMemoryBytes();
