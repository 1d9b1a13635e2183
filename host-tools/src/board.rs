//! The QEMU boards the firmware runs on (their QEMU arguments: [`crate::qemu`]).

/// One emulated board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Board {
    /// QEMU's `-machine` name, also the firmware's cargo feature.
    pub name: &'static str,
    /// The core.
    pub core: &'static str,
    /// The Rust target triple.
    pub target: &'static str,
    /// Whether the core has a hardware FPU.
    pub fpu: bool,
    /// The board's RAM in bytes (what a real chip of the kind would have for the small boards).
    pub ram: u32,
    /// Core clock in Hz (QEMU's virtual clock).
    pub clock_hz: u32,
}

/// Every supported board, the default first.
pub const BOARDS: [Board; 5] = [
    Board {
        name: "mps2-an386",
        core: "Cortex-M4F",
        target: "thumbv7em-none-eabihf",
        fpu: true,
        ram: 4 << 20,
        clock_hz: 25_000_000,
    },
    Board {
        name: "mps2-an500",
        core: "Cortex-M7",
        target: "thumbv7em-none-eabihf",
        fpu: true,
        ram: 4 << 20,
        clock_hz: 25_000_000,
    },
    Board {
        name: "mps2-an505",
        core: "Cortex-M33",
        target: "thumbv8m.main-none-eabihf",
        fpu: true,
        ram: 4 << 20,
        clock_hz: 20_000_000,
    },
    Board {
        name: "lm3s6965evb",
        core: "Cortex-M3",
        target: "thumbv7m-none-eabi",
        fpu: false,
        ram: 64 << 10,
        clock_hz: 12_500_000,
    },
    Board {
        name: "microbit",
        core: "Cortex-M0",
        target: "thumbv6m-none-eabi",
        fpu: false,
        ram: 16 << 10,
        clock_hz: 16_000_000,
    },
];

/// The board of that name.
pub fn find(name: &str) -> Option<Board> {
    BOARDS.iter().copied().find(|b| b.name == name)
}

/// The board named `name`, or a message that lists the boards (the parser of the commands'
/// `--board`).
pub fn parse(name: &str) -> Result<Board, String> {
    <Board as clap::ValueEnum>::from_str(name, false)
        .map_err(|_| format!("unknown board {name:?}; choose one of {}", names()))
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
    BOARDS.map(|b| b.name).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boards_parse_by_name() {
        for b in BOARDS {
            assert_eq!(parse(b.name), Ok(b));
        }
        assert_eq!(
            parse("esp32").unwrap_err(),
            "unknown board \"esp32\"; choose one of mps2-an386, mps2-an500, mps2-an505, lm3s6965evb, microbit"
        );
    }
}
