//! The firmware's build scripts' shared code: the application's (`firmware/build/app.rs`, [`app`])
//! and every board package's (`firmware/boards/<name>/build.rs`, [`board`]).
//!
//! - Board: the package `tinymlp-board-<name>` is the `[[board]]` of that name in
//!   `boards.toml`, the board table; its memory map becomes `memory.x` (with the flash
//!   store's region as the symbols `_store_start` and `_store_end`, kept out of `FLASH`),
//!   its name, clock, flash origin and RAM the constants of `board.rs`.
//! - Model: `TINYMLP_MODEL` (a JSON or binary model file written by `tinymlp`; default
//!   `models/moons-mlp.json`; a relative path is taken from `firmware/`), of any
//!   architecture the readers accept, is read with the core's own reader and written as its
//!   const-generic type and `const` parameters (the application's `model.rs`), so the
//!   weights live in flash and nothing is parsed at boot. Its id (the CRC-32 of its binary
//!   form) lets the host check it talks to the model it expects.
//! - Budget: a model that cannot fit the board's flash or RAM (`boards.toml`) stops the
//!   board's build, with the bytes needed and available.
//!
//! Failures print one message and exit with status 1 (no panic, no backtrace).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use tinymlp::io::{model_id, write_rust};
use tinymlp::{Activation, Layer, LayerInfo, LayerKind};

#[path = "../../build/int8.rs"]
mod int8;

/// Flash the firmware takes besides the model: a lower bound (the smallest build measured,
/// TensorFlow Lite Micro's hello-world model in the `small` profile on the Cortex-M4F, has
/// 12.7 KB of code and constants besides its 1.3 KB model).
const CODE_FLASH: usize = 12 * 1024;
/// Stack the serving loop takes besides the frame buffers and the activations, and the
/// static RAM (measured: 2,168 B of stack in all with the seed MLP, 20 B of static RAM).
const SERVE_STACK: usize = 768;
/// The longest payload the protocol always accepts (`tinymlp_protocol::MAX_PAYLOAD`).
const MAX_PAYLOAD: usize = 256;

/// Whether the build script's package has the cargo feature `f`.
fn feature(f: &str) -> bool {
    std::env::var(format!("CARGO_FEATURE_{}", f.to_uppercase().replace('-', "_"))).is_ok()
}

/// The model file: `TINYMLP_MODEL`, a relative path taken from `firmware` (the directory of
/// the application and of the table), or the default model.
fn model_path(firmware: &Path) -> PathBuf {
    println!("cargo:rerun-if-env-changed=TINYMLP_MODEL");
    let model =
        std::env::var("TINYMLP_MODEL").map(PathBuf::from).unwrap_or_else(|_| "models/moons-mlp.json".into());
    let model = firmware.join(model);
    println!("cargo:rerun-if-changed={}", model.display());
    model
}

/// The application's build script: the model's `model.rs` (and `model.bin`), and the cfgs
/// `int8_model` (the model file is an int8 model) and `armv6m` (the Cortex-M0/M0+: Thumb-1
/// only, no 64-bit multiply; its int8 kernel is its own). Knows no board: the board
/// packages check the model against their memory ([`board`]).
pub fn app() {
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let target = std::env::var("TARGET").unwrap();
    println!("cargo::rustc-check-cfg=cfg(armv6m)");
    if target.starts_with("thumbv6m") {
        println!("cargo:rustc-cfg=armv6m");
    }
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let model = model_path(&here);
    println!("cargo::rustc-check-cfg=cfg(int8_model)");
    if let Some(source) = int8_model(&model, None) {
        if feature("finetune") {
            fail(&format!(
                "TINYMLP_MODEL={}: an int8 model is inference only (build without `finetune`)",
                model.display()
            ));
        }
        if feature("tiny") {
            for other in ["load-check", "profile", "rtt"] {
                if feature(other) {
                    fail(&format!("`tiny` is inference only: build it without `{other}`"));
                }
            }
        }
        std::fs::write(out.join("model.rs"), source).unwrap();
        println!("cargo:rustc-cfg=int8_model");
        return;
    }
    if feature("tiny") {
        fail(&format!("TINYMLP_MODEL={}: `tiny` takes an int8 model", model.display()));
    }
    let source = generate(&model, feature("finetune-last"), &out)
        .unwrap_or_else(|e| fail(&format!("TINYMLP_MODEL={}: {e}", model.display())));
    std::fs::write(out.join("model.rs"), source).unwrap();
}

