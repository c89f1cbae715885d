// chat_view_bench: the chat view as a user feels it (offscreen, a shown 900×700 ChatView). Prints, as the
// median of 5 runs: (1) opening a 1,000-message conversation (setEntries → layout done → first paint),
// (2) scrolling it from the bottom to the top a page at a time (worst and median step, loads of older
// messages included), (3) streaming a 2,000-token answer at 500 tok/s (a flush every 8 deltas = 16 ms),
// also with all 1,000 messages built (after scrolling to the top), each against the 16.7 ms of a 60 Hz frame.
// Figures only, nothing asserted. --json: one JSON object instead.
#include "ui/chat_view.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QScrollArea>
#include <QScrollBar>
#include <QStringList>
#include <QWindow>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

constexpr int kRuns = 5;
constexpr int kMessages = 1000;
constexpr int kStreamTokens = 2000;
constexpr int kCharsPerDelta = 4;
constexpr int kDeltasPerFlush = 8; // 500 tok/s: 8 tokens every 16 ms
constexpr double kFrameMs = 1000.0 / 60.0;

/// A deterministic linear congruential generator (the same content on every run and machine).
class Lcg {
  public:
    explicit Lcg(std::uint32_t seed) : m_state(seed * 2654435761u + 1u) {}
    int bounded(int n) {
        m_state = m_state * 1664525u + 1013904223u;
        return static_cast<int>((m_state >> 8) % static_cast<std::uint32_t>(n));
    }
    int between(int lo, int hi) { return lo + bounded(hi - lo + 1); }

  private:
    std::uint32_t m_state;
};

const QStringList& englishWords() {
    static const QStringList words =
        QStringLiteral(
            "the model layer token memory cache attention weights value the of and to in is that it for "
            "on with as are this can you your when which data result first second each batch request answer "
            "latency throughput kernel matrix vector thread compile build run test function parameter file "
            "buffer queue index search query page scroll widget render layout frame budget user time faster "
            "slower because however therefore instead usually often simple small large quantized context")
            .split(QLatin1Char(' '));
    return words;
}

const QStringList& chineseSentences() {
    static const QStringList sentences = {
        QStringLiteral("这个模型在本地运行，不需要联网。"),
        QStringLiteral("我们先看一下内存占用，再决定量化的位数。"),
        QStringLiteral("注意：上下文越长，注意力的计算量就越大。"),
        QStringLiteral("如果速度不够快，可以减少批量大小或者换用更小的模型。"),
        QStringLiteral("下面的表格比较了几种方法的延迟和吞吐量。"),
        QStringLiteral("总的来说，这种做法简单、可靠，而且容易测试。"),
        QStringLiteral("用户最在意的是第一个词出现得有多快。"),
        QStringLiteral("缓存命中时，响应时间几乎可以忽略不计。"),
    };
    return sentences;
}

QString sentence(Lcg& rng, int minWords, int maxWords) {
    const QStringList& words = englishWords();
    const int n = rng.between(minWords, maxWords);
    QString s;
    for (int i = 0; i < n; ++i) {
        QString w = words.at(rng.bounded(static_cast<int>(words.size())));
        if (i == 0)
            w[0] = w[0].toUpper();
        else
            s += QLatin1Char(' ');
        const int style = rng.bounded(24);
        if (style == 0)
            w = QStringLiteral("**%1**").arg(w);
        else if (style == 1)
            w = QStringLiteral("`%1()`").arg(w);
        s += w;
    }
    return s + QLatin1Char('.');
}

QString paragraph(Lcg& rng, int sentences) {
    QStringList parts;
    for (int i = 0; i < sentences; ++i)
        parts << sentence(rng, 8, 18);
    return parts.join(QLatin1Char(' '));
}

QString chineseParagraph(Lcg& rng) {
    QString p;
    const int n = rng.between(3, 5);
    for (int i = 0; i < n; ++i)
        p += chineseSentences().at(rng.bounded(static_cast<int>(chineseSentences().size())));
    return p;
}

