#!/usr/bin/env bash
# Renders resources/packaging/whalesong.svg into the hicolor PNG sizes the package installs and the window uses
# (committed; run again after changing the SVG). Needs rsvg-convert (librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")/../resources/packaging"
command -v rsvg-convert >/dev/null || { echo "rsvg-convert not found: apt-get install librsvg2-bin" >&2; exit 1; }
for s in 16 22 24 32 48 64 128 256 512; do
  mkdir -p "icons/${s}x${s}"
  rsvg-convert -w "$s" -h "$s" whalesong.svg -o "icons/${s}x${s}/whalesong.png"
done
