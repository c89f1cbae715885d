#!/usr/bin/env bash
# Builds the release engine and chats with a model: $WHALESONG_MODEL if set, else the built-in demo model
# (random weights, the real DeepSeek-V3 tokenizer), created on first use. Extra arguments go to the prompt.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target whalesong-cli whalesong
model="${WHALESONG_MODEL:-}"
if [[ -z "$model" ]]; then
  model="${XDG_DATA_HOME:-$HOME/.local/share}/whalesong/demo-model"
  if [[ ! -f "$model/model.safetensors" ]]; then
    echo "creating the built-in demo model in $model (random weights: its answers are meaningless text)"
    tok="$(mktemp -d)"
    trap 'rm -rf "$tok"' EXIT
    xz -dc resources/demo/tokenizer.json.xz > "$tok/tokenizer.json"
    cp resources/demo/tokenizer_config.json "$tok/"
    /usr/bin/python3 tools/gen_tiny_model.py --out "$model" --preset demo --tokenizer "$tok"
  fi
fi
prompt="${*:-你好！Please introduce yourself in one sentence.}"
build/release/whalesong-cli info --model "$model" --context 4096
echo "> $prompt"
build/release/whalesong-cli generate --model "$model" --chat --prompt "$prompt" --max-tokens 64 --temperature 0.7
