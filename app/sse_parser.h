// SseParser: server-sent events (text/event-stream, WHATWG HTML §9.2) from a byte stream in arbitrary chunks —
// the framing of OpenAI-style streaming responses ("data: {…}", ": keep-alive", "data: [DONE]").
#pragma once

#include <QByteArray>
#include <QList>

/// Not thread-safe.
class SseParser {
  public:
    /// Feeds bytes; returns the data of every event completed by them (multi-line data joined with '\n').
    /// Comment lines (": keep-alive") and fields other than data are skipped.
    QList<QByteArray> feed(const QByteArray& bytes);
    /// Comment lines seen so far (keep-alives).
    int comments() const { return m_comments; }

  private:
    QByteArray m_buffer;
    QByteArray m_data;
    bool m_hasData = false;
    int m_comments = 0;
};
