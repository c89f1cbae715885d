// streamText: the deterministic text store_writer writes and tst_store_crash checks against.
#pragma once

#include <QString>

/// Token `k` of an endless mixed Chinese/English text.
inline QString streamToken(int k) {
    static const char16_t* const kTokens[] = {u"鲸歌", u" whale", u"的",   u" song",
                                              u"。",   u" token", u"模型", u"\n"};
    QString token = QString::fromUtf16(kTokens[k % 8]);
    if (k % 5 == 0)
        token += QString::number(k);
    return token;
}

/// The first `tokens` tokens: shorter texts are prefixes of longer ones, so a length reported by the writer
/// is enough to know the exact content.
inline QString streamText(int tokens) {
    QString text;
    for (int k = 0; k < tokens; ++k)
        text += streamToken(k);
    return text;
}
