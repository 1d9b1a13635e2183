//! `tinymlp compare`: a model on an emulated board, or a board on a serial port, against the
//! host, bit for bit.

use anyhow::{Result, bail};
use std::path::PathBuf;
use tinymlp_host::board::{self, Board};
use tinymlp_host::report::write_json;
use tinymlp_host::{compare, device};

#[derive(clap::Args)]
pub struct Args {
    /// Board: mps2-an386 (Cortex-M4F), mps2-an500, mps2-an505, lm3s6965evb, microbit.
    #[arg(long, default_value = "mps2-an386", value_parser = board::parse)]
    board: Board,
    /// Model file (JSON or binary, `f32` or int8).
    #[arg(long, default_value = "out/model.json")]
    model: PathBuf,
    /// Rows to stream: CSV with a header, the model's features (raw: the device scales;
    /// by name when the model names them, else in order) and, for the accuracy, a label
    /// column (see `--label`); without one, only the outputs are compared.
    #[arg(long, default_value = "out/test.csv")]
    data: PathBuf,
    /// The label column's name (default: the model file's `label`, else `label`, else the
    /// last column of a file with one column more than the model's inputs).
    /// Class names are numbered in the model file's order of `classes`, else sorted;
    /// numbers are class indices, or values for regression.
    #[arg(long)]
    label: Option<String>,
    /// Use this firmware ELF instead of building one (it must hold the same model); with
    /// `--port`, the board's firmware, for its flash and RAM figures.
    #[arg(long)]
    elf: Option<PathBuf>,
    /// Also write the comparison as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    #[command(flatten)]
    port: super::port::Port,
}

/// Builds the firmware (unless given), streams the rows, prints the comparison.
pub fn run(a: Args) -> Result<()> {
    let b = a.board;
    let m = compare::load_host_model(&a.model).map_err(anyhow::Error::msg)?;
    let (model_label, classes) = compare::file_labels(&a.model);
    let features = compare::file_features(&a.model);
    let d = compare::read_rows_for(
        &a.data,
        a.label.as_deref(),
        model_label.as_deref().unwrap_or("label"),
        &classes,
        &features,
        m.inputs(),
    )
    .map_err(anyhow::Error::msg)?;
    let c = match a.port.open()? {
        Some(dev) => {
            // The sizes only when the board's ELF is given.
            let sizes = a.elf.as_deref().map(device::elf_sizes).transpose()?;
            println!("running {} rows on {} ...", d.len(), dev.name());
            compare::compare_on(dev, b, sizes, &*m, &d)?
        }
        None => {
            super::require_qemu()?;
            let elf = match a.elf {
                Some(e) => e,
                None => {
                    println!(
                        "building the firmware for {} ({}) with {}",
                        b.name,
                        b.target,
                        a.model.display()
                    );
                    device::build_firmware(b, &a.model, true)?
                }
            };
            println!("running {} rows on QEMU {} ...", d.len(), b.name);
            compare::compare(b, &elf, &*m, &d)?
        }
    };
    print!("{}", c.table());
    if let Some(j) = &a.json {
        write_json(j, &c)?;
    }
    if !c.ok {
        bail!(
            "the device did not match the host on every row ({} of {} bit-exact)",
            c.bit_exact_rows,
            c.rows
        );
    }
    Ok(())
}
