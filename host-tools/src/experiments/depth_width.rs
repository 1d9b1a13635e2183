//! Many narrow layers vs few wide ones, at comparable parameter counts.

use super::{ExperimentError, Findings, Fit, fit_logs, moons, params_of};
use crate::plot::{self, Panel};
use serde::Serialize;
use std::path::Path;
use std::time::Instant;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::*;

/// One architecture's run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Architecture {
    /// Its name and shape.
    pub name: &'static str,
    /// Hidden layers.
    pub hidden_layers: usize,
    /// Trainable parameters.
    pub parameters: usize,
    /// Test accuracy after the last epoch.
    pub test_accuracy: f32,
    /// Wall-clock milliseconds of the training.
    pub training_ms: f64,
}

/// The architectures' runs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DepthWidth {
    /// wide 2-256-1, medium 2-32-32-1, deep 2-16×5-1, deeper 2-12×8-1, in this order.
    pub architectures: Vec<Architecture>,
}

/// Trains the four architectures with Adam; draws `depth-width.png`.
pub fn run(quick: bool, out: &Path) -> Result<DepthWidth, ExperimentError> {
    type Wide = Sequential![Normalization<2>, Dense<2, 256>, Dense<256, 1>];
    type Medium = Sequential![Normalization<2>, Dense<2, 32>, Dense<32, 32>, Dense<32, 1>];
    type Deep = Sequential![Normalization<2>, Dense<2, 16>, Dense<16, 16>, Dense<16, 16>, Dense<16, 16>, Dense<16, 16>, Dense<16, 1>];
    type Deeper = Sequential![
        Normalization<2>,
        Dense<2, 12>,
        Dense<12, 12>,
        Dense<12, 12>,
        Dense<12, 12>,
        Dense<12, 12>,
        Dense<12, 12>,
        Dense<12, 12>,
        Dense<12, 12>,
        Dense<12, 1>
    ];
    let (x, t, vx, vt) = moons(if quick { 400 } else { 1000 }, 2);
    let epochs = if quick { 25 } else { 80 };
    let r = Activation::Relu;
    let s = Activation::Sigmoid;
    let mut architectures = vec![];
    macro_rules! arch {
        ($name:expr, $ty:ty, $layers:expr, $value:expr) => {{
            let mut m: $ty = $value;
            m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(3));
            m.head.adapt(&x);
            let start = Instant::now();
            let mut opt = Adam::<$ty>::new(0.005);
            let fit = Fit {
                x: &x,
                t: &t,
                val: (&vx, &vt),
                loss: Loss::BinaryCrossEntropy,
                epochs,
                batch: 32,
                seed: 3,
            };
            let logs = fit_logs(&mut m, &mut opt, fit)?;
            let training_ms = start.elapsed().as_secs_f64() * 1000.0;
            architectures.push(Architecture {
                name: $name,
                hidden_layers: $layers,
                parameters: params_of::<$ty>(),
                test_accuracy: logs.last().and_then(|l| l.val).and_then(|v| v.accuracy).unwrap_or(0.0),
                training_ms,
            });
        }};
    }
    arch!("wide 2-256-1", Wide, 1, sequential![Normalization::new(), Dense::new(r), Dense::new(s)]);
    arch!(
        "medium 2-32-32-1",
        Medium,
        2,
        sequential![Normalization::new(), Dense::new(r), Dense::new(r), Dense::new(s)]
    );
    arch!(
        "deep 2-16×5-1",
        Deep,
        5,
        sequential![
            Normalization::new(),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(s)
        ]
    );
    arch!(
        "deeper 2-12×8-1",
        Deeper,
        8,
        sequential![
            Normalization::new(),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(r),
            Dense::new(s)
        ]
    );
    let dots = architectures
        .iter()
        .map(|a| (a.name.to_string(), vec![(a.hidden_layers as f32, a.test_accuracy)]))
        .collect();
    plot::panels(
        &[Panel {
            title: "Test accuracy by depth (~1,000–1,200 parameters each)".into(),
            x_label: "hidden layers".into(),
            y_label: "test accuracy (fraction correct)".into(),
            log_y: false,
            integer_x: true,
            lines: vec![],
            dots,
            ..Default::default()
        }],
        &out.join("depth-width.png"),
    )?;
    Ok(DepthWidth { architectures })
}

impl Findings for DepthWidth {
    const NAME: &'static str = "depth-width";

    fn columns(&self) -> Vec<String> {
        ["architecture", "hidden layers", "parameters", "test accuracy", "training ms"]
            .map(String::from)
            .to_vec()
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.architectures
            .iter()
            .map(|a| {
                vec![
                    a.name.to_string(),
                    a.hidden_layers.to_string(),
                    a.parameters.to_string(),
                    format!("{:.4}", a.test_accuracy),
                    format!("{:.0}", a.training_ms),
                ]
            })
            .collect()
    }

    fn conclusion(&self) -> String {
        let (lo, hi) = self.architectures.iter().fold((1.0f64, 0.0f64), |(lo, hi), a| {
            (lo.min(a.test_accuracy as f64), hi.max(a.test_accuracy as f64))
        });
        format!(
            "At about the same parameter count (1,025 to 1,185), every shape fits the two moons: test accuracy \
             {lo:.3} to {hi:.3}. On this simple problem depth buys little; it costs sequential layers."
        )
    }
}
