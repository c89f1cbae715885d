// Model card text: a ModelInfo as the translated lines the settings dialog shows, and the memory estimate.
#pragma once

#include "whalesong/model.h"

#include <QString>
#include <QStringList>

/// "1.5 GB", "380.2 MB": a size in bytes with one decimal, in the current QLocale (the one form every page uses).
QString formatDataSize(qint64 bytes);

/// "671 B", "37 B", "1.2 M", "950": a parameter count, short, in the current QLocale.
QString formatParameterCount(quint64 n);

/// Architecture, parameters (total · active), layers (dense/MoE), experts (routed/shared/per token),
/// weight dtypes and size, maximum context — one line each, translated (context "ModelCard").
QStringList modelCardLines(const ws::ModelInfo& info);

/// The memory `context` tokens need on the CPU (weights plus the KV cache), and how it compares with
/// `freeBytes` of available memory (0 = unknown). One or two lines, translated.
QString memoryEstimateText(const ws::ModelInfo& info, int context, quint64 freeBytes);