QString codeBlock(Lcg& rng, int n) {
    QString code = QStringLiteral("```cpp\n// variant %1\n#include <vector>\n\n").arg(n);
    code += QStringLiteral("std::vector<float> softmax(const std::vector<float>& x) {\n");
    code += QStringLiteral("    float max = x.empty() ? 0.0f : x[0];\n");
    code += QStringLiteral("    for (float v : x)\n        max = std::max(max, v);\n");
    code += QStringLiteral("    std::vector<float> out(x.size());\n    float sum = 0.0f;\n");
    const int extra = rng.between(2, 8);
    for (int i = 0; i < extra; ++i)
        code += QStringLiteral("    sum += step_%1(out, x, %2); // %3\n").arg(i).arg(rng.bounded(100)).arg(n);
    code += QStringLiteral("    for (float& v : out)\n        v /= sum;\n    return out;\n}\n```");
    return code;
}

QString table(Lcg& rng) {
    QString t = QStringLiteral("| 方法 | Latency (ms) | Throughput (tok/s) |\n|---|---:|---:|\n");
    const QStringList methods = {QStringLiteral("baseline"), QStringLiteral("Q8_0"), QStringLiteral("Q4_K"),
                                 QStringLiteral("缓存 + batch"), QStringLiteral("speculative")};
    const int rows = rng.between(3, 5);
    for (int r = 0; r < rows; ++r)
        t += QStringLiteral("| %1 | %2 | %3 |\n")
                 .arg(methods.at(r))
                 .arg(rng.between(5, 400))
                 .arg(rng.between(10, 900));
    t.chop(1);
    return t;
}

/// A Markdown answer of realistic size (~2–3 kB): paragraphs, a list, a table, a fenced code block, Chinese.
QString answer(int n) {
    Lcg rng(static_cast<std::uint32_t>(n));
    QStringList blocks;
    if (rng.bounded(3) == 0)
        blocks << QStringLiteral("### %1").arg(sentence(rng, 3, 6));
    blocks << paragraph(rng, rng.between(2, 4));
    QString list;
    const int items = rng.between(3, 6);
    for (int i = 0; i < items; ++i)
        list += QStringLiteral("- %1\n").arg(sentence(rng, 5, 14));
    list.chop(1);
    blocks << list;
    blocks << paragraph(rng, rng.between(1, 3));
    blocks << table(rng);
    blocks << codeBlock(rng, n);
    blocks << chineseParagraph(rng);
    blocks << paragraph(rng, rng.between(1, 2));
    return blocks.join(QStringLiteral("\n\n"));
}

QString question(int n) {
    Lcg rng(static_cast<std::uint32_t>(n) ^ 0x9e3779b9u);
    if (rng.bounded(3) == 0)
        return chineseSentences().at(rng.bounded(static_cast<int>(chineseSentences().size()))) +
               QStringLiteral("能详细解释一下吗？");
    return paragraph(rng, rng.between(1, 3)).chopped(1) + QLatin1Char('?');
}

ChatEntry makeEntry(qint64 conversationId, qint64 id, bool user, const QString& content,
                    MessageStatus status = MessageStatus::Complete) {
    ChatEntry e;
    e.record.id = id;
    e.record.conversationId = conversationId;
    if (id > 1)
        e.record.parentId = id - 1;
    e.record.role = user ? QStringLiteral("user") : QStringLiteral("assistant");
    e.record.content = content;
    e.record.status = status;
    e.record.createdAt = 1700000000000 + id * 1000;
    if (!user) {
        e.record.model = QStringLiteral("deepseek-r1-distill-qwen-7b");
        e.record.stats.completionTokens = static_cast<int>(content.size() / 4);
        e.record.stats.decodeTokensPerSecond = 42.0;
    }
    e.siblingIds = {id};
    return e;
}