/// A board package's build script: its row of the table (the package is
/// `tinymlp-board-<name>`) as `memory.x`, `board.rs` (`NAME`, `CLOCK_HZ`, `FLASH_ORIGIN`,
/// `RAM_BYTES`; the binary `include!`s it) and, on an emulated board, an empty `device.x`
/// (the application's short vector names no interrupt); then the model checked against the
/// board's flash and RAM with the package's features (the application's, forwarded).
pub fn board() {
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let target = std::env::var("TARGET").unwrap();
    let package = std::env::var("CARGO_PKG_NAME").unwrap();
    let Some(name) = package.strip_prefix("tinymlp-board-") else {
        fail(&format!("a board package is named tinymlp-board-<board of boards.toml>, not {package}"))
    };
    let firmware = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    let table_path = firmware.join("boards.toml");
    println!("cargo:rerun-if-changed={}", table_path.display());
    let table = std::fs::read_to_string(&table_path)
        .unwrap_or_else(|e| fail(&format!("{}: {e}", table_path.display())));
    let boards = read_boards(&table).unwrap_or_else(|e| fail(&format!("boards.toml: {e}")));
    let Some(row) = boards.iter().find(|b| b.name == name) else {
        fail(&format!(
            "boards.toml has no board {name} (package {package}); its boards: {:?}",
            boards.iter().map(|b| b.name.as_str()).collect::<Vec<_>>()
        ))
    };
    let board: &'static str = row.name.clone().leak();
    if target != row.target {
        fail(&format!("board {board} needs --target {} (building for {target})", row.target));
    }
    let (memory, regions) =
        row.memory_x().unwrap_or_else(|e| fail(&format!("boards.toml, board {board}: {e}")));
    std::fs::write(out.join("memory.x"), memory).unwrap();
    // cortex-m-rt's `device` feature includes `device.x` for the interrupt handlers' names.
    // On the emulated boards the firmware polls its peripherals and names none (the
    // application's short vector); a real board's HAL brings the chip's vector and `device.x`.
    if row.qemu {
        std::fs::write(out.join("device.x"), "/* no interrupt handlers: the firmware polls */\n").unwrap();
    }
    std::fs::write(
        out.join("board.rs"),
        format!(
            "/// The board's name (`boards.toml`; on the emulated boards QEMU's `-machine`).\n\
             pub const NAME: &str = {board:?};\n\
             /// The board's core clock in Hz (`boards.toml`).\npub const CLOCK_HZ: u32 = {};\n\
             /// The flash's origin (`boards.toml`): HAL flash drivers address it by offset.\n\
             #[allow(dead_code)]\npub const FLASH_ORIGIN: u32 = {:#x};\n\
             /// Bytes of RAM (`boards.toml`).\npub const RAM_BYTES: usize = {};\n",
            row.clock_hz, row.flash[0], regions.ram
        ),
    )
    .unwrap();
    println!("cargo:rustc-link-search={}", out.display());

    let model = model_path(&firmware);
    if int8_model(&model, Some(regions_of(row))).is_some() {
        return;
    }
    let build = Build {
        board,
        regions,
        store: row.store.is_some(),
        finetune: feature("finetune"),
        last_layer: feature("finetune-last"),
        adam: feature("finetune-adam"),
        load_check: feature("load-check"),
        profile: feature("profile"),
    };
    let layers =
        check(&model, &build).unwrap_or_else(|e| fail(&format!("TINYMLP_MODEL={}: {e}", model.display())));
    // The same limits again at compile time, over the core's constants (the application's
    // `assert_fits`).
    let mut facts = std::fs::read_to_string(out.join("board.rs")).unwrap();
    writeln!(
        facts,
        "// The model against the board's memory, at compile time.\nconst _: () = tinymlp_firmware::assert_fits({}, {}, {});",
        regions.flash.saturating_sub(CODE_FLASH),
        regions.ram.saturating_sub(SERVE_STACK),
        layers + 1
    )
    .unwrap();
    std::fs::write(out.join("board.rs"), facts).unwrap();
}

/// The lengths of the board's flash (less the store) and RAM regions.
fn regions_of(row: &BoardRow) -> Regions {
    row.memory_x().map(|(_, r)| r).unwrap_or(Regions { flash: 0, ram: 0 })
}

