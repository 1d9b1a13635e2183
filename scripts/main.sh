#!/usr/bin/env bash
# The main job, from a fresh machine: train the tutorial's moons classifier, export it, build
# the firmware with it, run it on the emulated Cortex-M4F (QEMU mps2-an386), stream every
# test row over the serial port and compare the device's outputs with the host's, bit for
# bit. The model scales raw inputs itself, so the device receives raw coordinates.
#
# Data: the tutorial's exact scikit-learn split, raw coordinates, in data/moons (see its
# README). Options: BOARD=<board> SEED=<n>.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
board="${BOARD:-mps2-an386}"
seed="${SEED:-0}"
out=out
cargo build --release --locked -p tinymlp-host
tinymlp=target/release/tinymlp

data=data/moons
"$tinymlp" train --train-csv "$data/train_raw.csv" --test-csv "$data/test_raw.csv" --seed "$seed" --out "$out"
"$tinymlp" export --model "$out/model.json" --format bin --out "$out/model.bin"
"$tinymlp" export --model "$out/model.json" --format rust --out "$out/model.rs"
"$tinymlp" plot history --history "$out/history.csv" --out "$out/history.png"
"$tinymlp" plot boundary --model "$out/model.json" --data "$out/test.csv" --out "$out/boundary.png"
"$tinymlp" compare --board "$board" --model "$out/model.bin" --data "$out/test.csv" --json "$out/compare.json"
