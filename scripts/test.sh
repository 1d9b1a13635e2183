#!/usr/bin/env bash
# Every check and test of the project, from a fresh machine: installs the pinned toolchain
# (and QEMU, fonts, flip-link), then format, lints, docs, the no_std builds, the firmware for every
# board (the real ones built, not run), and the tests — including the end-to-end runs on
# the emulated boards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all --check
(cd firmware && cargo fmt --check)
step "clippy (-D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p tinymlp --features micromath --all-targets --locked -- -D warnings
step "no_std builds of the core and the protocol"
for target in thumbv6m-none-eabi thumbv7m-none-eabi thumbv7em-none-eabihf thumbv8m.main-none-eabihf; do
    cargo build -p tinymlp -p tinymlp-protocol --release --target "$target" --locked
done
# The core's optional no_std parts (JSON, the store, the zoo) on the smallest and the FPU core.
for target in thumbv6m-none-eabi thumbv7em-none-eabihf; do
    cargo build -p tinymlp --release --target "$target" --features json,store,zoo --locked
done
step "firmware for every board of firmware/boards.toml (clippy -D warnings)"
source scripts/boards.sh
while read -r board target; do
    for extra in "" ",finetune,load-check,profile"; do
        (cd firmware && cargo clippy --release --locked --target "$target" --no-default-features \
            --features "$board$extra" -- -D warnings)
    done
done < <(board_list)
# An int8 model (TFLite's sine model, imported): the int8 firmware on a DSP core and the M0.
(cd firmware && TINYMLP_MODEL=models/sine-int8.json cargo clippy --release --locked \
    --target thumbv7em-none-eabihf --no-default-features --features mps2-an386,load-check,profile -- -D warnings)
(cd firmware && TINYMLP_MODEL=models/sine-int8.json cargo clippy --release --locked \
    --target thumbv6m-none-eabi --no-default-features --features microbit,load-check,profile -- -D warnings)
# The inference-only `tiny` int8 firmware (no log, no self-test, no bench request).
(cd firmware && TINYMLP_MODEL=models/sine-int8.json cargo clippy --release --locked \
    --target thumbv7em-none-eabihf --no-default-features --features mps2-an386,tiny -- -D warnings)
# The real boards' platform (defmt over RTT, panic-probe), on an emulated board's target.
(cd firmware && cargo clippy --release --locked --target thumbv7em-none-eabihf --no-default-features \
    --features mps2-an386,rtt,finetune -- -D warnings)
step "the real boards' firmware in release (no probe needed), its flash and RAM"
bash scripts/firmware-sizes.sh real
step "docs (-D warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
step "tests"
cargo test -p tinymlp --features micromath --locked --lib math::
cargo test --workspace --locked
step "fuzzing: every target for 60 s (nightly, cargo-fuzz)"
rustup toolchain install nightly --profile minimal >/dev/null
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --version 0.13.2 --locked --quiet
for target in read_bin read_json; do
    (cd core/fuzz && cargo +nightly fuzz run "$target" -- -max_total_time=60 -print_final_stats=1 2>&1 | tail -3)
done
(cd protocol/fuzz && cargo +nightly fuzz run frames -- -max_total_time=60 -print_final_stats=1 2>&1 | tail -3)
step "disk used by the builds"
du -sh target firmware/target core/fuzz/target protocol/fuzz/target 2>/dev/null || true
