// Model card text for the settings dialog, formatted with the current QLocale.
#include "model_card.h"

#include <QCoreApplication>
#include <QLocale>

QString formatDataSize(qint64 bytes) { return QLocale().formattedDataSize(bytes, 1); }

QString formatParameterCount(quint64 n) {
    const QLocale locale;
    struct Unit {
        double scale;
        const char* suffix;
    };
    static constexpr Unit kUnits[] = {{1e9, "B"}, {1e6, "M"}, {1e3, "K"}};
    for (const Unit& u : kUnits) {
        const double v = static_cast<double>(n) / u.scale;
        if (v >= 1.0)
            return QStringLiteral("%1 %2").arg(locale.toString(v, 'f', v < 10.0 ? 1 : 0),
                                               QLatin1String(u.suffix));
    }
    return locale.toString(n);
}

QStringList modelCardLines(const ws::ModelInfo& info) {
    const QLocale locale;
    QStringList lines;
    lines << QCoreApplication::translate("ModelCard", "Architecture: %1")
                 .arg(QString::fromStdString(info.architecture));
    QString params =
        QCoreApplication::translate("ModelCard", "Parameters: %1 total · %2 active")
            .arg(formatParameterCount(info.parametersTotal), formatParameterCount(info.parametersActive));
    if (info.mtpParameters > 0)
        params +=
            QLatin1Char(' ') + QCoreApplication::translate("ModelCard", "(+ %1 for multi-token prediction)")
                                   .arg(formatParameterCount(info.mtpParameters));
    lines << params;
    lines << QCoreApplication::translate("ModelCard", "Layers: %1 (%2 dense, %3 MoE)")
                 .arg(locale.toString(info.layers), locale.toString(info.denseLayers),
                      locale.toString(info.layers - info.denseLayers));
    if (info.routedExperts > 0)
        lines << QCoreApplication::translate("ModelCard", "Experts: %1 routed, %2 shared, %3 per token")
                     .arg(locale.toString(info.routedExperts), locale.toString(info.sharedExperts),
                          locale.toString(info.expertsPerToken));
    QStringList dtypes;
    for (const std::string& d : info.weightDtypes)
        dtypes << QString::fromStdString(d);
    if (info.tensorTypes.empty()) {
        lines << QCoreApplication::translate("ModelCard", "Weights: %1 · %2 on disk")
                     .arg(dtypes.join(QStringLiteral(", ")), formatDataSize(info.weightBytes));
    } else {
        // GGUF: llama.cpp's file type and the share of the bytes in each tensor type, largest first.
        QStringList mix;
        std::uint64_t all = 0;
        for (const auto& t : info.tensorTypes) all += t.bytes;
        for (const auto& t : info.tensorTypes)
            if (all > 0 && t.bytes * 100 >= all) // types under 1 % (norms in f32) left out
                mix << QStringLiteral("%1 %2%").arg(QString::fromStdString(t.type)).arg(t.bytes * 100 / all);
        lines << QCoreApplication::translate("ModelCard", "Weights: GGUF %1 (%2) · %3 on disk")
                     .arg(info.fileType.empty() ? QStringLiteral("?") : QString::fromStdString(info.fileType),
                          mix.join(QStringLiteral(", ")), formatDataSize(info.weightBytes));
    }
    if (info.maxContext > 0)
        lines << QCoreApplication::translate("ModelCard", "Maximum context: %1 tokens")
                     .arg(locale.toString(info.maxContext));
    return lines;
}

QString memoryEstimateText(const ws::ModelInfo& info, int context, quint64 freeBytes) {
    const quint64 needed = info.memoryFor(context);
    QString text = QCoreApplication::translate("ModelCard", "%1 (weights %2 + %3 for %4 tokens of context)")
                       .arg(formatDataSize(needed), formatDataSize(info.weightBytes),
                            formatDataSize(info.kvBytesPerToken * static_cast<quint64>(context > 0 ? context : 0)),
                            QLocale().toString(context));
    if (freeBytes == 0)
        return text;
    text += QLatin1Char('\n') +
            QCoreApplication::translate("ModelCard", "Free system memory: %1").arg(formatDataSize(freeBytes));
    if (needed > freeBytes)
        text += QLatin1Char('\n') + QCoreApplication::translate("ModelCard",
                                                                "More than the free memory: weights will "
                                                                "be read from disk as they are used (slow).");
    return text;
}
