#!/usr/bin/env bash
# Usage: scripts/prepare_corpus.sh NOVEL.txt [OUT_DIR] [chatbot prepare options...]
# A thin wrapper over `chatbot prepare`; see `chatbot prepare --help`.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
if command -v chatbot >/dev/null 2>&1; then
  exec chatbot prepare "$@"
elif [ -x "$here/.venv/bin/chatbot" ]; then
  exec "$here/.venv/bin/chatbot" prepare "$@"
else
  echo "error: chatbot is not installed; run 'make setup' first" >&2
  exit 2
fi
