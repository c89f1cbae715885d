// SseParser: line splitting (\n, \r\n, \r), "data:" fields, blank-line dispatch.
#include "sse_parser.h"

QList<QByteArray> SseParser::feed(const QByteArray& bytes) {
    QList<QByteArray> events;
    m_buffer += bytes;
    qsizetype start = 0;
    for (;;) {
        qsizetype end = start;
        while (end < m_buffer.size() && m_buffer[end] != '\n' && m_buffer[end] != '\r')
            ++end;
        if (end == m_buffer.size())
            break;
        // A '\r' at the very end may be the first half of "\r\n": wait for the next byte.
        if (m_buffer[end] == '\r' && end + 1 == m_buffer.size())
            break;
        const QByteArray line = m_buffer.mid(start, end - start);
        start = end + ((m_buffer[end] == '\r' && m_buffer[end + 1] == '\n') ? 2 : 1);
        if (line.isEmpty()) {
            if (m_hasData)
                events.append(m_data);
            m_data.clear();
            m_hasData = false;
        } else if (line.startsWith(':')) {
            ++m_comments;
        } else if (line.startsWith("data")) {
            QByteArray value = line.mid(4);
            if (!value.isEmpty() && value[0] != ':')
                continue; // another field whose name starts with "data"
            value = value.mid(1);
            if (value.startsWith(' '))
                value = value.mid(1);
            if (m_hasData)
                m_data += '\n';
            m_data += value;
            m_hasData = true;
        }
    }
    m_buffer.remove(0, start);
    return events;
}
