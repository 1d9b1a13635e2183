//! Gradient magnitude per layer in deep sigmoid and relu networks, Xavier vs He
//! initialisation: vanishing gradients.

use super::{ExperimentError, Findings, moons};
use crate::plot::{self, Panel};
use serde::Serialize;
use std::path::Path;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::*;

type DeepNet = Sequential![
    Dense<2, 16>,
    Dense<16, 16>,
    Dense<16, 16>,
    Dense<16, 16>,
    Dense<16, 16>,
    Dense<16, 16>,
    Dense<16, 16>,
    Dense<16, 16>,
    Dense<16, 1>
];

/// Layers of the networks.
pub const LAYERS: usize = 9;

/// Mean |∂L/∂W| of each layer's weights (input side first), averaged over every step.
pub type PerLayer = [f64; LAYERS];

/// The four networks' gradients.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gradients {
    /// Sigmoid hidden layers, Xavier (Glorot normal) initialisation.
    pub sigmoid_xavier: PerLayer,
    /// Sigmoid hidden layers, He normal initialisation.
    pub sigmoid_he: PerLayer,
    /// Relu hidden layers, Xavier initialisation.
    pub relu_xavier: PerLayer,
    /// Relu hidden layers, He initialisation.
    pub relu_he: PerLayer,
}

impl Gradients {
    /// The first layer's gradient in the sigmoid network (Xavier) over the relu one's (He).
    pub fn sigmoid_relu_first_layer_ratio(&self) -> f64 {
        self.sigmoid_xavier[0] / self.relu_he[0]
    }

    /// The networks with their names, in the table's order.
    fn named(&self) -> [(&'static str, &PerLayer); 4] {
        [
            ("sigmoid, Xavier", &self.sigmoid_xavier),
            ("sigmoid, He", &self.sigmoid_he),
            ("relu, Xavier", &self.relu_xavier),
            ("relu, He", &self.relu_he),
        ]
    }
}

fn deep_net(a: Activation) -> DeepNet {
    sequential![
        Dense::new(a),
        Dense::new(a),
        Dense::new(a),
        Dense::new(a),
        Dense::new(a),
        Dense::new(a),
        Dense::new(a),
        Dense::new(a),
        Dense::new(Activation::Sigmoid)
    ]
}

/// Trains the network with SGD(0.1) and averages each layer's gradient over the steps.
fn mean_gradients(a: Activation, init: Init, quick: bool) -> Result<PerLayer, ExperimentError> {
    let (x, t, _, _) = moons(400, 4);
    let epochs = if quick { 2 } else { 10 };
    let mut m = deep_net(a);
    let mut rng = Xoshiro128PlusPlus::new(5);
    m.init(init, &mut rng);
    let mut trainer = Box::new(Trainer::<DeepNet, 32>::new(Loss::BinaryCrossEntropy));
    let mut opt = Sgd::new(0.1);
    let mut sums = [0.0f64; LAYERS];
    let mut steps = 0;
    let (mut xs, mut ts) = (x, t);
    for _ in 0..epochs {
        random::shuffle_pair(&mut xs, &mut ts, &mut rng);
        for (xb, tb) in xs.chunks(32).zip(ts.chunks(32)) {
            trainer.step(&mut m, &mut opt, xb, tb, &mut rng).map_err(|error| FitError::Step {
                epoch: 0,
                batch: steps,
                error,
            })?;
            for (l, s) in sums.iter_mut().enumerate() {
                let g = trainer.grads().slice(2 * l);
                *s += g.iter().map(|v| v.abs() as f64).sum::<f64>() / g.len() as f64;
            }
            steps += 1;
        }
    }
    Ok(sums.map(|s| s / steps as f64))
}

/// Measures the four networks; draws `gradients.png`.
pub fn run(quick: bool, out: &Path) -> Result<Gradients, ExperimentError> {
    let g = Gradients {
        sigmoid_xavier: mean_gradients(Activation::Sigmoid, Init::GlorotNormal, quick)?,
        sigmoid_he: mean_gradients(Activation::Sigmoid, Init::HeNormal, quick)?,
        relu_xavier: mean_gradients(Activation::Relu, Init::GlorotNormal, quick)?,
        relu_he: mean_gradients(Activation::Relu, Init::HeNormal, quick)?,
    };
    let lines = g
        .named()
        .iter()
        .map(|(name, mags)| {
            (name.to_string(), mags.iter().enumerate().map(|(l, g)| ((l + 1) as f32, *g as f32)).collect())
        })
        .collect();
    plot::panels(
        &[Panel {
            title: "Mean |gradient| of each layer's weights (9 layers)".into(),
            x_label: "layer (1 = input side)".into(),
            y_label: "mean |∂L/∂W|".into(),
            log_y: true,
            integer_x: true,
            lines,
            dots: vec![],
            ..Default::default()
        }],
        &out.join("gradients.png"),
    )?;
    Ok(g)
}

impl Findings for Gradients {
    const NAME: &'static str = "gradients";

    fn columns(&self) -> Vec<String> {
        std::iter::once("network".to_string()).chain((1..=LAYERS).map(|l| format!("layer {l}"))).collect()
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.named()
            .iter()
            .map(|(name, mags)| {
                std::iter::once(name.to_string()).chain(mags.iter().map(|g| format!("{g:.2e}"))).collect()
            })
            .collect()
    }

    fn conclusion(&self) -> String {
        let ratio = self.sigmoid_relu_first_layer_ratio();
        let per_layer = (self.sigmoid_xavier[LAYERS - 1] / self.sigmoid_xavier[0]).powf(1.0 / 8.0);
        format!(
            "In 9 sigmoid layers (Xavier) the gradient shrinks by a factor of {per_layer:.1} per layer towards the input: \
             the first layer's gradient is {ratio:.1e} times the relu network's (He) — vanishing gradients."
        )
    }
}
