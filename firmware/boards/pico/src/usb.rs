//! The serial port over the Pico's USB (the default): a CDC-ACM device ("tinymlp", VID
//! 0x1209, PID 0x0001: pid.codes' test PID, for devices not sold) through embassy-usb on
//! embassy-rp's USB driver.
//!
//! The USB stack is asynchronous and the application reads and writes a blocking port, so
//! the two run side by side:
//!
//! - an [`InterruptExecutor`] on the software interrupt `SWI_IRQ_0` runs one task, the USB
//!   device and a bridge between its endpoints and two [`Pipe`]s (host to device, device to
//!   host);
//! - the application, in thread mode, reads and writes the pipes with `try_read` and
//!   `try_write`, waiting with `wfe` while a pipe is empty or full. The bridge runs `sev`
//!   after every change the application may wait for, so that a change between the
//!   application's check and its `wfe` is not missed.
//!
//! The pipes, the count of bytes not yet sent and the executor's own state are guarded by
//! critical sections (cortex-m's single-core one: `cpsid i`), which keep out every
//! interrupt whatever its priority; the executor's interrupt and the USB controller's
//! (embassy-rp's handler, at priority 0) preempt thread mode only.
//!
//! The host has opened the port when it sets DTR (Linux and macOS do when a program opens
//! the port; on Windows the program asks for it). Until then, and after the host closes
//! the port or the device is unplugged or reset, the application's output is dropped: a
//! write never waits for a host that is not reading. Bytes from the host are taken as soon
//! as the device is configured.
//! A packet already handed to the IN endpoint when the host closes the port stays there
//! (the driver cannot take it back), and the host reads it when it opens the port again:
//! up to 64 bytes of a reply that a host closing the port in the middle of it did not read.

use core::cell::Cell;
use core::convert::Infallible;
use core::sync::atomic::{AtomicBool, Ordering};

use cortex_m::asm;
use critical_section::Mutex;
use embassy_executor::InterruptExecutor;
use embassy_futures::join::join;
use embassy_futures::select::{Either, select};
use embassy_rp::interrupt::{InterruptExt, Priority};
use embassy_rp::peripherals::USB;
use embassy_rp::{Peri, bind_interrupts, interrupt, usb};
use embassy_sync::blocking_mutex::raw::CriticalSectionRawMutex;
use embassy_sync::pipe::Pipe;
use embassy_usb::class::cdc_acm::{CdcAcmClass, ControlChanged, Receiver, Sender, State};
use embassy_usb::driver::EndpointError;

/// pid.codes' vendor ID.
const VID: u16 = 0x1209;
/// pid.codes' test product ID, free for devices that are not distributed.
const PID: u16 = 0x0001;
/// The bulk endpoints' packet size (full-speed USB's largest).
const PACKET: usize = 64;
/// Bytes each pipe holds: four packets.
const PIPE: usize = 4 * PACKET;

/// Bytes from the host, for the application's reads.
static FROM_HOST: Pipe<CriticalSectionRawMutex, PIPE> = Pipe::new();
/// The application's output, for the bridge to send.
static TO_HOST: Pipe<CriticalSectionRawMutex, PIPE> = Pipe::new();
/// Whether the host has the port open (configured, DTR set): output is dropped otherwise.
static OPEN: AtomicBool = AtomicBool::new(false);
/// Bytes written by the application and not yet handed to the IN endpoint: those in
/// `TO_HOST` and the bridge's packet in flight. Changed with `TO_HOST` in one critical
/// section, so `flush` cannot miss a byte.
static UNSENT: Mutex<Cell<usize>> = Mutex::new(Cell::new(0));
/// The executor of the USB task.
static EXECUTOR: InterruptExecutor = InterruptExecutor::new();

bind_interrupts!(struct Irqs {
    USBCTRL_IRQ => usb::InterruptHandler<USB>;
});

#[interrupt]
unsafe fn SWI_IRQ_0() {
    // SAFETY: the executor's interrupt handler, and it is started before the interrupt is
    // unmasked (`InterruptExecutor::start` unmasks it).
    unsafe { EXECUTOR.on_interrupt() }
}

/// The USB serial port, as the application sees it.
pub struct Serial {
    _private: (),
}

impl Serial {
    /// Starts the USB device and its bridge on the interrupt executor. Call once (the
    /// executor panics when started twice).
    pub fn new(usb: Peri<'static, USB>) -> Self {
        // The lowest of the RP2040's four levels (the top two bits of the byte): the USB
        // controller's interrupt (0) and the timer's preempt the executor; all of them
        // preempt thread mode. Set before `start`, which unmasks it.
        interrupt::SWI_IRQ_0.set_priority(Priority::P3);
        let spawner = EXECUTOR.start(interrupt::SWI_IRQ_0);
        spawner.spawn(usb_serial(usb).expect("the USB task is spawned once"));
        Self { _private: () }
    }
}

