//! Enables the QEMU tests (`cfg(qemu)`) when `qemu-system-arm` runs. In CI (`CI` set) QEMU
//! is required: its absence is an error, never a silent pass. Elsewhere the tests are
//! reported as ignored, with the command that installs QEMU.

fn main() {
    println!("cargo:rerun-if-env-changed=PATH");
    println!("cargo:rerun-if-env-changed=CI");
    let found = std::process::Command::new("qemu-system-arm")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    if found {
        println!("cargo:rustc-cfg=qemu");
    } else if ci {
        panic!("CI requires qemu-system-arm for the end-to-end tests: apt-get install -y qemu-system-arm");
    } else {
        println!(
            "cargo:warning=qemu-system-arm not found: the end-to-end tests are ignored (install it with `apt-get install -y qemu-system-arm`)"
        );
    }
}
