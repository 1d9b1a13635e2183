#!/usr/bin/env bash
# The main job. Installs the pinned toolchain, then trains XOR with the core.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
cargo run --release --locked -p tinymlp --example xor