/// The `model.rs` of an int8 model file, or `None` when `path` is not one (an f32 model:
/// [`generate`]). Stops the build when the file claims to be int8 but is not a valid one, or
/// when it does not fit `regions` (a board's; `None`: the application, which knows none).
fn int8_model(path: &Path, regions: Option<Regions>) -> Option<String> {
    let bytes = std::fs::read(path).ok()?;
    if !tinymlp_net::QNet::is_qnet_file(&bytes) {
        return None;
    }
    let fail_model = |e: String| -> ! { fail(&format!("TINYMLP_MODEL={}: {e}", path.display())) };
    let net = tinymlp_net::QNet::read(&bytes).unwrap_or_else(|e| fail_model(e.to_string()));
    let (flash_left, ram_left) = match regions {
        Some(r) => {
            (r.flash.saturating_sub(CODE_FLASH), r.ram.saturating_sub(SERVE_STACK + 3 * (MAX_PAYLOAD + 4)))
        }
        None => (usize::MAX, usize::MAX),
    };
    Some(
        int8::emit(&net, &path.display().to_string(), flash_left, ram_left).unwrap_or_else(|e| fail_model(e)),
    )
}

/// Prints `message` as the build's error and stops the build (exit status 1, no backtrace).
fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

/// What is being built, as far as the model's memory goes.
struct Build {
    board: &'static str,
    regions: Regions,
    /// The board has a flash store.
    store: bool,
    finetune: bool,
    last_layer: bool,
    adam: bool,
    load_check: bool,
    profile: bool,
}

/// The lengths of the board's `FLASH` (less the store) and `RAM` regions.
#[derive(Clone, Copy)]
struct Regions {
    flash: usize,
    ram: usize,
}

/// One `[[board]]` of `boards.toml`: what the firmware's build needs of it.
struct BoardRow {
    name: String,
    target: String,
    clock_hz: u32,
    /// Origin and length of the code memory, of the RAM, and of the store when there is one.
    flash: [u64; 2],
    ram: [u64; 2],
    store: Option<[u64; 2]>,
    /// The second-stage bootloader's region at the start of the flash (the RP2040's).
    boot2: Option<[u64; 2]>,
    /// QEMU emulates it (else it is a real board, whose HAL brings the interrupt vector).
    qemu: bool,
}

/// The boards of the table, in order.
fn read_boards(text: &str) -> Result<Vec<BoardRow>, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
    let rows = table.get("board").and_then(toml::Value::as_array).ok_or("no [[board]]")?;
    rows.iter()
        .map(|row| {
            let name = row.get("name").and_then(toml::Value::as_str).ok_or("a [[board]] without a name")?;
            let text = |key: &str| {
                row.get(key)
                    .and_then(toml::Value::as_str)
                    .map(String::from)
                    .ok_or(format!("{name}: no {key}"))
            };
            let pair = |key: &str| -> Result<Option<[u64; 2]>, String> {
                let Some(v) = row.get(key) else { return Ok(None) };
                let bad = || format!("{name}: {key} is not [origin, length]");
                let a = v.as_array().ok_or_else(bad)?;
                match a.as_slice() {
                    [o, l] => Ok(Some([
                        o.as_integer().and_then(|x| u64::try_from(x).ok()).ok_or_else(bad)?,
                        l.as_integer().and_then(|x| u64::try_from(x).ok()).ok_or_else(bad)?,
                    ])),
                    _ => Err(bad()),
                }
            };
            let clock_hz = row
                .get("clock_hz")
                .and_then(toml::Value::as_integer)
                .and_then(|x| u32::try_from(x).ok())
                .ok_or(format!("{name}: no clock_hz"))?;
            Ok(BoardRow {
                name: name.to_string(),
                target: text("target")?,
                clock_hz,
                flash: pair("flash")?.ok_or(format!("{name}: no flash"))?,
                ram: pair("ram")?.ok_or(format!("{name}: no ram"))?,
                store: pair("store")?,
                boot2: pair("boot2")?,
                qemu: row.get("qemu").is_some(),
            })
        })
        .collect()
}

