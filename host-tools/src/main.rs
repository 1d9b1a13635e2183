//! The `tinymlp` command: train, evaluate, predict, summarise, export and plot the
//! tutorial's models.

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tinymlp::format::Meta;
use tinymlp_host::data::{Prediction, read_csv, write_csv, write_predictions};
use tinymlp_host::model_io::{self, FileFormat};
use tinymlp_host::plot;
use tinymlp_host::report::{Report, write_history_csv, write_json};
use tinymlp_host::train::{ModelKind, OptimizerKind, TrainOptions, Trained, train};

#[derive(Parser)]
#[command(name = "tinymlp", version, about = "Train, export, evaluate and plot tinymlp models")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train the tutorial's perceptron or MLP on moons (generated, or from CSV files).
    Train(TrainArgs),
    /// Loss, accuracy and AUC of a saved model on a labelled CSV.
    Eval {
        /// Model file (JSON or binary).
        #[arg(long)]
        model: PathBuf,
        /// CSV with columns x0, x1, label.
        #[arg(long)]
        data: PathBuf,
    },
    /// Probabilities and classes of a saved model for each row of a CSV.
    Predict {
        /// Model file (JSON or binary).
        #[arg(long)]
        model: PathBuf,
        /// CSV with columns x0, x1, label (the label is ignored).
        #[arg(long)]
        data: PathBuf,
        /// Where to write the predictions (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print a model's Keras-like summary and memory figures.
    Summary {
        /// Model file (JSON or binary).
        #[arg(long)]
        model: PathBuf,
    },
    /// Convert a model file to JSON, binary, or Rust source with `const` parameters.
    Export {
        /// Model file (JSON or binary).
        #[arg(long)]
        model: PathBuf,
        /// Output format.
        #[arg(long, value_enum)]
        format: FileFormat,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
    },
    /// Run a model on an emulated board and compare every output with the host's, bit for bit.
    Compare {
        /// Board: mps2-an386 (Cortex-M4F), mps2-an500, mps2-an505, lm3s6965evb, microbit.
        #[arg(long, default_value = "mps2-an386")]
        board: String,
        /// Model file (JSON or binary).
        #[arg(long, default_value = "out/model.json")]
        model: PathBuf,
        /// Rows to stream: CSV with columns x0, x1, label (raw features: the device scales).
        #[arg(long, default_value = "out/test.csv")]
        data: PathBuf,
        /// Use this firmware ELF instead of building one (it must hold the same model).
        #[arg(long)]
        elf: Option<PathBuf>,
        /// Also write the comparison as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Run one of the tutorial's experiments (or all): PNG figures, a markdown table, JSON.
    Experiment {
        /// Which experiment; all of them when omitted.
        #[arg(value_enum)]
        name: Option<tinymlp_host::experiments::Experiment>,
        /// Output directory.
        #[arg(long, default_value = "experiments")]
        out: PathBuf,
        /// A smaller, faster version.
        #[arg(long)]
        quick: bool,
    },
    /// Instructions per forward pass on emulated boards (QEMU -icount, deterministic): the
    /// whole pass, each dense layer on its own, flash, RAM and stack, in the firmware's
    /// `release` and `small` profiles; and the model's linked size against its compile-time one.
    Bench {
        /// Boards (default: all five).
        #[arg(long)]
        board: Vec<String>,
        /// Model file (JSON or binary).
        #[arg(long, default_value = "firmware/models/moons-mlp.json")]
        model: PathBuf,
        /// Forward passes to time.
        #[arg(long, default_value_t = 20)]
        reps: u32,
        /// Also write the results as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Fine-tune a model on the emulated board with samples streamed over the serial port,
    /// mirror the steps on the host, and compare the resulting weights bit for bit.
    Finetune {
        /// Board (not the micro:bit: its 16 KiB of RAM hold no trainable copy of this model).
        #[arg(long, default_value = "mps2-an386")]
        board: String,
        /// Model file (JSON or binary) of the tutorial's MLP.
        #[arg(long, default_value = "out/model.json")]
        model: PathBuf,
        /// Labelled samples to fine-tune on (raw coordinates).
        #[arg(long)]
        train_csv: PathBuf,
        /// Labelled rows to measure accuracy before and after.
        #[arg(long)]
        test_csv: PathBuf,
        /// Rotate both sets by this many degrees about the moons' centre (a drifted
        /// distribution).
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
    },
    /// Time the host workloads of the peers' comparison (median of runs); JSON with --json.
    Speed {
        /// Runs of each workload.
        #[arg(long, default_value_t = 15)]
        runs: usize,
        /// Print JSON (for bench/peers.py).
        #[arg(long)]
        json: bool,
    },
    /// Draw PNG figures like the tutorial's.
    Plot {
        #[command(subcommand)]
        what: PlotWhat,
    },
}

#[derive(Subcommand)]
enum PlotWhat {
    /// The activation functions and their derivatives.
    Activations {
        /// Output PNG.
        #[arg(long, default_value = "activations.png")]
        out: PathBuf,
    },
    /// Loss and accuracy per epoch, training vs validation, from a history CSV.
    History {
        /// `history.csv` written by `tinymlp train`.
        #[arg(long)]
        history: PathBuf,
        /// Output PNG.
        #[arg(long, default_value = "history.png")]
        out: PathBuf,
    },
    /// The model's decision boundary over the points of a CSV.
    Boundary {
        /// Model file (JSON or binary).
        #[arg(long)]
        model: PathBuf,
        /// CSV with columns x0, x1, label.
        #[arg(long)]
        data: PathBuf,
        /// Output PNG.
        #[arg(long, default_value = "boundary.png")]
        out: PathBuf,
    },
}

#[derive(clap::Args)]
struct TrainArgs {
    /// Which of the tutorial's models.
    #[arg(long, value_enum, default_value = "mlp")]
    model: ModelKind,
    /// Training CSV (x0, x1, label). Without it, moons are generated.
    #[arg(long, requires = "test_csv")]
    train_csv: Option<PathBuf>,
    /// Test CSV (x0, x1, label).
    #[arg(long, requires = "train_csv")]
    test_csv: Option<PathBuf>,
    /// Seed of weights, shuffling, dropout (and of generated data).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Epochs at most (default: the recipe's, 50 for the perceptron, 200 for the MLP).
    #[arg(long)]
    epochs: Option<u32>,
    /// Rows per step.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Learning rate (default: the recipe's).
    #[arg(long)]
    lr: Option<f32>,
    /// Optimiser (default: the recipe's, SGD for the perceptron, Adam for the MLP).
    #[arg(long, value_enum)]
    optimizer: Option<OptimizerKind>,
    /// Continue from a saved model of the same kind.
    #[arg(long)]
    init: Option<PathBuf>,
    /// Directory for the model, history and report.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// Generated moons: number of samples.
    #[arg(long, default_value_t = 2000)]
    samples: usize,
    /// Generated moons: noise.
    #[arg(long, default_value_t = 0.2)]
    noise: f32,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => cmd_train(args),
        Command::Eval { model, data } => cmd_eval(&model, &data),
        Command::Predict { model, data, out } => cmd_predict(&model, &data, out.as_deref()),
        Command::Summary { model } => cmd_summary(&model),
        Command::Export { model, format, out } => cmd_export(&model, format, &out),
        Command::Plot { what } => cmd_plot(what),
        Command::Experiment { name, out, quick } => cmd_experiment(name, &out, quick),
        Command::Bench { board, model, reps, json } => cmd_bench(&board, &model, reps, json.as_deref()),
        Command::Finetune {
            board,
            model,
            train_csv,
            test_csv,
            rotate,
            lr,
            epochs,
            last_layer,
            adam,
            save,
            json,
        } => {
            let plan = Plan { rotate, lr, epochs, last_layer, adam, save };
            cmd_finetune(&board, &model, &train_csv, &test_csv, plan, json.as_deref())
        }
        Command::Speed { runs, json } => {
            let s = tinymlp_host::speed::measure(runs.max(1));
            if json {
                println!("{}", serde_json::to_string(&s).unwrap_or_default());
            } else {
                println!(
                    "seed MLP epoch (Adam, BatchNorm, Dropout, validation): {:.3} ms",
                    s.seed_mlp_epoch * 1e3
                );
                println!("plain MLP epoch (SGD): {:.3} ms", s.plain_mlp_epoch_sgd * 1e3);
                println!("plain MLP, one row: {:.0} ns", s.plain_infer_one_row * 1e9);
                println!("plain MLP, 100k rows: {:.2} M rows/s", s.plain_infer_rows_per_s / 1e6);
                println!("seed MLP, 100k rows: {:.2} M rows/s", s.seed_infer_rows_per_s / 1e6);
                println!(
                    "plain MLP, 100k rows, {} threads: {:.2} M rows/s",
                    s.threads,
                    s.plain_infer_rows_per_s_threads / 1e6
                );
                println!(
                    "seed MLP, 100k rows, {} threads: {:.2} M rows/s",
                    s.threads,
                    s.seed_infer_rows_per_s_threads / 1e6
                );
            }
            Ok(())
        }
        Command::Compare { board, model, data, elf, json } => {
            cmd_compare(&board, &model, &data, elf.as_deref(), json.as_deref())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = (), E = Box<dyn std::error::Error>> = std::result::Result<T, E>;

fn cmd_train(a: TrainArgs) -> Result {
    let (train_set, test_set) = match (&a.train_csv, &a.test_csv) {
        (Some(tr), Some(te)) => (read_csv::<2>(tr, 2)?, read_csv::<2>(te, 2)?),
        _ => {
            if a.samples < 10 {
                return Err("--samples must be at least 10".into());
            }
            tinymlp_host::data::moons(a.samples, a.noise, a.seed)
        }
    };
    let mut opts = TrainOptions::recipe(a.model, a.seed);
    opts.batch_size = a.batch_size;
    if let Some(e) = a.epochs {
        opts.epochs = e;
    }
    if let Some(lr) = a.lr {
        if !(lr.is_finite() && lr > 0.0) {
            return Err(format!("--lr must be a positive number, got {lr}").into());
        }
        opts.lr = lr;
    }
    if let Some(o) = a.optimizer {
        opts.optimizer = o;
    }
    let init = match &a.init {
        Some(p) => Some(model_io::load_kind(p, a.model)?),
        None => None,
    };
    std::fs::create_dir_all(&a.out).map_err(|e| format!("cannot create {}: {e}", a.out.display()))?;
    let model_for_summary = match a.model {
        ModelKind::Mlp => Trained::Mlp(Box::new(tinymlp::zoo::seed_mlp())),
        ModelKind::Perceptron => Trained::Perceptron(Box::new(tinymlp::zoo::perceptron())),
    };
    println!("{}", model_for_summary.summary());
    println!(
        "training on {} rows ({} for validation), testing on {} rows",
        train_set.len(),
        train_set.len() - tinymlp::validation_split_index(train_set.len(), opts.validation_split),
        test_set.len()
    );

    let bar = std::io::stderr().is_terminal().then(|| {
        let b = ProgressBar::new(opts.epochs as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:30} epoch {pos}/{len} {msg}").expect("valid template"),
        );
        b
    });
    let mut progress = |r: &tinymlp_host::train::EpochRecord, _epochs: u32| {
        let line = format!(
            "loss {:.4} accuracy {:.4} val_loss {:.4} val_accuracy {:.4} val_auc {:.4} lr {:.2e}",
            r.loss,
            r.accuracy.unwrap_or(f32::NAN),
            r.val_loss.unwrap_or(f32::NAN),
            r.val_accuracy.unwrap_or(f32::NAN),
            r.val_auc.unwrap_or(f32::NAN),
            r.lr
        );
        match &bar {
            Some(b) => {
                b.set_position(r.epoch as u64);
                b.set_message(line);
            }
            None => println!("epoch {:3}: {line}", r.epoch),
        }
    };
    let out = train(&opts, &train_set, init.as_ref(), &mut progress)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let test = out.model.evaluate(&test_set);
    let checkpoint_metrics = out.checkpoint.as_ref().map(|c| c.evaluate(&test_set));
    let kind = match a.model {
        ModelKind::Mlp => "mlp",
        ModelKind::Perceptron => "perceptron",
    };
    let meta = [
        ("model", Meta::Text(kind)),
        ("seed", Meta::Int(a.seed as i64)),
        ("epochs_run", Meta::Int(out.run.epochs_run as i64)),
        ("test_accuracy", Meta::Float(test.accuracy as f64)),
        ("test_auc", Meta::Float(test.auc as f64)),
        ("test_loss", Meta::Float(test.loss as f64)),
        ("tool", Meta::Text(concat!("tinymlp ", env!("CARGO_PKG_VERSION")))),
    ];
    model_io::save(&out.model, &a.out.join("model.json"), FileFormat::Json, &meta, "training")?;
    if let Some(c) = &out.checkpoint {
        model_io::save(c, &a.out.join("checkpoint.json"), FileFormat::Json, &meta[..3], "training")?;
    }
    write_history_csv(&a.out.join("history.csv"), &out.run.history)?;
    write_json(&a.out.join("history.json"), &out.run.history)?;
    write_csv(&a.out.join("test.csv"), &test_set)?;
    let report = Report::new(&out, test, checkpoint_metrics, (train_set.len(), test_set.len()), &opts);
    write_json(&a.out.join("report.json"), &report)?;
    println!(
        "epochs run {}{}; test accuracy {:.4}, AUC {:.4}, loss {:.4}; {:.2} ms per epoch",
        out.run.epochs_run,
        out.run
            .best_epoch
            .map(|b| format!(" (best val_loss at epoch {b}, weights restored)"))
            .unwrap_or_default(),
        test.accuracy,
        test.auc,
        test.loss,
        report.ms_per_epoch
    );
    println!("wrote {}/{{model.json, history.csv, history.json, report.json, test.csv}}", a.out.display());
    Ok(())
}

fn cmd_eval(model: &Path, data: &Path) -> Result {
    let m = model_io::load(model)?;
    let d = read_csv::<2>(data, 2)?;
    let e = m.evaluate(&d);
    println!("rows {}", d.len());
    println!("loss {:.6}", e.loss);
    println!("accuracy {:.4}", e.accuracy);
    println!("auc {:.6} (exact; 200-threshold: {:.6})", e.auc, e.auc_thresholded);
    Ok(())
}

fn cmd_predict(model: &Path, data: &Path, out: Option<&Path>) -> Result {
    let m = model_io::load(model)?;
    let d = read_csv::<2>(data, 2)?;
    let rows: Vec<Prediction> = d.x.iter().map(|x| Prediction::new(*x, m.predict(x))).collect();
    match out {
        Some(p) => {
            let file = std::fs::File::create(p).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
            write_predictions(file, &rows).map_err(|e| format!("cannot write {}: {e}", p.display()))?
        }
        None => write_predictions(std::io::stdout().lock(), &rows)?,
    }
    Ok(())
}

fn cmd_summary(model: &Path) -> Result {
    let m = model_io::load(model)?;
    println!("{}", m.summary());
    println!("{}", m.memory());
    Ok(())
}

fn cmd_export(model: &Path, format: FileFormat, out: &Path) -> Result {
    let m = model_io::load(model)?;
    model_io::save(&m, out, format, &[], &model.display().to_string())?;
    println!("wrote {} ({:?})", out.display(), format);
    Ok(())
}

fn cmd_plot(what: PlotWhat) -> Result {
    match what {
        PlotWhat::Activations { out } => plot::activations(&out)?,
        PlotWhat::History { history, out } => {
            let h = tinymlp_host::report::read_history_csv(&history)?;
            plot::history(&h, &out)?
        }
        PlotWhat::Boundary { model, data, out } => {
            let m = model_io::load(&model)?;
            let d = read_csv::<2>(&data, 2)?;
            plot::boundary(&[("model", &m)], &d, &out)?
        }
    }
    Ok(())
}

fn cmd_compare(board: &str, model: &Path, data: &Path, elf: Option<&Path>, json: Option<&Path>) -> Result {
    use tinymlp_host::{board as boards, compare, device};
    let b = boards::find(board)
        .ok_or_else(|| format!("unknown board {board:?}; choose one of {}", boards::names()))?;
    let m = model_io::load(model)?;
    let d = read_csv::<2>(data, 2)?;
    if !device::qemu_available() {
        return Err(device::DeviceError::NoQemu.into());
    }
    let elf = match elf {
        Some(e) => e.to_path_buf(),
        None => {
            println!("building the firmware for {} ({}) with {}", b.name, b.target, model.display());
            device::build_firmware(b, model, true)?
        }
    };
    println!("running {} rows on QEMU {} ...", d.len(), b.name);
    let c = compare::compare(b, &elf, &m, &d)?;
    print!("{}", c.table());
    if let Some(j) = json {
        write_json(j, &c)?;
    }
    if c.ok {
        Ok(())
    } else {
        Err(format!(
            "the device did not match the host on every row ({} of {} bit-exact)",
            c.bit_exact_rows, c.rows
        )
        .into())
    }
}

fn cmd_experiment(name: Option<tinymlp_host::experiments::Experiment>, out: &Path, quick: bool) -> Result {
    use clap::ValueEnum;
    use tinymlp_host::experiments::{Experiment, run};
    let all: Vec<Experiment> = match name {
        Some(e) => vec![e],
        None => Experiment::value_variants().to_vec(),
    };
    for e in all {
        let f = run(e, quick, out)?;
        println!("== {} ==", f.name);
        for r in &f.rows {
            println!("  {}", r.join(" | "));
        }
        println!("  {}", f.conclusion);
        println!("  wrote {}/{}.{{png,md,json}}", out.display(), f.name);
    }
    Ok(())
}

fn cmd_bench(boards: &[String], model: &Path, reps: u32, json: Option<&Path>) -> Result {
    use tinymlp_host::{bench, board as b, device};
    let chosen: Vec<b::Board> = if boards.is_empty() {
        b::BOARDS.to_vec()
    } else {
        boards
            .iter()
            .map(|n| b::find(n).ok_or_else(|| format!("unknown board {n:?}; choose one of {}", b::names())))
            .collect::<std::result::Result<_, _>>()?
    };
    let m = model_io::load(model)?;
    let shapes = m.dense_shapes();
    let macs: usize = shapes.iter().map(|(i, o)| i * o).sum();
    if !device::qemu_available() {
        return Err(device::DeviceError::NoQemu.into());
    }
    println!(
        "| board | instructions / forward pass | instructions / MAC ({macs} MACs) | flash | static RAM | stack | `small` profile: instructions, flash, stack |"
    );
    println!("|---|---|---|---|---|---|---|");
    let mut all = Vec::new();
    for board in chosen {
        // The sizes, the stack and the pass from the inference firmware; the per-layer
        // profile from the same firmware built with the `profile` feature.
        let elf = device::build_firmware(board, model, true)?;
        let mut r = bench::bench_board(board, &elf, &shapes, reps)?;
        let profiled = device::build_firmware_with(board, model, true, &["profile"])?;
        r.layers = bench::bench_board(board, &profiled, &shapes, reps)?.layers;
        let small = device::build_firmware_profile(board, model, true, &[], "small")?;
        let s = bench::bench_board(board, &small, &shapes, reps)?;
        r.small = Some(bench::Variant {
            profile: "small",
            instructions_per_forward: s.instructions_per_forward,
            sizes: s.sizes,
            stack_high_water: s.stack_high_water,
        });
        let small = r.small.as_ref().map_or(String::from("—"), |v| {
            format!("{:.0}, {} B, {} B", v.instructions_per_forward, v.sizes.flash, v.stack_high_water)
        });
        println!(
            "| {} ({}) | {:.0} | {:.2} | {} B | {} B | {} B | {small} |",
            r.board,
            r.core,
            r.instructions_per_forward,
            r.instructions_per_mac,
            r.sizes.flash,
            r.sizes.ram,
            r.stack_high_water
        );
        all.push(r);
    }
    println!();
    for r in &all {
        let (linked, computed) = (r.sizes.model, r.sizes.model_compile_time);
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
    if let Some(j) = json {
        write_json(j, &all)?;
    }
    Ok(())
}

/// How to fine-tune.
struct Plan {
    rotate: f32,
    lr: f32,
    epochs: usize,
    last_layer: bool,
    adam: bool,
    save: bool,
}

fn cmd_finetune(
    board: &str,
    model: &Path,
    train_csv: &Path,
    test_csv: &Path,
    plan: Plan,
    json: Option<&Path>,
) -> Result {
    let Plan { rotate, lr, epochs, last_layer, adam, save } = plan;
    use tinymlp_host::{board as boards, device, finetune};
    let b = boards::find(board)
        .ok_or_else(|| format!("unknown board {board:?}; choose one of {}", boards::names()))?;
    // The micro:bit's 16 KiB hold no trainable copy of the whole model: the last layer only.
    let last_layer = last_layer || b.name == "microbit";
    if !(lr.is_finite() && lr > 0.0) {
        return Err(format!("--lr must be a positive number, got {lr}").into());
    }
    let m = match model_io::load_kind(model, ModelKind::Mlp)? {
        Trained::Mlp(m) => m,
        Trained::Perceptron(_) | Trained::Plain(_) => return Err("fine-tuning needs the MLP".into()),
    };
    let (train, test) = (read_csv::<2>(train_csv, 2)?, read_csv::<2>(test_csv, 2)?);
    let (train, test) = (finetune::rotate(&train, rotate), finetune::rotate(&test, rotate));
    if !device::qemu_available() {
        return Err(device::DeviceError::NoQemu.into());
    }
    println!("building the firmware for {} with {}", b.name, model.display());
    let mut features = vec!["finetune"];
    if last_layer {
        features.push("finetune-last");
    }
    if adam {
        features.push("finetune-adam");
    }
    let elf = device::build_firmware_with(b, model, true, &features)?;
    let opt = if adam { "Adam" } else { "SGD" };
    println!("fine-tuning on {} samples × {epochs} ({opt} {lr}, one sample per step) ...", train.len());
    if save && (!b.name.starts_with("mps2") || last_layer) {
        return Err(format!(
            "{} has no flash store in this firmware (the MPS2 boards have one, for whole-network fine-tuning)",
            b.name
        )
        .into());
    }
    let plan = finetune::Plan { lr, epochs, save, last_layer, adam };
    let f = finetune::finetune(b, &elf, &m, &train, &test, &plan)?;
    println!("board              {}", f.board);
    println!("steps              {}", f.steps);
    println!("mean loss          {:.4}", f.mean_loss);
    println!("accuracy before    {:.4}", f.accuracy_before);
    println!("accuracy after     {:.4}", f.accuracy_after);
    println!("device model       {}", f.device_model);
    println!("host model         {}", f.host_model);
    println!("differing weights  {} (max {} ULP)", f.differing_values, f.max_ulp);
    println!(
        "per step           {:.0} instructions ({:.1}× a forward pass of {:.0})",
        f.instructions_per_step,
        f.instructions_per_step / f.instructions_per_forward,
        f.instructions_per_forward
    );
    let (m, g, c) = f.training_ram_constants;
    println!(
        "RAM                stack high-water {} B (model {m} B + gradients {g} B + caches {c} B{}, compile-time), static {} B",
        f.stack_high_water,
        if f.optimizer_ram > 0 { format!(" + Adam {} B", f.optimizer_ram) } else { String::new() },
        f.static_ram
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
    if let Some(j) = json {
        write_json(j, &f)?;
    }
    if f.bit_exact { Ok(()) } else { Err("the device's weights differ from the host's".into()) }
}
