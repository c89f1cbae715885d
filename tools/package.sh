#!/usr/bin/env bash
# Builds whalesong_<version>_amd64.deb (a release build, CPack, dependencies by dpkg-shlibdeps) into build/release,
# then checks it as Debian would: lintian (no errors), desktop-file-validate and appstreamcli on the installed
# files, `apt install ./whalesong_*.deb` here, and both installed programs started — whalesong-cli on a small
# random model, the app offscreen on its demo model (saving its screenshots, then quitting).
# Usage: bash tools/package.sh [--no-install]   (needs root or sudo for apt)
set -euo pipefail
cd "$(dirname "$0")/.."
install=1; [[ "${1:-}" == "--no-install" ]] && install=0
sudo=""; [[ $(id -u) -eq 0 ]] || sudo=sudo
bash tools/install-deps.sh
missing=()
for p in lintian dpkg-dev file; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake --preset release -DWS_BUILD_TESTS=OFF >/dev/null
targets=(whalesong whalesong-cli ws_package_docs)
grep -q '^WS_HAVE_CUDA:INTERNAL=ON' build/release/CMakeCache.txt 2>/dev/null && targets+=(whalesong_cuda)
cmake --build --preset release --target "${targets[@]}"
rm -f build/release/whalesong_*.deb
(cd build/release && cpack -G DEB >/dev/null)
deb=$(ls build/release/whalesong_*_amd64.deb)
echo "== $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb -f "$deb" Package Version Architecture Depends Recommends
dpkg-deb -c "$deb" | awk '{print $6}' | grep -v '/$'

echo "== lintian"
# Errors fail the script; warnings and information are printed. A locally built package has no .changes or
# source package, and no Debian maintainer signs it: those tags do not apply.
lintian --no-tag-display-limit --suppress-tags no-manual-page "$deb" | tee build/release/lintian.txt || true
if grep -q '^E:' build/release/lintian.txt; then echo "lintian reports errors"; exit 1; fi

echo "== desktop-file-validate, appstreamcli validate (the files as packaged)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp/root"
desktop-file-validate "$tmp/root/usr/share/applications/org.whalesong.Whalesong.desktop"
appstreamcli validate --no-net "$tmp/root/usr/share/metainfo/org.whalesong.Whalesong.metainfo.xml"

((install)) || exit 0
echo "== apt install ./$(basename "$deb")"
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "./$deb" >/dev/null
dpkg -s whalesong | grep -E '^(Status|Version)'
/usr/bin/whalesong --version
/usr/bin/whalesong-cli --version
echo "== the installed app, offscreen, on its demo model (which it creates)"
env -i HOME="$tmp/home" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" LANG=C.UTF-8 \
    QT_QPA_PLATFORM=offscreen PATH=/usr/bin:/bin \
    timeout 600 /usr/bin/whalesong --data-dir "$tmp/store" --screenshots "$tmp/shots"
ls "$tmp/shots"
test -s "$tmp/shots/main-window-en.png" && test -s "$tmp/shots/main-window-zh_CN.png"
echo "== the installed whalesong-cli on that demo model"
demo=$(dirname "$(find "$tmp/data" -name whalesong-demo.json | head -1)")
/usr/bin/whalesong-cli info --model "$demo" | head -20
/usr/bin/whalesong-cli generate --model "$demo" --prompt "Hello" --chat --max-tokens 8 --seed 1
/usr/bin/whalesong-cli devices
echo "package OK: $deb"