impl BoardRow {
    /// The linker's `memory.x`: `FLASH` is the code memory up to the store, which must sit at
    /// its top; the store's bounds are the symbols `_store_start` and `_store_end`. A
    /// second-stage bootloader (`boot2`) is the `BOOT2` region at the flash's start, and
    /// `FLASH` begins after it; its section, `.boot2` (the HAL's), goes there.
    fn memory_x(&self) -> Result<(String, Regions), String> {
        let [mut flash_at, mut flash_len] = self.flash;
        let mut boot2 = String::new();
        if let Some([at, len]) = self.boot2 {
            if at != flash_at || len >= flash_len {
                return Err("boot2 must be the start of the flash".into());
            }
            boot2 = format!("  BOOT2 : ORIGIN = {at:#010x}, LENGTH = {len:#x}\n");
            flash_at += len;
            flash_len -= len;
        }
        let [ram_at, ram_len] = self.ram;
        let code = match self.store {
            Some([at, len]) => {
                if at + len != flash_at + flash_len || at < flash_at {
                    return Err("the store must be the top of the flash".into());
                }
                at - flash_at
            }
            None => flash_len,
        };
        let mut s = format!(
            "/* {} (boards.toml), written by build.rs. */\nMEMORY\n{{\n{boot2}  FLASH : ORIGIN = {flash_at:#010x}, LENGTH = {code:#x}\n  RAM   : ORIGIN = {ram_at:#010x}, LENGTH = {ram_len:#x}\n}}\n",
            self.name
        );
        if self.boot2.is_some() {
            s += "/* The second-stage bootloader, first in the flash. */\n\
                  SECTIONS {\n  .boot2 ORIGIN(BOOT2) :\n  {\n    KEEP(*(.boot2));\n  } > BOOT2\n} INSERT BEFORE .text;\n";
        }
        s += &format!(
            "/* The core clock in Hz, as a symbol's address (the application's `clock_hz`). */\n_tinymlp_clock_hz = {};\n",
            self.clock_hz
        );
        if let Some([at, len]) = self.store {
            s += &format!(
                "/* The flash model store. */\n_store_start = {at:#010x};\n_store_end = {:#010x};\n",
                at + len
            );
        }
        let size = |x: u64| usize::try_from(x).map_err(|e| e.to_string());
        Ok((s, Regions { flash: size(code)?, ram: size(ram_len)? }))
    }
}

/// The model's layers as the core describes them.
fn layers<M: Layer>(m: &M) -> Vec<LayerInfo> {
    let mut v = Vec::new();
    m.describe(&mut |i| v.push(i));
    v
}

