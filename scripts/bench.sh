#!/usr/bin/env bash
# Every speed and size figure, measured again and written to docs/benchmarks.md:
# criterion on the host (default target, then `-C target-cpu=native`), the peers side by side
# (numpy/PyTorch when installed), instructions per forward pass and per dense layer on the
# five emulated boards (both firmware profiles), and a training step on the device.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
out=out/bench
mkdir -p "$out"
cargo bench -p tinymlp --features std --bench training --locked
rm -rf "$out/criterion-default" && cp -r target/criterion "$out/criterion-default"
RUSTFLAGS="-C target-cpu=native" CARGO_TARGET_DIR="$PWD/target/native" \
    cargo bench -p tinymlp --features std --bench training --locked
rm -rf "$out/criterion-native" && cp -r target/native/criterion "$out/criterion-native"
cargo build --release --locked -p tinymlp-host
tinymlp=target/release/tinymlp
if [ ! -f out/model.json ]; then
    "$tinymlp" train --seed 0 --out out
fi
python3 bench/peers.py > "$out/peers.md"
"$tinymlp" bench --model out/model.json --json "$out/device.json"
"$tinymlp" finetune --board mps2-an386 --model out/model.json --train-csv out/test.csv \
    --test-csv out/test.csv --rotate 25 --json "$out/finetune-an386.json"
"$tinymlp" finetune --board microbit --model out/model.json --train-csv out/test.csv \
    --test-csv out/test.csv --rotate 25 --json "$out/finetune-microbit.json"
python3 bench/report.py "$out"
