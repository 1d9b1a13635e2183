//! The host's serial-port path (`--port`), without hardware: QEMU's UART on a
//! pseudo-terminal (`-serial pty`), the firmware started in serve mode, then the host opens
//! the terminal as a real board's port. `tinymlp compare --port` is bit-exact through it, and
//! so is a fine-tuning run (with the store's save, reset and confirm across it).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use tinymlp_host::board::{Board, find};
use tinymlp_host::device::{Device, build_firmware, build_firmware_with};
use tinymlp_host::finetune::{Plan, finetune_on, rotate};
use tinymlp_host::qemu::{self, Mode};
use tinymlp_tests::small_trained_model;

/// QEMU running `elf` on `board` in serve mode, its UART on a new pseudo-terminal.
struct OnPty {
    child: Child,
    /// The terminal's path, as QEMU printed it.
    path: PathBuf,
}

impl OnPty {
    fn start(board: Board, elf: &Path) -> Self {
        let mut child = qemu::command(board, elf, Mode::Serve, "pty", &[])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // QEMU prints "char device redirected to /dev/pts/N (label serial0)" on its standard
        // output, where the firmware's semihosting log follows.
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = Vec::new();
        out.read_until(b'\n', &mut line).unwrap();
        let line = String::from_utf8_lossy(&line).into_owned();
        let path = line
            .split_once("redirected to ")
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("QEMU did not name its pseudo-terminal: {line:?}"))
            .into();
        // Drained, so that the log never fills the pipe and stalls the firmware.
        std::thread::spawn(move || {
            let mut sink = Vec::new();
            let _ = out.read_to_end(&mut sink);
        });
        Self { child, path }
    }
}

impl Drop for OnPty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `tinymlp` binary of this workspace, built in this test's profile.
fn tinymlp_binary() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "tinymlp-host", "--bin", "tinymlp"])
        .status()
        .unwrap();
    assert!(status.success());
    // This test runs from target/<profile>/deps/.
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().join("tinymlp")
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn compare_and_fine_tuning_through_a_pseudo_terminal_are_bit_exact() {
    let dir = tempfile::tempdir().unwrap();
    let (_, path, test) = small_trained_model(dir.path(), 3);
    let b = find("mps2-an386").unwrap();
    let data = dir.path().join("test.csv");
    let mut csv = String::from("x0,x1,label\n");
    for (p, l) in test.x.iter().zip(&test.label) {
        csv.push_str(&format!("{:?},{:?},{l}\n", p[0], p[1]));
    }
    std::fs::write(&data, csv).unwrap();

    // `tinymlp compare --port`: the command as a user runs it against a board.
    let elf = build_firmware(b, &path, true).unwrap();
    let pty = OnPty::start(b, &elf);
    let out = Command::new(tinymlp_binary())
        .arg("compare")
        .arg("--model")
        .arg(&path)
        .arg("--data")
        .arg(&data)
        .arg("--port")
        .arg(&pty.path)
        .args(["--baud", "115200"])
        .arg("--elf")
        .arg(&elf)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let rows = test.x.len();
    assert!(stdout.contains(&format!("bit-exact rows       {rows} / {rows}")), "{stdout}");
    assert!(stdout.contains(&format!("serial port          {}", pty.path.display())), "{stdout}");
    assert!(stdout.contains("verdict              bit-exact on every row"), "{stdout}");
    drop(pty);

    // Fine-tuning through the terminal, the whole network with the store: steps, fetch,
    // save, reset (the firmware reboots, the terminal stays), the held-out rows, confirm.
    let m = tinymlp_host::compare::load_net(&path).unwrap();
    let tuning = build_firmware_with(b, &path, true, &["finetune"]).unwrap();
    let pty = OnPty::start(b, &tuning);
    let dev = Device::open(&pty.path, 115_200).unwrap();
    assert!(!dev.is_emulated());
    let drifted = rotate(&test, 20.0);
    let drifted = (&drifted).into();
    let plan = Plan { lr: 0.02, epochs: 1, save: true, last_layer: false, adam: false };
    let f = finetune_on(dev, b, None, &m, &drifted, &drifted, &plan).unwrap();
    assert_eq!(f.steps, drifted.len());
    assert_eq!(f.differing_values, 0, "max {} ULP", f.max_ulp);
    assert!(f.bit_exact);
    // An emulated board on a terminal: QEMU's clock without `-icount`, neither instructions
    // nor the cycles a real board's counter gives.
    assert_eq!(f.unit, "ticks");
    let (kept, _) = f.saved.unwrap();
    assert_eq!(kept, f.accuracy_after >= f.accuracy_before);
}
