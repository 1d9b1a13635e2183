//! The QEMU command line that runs the firmware on a board.
//!
//! The arguments come from the board table `firmware/boards.toml` ([`crate::board`]), read
//! at run time by `firmware/qemu-run.sh` too (the firmware's cargo runner): one table, so the
//! host tools and `cargo run` in `firmware/` start the firmware the same way. See the table's
//! header for its format.

use crate::board::{self, Board};
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

/// The program the table's arguments are for.
pub const PROGRAM: &str = "qemu-system-arm";

/// What the firmware does after booting (its semihosting argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Log the model, classify a few points, check the model file, exit.
    SelfTest,
    /// Answer requests on the serial port.
    Serve,
}

impl Mode {
    /// The firmware's name for the mode.
    pub fn name(self) -> &'static str {
        match self {
            Mode::SelfTest => "selftest",
            Mode::Serve => "serve",
        }
    }
}

/// The arguments of `qemu-system-arm` that run `elf` on `board` in `mode`, the serial port
/// on the QEMU backend `serial` (for example `null`, or `unix:<path>,server=on,wait=on`),
/// with `extra` arguments (for example `-icount …`) before the table's common ones.
///
/// A real board (no `qemu` in the table) gets the common arguments only ([`crate::device`]
/// refuses to start QEMU for one).
pub fn args(board: Board, elf: &Path, mode: Mode, serial: &str, extra: &[&str]) -> Vec<OsString> {
    let machine = board.qemu.unwrap_or("").split_whitespace();
    let common = board::qemu_common().split_whitespace();
    let fill = |a: &str| -> OsString {
        match a.split_once("{elf}") {
            Some((before, after)) => {
                [before.as_ref(), elf.as_os_str(), after.as_ref()].join(std::ffi::OsStr::new(""))
            }
            None => a.replace("{serial}", serial).replace("{mode}", mode.name()).into(),
        }
    };
    machine
        .into_iter()
        .map(OsString::from)
        .chain(extra.iter().map(OsString::from))
        .chain(common.into_iter().map(fill))
        .collect()
}

/// `qemu-system-arm` with [`args`].
pub fn command(board: Board, elf: &Path, mode: Mode, serial: &str, extra: &[&str]) -> Command {
    let mut cmd = Command::new(PROGRAM);
    cmd.args(args(board, elf, mode, serial, extra));
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines() {
        let board = crate::board::find("mps2-an386").unwrap();
        let a = args(
            board,
            Path::new("/t/fw"),
            Mode::Serve,
            "unix:/s,server=on,wait=on",
            &["-icount", "shift=6"],
        );
        let a: Vec<&str> = a.iter().map(|s| s.to_str().unwrap()).collect();
        assert_eq!(
            a,
            [
                "-machine",
                "mps2-an386",
                "-cpu",
                "cortex-m4",
                "-icount",
                "shift=6",
                "-nographic",
                "-monitor",
                "none",
                "-serial",
                "unix:/s,server=on,wait=on",
                "-semihosting-config",
                "enable=on,target=native,arg=firmware,arg=serve",
                "-kernel",
                "/t/fw"
            ]
        );
        let microbit = crate::board::find("microbit").unwrap();
        let a = args(microbit, Path::new("fw"), Mode::SelfTest, "null", &[]);
        assert_eq!(a[..2], ["-machine", "microbit"]);
        assert!(a.contains(&"enable=on,target=native,arg=firmware,arg=selftest".into()));
    }
}
