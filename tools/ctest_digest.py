#!/usr/bin/env python3
"""Prints, for each test CTest reports failed, the lines of its output that say why (failed checks, seeds,
sanitizer reports, assertions, timeouts), a few dozen at most per test. Used by tools/test.sh after a failed run.

Usage: ctest_digest.py LastTest.log LastTestsFailed.log
"""
import re
import sys

WHY = re.compile(r"^(FAIL|\[  FAILED  \]|FAILED|.*seed \d+|.*(AddressSanitizer|LeakSanitizer|UndefinedBehavior"
                 r"Sanitizer|runtime error:|Assertion|Traceback|Error|error:|Timeout|timed out|Segmentation))")
KEEP = 40


def outputs(log_text):
    """{test name: its output}, from CTest's LastTest.log (each test's record starts "N/M Testing: NAME")."""
    result = {}
    starts = list(re.finditer(r"^\d+/\d+ Testing: (.+)$", log_text, re.M))
    for i, m in enumerate(starts):
        block = log_text[m.end():starts[i + 1].start() if i + 1 < len(starts) else len(log_text)]
        out = block.split("Output:\n" + "-" * 58 + "\n", 1)
        text = out[1] if len(out) > 1 else block
        result[m.group(1).strip()] = text.split("\n<end of output>", 1)[0]
    return result


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
            logs = outputs(f.read())
        with open(sys.argv[2], encoding="utf-8", errors="replace") as f:
            failed = [line.split(":", 1)[1].strip() for line in f if ":" in line]
    except OSError as e:
        print("ctest_digest: %s" % e, file=sys.stderr)
        return 1
    print("\n==== why the failed tests failed (%d) ====" % len(failed))
    for name in failed:
        lines = [l for l in logs.get(name, "").splitlines() if WHY.match(l.strip()) and not l.startswith(("PASS", "[       OK"))]
        print("-- %s%s" % (name, "" if lines else ": no failing line found in its output (see above)"))
        for l in lines[:KEEP]:
            print("   " + l[:400])
        if len(lines) > KEEP:
            print("   … %d more" % (len(lines) - KEEP))
    return 0


if __name__ == "__main__":
    sys.exit(main())
