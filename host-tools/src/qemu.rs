//! The QEMU command line that runs the firmware on a board.
//!
//! The arguments come from `firmware/qemu-boards.txt`, compiled in here and read at run time
//! by `firmware/qemu-run.sh` (the firmware's cargo runner): one table, so the host tools and
//! `cargo run` in `firmware/` start the firmware the same way. See the table's header for
//! its format.

use crate::board::Board;
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

/// The board table, `firmware/qemu-boards.txt`.
pub const TABLE: &str = include_str!("../../firmware/qemu-boards.txt");

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

/// The table's arguments on the line named `name` (`common` or a board), if there is one.
fn line(name: &str) -> Option<Vec<&'static str>> {
    TABLE.lines().map(|l| l.split_whitespace().collect::<Vec<_>>()).find_map(|words| {
        match words.split_first() {
            Some((first, rest)) if *first == name => Some(rest.to_vec()),
            _ => None,
        }
    })
}

/// The arguments of `qemu-system-arm` that run `elf` on `board` in `mode`, the serial port
/// on the QEMU backend `serial` (for example `null`, or `unix:<path>,server=on,wait=on`),
/// with `extra` arguments (for example `-icount …`) before the table's common ones.
///
/// # Panics
///
/// When the table has no line for `board` (a test checks it has one for every board).
pub fn args(board: Board, elf: &Path, mode: Mode, serial: &str, extra: &[&str]) -> Vec<OsString> {
    let machine = line(board.name)
        .unwrap_or_else(|| panic!("firmware/qemu-boards.txt has no line for the board {}", board.name));
    let common = line("common").expect("firmware/qemu-boards.txt has a `common` line");
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
    use crate::board::BOARDS;

    #[test]
    fn the_table_has_a_line_for_each_board_and_no_other() {
        let named: Vec<&str> = TABLE
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|n| *n != "common")
            .collect();
        let boards: Vec<&str> = BOARDS.iter().map(|b| b.name).collect();
        assert_eq!(named, boards);
    }

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