/// The memory a model needs, from its layers, computed as the core's compile-time
/// [`tinymlp::Footprint`] constants are (parameters, gradients, caches of one row), so that
/// the build can refuse a model before compiling it.
struct Budget {
    /// Flash needed: parameters, their second copy when the build has one, the binary file
    /// when the self-test loads it, and the firmware's code.
    flash: usize,
    /// What the flash figure is made of, for the message.
    flash_parts: Vec<(&'static str, usize)>,
    /// RAM needed: the stack of the serving loop, and with fine-tuning the trainable model,
    /// its gradients, its caches and the optimiser's state.
    ram: usize,
    /// What the RAM figure is made of, for the message.
    ram_parts: Vec<(&'static str, usize)>,
}

impl Budget {
    fn of(layers: &[LayerInfo], build: &Build, bin_len: usize) -> Self {
        let f32s = |n: usize| 4 * n;
        let parameters = f32s(layers.iter().map(|l| l.trainable + l.non_trainable).sum());
        // The activations a forward pass keeps on the stack at once (every layer's output).
        let activations = f32s(layers.iter().map(|l| l.outputs).sum::<usize>() + layers[0].inputs);
        let frame_payload = frame_payload(layers);
        let frames = 3 * (frame_payload + frame_payload / 254 + 2);
        let mut ram_parts = vec![("stack of the serving loop", SERVE_STACK + frames + activations)];
        let mut flash_parts = vec![("of parameters", parameters)];
        // The application loads the binary file only where its second copy of the model
        // takes at most half the RAM (`load_binary_fits` in `src/lib.rs`).
        if build.load_check && 2 * parameters <= build.regions.ram {
            flash_parts.push(("of their copy for the load check", parameters));
            flash_parts.push(("of the binary model file", bin_len));
        }
        if build.profile {
            flash_parts.push(("of their copy for the profile", parameters));
        }
        flash_parts.push(("of firmware code", CODE_FLASH));
        let flash = flash_parts.iter().map(|p| p.1).sum();
        if build.finetune {
            let trained: &[LayerInfo] = if build.last_layer { &layers[layers.len() - 1..] } else { layers };
            let trainable: usize = trained.iter().map(|l| l.trainable).sum();
            let model = f32s(trained.iter().map(|l| l.trainable + l.non_trainable).sum());
            // What one row's training pass keeps, layer by layer (the core's caches).
            let cache = |l: &LayerInfo| match l.kind {
                LayerKind::Dense(_) | LayerKind::Dropout { .. } => f32s(2 * l.outputs),
                LayerKind::BatchNorm { .. } => f32s(4 * l.outputs),
                LayerKind::Normalization => f32s(l.outputs),
                // A skip connection keeps its `x + L(x)` outputs per row.
                LayerKind::Residual { .. } => f32s(l.outputs),
            };
            ram_parts.push(("model", model));
            ram_parts.push(("gradients", f32s(trainable)));
            ram_parts.push(("training caches of one row", layers.iter().map(cache).sum()));
            if build.adam {
                ram_parts.push(("Adam's moments", 2 * f32s(trainable)));
            }
            // The loss guard's copy of the model (and of Adam's moments) during a step.
            let moments = if build.adam { 2 * f32s(trainable) } else { 0 };
            ram_parts.push(("the loss guard's copy", model + moments));
            if !build.last_layer && build.store {
                // `FlashStore::load` reads the stored file through a buffer on the stack.
                ram_parts.push(("the store's read buffer", 16 * 1024));
            }
        }
        let ram = ram_parts.iter().map(|p| p.1).sum();
        Self { flash, flash_parts, ram, ram_parts }
    }

    /// Why the model does not fit the board, if it does not.
    fn check(&self, build: &Build) -> Result<(), String> {
        let (flash, ram) = (build.regions.flash, build.regions.ram);
        let mut why = Vec::new();
        if self.flash > flash {
            let parts: Vec<String> =
                self.flash_parts.iter().map(|(what, b)| format!("{b} B {what}")).collect();
            why.push(format!(
                "flash: needs at least {} B ({}), {} has {} B",
                self.flash,
                parts.join(" + "),
                build.board,
                flash
            ));
        }
        if self.ram > ram {
            let parts: Vec<String> = self.ram_parts.iter().map(|(what, b)| format!("{b} B {what}")).collect();
            why.push(format!(
                "RAM: needs at least {} B ({}), {} has {} B",
                self.ram,
                parts.join(" + "),
                build.board,
                ram
            ));
        }
        if why.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "the model does not fit the board {}:\n  {}\n  (boards.toml; a smaller model, or a board with more memory)",
                build.board,
                why.join("\n  ")
            ))
        }
    }
}

/// Reads the model file and writes the application's `model.rs` (and `model.bin`);
/// `last_layer`: the firmware fine-tunes the last layer only (`finetune-last`).
fn generate(path: &Path, last_layer: bool, out: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let net = tinymlp_net::Net::read(&bytes).map_err(|e| e.to_string())?;
    let bin = net.to_bin().map_err(|e| e.to_string())?;
    emit(&net, &bin, path, last_layer, out)
}

/// Reads the model file and checks that it fits the board (`build`); the number of its
/// layers.
fn check(path: &Path, build: &Build) -> Result<usize, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let net = tinymlp_net::Net::read(&bytes).map_err(|e| e.to_string())?;
    let bin = net.to_bin().map_err(|e| e.to_string())?;
    let layers = layers(&net);
    if layers.is_empty() {
        return Err("the model has no layers".into());
    }
    Budget::of(&layers, build, bin.len()).check(build)?;
    Ok(layers.len())
}

/// The longest frame payload with this model's rows: kind, sequence, model id, length
/// (varints), values, CRC — an inference or training request, or an output reply (whose
/// values go through a scratch buffer of the payload less 28 bytes).
fn frame_payload(layers: &[LayerInfo]) -> usize {
    let (n, k) = (layers[0].inputs, layers.last().map_or(0, |l| l.outputs));
    MAX_PAYLOAD.max(1 + 1 + 5 + 4 + 3 + 4 * (n + k) + 4).max(28 + 4 * k)
}

