//! `--port` and `--baud`: the commands that talk to a device reach a board on a serial port
//! instead of starting QEMU.

use anyhow::{Context, Result};
use std::path::PathBuf;
use tinymlp_host::device::Device;

/// Where the device is, when it is not QEMU started by the command.
#[derive(clap::Args)]
pub struct Port {
    /// Talk to a board on this serial port (for example /dev/ttyACM0; or QEMU's UART on a
    /// pseudo-terminal, `-serial pty`) instead of building the firmware and starting QEMU.
    /// The board must be serving, with the firmware built for this model; `--board` names it.
    #[arg(long)]
    pub port: Option<PathBuf>,
    /// The serial port's baud rate (with `--port`).
    #[arg(long, default_value_t = 115_200)]
    pub baud: u32,
}

impl Port {
    /// The device on the port, when one was given.
    pub fn open(&self) -> Result<Option<Device>> {
        match &self.port {
            Some(p) => {
                println!("talking to the board on {} at {} baud", p.display(), self.baud);
                Ok(Some(Device::open(p, self.baud).with_context(|| format!("--port {}", p.display()))?))
            }
            None => Ok(None),
        }
    }
}
