# Sourced by the scripts: installs what the project needs on a fresh machine.
#
# - The Rust toolchain, its components and targets, pinned in rust-toolchain.toml
#   (machines with RUSTUP_AUTO_INSTALL=0 need this explicit install).
# - qemu-system-arm (the emulated boards) and a TrueType font (labels of the figures),
#   through apt when missing and running as root; otherwise the exact command to run.
# - flip-link, the real boards' linker (cargo install, pinned).
if ! command -v rustup >/dev/null 2>&1; then
    echo "rustup is required: see https://rustup.rs" >&2
    exit 1
fi
rustup toolchain install >/dev/null

missing=()
command -v qemu-system-arm >/dev/null 2>&1 || missing+=(qemu-system-arm)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || [ -n "${TINYMLP_FONT:-}" ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing ${missing[*]} (apt-get)"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "missing: ${missing[*]}. Install with: sudo apt-get install -y ${missing[*]}" >&2
    fi
fi

# flip-link, the real boards' linker (CI links their firmware with it, as `cargo run` does:
# scripts/firmware-sizes.sh); pinned, with its own lock file.
flip_link_version=0.1.12
if ! cargo install --list | grep -q "^flip-link v$flip_link_version:"; then
    cargo install flip-link --version "$flip_link_version" --locked --quiet
fi
