//! The firmware's cargo runner (`firmware/qemu-run.sh`) and the host tools start QEMU with
//! the same command line: both read `firmware/boards.toml`. A real board goes to
//! `probe-rs run --chip <its chip>` instead.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use tinymlp_host::board::BOARDS;
use tinymlp_host::qemu::{self, Mode};

#[test]
fn the_runner_and_the_host_tools_build_the_same_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A stand-in for QEMU that writes down its arguments, one a line.
    let bin = d.join("bin");
    std::fs::create_dir(&bin).unwrap();
    // The same for probe-rs.
    for fake in [bin.join(qemu::PROGRAM), bin.join("probe-rs")] {
        std::fs::write(&fake, "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$TINYMLP_TEST_ARGS\"\n").unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let runner = Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware/qemu-run.sh");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    for &board in BOARDS.iter() {
        // What the runner needs of an ELF: the board's name, as the firmware embeds it.
        let elf = d.join(format!("fw {}", board.name));
        std::fs::write(&elf, format!("\x7fELF..TINYMLP_BOARD={}\0..", board.name)).unwrap();
        let out = d.join("args.txt");
        let serial = "tcp:127.0.0.1:4444,server=on,wait=on";
        let status = Command::new("bash")
            .arg(&runner)
            .arg(&elf)
            .env("PATH", &path)
            .env("TINYMLP_TEST_ARGS", &out)
            .env("TINYMLP_MODE", "serve")
            .env("TINYMLP_SERIAL", serial)
            .output()
            .unwrap();
        assert!(status.status.success(), "{}: {}", board.name, String::from_utf8_lossy(&status.stderr));
        let got = std::fs::read_to_string(&out).unwrap();
        let want: String = match (board.qemu, board.chip) {
            (None, Some(chip)) => format!("run\n--chip\n{chip}\n{}\n", elf.display()),
            _ => qemu::args(board, &elf, Mode::Serve, serial, &[])
                .iter()
                .map(|a| format!("{}\n", a.to_str().unwrap()))
                .collect(),
        };
        assert_eq!(got, want, "{}", board.name);
    }
}
