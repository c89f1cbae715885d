#!/usr/bin/env bash
# Installs the Debian 12 packages the build and the tests need (only those missing; needs root or sudo).
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config git xz-utils
      libpcre2-dev nlohmann-json3-dev libcpp-httplib-dev libgtest-dev python3 python3-numpy curl
      qt6-base-dev qt6-base-dev-tools qt6-tools-dev qt6-l10n-tools qt6-translations-l10n libsqlite3-dev
      desktop-file-utils appstream help2man man-db)
# The API tests run the official `openai` npm package; any Node.js with npm will do (Debian's when none is there).
command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
