//! `tinymlp bench`: instructions per forward pass on the emulated boards; core clock cycles
//! on a board on a serial port.

use anyhow::{Result, ensure};
use std::path::PathBuf;
use tinymlp_host::bench::{self, DeviceBench};
use tinymlp_host::board::{self, BOARDS, Board};
use tinymlp_host::device;
use tinymlp_host::report::write_json;

#[derive(clap::Args)]
pub struct Args {
    /// Boards (default: every emulated board).
    #[arg(long, value_parser = board::parse)]
    board: Vec<Board>,
    /// Model file (JSON or binary, `f32` or int8).
    #[arg(long, default_value = "firmware/models/moons-mlp.json")]
    model: PathBuf,
    /// Forward passes to time.
    #[arg(long, default_value_t = 20)]
    reps: u32,
    /// Also write the results as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// With `--port`: the board's firmware ELF, for its flash and RAM figures.
    #[arg(long, requires = "port")]
    elf: Option<PathBuf>,
    #[command(flatten)]
    port: super::port::Port,
}

/// Measures each board in the `release` profile (the pass, the layers) and the `small` one.
fn measure(board: Board, a: &Args, shapes: &[(usize, usize)]) -> Result<DeviceBench> {
    // The sizes, the stack and the pass from the inference firmware; the per-layer profile
    // from the same firmware built with the `profile` feature.
    let elf = device::build_firmware(board, &a.model, true)?;
    let mut r = bench::bench_board(board, &elf, shapes, a.reps)?;
    let profiled = device::build_firmware_with(board, &a.model, true, &["profile"])?;
    r.layers = bench::bench_board(board, &profiled, shapes, a.reps)?.layers;
    let small = device::build_firmware_profile(board, &a.model, true, &[], "small")?;
    let s = bench::bench_board(board, &small, shapes, a.reps)?;
    r.small = Some(bench::Variant {
        profile: "small",
        instructions_per_forward: s.instructions_per_forward,
        sizes: s.sizes.ok_or_else(|| anyhow::anyhow!("{}: no sizes for the `small` build", board.name))?,
        stack_high_water: s.stack_high_water,
    });
    Ok(r)
}

/// Measures the board on the serial port: core clock cycles per forward pass (and per dense
/// layer, when its firmware was built with the `profile` feature).
fn on_port(a: &Args, dev: device::Device, shapes: &[(usize, usize)]) -> Result<()> {
    ensure!(a.board.len() <= 1, "with --port, --board names the one board on the port");
    let board = a.board.first().copied().unwrap_or(BOARDS[0]);
    let sizes = a.elf.as_deref().map(device::elf_sizes).transpose()?;
    let r = bench::bench_on(dev, board, sizes, shapes, a.reps)?;
    println!("board                {} ({})", r.board, r.core);
    println!("{:<20} {:.0}", format!("{} / forward", r.unit), r.instructions_per_forward);
    println!("{:<20} {:.2} ({} MACs)", format!("{} / MAC", r.unit), r.instructions_per_mac, r.macs);
    for (l, (i, o)) in r.layers.iter().zip(shapes) {
        println!("{:<20} {:.0} ({:.2} / MAC)", format!("dense {o}×{i}"), l.instructions, l.per_mac);
    }
    if let Some(s) = r.sizes {
        println!("flash                {} B\nstatic RAM           {} B", s.flash, s.ram);
    }
    println!("stack high-water     {} B", r.stack_high_water);
    if let Some(j) = &a.json {
        write_json(j, &r)?;
    }
    Ok(())
}

/// Measures every chosen board (or the board on `--port`) and prints the tables.
pub fn run(a: Args) -> Result<()> {
    let m = tinymlp_host::compare::load_host_model(&a.model).map_err(anyhow::Error::msg)?;
    let shapes = m.dense_shapes();
    if let Some(dev) = a.port.open()? {
        return on_port(&a, dev, &shapes);
    }
    let chosen: Vec<Board> = if a.board.is_empty() { board::emulated() } else { a.board.clone() };
    let macs: usize = shapes.iter().map(|(i, o)| i * o).sum();
    super::require_qemu()?;
    println!(
        "| board | instructions / forward pass | instructions / MAC ({macs} MACs) | flash | static RAM | stack | `small` profile: instructions, flash, stack |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut all = Vec::new();
    for board in chosen {
        let r = measure(board, &a, &shapes)?;
        let small = r.small.as_ref().map_or(String::from("—"), |v| {
            format!("{:.0}, {} B, {} B", v.instructions_per_forward, v.sizes.flash, v.stack_high_water)
        });
        println!(
            "| {} ({}) | {:.0} | {:.2} | {} B | {} B | {} B | {small} |",
            r.board,
            r.core,
            r.instructions_per_forward,
            r.instructions_per_mac,
            r.sizes.map_or(0, |s| s.flash),
            r.sizes.map_or(0, |s| s.ram),
            r.stack_high_water
        );
        all.push(r);
    }
    println!();
    for r in &all {
        let Some(sizes) = r.sizes else { continue };
        let (linked, computed) = (sizes.model, sizes.model_compile_time);
        if (linked, computed) == (0, 0) {
            // An int8 firmware: its layers are several statics (and the compiler may fold
            // the smallest into the code), with no single `MODEL` to measure.
            continue;
        }
        let same = if linked == computed { "=" } else { "≠" };
        println!(
            "{}: the model in flash takes {linked} B (linker) {same} {computed} B (Footprint::MODEL_BYTES, compile time)",
            r.board
        );
    }
    println!();
    println!("Each dense layer's W·x + b on its own (instructions per call, per multiply-add):");
    println!();
    let header: Vec<String> = shapes.iter().map(|(i, o)| format!("{o}×{i}")).collect();
    println!("| board | {} | rest of the pass |", header.join(" | "));
    println!("|---|{}---|", "---|".repeat(shapes.len()));
    for r in &all {
        let cells: Vec<String> =
            r.layers.iter().map(|l| format!("{:.0} ({:.2})", l.instructions, l.per_mac)).collect();
        let dense: f64 = r.layers.iter().map(|l| l.instructions).sum();
        println!("| {} | {} | {:.0} |", r.board, cells.join(" | "), r.instructions_per_forward - dense);
    }
    if let Some(j) = &a.json {
        write_json(j, &all)?;
    }
    Ok(())
}
