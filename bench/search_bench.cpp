// search_bench: fills a store with 100,000 messages of mixed Chinese/English text and prints the median time
// of ConversationStore::search for English, 2-character Chinese, mixed and 1-character queries (aim: < 50
// ms).
#include "conversation_store.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

namespace {

constexpr int kMessages = 100000;
constexpr int kPerConversation = 20;

/// A vocabulary with Zipf-like frequencies (word k drawn with weight 1/(k+1)), as in real text: a few very
/// common words, a long tail. Named words sit at chosen ranks so the queries have known frequencies.
class Vocabulary {
  public:
    Vocabulary(QStringList words, QRandomGenerator& rng) : m_words(std::move(words)), m_rng(rng) {
        double sum = 0;
        for (qsizetype k = 0; k < m_words.size(); ++k)
            m_cumulative.push_back(sum += 1.0 / double(k + 1));
    }
    const QString& draw() {
        const double x = m_rng.generateDouble() * m_cumulative.back();
        const auto at = std::lower_bound(m_cumulative.begin(), m_cumulative.end(), x) - m_cumulative.begin();
        return m_words.at(std::min<qsizetype>(at, m_words.size() - 1));
    }

  private:
    QStringList m_words;
    QRandomGenerator& m_rng;
    std::vector<double> m_cumulative;
};

QStringList englishWords(QRandomGenerator& rng) {
    const QStringList common =
        QStringLiteral(
            "the of and to in is you that it for on with as are this be can model your have not use or by "
            "from an will if at which more when one code data what all about there so would time memory "
            "function token answer question layer example value file first python error result")
            .split(QLatin1Char(' '));
    const QStringList syllables =
        QStringLiteral(
            "ka ri to mo sa ne lu vi pe dan tor mil gra sen fo quo ber lin sta tra pol nex ium ard ent ion")
            .split(QLatin1Char(' '));
    QStringList words = common;
    while (words.size() < 5000) {
        QString w;
        const int n = 2 + int(rng.bounded(3));
        for (int i = 0; i < n; ++i)
            w += syllables.at(rng.bounded(int(syllables.size())));
        words << w;
    }
    words.insert(80, QStringLiteral("AI"));
    words.insert(300, QStringLiteral("whale"));
    return words;
}

QStringList chineseWords(QRandomGenerator& rng) {
    const QString chars = QStringLiteral("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对"
                                         "成会可主发年动同工也能下过子说产种面而方后"
                                         "多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实"
                                         "加量都两体制机当使点从业本去把性好应开它合还"
                                         "因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反"
                                         "你明看原又么利比或但质气第向道命此变条只没结");
    QStringList words{QStringLiteral("模型"), QStringLiteral("问题"), QStringLiteral("回答"),
                      QStringLiteral("数据")};
    while (words.size() < 3000) {
        const QChar a = chars.at(rng.bounded(int(chars.size())));
        const QChar b = chars.at(rng.bounded(int(chars.size())));
        words << QString(a) + b;
    }
    words.insert(150, QStringLiteral("鲸歌"));
    return words;
}

QString makeText(QRandomGenerator& rng, Vocabulary& en, Vocabulary& zh, int words) {
    QString text;
    const bool mostlyChinese = rng.bounded(2) == 0;
    for (int i = 0; i < words; ++i) {
        if ((rng.bounded(10) < 7) == mostlyChinese) {
            text += zh.draw();
            if (rng.bounded(12) == 0)
                text += QStringLiteral("，");
        } else {
            if (!text.isEmpty())
                text += QLatin1Char(' ');
            text += en.draw();
            if (rng.bounded(15) == 0)
                text += QLatin1Char('.');
        }
    }
    return text;
}

bool fill(ConversationStore& store) {
    QRandomGenerator rng(20240601);
    Vocabulary en(englishWords(rng), rng);
    Vocabulary zh(chineseWords(rng), rng);
    QElapsedTimer timer;
    timer.start();
    for (int base = 0; base < kMessages; base += 1000) {
        const ws::Status s = store.inTransaction([&]() -> ws::Status {
            std::optional<qint64> conversation, parent;
            for (int i = base; i < base + 1000; ++i) {
                if (i % kPerConversation == 0) {
                    const auto c =
                        store.createConversation(QStringLiteral("conversation %1").arg(i / kPerConversation));
                    WS_TRY(c);
                    conversation = *c;
                    parent.reset();
                }
                const bool user = i % 2 == 0;
                // Questions are short, answers longer (10–40 vs 40–300 words).
                const int words = user ? 10 + int(rng.bounded(30)) : 40 + int(rng.bounded(260));
                const auto m = store.addMessage(*conversation, parent,
                                                user ? QStringLiteral("user") : QStringLiteral("assistant"),
                                                makeText(rng, en, zh, words));
                WS_TRY(m);
                parent = *m;
            }
            return ws::Status::ok();
        });
        if (!s.isOk()) {
            std::fprintf(stderr, "fill: %s\n", s.message().c_str());
            return false;
        }
        if (base % 20000 == 0)
            std::fprintf(stderr, "  %d messages…\n", base);
    }
    std::printf("filled %d messages in %.1f s\n", kMessages, double(timer.elapsed()) / 1000.0);
    return true;
}

} // namespace

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    // An optional folder keeps the filled database for the next run (filling takes a while).
    QTemporaryDir tmp;
    const QString dir = argc > 1 ? QString::fromLocal8Bit(argv[1]) : tmp.path();
    const bool existed = QFileInfo::exists(QDir(dir).filePath(QStringLiteral("whalesong.db")));
    auto opened = ConversationStore::open(dir);
    if (!opened) {
        std::fprintf(stderr, "%s\n", opened.status().message().c_str());
        return 1;
    }
    ConversationStore& store = *opened.value();
    if (!existed && !fill(store))
        return 1;
    std::printf("database: %.1f MB\n", double(QFileInfo(store.path()).size()) / 1e6);

    const QStringList queries{QStringLiteral("memory"),
                              QStringLiteral("whale"),
                              QStringLiteral("鲸歌"),
                              QStringLiteral("模型"),
                              QStringLiteral("鲸歌 whale"),
                              QStringLiteral("AI 鲸歌"),
                              QStringLiteral("python 模型 error"),
                              QStringLiteral("AI"),
                              QStringLiteral("鲸"),
                              QStringLiteral("Z")}; // "Z" occurs nowhere: the worst case, a full scan
    auto run = [&](const QStringList& list) {
        std::printf("%-22s %10s %10s %6s\n", "query", "median ms", "min ms", "hits");
        for (const QString& q : list) {
            std::vector<double> times;
            size_t hits = 0;
            for (int i = 0; i < 9; ++i) {
                QElapsedTimer t;
                t.start();
                hits = store.search(q).size();
                times.push_back(double(t.nsecsElapsed()) / 1e6);
            }
            std::sort(times.begin(), times.end());
            std::printf("%-22s %10.2f %10.2f %6zu\n", qPrintable(QLatin1Char('"') + q + QLatin1Char('"')),
                        times[times.size() / 2], times.front(), hits);
        }
    };
    run(queries);
    // With a conversation in the trash every match is joined to its conversation to leave the trash out.
    const qint64 trashed = store.conversations().back().id;
    if (!store.moveToTrash(trashed).isOk())
        return 1;
    std::printf("\nwith a conversation in the trash:\n");
    run({QStringLiteral("memory"), QStringLiteral("鲸歌"), QStringLiteral("鲸歌 whale")});
    if (!store.restore(trashed).isOk())
        return 1;
    return 0;
}
