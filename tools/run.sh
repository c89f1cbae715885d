#!/usr/bin/env bash
# Builds Whalesong (release) and starts the desktop app. With no model chosen yet it runs the built-in demo model
# (random weights, the real DeepSeek-V3 tokenizer; created on first use, its answers are meaningless text); the
# settings dialog (Settings → Model and generation…) chooses a real model folder. Arguments go to the app
# (e.g. --data-dir DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
# Chinese text needs a CJK font; install Noto CJK when the system has none.
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
  $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null
fi
cmake --preset release >/dev/null
cmake --build --preset release --target whalesong whalesong-cli
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" && -z "${QT_QPA_PLATFORM:-}" ]]; then
  echo "whalesong: no display (DISPLAY and WAYLAND_DISPLAY are unset): start this from a desktop session," >&2
  echo "or under a virtual one: xvfb-run -a bash tools/run.sh" >&2
  exit 1
fi
exec build/release/whalesong "$@"
