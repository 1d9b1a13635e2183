#!/usr/bin/env bash
# Cargo runner: starts the ELF on the QEMU board it was built for. The board is read from
# the ELF (the firmware embeds "TINYMLP_BOARD=<name>"). The firmware logs with defmt over
# semihosting; the log is decoded by defmt-print when installed
# (`cargo install defmt-print`), else written raw to firmware.defmt next to the ELF.
# Serial port 0 is connected to nothing unless TINYMLP_SERIAL is set (a QEMU -serial
# argument, e.g. tcp:127.0.0.1:4444,server=on,wait=on, or pty: a pseudo-terminal whose path
# is printed, for `tinymlp compare --port`). TINYMLP_MODE=serve serves instead of the
# self-test. A real board (a `chip` and no `qemu` in boards.toml) is flashed and run with
# `probe-rs run --chip <chip>` instead, which prints its defmt log over RTT.
set -euo pipefail
elf="$1"; shift || true
tag=$(grep -a -o 'TINYMLP_BOARD=[a-z0-9-]*' "$elf" | head -n1 | cut -d= -f2 || true)
# The command line comes from boards.toml, the table the host tools compile in too.
source "$(dirname "$0")/../scripts/boards.sh"
# The tag has no terminator, and the linker may place more name characters right after it:
# the board is the longest name of the table that starts the tag.
board=""
while read -r name _; do
    if [[ "$tag" == "$name"* && ${#name} -gt ${#board} ]]; then board=$name; fi
done < <(board_list)
machine_line=$(board_field "${board:-?}" qemu)
chip=$(board_field "${board:-?}" chip)
if [ -z "$machine_line" ] && [ -n "$chip" ]; then
    if ! command -v probe-rs >/dev/null 2>&1; then
        echo "probe-rs is not installed: see docs/boards.md (https://probe.rs/docs/getting-started/installation/)" >&2
        exit 127
    fi
    exec probe-rs run --chip "$chip" "$elf"
fi
if [ -z "$machine_line" ]; then
    echo "qemu-run.sh: $elf is for ${board:-no board I can tell}, which QEMU does not emulate (boards.toml)" >&2; exit 2
fi
read -r -a machine <<<"$machine_line"
read -r -a common <<<"$(board_field "" qemu_common)"
if ! command -v qemu-system-arm >/dev/null 2>&1; then
    echo "qemu-system-arm is not installed: apt-get install -y qemu-system-arm" >&2
    exit 127
fi
serial="${TINYMLP_SERIAL:-null}"
mode="${TINYMLP_MODE:-selftest}"
args=(qemu-system-arm "${machine[@]}")
for a in "${common[@]}"; do
    a=${a//\{serial\}/"$serial"}; a=${a//\{mode\}/"$mode"}; a=${a//\{elf\}/"$elf"}
    args+=("$a")
done
if [ "$serial" = pty ]; then
    # The UART on a new pseudo-terminal: QEMU names it on its standard output, before the
    # firmware's log; the name goes to this terminal, the log to firmware.defmt.
    log="${elf}.defmt"
    timeout "${TINYMLP_TIMEOUT:-60}" "${args[@]}" > "$log" &
    pid=$!
    for _ in $(seq 100); do
        if grep -a -q 'char device redirected' "$log"; then break; fi
        sleep 0.1
    done
    grep -a -m1 -o 'char device redirected to [^ ]*' "$log" >&2 || true
    echo "(serving; the raw log is in $log)" >&2
    set +e
    wait "$pid"
    exit $?
elif command -v defmt-print >/dev/null 2>&1; then
    set +e
    timeout "${TINYMLP_TIMEOUT:-60}" "${args[@]}" | defmt-print -e "$elf"
    status=${PIPESTATUS[0]}
    exit "$status"
else
    echo "(defmt-print not installed: raw log in ${elf}.defmt; cargo install defmt-print to read it)" >&2
    set +e
    timeout "${TINYMLP_TIMEOUT:-60}" "${args[@]}" > "${elf}.defmt"
    status=$?
    echo "firmware exited with status $status" >&2
    exit "$status"
fi
