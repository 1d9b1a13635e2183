//! The serial port on UART0 (the `uart` feature): GP0 (TX, pin 1) and GP1 (RX, pin 2) at
//! 115200 baud, 8N1, for a USB-serial adapter or a Debug Probe's UART, through embassy-rp's
//! blocking UART.

use embassy_rp::Peri;
use embassy_rp::peripherals::{PIN_0, PIN_1, UART0};
use embassy_rp::uart;

/// UART0 on GP0 (TX) and GP1 (RX).
pub struct Serial(uart::Uart<'static, uart::Blocking>);

impl Serial {
    /// Sets up UART0: 115200 baud, 8 data bits, no parity, one stop bit (embassy-rp's
    /// default).
    pub fn new(uart0: Peri<'static, UART0>, tx: Peri<'static, PIN_0>, rx: Peri<'static, PIN_1>) -> Self {
        Self(uart::Uart::new_blocking(uart0, tx, rx, uart::Config::default()))
    }
}

impl embedded_io::ErrorType for Serial {
    type Error = uart::Error;
}

impl embedded_io::Read for Serial {
    /// Waits for one byte and returns it (the UART's 32-byte receive FIFO keeps the bytes
    /// that arrive meanwhile).
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, uart::Error> {
        match buf.first_mut() {
            None => Ok(0),
            Some(first) => {
                let mut byte = [0u8; 1];
                self.0.blocking_read(&mut byte)?;
                *first = byte[0];
                Ok(1)
            }
        }
    }
}

impl embedded_io::Write for Serial {
    fn write(&mut self, buf: &[u8]) -> Result<usize, uart::Error> {
        embedded_io::Write::write(&mut self.0, buf)
    }

    fn flush(&mut self) -> Result<(), uart::Error> {
        // Waits until the last byte has left the transmitter.
        embedded_io::Write::flush(&mut self.0)
    }
}
