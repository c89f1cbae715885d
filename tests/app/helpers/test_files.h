// Small file helpers shared by the app tests.
#pragma once

#include <QByteArray>
#include <QFile>
#include <QString>
#include <QTest>

/// The file's bytes, or empty when it cannot be read.
inline QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

/// Writes (replaces) the file; a failure fails the calling test.
inline void writeFile(const QString& path, const QByteArray& bytes) {
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(f.write(bytes), bytes.size());
}
