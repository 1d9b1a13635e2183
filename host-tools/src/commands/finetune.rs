//! `tinymlp finetune`: fine-tuning on the emulated board (or a board on a serial port),
//! mirrored on the host, compared bit for bit.

use anyhow::{Result, ensure};
use std::path::PathBuf;
use tinymlp_host::board::{self, Board};
use tinymlp_host::finetune::{self, Plan};
use tinymlp_host::report::write_json;
use tinymlp_host::{compare, device};

#[derive(clap::Args)]
pub struct Args {
    /// Board (the micro:bit fine-tunes the last layer only: its 16 KiB of RAM hold no
    /// trainable copy of a whole model).
    #[arg(long, default_value = "mps2-an386", value_parser = board::parse)]
    board: Board,
    /// Model file (JSON or binary).
    #[arg(long, default_value = "out/model.json")]
    model: PathBuf,
    /// Labelled samples to fine-tune on: CSV with a header, the model's features (raw) and a
    /// label column (see `--label`).
    #[arg(long)]
    train_csv: PathBuf,
    /// Labelled rows to measure accuracy before and after.
    #[arg(long)]
    test_csv: PathBuf,
    /// The label column's name (default: the model file's `label`, else the last column).
    /// Class names are numbered in the model file's order of `classes`, else sorted;
    /// numbers are class indices, or values for regression.
    #[arg(long)]
    label: Option<String>,
    /// Rotate both sets by this many degrees about the moons' centre (a drifted
    /// distribution; rows of 2 features only).
    #[arg(long, default_value_t = 0.0)]
    rotate: f32,
    /// SGD learning rate.
    #[arg(long, default_value_t = 0.01)]
    lr: f32,
    /// Passes over the samples.
    #[arg(long, default_value_t = 1)]
    epochs: usize,
    /// Train only the last layer, the others fixed in flash (always on the micro:bit).
    #[arg(long)]
    last_layer: bool,
    /// Adam (Keras' defaults, the given learning rate) instead of plain SGD.
    #[arg(long)]
    adam: bool,
    /// Keep the fine-tuned model in the device's flash store (MPS2 boards) — only if it
    /// does not score worse on the test rows than before.
    #[arg(long)]
    save: bool,
    /// Also write the result as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Use this fine-tuning firmware ELF instead of building one; with `--port`, the board's
    /// firmware, for its static RAM figure.
    #[arg(long)]
    elf: Option<PathBuf>,
    #[command(flatten)]
    port: super::port::Port,
}

impl Args {
    /// The plan on the chosen board: the micro:bit's 16 KiB hold no trainable copy of the
    /// whole model, so it fine-tunes the last layer only.
    fn plan(&self) -> Plan {
        Plan {
            lr: self.lr,
            epochs: self.epochs,
            save: self.save,
            last_layer: self.last_layer || self.board.name == "microbit",
            adam: self.adam,
        }
    }
}

/// Builds the fine-tuning firmware, runs the steps on both sides, prints the outcome.
pub fn run(a: Args) -> Result<()> {
    let b = a.board;
    let plan = a.plan();
    super::check_lr(plan.lr)?;
    let m = compare::load_net(&a.model).map_err(anyhow::Error::msg)?;
    let (label, classes) = compare::file_labels(&a.model);
    let label = a.label.clone().or(label);
    let read = |p: &PathBuf| compare::read_rows(p, label.as_deref(), &classes).map_err(anyhow::Error::msg);
    let (mut train, mut test) = (read(&a.train_csv)?, read(&a.test_csv)?);
    if a.rotate != 0.0 {
        train = finetune::rotate_rows(&train, a.rotate).map_err(anyhow::Error::msg)?;
        test = finetune::rotate_rows(&test, a.rotate).map_err(anyhow::Error::msg)?;
    }
    let mut features = vec!["finetune"];
    if plan.last_layer {
        features.push("finetune-last");
    }
    if plan.adam {
        features.push("finetune-adam");
    }
    let opt = if plan.adam { "Adam" } else { "SGD" };
    println!(
        "fine-tuning on {} samples × {} ({opt} {}, one sample per step) ...",
        train.len(),
        plan.epochs,
        plan.lr
    );
    ensure!(
        !plan.save || (b.store && !plan.last_layer),
        "{} has no flash store in this firmware (boards with a `store` in firmware/boards.toml have one, for whole-network fine-tuning)",
        b.name
    );
    let f = match a.port.open()? {
        Some(dev) => {
            println!("(the board must run the firmware built with --features {})", features.join(","));
            let ram = a.elf.as_deref().map(device::elf_sizes).transpose()?.map(|s| s.ram);
            finetune::finetune_on(dev, b, ram, &m, &train, &test, &plan)?
        }
        None => {
            super::require_qemu()?;
            let elf = match &a.elf {
                Some(e) => e.clone(),
                None => {
                    println!("building the firmware for {} with {}", b.name, a.model.display());
                    device::build_firmware_with(b, &a.model, true, &features)?
                }
            };
            finetune::finetune(b, &elf, &m, &train, &test, &plan)?
        }
    };
    println!("board              {}", f.board);
    println!("steps              {}", f.steps);
    println!("mean loss          {:.4}", f.mean_loss);
    println!("accuracy before    {:.4}", f.accuracy_before);
    println!("accuracy after     {:.4}", f.accuracy_after);
    println!("device model       {}", f.device_model);
    println!("host model         {}", f.host_model);
    println!("differing weights  {} (max {} ULP)", f.differing_values, f.max_ulp);
    println!(
        "per step           {:.0} {} ({:.1}× a forward pass of {:.0})",
        f.instructions_per_step,
        f.unit,
        f.instructions_per_step / f.instructions_per_forward,
        f.instructions_per_forward
    );
    let (m, g, c) = f.training_ram_constants;
    println!(
        "RAM                stack high-water {} B (model {m} B + gradients {g} B + caches {c} B{}, from the layers), static {}",
        f.stack_high_water,
        if f.optimizer_ram > 0 { format!(" + Adam {} B", f.optimizer_ram) } else { String::new() },
        f.static_ram.map_or("unknown (--elf gives it)".into(), |r| format!("{r} B"))
    );
    match f.saved {
        Some((true, seq)) => println!("store              fine-tuned model saved (sequence {seq})"),
        Some((false, _)) => {
            println!("store              fine-tuned model scored worse: the stored model is kept")
        }
        None => {}
    }
    println!(
        "verdict            {}",
        if f.bit_exact { "device and host weights bit-identical" } else { "MISMATCH" }
    );
    if let Some(j) = &a.json {
        write_json(j, &f)?;
    }
    ensure!(f.bit_exact, "the device's weights differ from the host's");
    Ok(())
}
