//! `tinymlp bench`: instructions per forward pass on the emulated boards, counted
//! deterministically with QEMU's `-icount`; core clock cycles on a board over a serial port.

use crate::board::Board;
use crate::device::{Device, DeviceError, Sizes, elf_sizes};
use std::path::Path;
use tinymlp::{Layer, LayerKind};

/// QEMU's `-icount` shift: each instruction advances virtual time by 2^SHIFT ns, so the
/// timer (at the core clock f) advances f·2^SHIFT·10⁻⁹ ticks per instruction (1.6 at 25 MHz).
pub const ICOUNT_SHIFT: u32 = 6;

/// What the device's timer ticks are converted to: instructions under QEMU's `-icount`
/// (started by the host); on a serial port, core clock cycles when `board` is a real board
/// (its timer runs at the core clock: the DWT cycle counter on the cores that have one,
/// SysTick on the others), and plain `ticks` when it is an emulated board on a
/// pseudo-terminal (QEMU's virtual clock, not counted per instruction there). The ticks per
/// unit, and the unit's name.
pub fn unit(dev: &Device, board: Board, clock_hz: u32) -> (f64, &'static str) {
    if dev.is_emulated() {
        (clock_hz as f64 * (1u64 << ICOUNT_SHIFT) as f64 * 1e-9, "instructions")
    } else if board.qemu.is_some() {
        (1.0, "ticks")
    } else {
        (1.0, "cycles")
    }
}

/// What one board measured.
#[derive(Clone, Debug, serde::Serialize)]
pub struct DeviceBench {
    /// The board.
    pub board: &'static str,
    /// Its core.
    pub core: &'static str,
    /// What the counts below count: `instructions` (QEMU's `-icount`), `cycles` (a real
    /// board on a serial port, its core clock) or `ticks` (QEMU on a pseudo-terminal): see
    /// [`unit()`].
    pub unit: &'static str,
    /// Instructions (or cycles, see `unit`) per forward pass (timer reads subtracted).
    pub instructions_per_forward: f64,
    /// Multiply-adds of the model's dense layers per forward pass.
    pub macs: usize,
    /// Instructions per multiply-add (the whole pass: activations, BatchNorm, scaler
    /// included).
    pub instructions_per_mac: f64,
    /// Flash and static RAM, from the ELF (`None` on a serial port without an ELF).
    pub sizes: Option<Sizes>,
    /// Deepest stack use measured on the device, bytes.
    pub stack_high_water: u32,
    /// Each dense layer's `W·x + b` on its own (the profile of the pass; empty unless the
    /// firmware was built with the `profile` feature).
    pub layers: Vec<LayerCost>,
    /// The same firmware built for the smallest flash (cargo profile `small`), when measured.
    pub small: Option<Variant>,
}

/// A build of the same firmware in another cargo profile.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Variant {
    /// The cargo profile.
    pub profile: &'static str,
    /// Instructions per forward pass.
    pub instructions_per_forward: f64,
    /// Flash and static RAM, from the ELF.
    pub sizes: Sizes,
    /// Deepest stack use measured on the device, bytes.
    pub stack_high_water: u32,
}

/// The instructions of one dense layer's `W·x + b` in a forward pass.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LayerCost {
    /// Inputs of the layer.
    pub inputs: usize,
    /// Outputs of the layer.
    pub outputs: usize,
    /// Instructions per call (the device subtracts the timing's own cost).
    pub instructions: f64,
    /// Instructions per multiply-add.
    pub per_mac: f64,
}

/// The shapes (inputs, outputs) of a model's dense layers, in order.
pub fn dense_shapes<M: Layer>(m: &M) -> Vec<(usize, usize)> {
    let mut shapes = Vec::new();
    m.describe(&mut |i| {
        if let LayerKind::Dense(_) = i.kind {
            shapes.push((i.inputs, i.outputs));
        }
    });
    shapes
}

/// Multiply-adds of a model's dense layers.
pub fn macs<M: Layer>(m: &M) -> usize {
    dense_shapes(m).iter().map(|(i, o)| i * o).sum()
}

/// Runs `reps` forward passes of the firmware's model on `board` under `-icount` and
/// converts the timer ticks into instructions.
///
/// `shapes` are the model's dense layers (see [`dense_shapes`]); a firmware built with the
/// `profile` feature times each of them on its own too (otherwise `layers` is empty).
pub fn bench_board(
    board: Board,
    elf: &Path,
    shapes: &[(usize, usize)],
    reps: u32,
) -> Result<DeviceBench, DeviceError> {
    let icount = format!("shift={ICOUNT_SHIFT},align=off,sleep=off");
    let dev = Device::start_with(board, elf, &["-icount", &icount])?;
    bench_on(dev, board, Some(elf_sizes(elf)?), shapes, reps)
}

/// [`bench_board`] with a device already running (for example a board on a serial port,
/// [`Device::open`], where the counts are core clock cycles); `sizes` are its firmware's
/// when known.
pub fn bench_on(
    mut dev: Device,
    board: Board,
    sizes: Option<Sizes>,
    shapes: &[(usize, usize)],
    reps: u32,
) -> Result<DeviceBench, DeviceError> {
    let macs: usize = shapes.iter().map(|(i, o)| i * o).sum();
    let ([r, passes, empty, hz], layer_ticks) = dev.bench(reps)?;
    let stack = dev.info()?[5];
    let (ticks_per_instruction, unit) = unit(&dev, board, hz);
    let _ = dev.exit(0)?;
    if passes == 0 || r == 0 {
        return Err(DeviceError::Protocol(format!("{}: the timer did not advance", board.name)));
    }
    let per_pass = (passes as f64 - empty as f64) / r as f64 / ticks_per_instruction;
    if !layer_ticks.is_empty() && layer_ticks.len() != shapes.len() {
        return Err(DeviceError::Protocol(format!(
            "{}: the device timed {} dense layers, the model has {}",
            board.name,
            layer_ticks.len(),
            shapes.len()
        )));
    }
    let layers = shapes
        .iter()
        .zip(&layer_ticks)
        .map(|(&(inputs, outputs), &t)| {
            let instructions = t as f64 / r as f64 / ticks_per_instruction;
            LayerCost { inputs, outputs, instructions, per_mac: instructions / (inputs * outputs) as f64 }
        })
        .collect();
    Ok(DeviceBench {
        board: board.name,
        core: board.core,
        unit,
        instructions_per_forward: per_pass,
        macs,
        instructions_per_mac: per_pass / macs.max(1) as f64,
        sizes,
        stack_high_water: stack,
        layers,
        small: None,
    })
}
