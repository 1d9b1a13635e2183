//! The emulated boards' platform: semihosting (see [`super`]).

#[cfg(not(feature = "tiny"))]
use defmt_semihosting as _;

/// Stops the firmware: QEMU exits with `code`.
pub fn exit(code: u8) -> ! {
    semihosting::process::exit(i32::from(code))
}

#[cfg(not(feature = "tiny"))]
/// `true` when QEMU was started with the argument `selftest` (the cargo runner does this).
pub fn self_test_requested() -> bool {
    match semihosting::experimental::env::args::<128>() {
        Ok(args) => args.into_iter().any(|a| a.map(|a| a == "selftest").unwrap_or(false)),
        Err(_) => false,
    }
}

/// Reports where the panic happened, not its message: formatting the message would bring
/// `core::fmt` into flash (about 3 KiB), and the firmware's paths return typed errors rather
/// than panic. The location leads to the message in the source. The `tiny` firmware has no
/// log: it exits with code 101 and reports nothing.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo) -> ! {
    #[cfg(not(feature = "tiny"))]
    match _info.location() {
        Some(l) => defmt::error!("panic at {=str}:{=u32}:{=u32}", l.file(), l.line(), l.column()),
        None => defmt::error!("panic"),
    }
    exit(101)
}
