//! The application's build script: the model file as Rust constants (`model.rs`), with no
//! board (each board package's build script writes its memory map and checks the model
//! against it). See the `tinymlp-firmware-build` crate.

fn main() {
    tinymlp_firmware_build::app();
}
