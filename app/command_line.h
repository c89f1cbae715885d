// CommandLine: the data-only command line of the whalesong executable (export, import, search) — no window.
#pragma once

#include <QString>
#include <QStringList>

class QTextStream;

/// Parses the arguments and runs the one data command they ask for. A class of its own, not code in main(),
/// so tests can run it in-process with their own streams.
class CommandLine {
  public:
    /// `arguments` as QCoreApplication::arguments() gives them: the program first.
    explicit CommandLine(QStringList arguments);

    /// True when the arguments ask for a data command (or are wrong): run() answers them and the program
    /// exits without a window. False: no data flags, the caller goes on (or prints usage()).
    bool hasDataCommand() const;
    /// Runs the command; results on `out`, errors and notices as single lines on `err`. Returns the exit
    /// status: 0 on success, 1 on any failure.
    int run(QTextStream& out, QTextStream& err) const;
    /// The options, for --help and for a start without any.
    QString usage() const;

  private:
    QStringList m_arguments;
};
