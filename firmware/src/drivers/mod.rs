//! Register drivers that several boards share, for the board packages (the emulated boards
//! have no maintained HAL in QEMU's models): the MPS2 boards' CMSDK UART and LED, their
//! store memory, the register access under them, and a busy-wait delay.

pub mod cmsdk;
pub mod mem_flash;
pub mod mmio;
pub mod spin_delay;
