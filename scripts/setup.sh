# Sourced by the scripts: installs what the project needs on a fresh machine.
# The toolchain, its components and targets are pinned in rust-toolchain.toml;
# RUSTUP_AUTO_INSTALL=0 machines need this explicit install.
if ! command -v rustup >/dev/null 2>&1; then
    echo "rustup is required: see https://rustup.rs" >&2
    exit 1
fi
rustup toolchain install >/dev/null