std::vector<ChatEntry> conversation(qint64 conversationId) {
    std::vector<ChatEntry> branch;
    branch.reserve(kMessages);
    for (int i = 1; i <= kMessages; ++i) {
        const bool user = i % 2 == 1;
        branch.push_back(makeEntry(conversationId, i, user, user ? question(i) : answer(i)));
    }
    return branch;
}

/// The streamed answer: realistic Markdown cut to 2,000 deltas of 4 characters.
QStringList streamDeltas() {
    QString text;
    for (int n = 5001; text.size() < kStreamTokens * kCharsPerDelta; ++n)
        text += answer(n) + QStringLiteral("\n\n");
    QStringList deltas;
    for (int i = 0; i < kStreamTokens; ++i)
        deltas << text.mid(i * kCharsPerDelta, kCharsPerDelta);
    return deltas;
}

double median(std::vector<double> v) {
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    const size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

double ms(const QElapsedTimer& t) { return static_cast<double>(t.nsecsElapsed()) / 1e6; }

double percentOfFrame(double msValue) { return 100.0 * msValue / kFrameMs; }

/// Lets the view do what it posted (layout passes, queued scrolls and loads) until a pass changes nothing
/// visible.
void settle(ChatView& view) {
    const QScrollBar* bar = view.scrollArea()->verticalScrollBar();
    const QWidget* content = view.scrollArea()->widget();
    auto state = [&] {
        return std::vector<int>{bar->maximum(), bar->value(), view.builtWidgetCount(), content->height()};
    };
    for (int pass = 0; pass < 50; ++pass) {
        const std::vector<int> before = state();
        QCoreApplication::processEvents();
        if (pass > 0 && state() == before)
            break;
    }
}

/// Counts the paint events of all widgets: proof that a forced paint did draw the messages.
class PaintCounter : public QObject {
  public:
    bool eventFilter(QObject* watched, QEvent* e) override {
        if (e->type() == QEvent::Paint)
            ++m_paints;
        return QObject::eventFilter(watched, e);
    }
    int paints() const { return m_paints; }

  private:
    int m_paints = 0;
};

PaintCounter* g_paintCounter = nullptr;

/// Paints what the viewport shows now. Not viewport()->repaint(): QScrollArea makes its content widget
/// opaque, so repainting the viewport skips it and paints nothing of the messages; the visible part of the
/// content is repainted instead (the messages and their blocks in it included).
void paint(ChatView& view) {
    QWidget* viewport = view.scrollArea()->viewport();
    QWidget* content = view.scrollArea()->widget();
    content->repaint(QRect(content->mapFrom(viewport, QPoint(0, 0)), viewport->size()));
}

/// What the user sees after one input: the view settled, then painted.
void settleAndPaint(ChatView& view) {
    settle(view);
    paint(view);
}

/// Drops the built widgets outside any timing (clear() deletes them later).
void reset(ChatView& view) {
    view.clear();
    QCoreApplication::processEvents();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    QCoreApplication::processEvents();
}

struct OpenResult {
    double ms = 0;
    double buildMs = 0;     ///< setEntries itself
    double layoutMs = 0;    ///< then the layout passes and the queued scroll to the end
    double paintMs = 0;     ///< then the first paint
    int paintedWidgets = 0; ///< paint events of that first paint
    int built = 0;
};

OpenResult openConversation(ChatView& view, const std::vector<ChatEntry>& branch) {
    QElapsedTimer t;
    t.start();
    view.setEntries(branch);
    const double built = ms(t);
    const QScrollBar* bar = view.scrollArea()->verticalScrollBar();
    for (int i = 0; i < 50 && (bar->maximum() == 0 || bar->value() != bar->maximum()); ++i)
        QCoreApplication::processEvents();
    settle(view);
    const double laidOut = ms(t);
    const int paintsBefore = g_paintCounter->paints();
    paint(view);
    const double total = ms(t);
    return {total,
            built,
            laidOut - built,
            total - laidOut,
            g_paintCounter->paints() - paintsBefore,
            view.builtWidgetCount()};
}

struct ScrollResult {
    double worstMs = 0;
    double medianMs = 0;
    double worstLoadMs = 0; ///< the worst of the steps that built older messages
    double firstLoadMs = 0; ///< the first of them (40 built before), and the last (960 built before)
    double lastLoadMs = 0;
    int steps = 0;
    int loadSteps = 0;
    int built = 0;
};

ScrollResult scrollToTop(ChatView& view) {
    QScrollBar* bar = view.scrollArea()->verticalScrollBar();
    std::vector<double> steps;
    ScrollResult r;
    for (int i = 0; i < 100000; ++i) {
        if (bar->value() == 0 && view.builtWidgetCount() == view.entryCount())
            break;
        const int builtBefore = view.builtWidgetCount();
        QElapsedTimer t;
        t.start();
        bar->setValue(std::max(0, bar->value() - bar->pageStep()));
        settleAndPaint(view);
        const double step = ms(t);
        steps.push_back(step);
        r.worstMs = std::max(r.worstMs, step);
        if (view.builtWidgetCount() > builtBefore) {
            ++r.loadSteps;
            r.worstLoadMs = std::max(r.worstLoadMs, step);
            if (r.loadSteps == 1)
                r.firstLoadMs = step;
            r.lastLoadMs = step;
        }
    }
    r.steps = static_cast<int>(steps.size());
    r.medianMs = median(steps);
    r.built = view.builtWidgetCount();
    return r;
}

struct StreamResult {
    double medianMs = 0;
    double worstMs = 0;
    int flushes = 0;
    int renders = 0; ///< block renders during the stream (renderCount after − before)
    int blocks = 0;  ///< blocks of the finished answer
    bool followsEnd = false;
};

StreamResult streamAnswer(ChatView& view, qint64 conversationId, const QStringList& deltas) {
    const qint64 q = kMessages + 1;
    const qint64 a = kMessages + 2;
    view.appendEntry(makeEntry(conversationId, q, true, question(static_cast<int>(q))));
    view.appendEntry(makeEntry(conversationId, a, false, {}, MessageStatus::Streaming));
    settleAndPaint(view);
    const int rendersBefore = view.renderCount();
    std::vector<double> flushes;
    StreamResult r;
    for (qsizetype i = 0; i < deltas.size(); ++i) {
        view.appendText(a, deltas.at(i), {});
        if ((i + 1) % kDeltasPerFlush != 0 && i + 1 != deltas.size())
            continue;
        QElapsedTimer t;
        t.start();
        view.flushPendingText();
        settleAndPaint(view);
        const double f = ms(t);
        flushes.push_back(f);
        r.worstMs = std::max(r.worstMs, f);
    }
    r.flushes = static_cast<int>(flushes.size());
    r.medianMs = median(flushes);
    r.renders = view.renderCount() - rendersBefore;
    const QScrollBar* bar = view.scrollArea()->verticalScrollBar();
    r.followsEnd = bar->value() == bar->maximum();
    return r;
}

} // namespace

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    bool json = false;
    for (int i = 1; i < argc; ++i)
        json = json || std::strcmp(argv[i], "--json") == 0;

    PaintCounter paintCounter;
    g_paintCounter = &paintCounter;
    app.installEventFilter(&paintCounter);
    ChatView view;
    view.resize(900, 700);
    view.show();
    for (int i = 0; i < 1000 && !(view.windowHandle() && view.windowHandle()->isExposed()); ++i)
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    QCoreApplication::processEvents();

    // Each run opens a conversation with another id: a real open, not a switch between branches.
    std::vector<std::vector<ChatEntry>> conversations;
    for (int run = 0; run < kRuns; ++run)
        conversations.push_back(conversation(100 + run));
    qsizetype bytes = 0;
    for (const ChatEntry& e : conversations[0])
        bytes += e.record.content.size();
    const QStringList deltas = streamDeltas();

    std::vector<double> openMs, openBuildMs, openLayoutMs, openPaintMs, openPainted, openBuilt,
        scrollFirstLoad, scrollLastLoad;
    std::vector<double> scrollWorst, scrollMedian, scrollWorstLoad, scrollSteps, scrollLoads, scrollBuilt;
    std::vector<double> streamMedian, streamWorst, streamFlushes, streamRenders;
    std::vector<double> allBuiltMedian, allBuiltWorst, allBuiltRenders;
    bool followsEnd = true;
    for (int run = 0; run < kRuns; ++run) {
        reset(view);
        const OpenResult o = openConversation(view, conversations[static_cast<size_t>(run)]);
        openMs.push_back(o.ms);
        openBuildMs.push_back(o.buildMs);
        openLayoutMs.push_back(o.layoutMs);
        openPaintMs.push_back(o.paintMs);
        openPainted.push_back(o.paintedWidgets);
        openBuilt.push_back(o.built);
        const ScrollResult s = scrollToTop(view);
        scrollWorst.push_back(s.worstMs);
        scrollMedian.push_back(s.medianMs);
        scrollWorstLoad.push_back(s.worstLoadMs);
        scrollFirstLoad.push_back(s.firstLoadMs);
        scrollLastLoad.push_back(s.lastLoadMs);
        scrollSteps.push_back(s.steps);
        scrollLoads.push_back(s.loadSteps);
        scrollBuilt.push_back(s.built);
        // The user scrolled up to read, then asks again: the same stream with all 1,000 messages built.
        const StreamResult all = streamAnswer(view, 100 + run, deltas);
        allBuiltMedian.push_back(all.medianMs);
        allBuiltWorst.push_back(all.worstMs);
        allBuiltRenders.push_back(all.renders);
        followsEnd = followsEnd && all.followsEnd;
    }
    for (int run = 0; run < kRuns; ++run) {
        reset(view);
        const qint64 id = 200 + run;
        std::vector<ChatEntry> branch = conversations[static_cast<size_t>(run)];
        for (ChatEntry& e : branch)
            e.record.conversationId = id;
        openConversation(view, branch);
        const StreamResult r = streamAnswer(view, id, deltas);
        streamMedian.push_back(r.medianMs);
        streamWorst.push_back(r.worstMs);
        streamFlushes.push_back(r.flushes);
        streamRenders.push_back(r.renders);
        followsEnd = followsEnd && r.followsEnd;
    }

    const double oMs = median(openMs);
    const double sWorst = median(scrollWorst), sMedian = median(scrollMedian),
                 sLoad = median(scrollWorstLoad);
    const double fMedian = median(streamMedian), fWorst = median(streamWorst);
    const double aMedian = median(allBuiltMedian), aWorst = median(allBuiltWorst);
    if (json) {
        QJsonObject o;
        o[QStringLiteral("qt")] = QString::fromLatin1(qVersion());
        o[QStringLiteral("platform")] = QGuiApplication::platformName();
        o[QStringLiteral("runs")] = kRuns;
        o[QStringLiteral("frame_ms")] = kFrameMs;
        o[QStringLiteral("messages")] = kMessages;
        o[QStringLiteral("conversation_chars")] = static_cast<double>(bytes);
        o[QStringLiteral("open_ms")] = oMs;
        o[QStringLiteral("open_set_entries_ms")] = median(openBuildMs);
        o[QStringLiteral("open_layout_ms")] = median(openLayoutMs);
        o[QStringLiteral("open_paint_ms")] = median(openPaintMs);
        o[QStringLiteral("open_paint_events")] = median(openPainted);
        o[QStringLiteral("open_built_widgets")] = median(openBuilt);
        o[QStringLiteral("scroll_steps")] = median(scrollSteps);
        o[QStringLiteral("scroll_load_steps")] = median(scrollLoads);
        o[QStringLiteral("scroll_step_median_ms")] = sMedian;
        o[QStringLiteral("scroll_step_worst_ms")] = sWorst;
        o[QStringLiteral("scroll_load_step_worst_ms")] = sLoad;
        o[QStringLiteral("scroll_load_step_first_ms")] = median(scrollFirstLoad);
        o[QStringLiteral("scroll_load_step_last_ms")] = median(scrollLastLoad);
        o[QStringLiteral("scroll_built_widgets_at_top")] = median(scrollBuilt);
        o[QStringLiteral("stream_tokens")] = kStreamTokens;
        o[QStringLiteral("stream_flushes")] = median(streamFlushes);
        o[QStringLiteral("stream_flush_median_ms")] = fMedian;
        o[QStringLiteral("stream_flush_worst_ms")] = fWorst;
        o[QStringLiteral("stream_flush_median_frame_pct")] = percentOfFrame(fMedian);
        o[QStringLiteral("stream_flush_worst_frame_pct")] = percentOfFrame(fWorst);
        o[QStringLiteral("stream_render_count")] = median(streamRenders);
        o[QStringLiteral("stream_all_built_flush_median_ms")] = aMedian;
        o[QStringLiteral("stream_all_built_flush_worst_ms")] = aWorst;
        o[QStringLiteral("stream_all_built_flush_median_frame_pct")] = percentOfFrame(aMedian);
        o[QStringLiteral("stream_all_built_flush_worst_frame_pct")] = percentOfFrame(aWorst);
        o[QStringLiteral("stream_all_built_render_count")] = median(allBuiltRenders);
        o[QStringLiteral("stream_follows_end")] = followsEnd;
        std::fputs(QJsonDocument(o).toJson(QJsonDocument::Indented).constData(), stdout);
        return 0;
    }
    std::printf(
        "chat_view_bench: Qt %s, %s, ChatView 900x700, median of %d runs, frame budget %.1f ms (60 Hz)\n",
        qVersion(), qPrintable(QGuiApplication::platformName()), kRuns, kFrameMs);
    std::printf("open 1,000 messages (%lld chars): %.1f ms to layout + first paint (%.0f%% of a frame; "
                "setEntries %.1f, layout %.1f, paint %.1f [%.0f paint events]), %.0f widgets built\n",
                static_cast<long long>(bytes), oMs, percentOfFrame(oMs), median(openBuildMs),
                median(openLayoutMs), median(openPaintMs), median(openPainted), median(openBuilt));
    std::printf(
        "scroll bottom->top by pages: %.0f steps (%.0f loading older), median %.2f ms (%.0f%% of a frame), "
        "worst %.1f ms (%.0f%%; loading steps: first %.1f, last %.1f, worst %.1f ms), %.0f widgets built "
        "at the top\n",
        median(scrollSteps), median(scrollLoads), sMedian, percentOfFrame(sMedian), sWorst,
        percentOfFrame(sWorst), median(scrollFirstLoad), median(scrollLastLoad), sLoad, median(scrollBuilt));
    std::printf(
        "stream %d tokens (%d deltas, flush every %d = 16 ms at 500 tok/s): %.0f flushes, median %.2f ms "
        "(%.0f%% of a frame), worst %.1f ms (%.0f%%), %.0f block renders%s\n",
        kStreamTokens, kStreamTokens, kDeltasPerFlush, median(streamFlushes), fMedian,
        percentOfFrame(fMedian), fWorst, percentOfFrame(fWorst), median(streamRenders),
        followsEnd ? ", view followed the end" : ", view did NOT follow the end");
    std::printf(
        "stream the same with all 1,000 messages built (after scrolling to the top): median %.2f ms (%.0f%% "
        "of a frame), worst %.1f ms (%.0f%%), %.0f block renders\n",
        aMedian, percentOfFrame(aMedian), aWorst, percentOfFrame(aWorst), median(allBuiltRenders));
    return 0;
}
