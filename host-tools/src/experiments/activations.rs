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

/// The tutorial's table of an activation's properties, with the derivative measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Property {
    /// The function.
    pub activation: &'static str,
    /// Its range (from its formula).
    pub range: &'static str,
    /// The largest derivative on z ∈ [-10, 10] (grid step 0.001).
    pub max_derivative: f32,
    /// f′(-5).
    pub derivative_at_minus_5: f32,
    /// f′(5).
    pub derivative_at_5: f32,
    /// Whether (and where) the gradient vanishes.
    pub vanishing_gradient: &'static str,
    /// Where the tutorial uses it.
    pub typical_use: &'static str,
}

/// The properties of the six activation functions, the derivatives measured with the
/// core's `scalar_derivative`.
pub fn properties() -> Vec<Property> {
    let rows: [(&str, Activation, &str, &str, &str); 6] = [
        ("sigmoid", Activation::Sigmoid, "(0, 1)", "yes, for z far from 0", "binary output layer"),
        (
            "tanh",
            Activation::Tanh,
            "(-1, 1)",
            "yes, for z far from 0",
            "hidden layers of small or recurrent networks",
        ),
        (
            "relu",
            Activation::Relu,
            "[0, ∞)",
            "no for z > 0; zero for z < 0 (dead neurons)",
            "hidden layers (default)",
        ),
        (
            "leaky relu (0.01)",
            Activation::LeakyRelu { alpha: 0.01 },
            "(-∞, ∞)",
            "no: 0.01 for z < 0",
            "hidden layers where relu units die",
        ),
        (
            "elu",
            Activation::Elu { alpha: 1.0 },
            "(-1, ∞)",
            "only for z ≪ 0",
            "hidden layers, smoother than relu",
        ),
        ("gelu", Activation::Gelu, "≈ [-0.17, ∞)", "only for z ≪ 0", "transformers' hidden layers"),
    ];
    rows.into_iter()
        .map(|(activation, a, range, vanishing_gradient, typical_use)| {
            let d = |z: f32| a.scalar_derivative(z).unwrap_or(f32::NAN);
            Property {
                activation,
                range,
                max_derivative: (0..=20_000)
                    .map(|i| d(-10.0 + i as f32 * 0.001))
                    .fold(f32::NEG_INFINITY, f32::max),
                derivative_at_minus_5: d(-5.0),
                derivative_at_5: d(5.0),
                vanishing_gradient,
                typical_use,
            }
        })
        .collect()
}

/// The runs, one per activation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Activations {
    /// The functions' properties.
    pub properties: Vec<Property>,
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
    Ok(Activations { properties: properties(), epochs, runs })
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

    fn appendix(&self) -> String {
        let mut md = String::from(
            "## The functions' properties\n\nThe derivatives are measured (`Activation::scalar_derivative`, \
             max over z ∈ [-10, 10] in steps of 0.001).\n\n\
             | activation | range | max f′(z) | f′(-5) | f′(5) | vanishing gradient | typical use |\n\
             |---|---|---|---|---|---|---|\n",
        );
        // small values in scientific notation, so none reads as 0.0000
        let num = |v: f32| if v != 0.0 && v.abs() < 1e-3 { format!("{v:.1e}") } else { format!("{v:.4}") };
        for p in &self.properties {
            md += &format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                p.activation,
                p.range,
                num(p.max_derivative),
                num(p.derivative_at_minus_5),
                num(p.derivative_at_5),
                p.vanishing_gradient,
                p.typical_use
            );
        }
        md + "\nThe sigmoid's derivative is at most 0.25: through n sigmoid layers the gradient shrinks \
              by at least 4ⁿ (see `gradients`), and at |z| = 5 it is already below 0.007.\n"
    }
}
