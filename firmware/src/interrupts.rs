//! The interrupt part of the vector table. The firmware polls its UART and timer and
//! enables no interrupt, so the table is as short as cortex-m-rt allows (it requires at
//! least one entry): without its `device` feature cortex-m-rt would place 240 entries
//! (960 bytes of flash) there. An interrupt that fired anyway would reach the default
//! handler, which reports it and stops.

/// One entry of the table.
#[repr(C)]
pub union Vector {
    handler: unsafe extern "C" fn(),
    _reserved: u32,
}

unsafe extern "C" {
    /// The default handler (`DefaultHandler` in `main.rs`).
    fn DefaultHandler();
}

/// Interrupt entries placed after the 16 system exceptions.
const ENTRIES: usize = 8;

#[unsafe(link_section = ".vector_table.interrupts")]
#[unsafe(no_mangle)]
#[used]
static __INTERRUPTS: [Vector; ENTRIES] = [const { Vector { handler: DefaultHandler } }; ENTRIES];