/// The USB device and the bridge between its CDC-ACM endpoints and the pipes. Its buffers
/// live in the task's future, in static memory.
#[embassy_executor::task]
async fn usb_serial(usb: Peri<'static, USB>) {
    let driver = usb::Driver::new(usb, Irqs);
    let mut config = embassy_usb::Config::new(VID, PID);
    config.manufacturer = Some("tinymlp");
    config.product = Some("tinymlp");
    config.max_power = 100;
    config.max_packet_size_0 = PACKET as u8;

    let mut config_descriptor = [0u8; 128];
    let mut bos_descriptor = [0u8; 16];
    let mut msos_descriptor = [0u8; 0];
    let mut control_buf = [0u8; PACKET];
    let mut state = State::new();
    let mut builder = embassy_usb::Builder::new(
        driver,
        config,
        &mut config_descriptor,
        &mut bos_descriptor,
        &mut msos_descriptor,
        &mut control_buf,
    );
    let class = CdcAcmClass::new(&mut builder, &mut state, PACKET as u16);
    let mut device = builder.build();
    join(device.run(), bridge(class)).await;
}

type Driver<'d> = usb::Driver<'d, USB>;

/// Moves bytes between the endpoints and the pipes while the device is configured.
async fn bridge<'d>(class: CdcAcmClass<'d, Driver<'d>>) -> ! {
    let (mut sender, mut receiver, control) = class.split_with_control();
    loop {
        receiver.wait_connection().await;
        // Either ends when the endpoints are disabled (unplugged, reset, deconfigured).
        let _ = select(receive(&mut receiver), send(&mut sender, &control)).await;
        close();
    }
}

/// Host to device: every packet into `FROM_HOST`, waiting (the endpoint refusing packets)
/// while the pipe is full.
async fn receive<'d>(receiver: &mut Receiver<'d, Driver<'d>>) -> EndpointError {
    let mut packet = [0u8; PACKET];
    loop {
        match receiver.read_packet(&mut packet).await {
            Ok(n) => {
                FROM_HOST.write_all(&packet[..n]).await;
                asm::sev();
            }
            Err(e) => return e,
        }
    }
}

/// Device to host, while DTR is set: `TO_HOST` in packets.
async fn send<'d>(sender: &mut Sender<'d, Driver<'d>>, control: &ControlChanged<'_>) -> EndpointError {
    loop {
        while !control.dtr() {
            control.control_changed().await;
        }
        OPEN.store(true, Ordering::Relaxed);
        asm::sev();
        let closed = async {
            while control.dtr() {
                control.control_changed().await;
            }
        };
        match select(closed, forward(sender)).await {
            Either::First(()) => close(),
            Either::Second(e) => return e,
        }
    }
}

/// Sends `TO_HOST` packet by packet. A full packet is followed by a zero-length one when
/// nothing else is waiting: the host ends a bulk transfer at a short packet, and would
/// otherwise hold the bytes until more come.
async fn forward<'d>(sender: &mut Sender<'d, Driver<'d>>) -> EndpointError {
    let mut packet = [0u8; PACKET];
    loop {
        let n = TO_HOST.read(&mut packet).await;
        // Room in the pipe for a waiting write.
        asm::sev();
        if let Err(e) = sender.write_packet(&packet[..n]).await {
            return e;
        }
        if n == PACKET
            && TO_HOST.is_empty()
            && let Err(e) = sender.write_packet(&[]).await
        {
            return e;
        }
        critical_section::with(|cs| {
            let unsent = UNSENT.borrow(cs);
            unsent.set(unsent.get().saturating_sub(n));
        });
        // A waiting flush may be done.
        asm::sev();
    }
}

/// The host closed the port (or the device left the bus): drops the output not yet sent.
fn close() {
    critical_section::with(|cs| {
        OPEN.store(false, Ordering::Relaxed);
        TO_HOST.clear();
        UNSENT.borrow(cs).set(0);
    });
    asm::sev();
}

impl embedded_io::ErrorType for Serial {
    type Error = Infallible;
}

impl embedded_io::Read for Serial {
    /// Waits for at least one byte from the host, and returns those that have come.
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if let Ok(n) = FROM_HOST.try_read(buf) {
                // `try_read` wakes the bridge if it waits for room.
                return Ok(n);
            }
            asm::wfe();
        }
    }
}

impl embedded_io::Write for Serial {
    /// Queues what fits for the host, waiting for room while the host reads; drops `buf`
    /// when the port is not open.
    fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let queued = critical_section::with(|cs| {
                if !OPEN.load(Ordering::Relaxed) {
                    return Some(buf.len());
                }
                let n = TO_HOST.try_write(buf).ok()?;
                let unsent = UNSENT.borrow(cs);
                unsent.set(unsent.get() + n);
                Some(n)
            });
            if let Some(n) = queued {
                return Ok(n);
            }
            asm::wfe();
        }
    }

    /// Waits until every byte written has been handed to the IN endpoint (or dropped when
    /// the host closed the port).
    fn flush(&mut self) -> Result<(), Infallible> {
        while critical_section::with(|cs| OPEN.load(Ordering::Relaxed) && UNSENT.borrow(cs).get() > 0) {
            asm::wfe();
        }
        Ok(())
    }
}
