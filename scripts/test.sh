#!/usr/bin/env bash
# Runs every check and test of the project on a fresh machine: installs the pinned Rust
# toolchain with its targets, then format, lints, docs, the no_std builds and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "format"
cargo fmt --all --check
step "clippy (-D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p tinymlp --features micromath --all-targets --locked -- -D warnings
step "no_std builds of the core"
for target in thumbv6m-none-eabi thumbv7m-none-eabi thumbv7em-none-eabihf thumbv8m.main-none-eabihf; do
    cargo build -p tinymlp --release --target "$target" --locked
done
step "docs (-D warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
step "tests"
cargo test -p tinymlp --features micromath --locked --lib math::
cargo test --workspace --locked
