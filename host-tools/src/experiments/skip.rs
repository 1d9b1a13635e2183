//! A deep sigmoid network (20 layers) with and without skip connections: the gradient per
//! layer and the training curves.

use super::{ExperimentError, Findings, moons};
use crate::plot::{self, Panel};
use serde::Serialize;
use std::path::Path;
use tinymlp::eval::evaluate;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::*;

/// Dense layers of each network: the input layer, 18 hidden ones, the output layer.
pub const LAYERS: usize = 20;

macro_rules! hidden18 {
    ($t:ty) => {
        Sequential![$t, $t, $t, $t, $t, $t, $t, $t, $t, $t, $t, $t, $t, $t, $t, $t, $t, $t, Dense<16, 1>]
    };
}
macro_rules! build18 {
    ($e:expr) => {
        sequential![
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            $e,
            Dense::new(Activation::Sigmoid)
        ]
    };
}

/// 2-16, then 18 sigmoid layers of 16, then 16-1.
type Plain = Chain<Dense<2, 16>, hidden18!(Dense<16, 16>)>;
/// The same layers, each hidden one inside a skip connection `x + σ(Wx + b)`.
type Skip = Chain<Dense<2, 16>, hidden18!(Residual<Dense<16, 16>>)>;

/// One network's run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Run {
    /// Mean |∂L/∂W| of each Dense layer's weights (input side first), averaged over the
    /// first epoch's steps.
    pub gradient: Vec<f64>,
    /// Test loss after each epoch.
    pub test_loss: Vec<f32>,
    /// Test accuracy after each epoch.
    pub test_accuracy: Vec<f32>,
}

impl Run {
    /// The first layer's gradient over the last layer's.
    pub fn first_over_last(&self) -> f64 {
        self.gradient[0] / self.gradient[LAYERS - 1]
    }

    /// Test accuracy after the last epoch.
    pub fn final_accuracy(&self) -> f32 {
        self.test_accuracy.last().copied().unwrap_or(0.0)
    }
}

/// Both networks.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Skips {
    /// Epochs of SGD(0.5), batches of 32.
    pub epochs: u32,
    /// Trainable parameters of each network (the same).
    pub parameters: usize,
    /// Without skip connections.
    pub plain: Run,
    /// With them.
    pub residual: Run,
}

/// Trains one network on the moons, measuring the gradients of the first epoch and the
/// test figures after each.
fn train<M: Train<Input = [f32; 2], Output = [f32; 1]>>(
    mut m: M,
    epochs: u32,
    quick: bool,
) -> Result<Run, ExperimentError> {
    let (x, t, vx, vt) = moons(if quick { 400 } else { 1000 }, 11);
    let mut rng = Xoshiro128PlusPlus::new(12);
    m.init(Init::GlorotUniform, &mut rng);
    let mut trainer = Box::new(Trainer::<M, 32>::new(Loss::BinaryCrossEntropy));
    let mut opt = Sgd::new(0.5);
    let (mut xs, mut ts) = (x, t);
    let mut sums = [0.0f64; LAYERS];
    let mut steps = 0usize;
    let (mut test_loss, mut test_accuracy) = (vec![], vec![]);
    for epoch in 0..epochs {
        random::shuffle_pair(&mut xs, &mut ts, &mut rng);
        for (b, (xb, tb)) in xs.chunks(32).zip(ts.chunks(32)).enumerate() {
            trainer.step(&mut m, &mut opt, xb, tb, &mut rng).map_err(|error| FitError::Step {
                epoch,
                batch: b,
                error,
            })?;
            if epoch == 0 {
                for (l, s) in sums.iter_mut().enumerate() {
                    let g = trainer.grads().slice(2 * l);
                    *s += g.iter().map(|v| v.abs() as f64).sum::<f64>() / g.len() as f64;
                }
                steps += 1;
            }
        }
        let e = evaluate(&m, &vx, &vt, Loss::BinaryCrossEntropy)
            .ok_or(FitError::BadData { inputs: vx.len(), targets: vt.len() })?;
        test_loss.push(e.loss);
        test_accuracy.push(e.accuracy.unwrap_or(0.0));
    }
    Ok(Run { gradient: sums.iter().map(|s| s / steps.max(1) as f64).collect(), test_loss, test_accuracy })
}

