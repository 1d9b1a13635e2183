#!/usr/bin/env bash
# Builds the firmware of every board in firmware/boards.toml in release, with the default
# model (firmware/models/moons-mlp.json), inference only and with `finetune`, and prints
# each ELF's flash (second-stage bootloader where there is one, vector table, code,
# read-only data, .data's initial values) and static RAM (.data, .bss, .uninit), as
# `tinymlp compare` counts them. Sizes with GNU `size -A`. Each board is built in its folder,
# firmware/boards/<name>, as `cargo run --release` there builds it: its target, and for the
# real boards (no `qemu` in the table) flip-link as the linker, come from its
# `.cargo/config.toml`.
# `scripts/firmware-sizes.sh qemu` (or `real`): only the emulated (or the real) boards.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/boards.sh
printf '%-14s %-26s %-10s %9s %8s\n' board target features flash RAM
while read -r board target; do
    for extra in "" finetune; do
        features=()
        if [ -n "$extra" ]; then features=(--features "$extra"); fi
        (cd "firmware/boards/$board" && cargo build --quiet --release --locked "${features[@]}" \
            --target-dir ../../target/sizes)
        # One target directory: the builds share every dependency (the HAL's too).
        elf="firmware/target/sizes/$target/release/tinymlp-board-$board"
        # A chip with a second-stage bootloader boots only if it fills the flash's first bytes
        # and the vector table follows it (the table's `boot2`): checked on the ELF.
        boot2=$(board_field "$board" boot2)
        if [ -n "$boot2" ]; then
            IFS=, read -r at len <<<"$(tr -d '_[] ' <<<"$boot2")"
            got=$(size -A "$elf" | awk '$1 == ".boot2" { b = $3 " " $2 } $1 == ".vector_table" { v = $3 } END { print b, v }')
            if [ "$got" != "$((at)) $((len)) $((at + len))" ]; then
                echo "$board: .boot2 (address, size) and the vector table are at $got, not $((at)) $((len)) $((at + len))" >&2
                exit 1
            fi
        fi
        size -A "$elf" | awk -v b="$board" -v t="$target" -v f="${extra:--}" '
            $1 == ".boot2" || $1 == ".vector_table" || $1 == ".text" || $1 == ".rodata" { flash += $2 }
            $1 == ".data" { flash += $2; ram += $2 }
            $1 == ".bss" || $1 == ".uninit" { ram += $2 }
            END { printf "%-14s %-26s %-10s %7d B %6d B\n", b, t, f, flash, ram }'
    done
done < <(board_list "${1:-}")
