//! The firmware on QEMU's mps2-an386 (Cortex-M4F): the CMSDK UART 0 and FPGA I/O LED 0
//! (the application's MPS2 drivers), and the model store in the top of SSRAM1.
#![no_std]
#![no_main]

include!(concat!(env!("OUT_DIR"), "/board.rs"));

tinymlp_firmware::mps2_board!(uart0: 0x4000_4000, fpgaio: 0x4002_8000);
