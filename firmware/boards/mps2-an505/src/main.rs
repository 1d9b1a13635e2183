//! The firmware on QEMU's mps2-an505 (Cortex-M33): the CMSDK UART 0 and FPGA I/O LED 0
//! (the application's MPS2 drivers), and the model store in the top of SSRAM1.
//! It boots in the Secure state: the peripherals' secure aliases.
#![no_std]
#![no_main]

include!(concat!(env!("OUT_DIR"), "/board.rs"));

tinymlp_firmware::mps2_board!(uart0: 0x5020_0000, fpgaio: 0x5030_2000);
