#!/usr/bin/env python3
"""Fills translations/whalesong_en.ts: English is the source language, so each unfinished entry becomes its
source text, and a %n entry gets English singular and plural forms ("(s)" dropped / made "s").
Run after lupdate (cmake --build … --target update_translations)."""
import re
import sys
import xml.etree.ElementTree as ET

path = sys.argv[1] if len(sys.argv) > 1 else "translations/whalesong_en.ts"
tree = ET.parse(path)
filled = 0
for msg in tree.iter("message"):
    tr = msg.find("translation")
    if tr is None or tr.get("type") != "unfinished":
        continue
    source = msg.find("source").text or ""
    for child in list(tr):
        tr.remove(child)
    if msg.get("numerus") == "yes":
        tr.text = None
        for form in (re.sub(r"\(s\)", "", source), re.sub(r"\(s\)", "s", source)):
            f = ET.SubElement(tr, "numerusform")
            f.text = form
    else:
        tr.text = source
    del tr.attrib["type"]
    filled += 1
with open(path, "wb") as out:
    out.write(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n')
    tree.write(out, encoding="utf-8", xml_declaration=False)
print(f"{path}: filled {filled} entries")
