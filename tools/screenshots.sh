#!/usr/bin/env bash
# Renders README's pictures — the main window and the settings dialog, in English and in Chinese — into
# docs/screenshots/ under Xvfb, from a fresh data folder holding docs/screenshots/tour-conversations.json (a
# sample conversation) and the built-in demo model.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
missing=()
for p in xvfb xauth fonts-noto-cjk; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
cmake --preset release >/dev/null
cmake --build --preset release --target whalesong
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" LANG=en_US.UTF-8
build/release/whalesong --data-dir "$tmp/store" --import docs/screenshots/tour-conversations.json
xvfb-run -a -s "-screen 0 1400x900x24" build/release/whalesong --data-dir "$tmp/store" --screenshots docs/screenshots
ls -l docs/screenshots/*.png
