#!/usr/bin/env python3
"""The package's desktop integration, checked with the freedesktop tools: the desktop entry
(desktop-file-validate), the AppStream metadata (appstreamcli validate), the icons, and an install into a scratch
root (`cmake --install --prefix`) whose two programs start from there and report the version, the app's name being
the window's WM_CLASS that the desktop entry's StartupWMClass must match."""

import argparse
import configparser
import glob
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET

RESULTS = []
APP_ID = "org.whalesong.Whalesong"
SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)


def check(name, ok, detail=""):
    RESULTS.append(bool(ok))
    print(("PASS " if ok else "FAIL ") + name + ("" if ok or not detail else ": " + detail), flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kw)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def desktop_entry(path):
    cp = configparser.RawConfigParser(strict=True, interpolation=None)
    cp.optionxform = str  # keys are case-sensitive
    with open(path, encoding="utf-8") as f:
        cp.read_file(f)
    return cp["Desktop Entry"]


def main():
    ap = argparse.ArgumentParser()
    for name in ("source", "build", "work", "version"):
        ap.add_argument("--" + name, required=True)
    a = ap.parse_args()
    pkg = os.path.join(a.source, "resources", "packaging")

    # -- the desktop entry, as the source ships it
    desktop = os.path.join(pkg, APP_ID + ".desktop")
    r = run(["desktop-file-validate", desktop])
    check("desktop-file-validate: no errors, no warnings, no hints", r.returncode == 0 and not r.stdout.strip()
          and not r.stderr.strip(), r.stdout + r.stderr)
    e = desktop_entry(desktop)
    check("desktop entry: Name and Comment in English and 简体中文",
          e.get("Name") and e.get("Comment") and re.search(r"[\u4e00-\u9fff]", e.get("Name[zh_CN]", "")) and
          re.search(r"[\u4e00-\u9fff]", e.get("Comment[zh_CN]", "")), dict(e))
    check("desktop entry: Categories, Exec whalesong, Icon whalesong",
          e.get("Categories", "").strip(";") and e.get("Exec", "").split()[0] == "whalesong" and
          e.get("Icon") == "whalesong", dict(e))

    # -- the icons: the SVG and each PNG of the size its folder says
    check("icon: scalable SVG", ET.parse(os.path.join(pkg, "whalesong.svg")).getroot().tag.endswith("svg"))
    bad = [s for s in SIZES if png_size(os.path.join(pkg, "icons", "%dx%d" % (s, s), "whalesong.png")) != (s, s)]
    check("icons: a PNG of each hicolor size %s" % (SIZES,), not bad, "wrong or missing: %s" % bad)

    # -- the AppStream metadata, as the build configured it
    metainfo = os.path.join(a.build, "packaging", APP_ID + ".metainfo.xml")
    r = run(["appstreamcli", "validate", "--no-net", "--explain", metainfo])
    check("appstreamcli validate: valid, no warnings", r.returncode == 0 and not re.search(r"^[EW]:", r.stdout, re.M),
          r.stdout + r.stderr)
    root = ET.parse(metainfo).getroot()
    check("metainfo: its id is the desktop entry's name, launchable that entry",
          root.findtext("id") == APP_ID and root.findtext("launchable") == APP_ID + ".desktop")
    images = [i.text for i in root.iter("image")]
    missing = [i for i in images if not os.path.isfile(os.path.join(a.source, "docs", "screenshots",
                                                                     i.rsplit("/", 1)[-1]))]
    check("metainfo: screenshots, each one of docs/screenshots", images and not missing, "missing: %s" % missing)
    zh = root.find("./description/p[@{http://www.w3.org/XML/1998/namespace}lang='zh-CN']")
    check("metainfo: name, summary and description in English and Chinese",
          zh is not None and root.find("./name[@{http://www.w3.org/XML/1998/namespace}lang='zh-CN']") is not None)
    rel = root.find("./releases/release")
    check("metainfo: the release is this version, with a date", rel is not None and rel.get("version") == a.version
          and re.fullmatch(r"\d{4}-\d\d-\d\d", rel.get("date") or ""), ET.tostring(root.find("releases")))
    check("metainfo: a content rating", root.find("content_rating") is not None)

    # -- an install into a scratch root
    root_dir = os.path.join(a.work, "root")
    shutil.rmtree(a.work, ignore_errors=True)
    r = run(["cmake", "--install", a.build, "--prefix", root_dir])
    check("cmake --install into a scratch root", r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:])
    share = os.path.join(root_dir, "share")
    want = ["bin/whalesong", "bin/whalesong-cli", "share/applications/%s.desktop" % APP_ID,
            "share/metainfo/%s.metainfo.xml" % APP_ID, "share/icons/hicolor/scalable/apps/whalesong.svg",
            "share/doc/whalesong/copyright", "share/doc/whalesong/changelog.gz",
            "share/man/man1/whalesong.1.gz", "share/man/man1/whalesong-cli.1.gz"]
    want += ["share/icons/hicolor/%dx%d/apps/whalesong.png" % (s, s) for s in SIZES]
    missing = [w for w in want if not os.path.isfile(os.path.join(root_dir, w))]
    check("installed: programs, desktop entry, metainfo, icons, man pages, copyright, changelog", not missing,
          "missing: %s" % missing)
    for prog in ("whalesong", "whalesong-cli"):
        r = run([os.path.join(root_dir, "bin", prog), "--version"])
        check("installed %s --version: '%s %s'" % (prog, prog, a.version),
              r.returncode == 0 and r.stdout.strip() == "%s %s" % (prog, a.version), r.stdout + r.stderr)
        r = run(["man", "-l", "-P", "cat", os.path.join(share, "man", "man1", prog + ".1.gz")],
                env=dict(os.environ, MANWIDTH="100"))
        check("man %s: NAME, SYNOPSIS or usage, and the options" % prog,
              r.returncode == 0 and "NAME" in r.stdout and "--version" in r.stdout, r.stdout[:600] + r.stderr)
    # The application's name is the window's WM_CLASS (Qt's xcb plugin uses QCoreApplication::applicationName
    # as the class); `whalesong --version` prints that name.
    r = run([os.path.join(root_dir, "bin", "whalesong"), "--version"])
    check("the desktop entry's StartupWMClass is the window's class (the application's name)",
          r.stdout.split()[:1] == [e.get("StartupWMClass")], "%r vs %r" % (r.stdout, e.get("StartupWMClass")))
    # The CUDA backend beside the installed program: found from there, and a machine without a GPU says why.
    r = run([os.path.join(root_dir, "bin", "whalesong-cli"), "devices"])
    try:
        dev = json.loads(r.stdout)
    except ValueError:
        dev = {}
    plugin = os.path.isfile(os.path.join(a.build, "libwhalesong_cuda.so"))
    check("installed whalesong-cli devices: the CPU always; the CUDA backend (%s) beside it, its GPUs or why none"
          % ("built" if plugin else "not built"),
          r.returncode == 0 and "cpu" in dev.get("backends", []) and
          (not plugin or (glob.glob(os.path.join(root_dir, "lib", "*", "whalesong", "libwhalesong_cuda.so")) and
                          (dev.get("gpus") or dev.get("gpu_problem")))), r.stdout[:600] + r.stderr[:600])
    print("%d passed, %d failed" % (sum(RESULTS), len(RESULTS) - sum(RESULTS)))
    return 0 if all(RESULTS) else 1


if __name__ == "__main__":
    sys.exit(main())
