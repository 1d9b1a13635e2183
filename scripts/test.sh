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
step "firmware: the application and every board of firmware/boards.toml (clippy -D warnings)"
# Each board is the package tinymlp-board-<name> of firmware/boards/; the application's
# features are forwarded by every board package. The build scripts' shared crate runs on
# the host.
(cd firmware && cargo clippy --locked -p tinymlp-firmware-build --all-targets \
    --target "$(rustc -vV | sed -n 's/^host: //p')" -- -D warnings)
source scripts/boards.sh
fw_clippy() { # board target [features] [VAR=value …]: the application and the board's package
    local board=$1 target=$2 features=${3:-}
    (cd firmware && env "${@:4}" cargo clippy --release --locked -p tinymlp-firmware -p "tinymlp-board-$board" \
        --target "$target" ${features:+--features "$features"} -- -D warnings)
}
while read -r board target; do
    fw_clippy "$board" "$target"
    fw_clippy "$board" "$target" finetune,load-check,profile
done < <(board_list)
# An int8 model (TFLite's sine model, imported): the int8 firmware on a DSP core and the M0.
fw_clippy mps2-an386 thumbv7em-none-eabihf load-check,profile TINYMLP_MODEL=models/sine-int8.json
fw_clippy microbit thumbv6m-none-eabi load-check,profile TINYMLP_MODEL=models/sine-int8.json
# ... and on the real boards (the DSP kernel on the nRF52's M4F, the M0 kernel on the Pico).
fw_clippy nrf52840-dk thumbv7em-none-eabihf load-check TINYMLP_MODEL=models/sine-int8.json
fw_clippy pico thumbv6m-none-eabi load-check TINYMLP_MODEL=models/sine-int8.json
# The inference-only `tiny` int8 firmware (no log, no self-test, no bench request).
fw_clippy mps2-an386 thumbv7em-none-eabihf tiny TINYMLP_MODEL=models/sine-int8.json
# The Pico serving on UART0 instead of USB (its package's `uart` feature).
fw_clippy pico thumbv6m-none-eabi uart
fw_clippy pico thumbv6m-none-eabi uart,finetune,load-check,profile
# The nRF boards' shared HAL edge (built only as a board's dependency: the board picks the chip).
(cd firmware && cargo clippy --release --locked -p tinymlp-hal-nrf -p tinymlp-board-nrf52840-dk \
    --target thumbv7em-none-eabihf -- -D warnings)
# The real boards' platform (defmt over RTT, panic-probe), on an emulated board's target.
fw_clippy mps2-an386 thumbv7em-none-eabihf rtt,finetune
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
