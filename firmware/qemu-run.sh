#!/usr/bin/env bash
# Cargo runner: starts the ELF on the QEMU board it was built for. The board is read from
# the ELF (the firmware embeds "TINYMLP_BOARD=<name>"). The firmware logs with defmt over
# semihosting; the log is decoded by defmt-print when installed
# (`cargo install defmt-print`), else written raw to firmware.defmt next to the ELF.
# Serial port 0 is connected to this terminal unless TINYMLP_SERIAL is set (a QEMU
# -serial argument, e.g. tcp:127.0.0.1:4444,server=on,wait=on).
set -euo pipefail
elf="$1"; shift || true
board=$(grep -a -o 'TINYMLP_BOARD=[a-z0-9-]*' "$elf" | head -n1 | cut -d= -f2)
case "$board" in
    mps2-an386) machine=(-machine mps2-an386 -cpu cortex-m4) ;;
    mps2-an500) machine=(-machine mps2-an500 -cpu cortex-m7) ;;
    mps2-an505) machine=(-machine mps2-an505 -cpu cortex-m33) ;;
    lm3s6965evb) machine=(-machine lm3s6965evb) ;;
    microbit) machine=(-machine microbit) ;;
    *) echo "qemu-run.sh: cannot tell the board of $elf" >&2; exit 2 ;;
esac
if ! command -v qemu-system-arm >/dev/null 2>&1; then
    echo "qemu-system-arm is not installed: apt-get install -y qemu-system-arm" >&2
    exit 127
fi
serial="${TINYMLP_SERIAL:-null}"
args=(qemu-system-arm "${machine[@]}" -nographic -monitor none -serial "$serial"
      -semihosting-config "enable=on,target=native,arg=firmware,arg=${TINYMLP_MODE:-selftest}" -kernel "$elf")
if command -v defmt-print >/dev/null 2>&1; then
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
