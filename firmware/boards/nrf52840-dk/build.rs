//! The board's memory map (`memory.x`) and facts (`board.rs`) from its row of
//! `firmware/boards.toml`, and the model checked against its flash and RAM.

fn main() {
    tinymlp_firmware_build::board();
}