/// The Rust type of one layer, with the kernel `K` (as [`write_rust`] writes it).
fn type_of(info: &LayerInfo) -> String {
    let names = info.kind.names();
    let k = if names.kernel { ", K" } else { "" };
    match info.kind {
        LayerKind::Dense(_) => format!("{}<{}, {}{k}>", names.rust, info.inputs, info.outputs),
        _ => format!("{}<{}{k}>", names.rust, info.outputs),
    }
}

/// The Rust type and kind of each item of the model's top-level sequence: a layer, or a
/// skip connection's marker and the layers it holds as `Residual<Sequential![…]>` (as
/// [`write_rust`] writes them).
fn items(layers: &[LayerInfo]) -> Vec<(String, LayerKind)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < layers.len() {
        let l = &layers[i];
        if let LayerKind::Residual { layers: n } = l.kind {
            let inner = &layers[(i + 1).min(layers.len())..(i + 1 + n as usize).min(layers.len())];
            let types: Vec<String> = items(inner).into_iter().map(|(t, _)| t).collect();
            out.push((format!("Residual<tinymlp::Sequential![{}]>", types.join(", ")), l.kind));
            i += 1 + n as usize;
        } else {
            out.push((type_of(l), l.kind));
            i += 1;
        }
    }
    out
}

/// The application's source for `m`: its type and parameters, its id, its loss, the type
/// that trains its last layer only, and the longest frame payload.
fn emit<M: Layer>(m: &M, bin: &[u8], path: &Path, last_layer: bool, out: &Path) -> Result<String, String> {
    let layers = layers(m);
    if layers.is_empty() {
        return Err("the model has no layers".into());
    }
    let items = items(&layers);
    if last_layer && !matches!(items[items.len() - 1].1, LayerKind::Dense(_)) {
        return Err("fine-tuning the last layer (`finetune-last`, and `finetune` on the micro:bit) needs a dense last layer".into());
    }
    let id = model_id(m).map_err(|e| e.to_string())?;
    // The binary form too: the self-test loads it on the device with the core's reader.
    std::fs::write(out.join("model.bin"), bin).unwrap();
    let mut s = String::new();
    write_rust(m, &path.display().to_string(), &mut s).unwrap();
    writeln!(s, "\n/// CRC-32 of the model's binary form: the id the host checks.").unwrap();
    writeln!(s, "pub const MODEL_ID: u32 = {id:#010x};").unwrap();

    // The loss fine-tuning minimises, from the output layer: cross-entropy for a softmax or
    // sigmoid classifier, mean squared error otherwise (regression).
    let loss = match m.output_activation() {
        Some(Activation::Softmax) => "CategoricalCrossEntropy",
        Some(Activation::Sigmoid) => "BinaryCrossEntropy",
        _ => "MeanSquaredError",
    };
    writeln!(s, "\n/// The loss of fine-tuning on the device (and of the host's mirror of it).").unwrap();
    writeln!(s, "pub const LOSS: tinymlp::Loss = tinymlp::Loss::{loss};").unwrap();

    // The model with every layer but the last fixed in flash (`finetune-last`).
    let last = items.len() - 1;
    writeln!(s, "\n/// The model with every layer but the last [`tinymlp::Fixed`] in flash: fine-tuning")
        .unwrap();
    writeln!(s, "/// trains the last layer only, in RAM.").unwrap();
    let mut ty: Vec<String> = items[..last].iter().map(|(t, _)| format!("tinymlp::Fixed<{t}>")).collect();
    ty.push(items[last].0.clone());
    writeln!(s, "pub type LastLayer<K = Canonical> = tinymlp::Sequential![{}];", ty.join(", ")).unwrap();
    writeln!(s, "\n/// `model` with every layer but the last fixed in place; the last layer is copied.")
        .unwrap();
    writeln!(s, "pub fn last_layer<K: Kernel>(model: &'static Model<K>) -> LastLayer<K> {{").unwrap();
    let mut values: Vec<String> =
        (0..last).map(|i| format!("tinymlp::Fixed(&model{}head)", ".tail".repeat(i) + ".")).collect();
    values.push(format!("model{}.clone()", ".tail".repeat(last)));
    writeln!(s, "    tinymlp::sequential![{}]", values.join(", ")).unwrap();
    writeln!(s, "}}").unwrap();

    writeln!(s, "\n/// The longest payload of a frame the firmware reads or writes with this model.")
        .unwrap();
    writeln!(s, "pub const FRAME_PAYLOAD: usize = {};", frame_payload(&layers)).unwrap();
    Ok(s)
}
