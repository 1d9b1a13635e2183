//! The boards the firmware runs on, from the board table `firmware/boards.toml` (compiled
//! in; the firmware's build and the scripts read the same file). Their QEMU arguments:
//! [`crate::qemu`].

use std::sync::LazyLock;

/// The board table, `firmware/boards.toml`.
pub const TABLE: &str = include_str!("../../firmware/boards.toml");

/// One board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Board {
    /// The board's name: its package is `tinymlp-board-<name>` (`firmware/boards/<name>`);
    /// QEMU's `-machine` name on the emulated boards.
    pub name: &'static str,
    /// The core.
    pub core: &'static str,
    /// The Rust target triple.
    pub target: &'static str,
    /// Whether the core has a hardware FPU.
    pub fpu: bool,
    /// The board's flash (code memory, the store included) in bytes.
    pub flash: u32,
    /// The board's RAM in bytes.
    pub ram: u32,
    /// Core clock in Hz (QEMU's virtual clock on the emulated boards).
    pub clock_hz: u32,
    /// Whether the board has a flash model store.
    pub store: bool,
    /// The QEMU arguments that pick its machine and core (`None`: a real board).
    pub qemu: Option<&'static str>,
    /// The chip's name for `probe-rs` (real boards).
    pub chip: Option<&'static str>,
}

/// One `[[board]]` of the table as written.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    name: String,
    core: String,
    target: String,
    fpu: bool,
    clock_hz: u32,
    flash: [u32; 2],
    ram: [u32; 2],
    store: Option<[u32; 2]>,
    /// The second-stage bootloader's region at the start of `flash` (the RP2040's); read by
    /// the firmware's build only.
    #[serde(rename = "boot2")]
    _boot2: Option<[u32; 2]>,
    qemu: Option<String>,
    chip: Option<String>,
}

/// The table as written.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    qemu_common: String,
    board: Vec<Row>,
}

/// The table, parsed once. Its strings live as long as the program (a few bytes, once).
static PARSED: LazyLock<(&'static str, Vec<Board>)> = LazyLock::new(|| {
    let t: Table = toml::from_str(TABLE).unwrap_or_else(|e| panic!("firmware/boards.toml: {e}"));
    let text = |s: String| -> &'static str { s.leak() };
    let boards = t
        .board
        .into_iter()
        .map(|r| Board {
            name: text(r.name),
            core: text(r.core),
            target: text(r.target),
            fpu: r.fpu,
            flash: r.flash[1],
            ram: r.ram[1],
            clock_hz: r.clock_hz,
            store: r.store.is_some(),
            qemu: r.qemu.map(text),
            chip: r.chip.map(text),
        })
        .collect();
    (text(t.qemu_common), boards)
});

/// Every board of the table, the default first.
pub static BOARDS: LazyLock<&'static [Board]> = LazyLock::new(|| PARSED.1.as_slice());

/// Every QEMU run's arguments (`qemu_common` in the table; see its header).
pub fn qemu_common() -> &'static str {
    PARSED.0
}

/// The emulated boards (those with QEMU arguments).
pub fn emulated() -> Vec<Board> {
    BOARDS.iter().copied().filter(|b| b.qemu.is_some()).collect()
}

/// The board of that name.
pub fn find(name: &str) -> Option<Board> {
    BOARDS.iter().copied().find(|b| b.name == name)
}

/// The board named `name`, or a message that lists the boards (the parser of the commands'
/// `--board`).
pub fn parse(name: &str) -> Result<Board, String> {
    find(name).ok_or_else(|| format!("unknown board {name:?}; choose one of {}", names()))
}

/// The boards as the values of a command-line argument.
impl clap::ValueEnum for Board {
    fn value_variants<'a>() -> &'a [Self] {
        &BOARDS
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name).help(self.core))
    }
}

/// The names, for messages.
pub fn names() -> String {
    BOARDS.iter().map(|b| b.name).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boards_parse_by_name() {
        for &b in BOARDS.iter() {
            assert_eq!(parse(b.name), Ok(b));
        }
        assert_eq!(
            parse("esp32").unwrap_err(),
            "unknown board \"esp32\"; choose one of mps2-an386, mps2-an500, mps2-an505, lm3s6965evb, microbit, microbit-v2, pico, nrf52840-dk"
        );
    }

    #[test]
    fn the_table_says_what_the_firmware_was_measured_on() {
        let an386 = find("mps2-an386").unwrap();
        assert_eq!(
            (an386.core, an386.target, an386.fpu, an386.ram, an386.clock_hz, an386.store),
            ("Cortex-M4F", "thumbv7em-none-eabihf", true, 4 << 20, 25_000_000, true)
        );
        let microbit = find("microbit").unwrap();
        assert_eq!(
            (microbit.ram, microbit.store, microbit.qemu),
            (16 << 10, false, Some("-machine microbit"))
        );
        assert_eq!(emulated().len(), 5);
        let v2 = find("microbit-v2").unwrap();
        assert_eq!(
            (v2.target, v2.fpu, v2.flash, v2.ram, v2.store, v2.qemu, v2.chip),
            ("thumbv7em-none-eabihf", true, 512 << 10, 128 << 10, true, None, Some("nRF52833_xxAA"))
        );
        let pico = find("pico").unwrap();
        assert_eq!(
            (pico.core, pico.target, pico.fpu, pico.flash, pico.ram, pico.clock_hz),
            ("Cortex-M0+", "thumbv6m-none-eabi", false, 2 << 20, 264 << 10, 125_000_000)
        );
        assert_eq!((pico.store, pico.qemu, pico.chip), (true, None, Some("RP2040")));
        let dk = find("nrf52840-dk").unwrap();
        assert_eq!(
            (dk.core, dk.flash, dk.ram, dk.store, dk.qemu, dk.chip),
            ("Cortex-M4F", 1 << 20, 256 << 10, true, None, Some("nRF52840_xxAA"))
        );
    }
}
