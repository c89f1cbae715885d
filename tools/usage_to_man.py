#!/usr/bin/env python3
"""Writes a man page (roff) for a program whose --help is a hand-laid-out usage text, kept as it is laid out (help2man
would reflow it): `usage_to_man.py PROGRAM NAME-LINE OUT` runs `PROGRAM --help` and `PROGRAM --version`.
Used by cmake/ws_package.cmake for whalesong-cli (whalesong's own --help, from QCommandLineParser, suits help2man)."""
import os
import subprocess
import sys


def roff(line):
    """One line of text, safe in a no-fill block: backslashes doubled, a leading dot or quote escaped."""
    line = line.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + line if line.startswith((".", "'")) else line


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    program, what, out = sys.argv[1:]
    name = os.path.basename(program)
    usage = subprocess.run([program, "--help"], capture_output=True, text=True, check=True).stdout
    version = subprocess.run([program, "--version"], capture_output=True, text=True, check=True).stdout.split()
    lines = usage.rstrip("\n").split("\n")
    page = [".TH %s 1 \"\" \"%s\" \"User Commands\"" % (name.upper(), " ".join(version)),
            ".SH NAME", "%s \\- %s" % (roff(name), roff(what)),
            ".SH SYNOPSIS", ".B %s" % roff(name), roff(lines[0].split(" ", 2)[-1] if lines[0].startswith("usage:")
                                                      else "COMMAND [options]"),
            ".SH COMMANDS AND OPTIONS", ".nf"]
    page += [roff(l) for l in lines[1:]]
    page += [".fi", ".SH SEE ALSO", ".BR whalesong (1)", ""]
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(page))
    return 0


if __name__ == "__main__":
    sys.exit(main())
