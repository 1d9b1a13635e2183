//! Chooses the board's memory map and turns the model file into Rust constants.
//!
//! - Board: exactly one of the cargo features `mps2-an386`, `mps2-an500`, `mps2-an505`,
//!   `lm3s6965evb`, `microbit`; its `memory/<board>.x` becomes `memory.x`.
//! - Model: `TINYMLP_MODEL` (a JSON or binary model file written by `tinymlp`; default
//!   `models/moons-mlp.json`) is read with the core's own reader, checked, and written
//!   as `const` parameters (`model.rs`), so the weights live in flash and nothing is parsed
//!   at boot. Its id (the CRC-32 of its binary form) lets the host check it talks to the
//!   model it expects.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tinymlp::Layer;
use tinymlp::io::{bin_len, model_id, write_bin, write_rust};
use tinymlp::zoo;

const BOARDS: [(&str, &str); 5] = [
    ("mps2-an386", "thumbv7em-none-eabihf"),
    ("mps2-an500", "thumbv7em-none-eabihf"),
    ("mps2-an505", "thumbv8m.main-none-eabihf"),
    ("lm3s6965evb", "thumbv7m-none-eabi"),
    ("microbit", "thumbv6m-none-eabi"),
];

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let target = std::env::var("TARGET").unwrap();
    let chosen: Vec<_> = BOARDS
        .iter()
        .filter(|(b, _)| {
            std::env::var(format!("CARGO_FEATURE_{}", b.to_uppercase().replace('-', "_"))).is_ok()
        })
        .collect();
    let &(board, board_target) = match chosen.as_slice() {
        [one] => *one,
        _ => panic!("choose exactly one board feature: {:?}", BOARDS.map(|b| b.0)),
    };
    if target != board_target {
        panic!("board {board} needs --target {board_target} (building for {target})");
    }
    let memory = std::fs::read(format!("memory/{board}.x")).unwrap();
    std::fs::write(out.join("memory.x"), memory).unwrap();
    // cortex-m-rt's `device` feature includes `device.x` for the interrupt handlers' names;
    // the firmware polls its peripherals and names none (see `src/interrupts.rs`).
    std::fs::write(out.join("device.x"), "/* no interrupt handlers: the firmware polls */\n").unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory/{board}.x");
    println!("cargo:rustc-env=TINYMLP_BOARD={board}");

    println!("cargo:rerun-if-env-changed=TINYMLP_MODEL");
    let model =
        std::env::var("TINYMLP_MODEL").map(PathBuf::from).unwrap_or_else(|_| "models/moons-mlp.json".into());
    println!("cargo:rerun-if-changed={}", model.display());
    let source = generate(&model).unwrap_or_else(|e| panic!("TINYMLP_MODEL={}: {e}", model.display()));
    std::fs::write(out.join("model.rs"), source).unwrap();
}

fn emit<M: Layer>(m: &M, path: &Path) -> String {
    let id = model_id(m).expect("a model that was read is finite");
    // The binary form too: the self-test loads it on the device with the core's reader.
    let mut bin = vec![0u8; bin_len::<M>()];
    write_bin(m, &mut bin).expect("a model that was read is writable");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("model.bin"), bin).unwrap();
    let mut s = String::new();
    write_rust(m, &path.display().to_string(), &mut s).unwrap();
    writeln!(s, "\n/// CRC-32 of the model's binary form: the id the host checks.").unwrap();
    writeln!(s, "pub const MODEL_ID: u32 = {id:#010x};").unwrap();
    s
}

/// Reads the model file as one of the tutorial's architectures, with the loader the host
/// tools use too (`tinymlp::zoo::read_tutorial`).
fn generate(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    match zoo::read_tutorial(&bytes) {
        Ok(zoo::Tutorial::Seed(m)) => Ok(emit(&m, path)),
        Ok(zoo::Tutorial::Plain(m)) => Ok(emit(&m, path)),
        Ok(zoo::Tutorial::Perceptron(m)) => Ok(emit(&m, path)),
        Err(why) => Err(zoo::TUTORIAL_ARCHITECTURES
            .iter()
            .zip(why)
            .map(|(name, e)| format!("as the {name}: {e}"))
            .collect::<Vec<_>>()
            .join("; ")),
    }
}
