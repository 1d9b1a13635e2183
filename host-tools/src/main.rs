//! The `tinymlp` command: train, evaluate, predict, summarise, export and plot the
//! tutorial's models. This file parses the command line and dispatches; each subcommand is
//! a module of `commands`.

mod commands;

use clap::{Parser, Subcommand};
use commands::*;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "tinymlp", version, about = "Train, export, evaluate and plot tinymlp models")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train the tutorial's perceptron or MLP on moons (generated, or from CSV files).
    Train(train::Args),
    /// Loss, accuracy and AUC of a saved model on a labelled CSV.
    Eval(eval::Args),
    /// Probabilities and classes of a saved model for each row of a CSV.
    Predict(predict::Args),
    /// Print a model's Keras-like summary and memory figures.
    Summary(summary::Args),
    /// Convert a model file to JSON, binary, or Rust source with `const` parameters.
    Export(export::Args),
    /// Run a model on an emulated board and compare every output with the host's, bit for bit.
    Compare(compare::Args),
    /// Run one of the tutorial's experiments (or all): PNG figures, a markdown table, JSON.
    Experiment(experiment::Args),
    /// Instructions per forward pass on emulated boards (QEMU -icount, deterministic): the
    /// whole pass, each dense layer on its own, flash, RAM and stack, in the firmware's
    /// `release` and `small` profiles; and the model's linked size against its compile-time one.
    Bench(bench::Args),
    /// Fine-tune a model on the emulated board with samples streamed over the serial port,
    /// mirror the steps on the host, and compare the resulting weights bit for bit.
    Finetune(finetune::Args),
    /// Time the host workloads of the peers' comparison (median of runs); JSON with --json.
    Speed(speed::Args),
    /// Draw PNG figures like the tutorial's.
    Plot(plot::Args),
    /// Read a TensorFlow Lite model (`.tflite`, float or int8) as a tinymlp model file.
    Import(import::Args),
    /// Quantise an f32 model to int8 (post-training, calibrated on training rows): f32 and
    /// int8 accuracy, the largest output difference, parameter bytes.
    Quantize(quantize::Args),
}

fn main() -> ExitCode {
    restore_sigpipe();
    let result = match Cli::parse().command {
        Command::Train(a) => train::run(a),
        Command::Eval(a) => eval::run(a),
        Command::Predict(a) => predict::run(a),
        Command::Summary(a) => summary::run(a),
        Command::Export(a) => export::run(a),
        Command::Compare(a) => compare::run(a),
        Command::Experiment(a) => experiment::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Finetune(a) => finetune::run(a),
        Command::Speed(a) => speed::run(a),
        Command::Plot(a) => plot::run(a),
        Command::Import(a) => import::run(a),
        Command::Quantize(a) => quantize::run(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", message(&e));
            ExitCode::FAILURE
        }
    }
}

/// Lets a closed pipe end the program quietly, as it ends `cat` or `grep`
/// (`tinymlp summary … | head`): Rust's runtime ignores SIGPIPE, so a write to a closed
/// pipe would make `println!` panic instead.
fn restore_sigpipe() {
    // SAFETY: called first in `main`, before any thread starts; `SIG_DFL` is a valid
    // disposition for SIGPIPE.
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// The error and its causes, each cause once: the library's errors already name their
/// cause in their message, a context added here does not.
fn message(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text = format!("{text}: {cause}");
        }
    }
    text
}