/// Trains both networks; draws `skip.png`.
pub fn run(quick: bool, out: &Path) -> Result<Skips, ExperimentError> {
    let s = Activation::Sigmoid;
    let epochs = if quick { 15 } else { 40 };
    let plain: Plain = Chain::new(Dense::new(s), build18!(Dense::new(s)));
    let residual: Skip = Chain::new(Dense::new(s), build18!(Residual::new(Dense::new(s))));
    let r = Skips {
        epochs,
        parameters: Plain::TRAINABLE,
        plain: train(plain, epochs, quick)?,
        residual: train(residual, epochs, quick)?,
    };
    let layer_line =
        |run: &Run| run.gradient.iter().enumerate().map(|(l, g)| ((l + 1) as f32, *g as f32)).collect();
    let epoch_line =
        |v: &[f32]| v.iter().enumerate().map(|(e, y)| ((e + 1) as f32, *y)).collect::<Vec<(f32, f32)>>();
    let names = ["without skip connections", "with skip connections"];
    plot::panels(
        &[
            Panel {
                title: "Mean |∂L/∂W| per layer (first epoch)".into(),
                x_label: "Dense layer (1 = input side)".into(),
                y_label: "mean |∂L/∂W|".into(),
                log_y: true,
                integer_x: true,
                lines: vec![
                    (names[0].into(), layer_line(&r.plain)),
                    (names[1].into(), layer_line(&r.residual)),
                ],
                ..Default::default()
            },
            Panel {
                title: "Test loss per epoch (SGD 0.5)".into(),
                x_label: "epoch".into(),
                y_label: "binary cross-entropy".into(),
                log_y: true,
                integer_x: true,
                lines: vec![
                    (names[0].into(), epoch_line(&r.plain.test_loss)),
                    (names[1].into(), epoch_line(&r.residual.test_loss)),
                ],
                ..Default::default()
            },
            Panel {
                title: "Test accuracy per epoch".into(),
                x_label: "epoch".into(),
                y_label: "accuracy (fraction correct)".into(),
                integer_x: true,
                lines: vec![
                    (names[0].into(), epoch_line(&r.plain.test_accuracy)),
                    (names[1].into(), epoch_line(&r.residual.test_accuracy)),
                ],
                ..Default::default()
            },
        ],
        &out.join("skip.png"),
    )?;
    Ok(r)
}

impl Findings for Skips {
    const NAME: &'static str = "skip";

    fn columns(&self) -> Vec<String> {
        [
            "network (20 sigmoid Dense layers)",
            "mean abs ∂L/∂W, layer 1",
            "mean abs ∂L/∂W, layer 20",
            "layer 1 / layer 20",
            "final test accuracy",
            "final test loss",
        ]
        .map(String::from)
        .to_vec()
    }

    fn rows(&self) -> Vec<Vec<String>> {
        [("without skip connections", &self.plain), ("with skip connections", &self.residual)]
            .iter()
            .map(|(name, r)| {
                vec![
                    name.to_string(),
                    format!("{:.3e}", r.gradient[0]),
                    format!("{:.3e}", r.gradient[LAYERS - 1]),
                    format!("{:.3e}", r.first_over_last()),
                    format!("{:.4}", r.final_accuracy()),
                    format!("{:.4}", r.test_loss.last().copied().unwrap_or(f32::NAN)),
                ]
            })
            .collect()
    }

    fn conclusion(&self) -> String {
        format!(
            "Through 20 sigmoid layers ({} parameters each way) the first layer's gradient is {:.1e} of the last \
             one's without skip connections and {:.1e} with them (the first layer's gradient {:.1e}× larger); after {} epochs of SGD the plain \
             network reaches {:.1} % test accuracy, the residual one {:.1} %: skip connections carry the \
             gradient past the saturating layers.",
            self.parameters,
            self.plain.first_over_last(),
            self.residual.first_over_last(),
            self.residual.gradient[0] / self.plain.gradient[0],
            self.epochs,
            self.plain.final_accuracy() * 100.0,
            self.residual.final_accuracy() * 100.0,
        )
    }
}
