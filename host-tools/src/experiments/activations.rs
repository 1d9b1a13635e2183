//! One network trained with relu, sigmoid, tanh, leaky relu and GELU hidden layers.

use super::{ExperimentError, Findings, Fit, curve, fit_logs, moons};
use crate::plot::{self, Panel};
use serde::Serialize;
use std::path::Path;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::*;

type ActNet = Sequential![Normalization<2>, Dense<2, 32>, Dense<32, 32>, Dense<32, 1>];

/// One activation's run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Run {
    /// The hidden layers' activation.
    pub activation: &'static str,
    /// The first epoch (from 1) with 95 % test accuracy, if one reached it.
    pub epochs_to_95: Option<u32>,
    /// Test accuracy after the last epoch.
    pub final_accuracy: f32,
    /// Test loss after the last epoch.
    pub final_loss: f32,
}

/// The runs, one per activation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Activations {
    /// Epochs of each run.
    pub epochs: u32,
    /// relu, sigmoid, tanh, leaky relu (α = 0.01, the tutorial's), gelu, in this order.
    pub runs: Vec<Run>,
}

impl Activations {
    /// The run of the activation named `name`.
    pub fn run_of(&self, name: &str) -> Option<&Run> {
        self.runs.iter().find(|r| r.activation == name)
    }
}

/// Trains the 2-32-32-1 network once per activation; draws `activations.png`.
pub fn run(quick: bool, out: &Path) -> Result<Activations, ExperimentError> {
    let (x, t, vx, vt) = moons(if quick { 400 } else { 1000 }, 1);
    let epochs = if quick { 30 } else { 60 };
    let acts = [
        ("relu", Activation::Relu),
        ("sigmoid", Activation::Sigmoid),
        ("tanh", Activation::Tanh),
        ("leaky relu (0.01)", Activation::LeakyRelu { alpha: 0.01 }),
        ("gelu", Activation::Gelu),
    ];
    let (mut loss_lines, mut acc_lines, mut runs) = (vec![], vec![], vec![]);
    for (name, a) in acts {
        let mut m: ActNet =
            sequential![Normalization::new(), Dense::new(a), Dense::new(a), Dense::new(Activation::Sigmoid)];
        m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(7));
        m.head.adapt(&x);
        let fit =
            Fit { x: &x, t: &t, val: (&vx, &vt), loss: Loss::BinaryCrossEntropy, epochs, batch: 32, seed: 7 };
        let logs = fit_logs(&mut m, &mut Sgd::new(0.1), fit)?;
        let last = logs
            .last()
            .and_then(|l| l.val)
            .map(|v| (v.loss, v.accuracy.unwrap_or(0.0)))
            .unwrap_or((f32::NAN, 0.0));
        runs.push(Run {
            activation: name,
            epochs_to_95: logs
                .iter()
                .find(|l| l.val.and_then(|v| v.accuracy).unwrap_or(0.0) >= 0.95)
                .map(|l| l.epoch + 1),
            final_accuracy: last.1,
            final_loss: last.0,
        });
        loss_lines.push((name.to_string(), curve(&logs, |l| l.val.map(|v| v.loss))));
        acc_lines.push((name.to_string(), curve(&logs, |l| l.val.and_then(|v| v.accuracy))));
    }
    plot::panels(
        &[
            Panel {
                title: "Test loss per epoch (2-32-32-1, SGD 0.1)".into(),
                x_label: "epoch".into(),
                y_label: "binary cross-entropy".into(),
                log_y: false,
                integer_x: true,
                lines: loss_lines,
                dots: vec![],
                ..Default::default()
            },
            Panel {
                title: "Test accuracy per epoch".into(),
                x_label: "epoch".into(),
                y_label: "accuracy (fraction correct)".into(),
                log_y: false,
                integer_x: true,
                lines: acc_lines,
                dots: vec![],
                ..Default::default()
            },
        ],
        &out.join("activations.png"),
    )?;
    Ok(Activations { epochs, runs })
}

impl Findings for Activations {
    const NAME: &'static str = "activations";

    fn columns(&self) -> Vec<String> {
        ["activation", "epochs to 95 % test accuracy", "final accuracy", "final loss"]
            .map(String::from)
            .to_vec()
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.runs
            .iter()
            .map(|r| {
                vec![
                    r.activation.to_string(),
                    r.epochs_to_95
                        .map(|e| e.to_string())
                        .unwrap_or_else(|| format!("not in {}", self.epochs)),
                    format!("{:.4}", r.final_accuracy),
                    format!("{:.4}", r.final_loss),
                ]
            })
            .collect()
    }

    fn conclusion(&self) -> String {
        let when = |name: &str| match self.run_of(name).and_then(|r| r.epochs_to_95) {
            Some(e) => format!("after {e} epochs"),
            None => format!("not within {} epochs", self.epochs),
        };
        format!(
            "The same 2-32-32-1 network with SGD(0.1) reaches 95 % test accuracy {} with relu hidden layers and {} \
             with sigmoid ones: a saturating activation learns slower.",
            when("relu"),
            when("sigmoid")
        )
    }
}
