// CommandLine: the command line of the whalesong executable — the data commands (export, import, search) that
// run without a window, and the options of a start with one (--data-dir, --screenshots).
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
    /// The options, for --help.
    QString usage() const;
    /// --data-dir, or the application data folder.
    QString dataDir() const;
    /// --screenshots DIR ("" when not given).
    QString screenshotDir() const;

  private:
    QStringList m_arguments;
};
