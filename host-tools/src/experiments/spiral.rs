//! The 3-class spiral with a softmax network, as in CS231n; decision regions.

use super::{ExperimentError, Findings};
use crate::data::Labelled;
use crate::plot::{self, Panel};
use serde::Serialize;
use std::path::Path;
use tinymlp::datasets::spiral;
use tinymlp::eval::*;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::*;

type SpiralNet = Sequential![Dense<2, 100>, Dense<100, 3>];

/// How well the network separates the arms.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Spiral {
    /// Full-batch training steps.
    pub steps: usize,
    /// Fraction of the training points classified correctly.
    pub training_accuracy: f64,
}

/// Trains the 2-100-3 network; draws `spiral.png` (regions) and `spiral-loss.png`.
pub fn run(quick: bool, out: &Path) -> Result<Spiral, ExperimentError> {
    // CS231n's recipe: 100 points per class, noise 0.2, a 100-unit ReLU layer, softmax,
    // full-batch SGD with learning rate 1 and L2 1e-3.
    let mut x = vec![[0.0f32; 2]; 300];
    let mut t = vec![[0.0f32; 3]; 300];
    spiral::<_, 3>(&mut x, &mut t, 100, 0.2, &mut Xoshiro128PlusPlus::new(0));
    let mut m: SpiralNet = sequential![Dense::new(Activation::Relu), Dense::new(Activation::Softmax)];
    let mut rng = Xoshiro128PlusPlus::new(0);
    m.init(Init::Normal { std: 0.01 }, &mut rng);
    let steps = if quick { 3000 } else { 10_000 };
    let mut trainer = Box::new(Trainer::<SpiralNet, 100>::new(Loss::CategoricalCrossEntropy));
    let mut opt = Sgd::from(SgdConfig { lr: 1.0, weight_decay: 1e-3, ..Default::default() });
    let mut losses = vec![];
    for s in 0..steps {
        let l = trainer.step(&mut m, &mut opt, &x, &t, &mut rng).map_err(|error| FitError::Step {
            epoch: s,
            batch: 0,
            error,
        })?;
        if s % 100 == 0 {
            losses.push((s as f32, l));
        }
    }
    let mut correct = 0;
    for (xi, ti) in x.iter().zip(&t) {
        let mut y = [0.0; 3];
        m.forward(xi, &mut y);
        correct += usize::from(metrics::argmax(&y) == metrics::argmax(ti));
    }
    let acc = correct as f64 / 300.0;
    let data = Labelled { x: x.clone(), label: t.iter().map(|v| metrics::argmax(v)).collect() };
    let probabilities = |p: &[f32; 2]| {
        let mut y = [0.0; 3];
        m.forward(p, &mut y);
        y.to_vec()
    };
    let names =
        plot::Names { classes: (0..3).map(|k| format!("arm {k}")).collect(), ..plot::Names::generic(3) };
    plot::class_regions(
        &probabilities,
        &data.x,
        Some(&data.label),
        &names,
        &format!("3-class spiral: decision regions (training accuracy {:.1} %)", acc * 100.0),
        &out.join("spiral.png"),
    )?;
    plot::panels(
        &[Panel {
            title: "Spiral: training loss per step (full batch)".into(),
            x_label: "step".into(),
            y_label: "categorical cross-entropy".into(),
            log_y: true,
            integer_x: true,
            lines: vec![("loss".into(), losses)],
            dots: vec![],
            ..Default::default()
        }],
        &out.join("spiral-loss.png"),
    )?;
    Ok(Spiral { steps: steps as usize, training_accuracy: acc })
}

impl Findings for Spiral {
    const NAME: &'static str = "spiral";

    fn columns(&self) -> Vec<String> {
        ["network", "steps", "training accuracy"].map(String::from).to_vec()
    }

    fn rows(&self) -> Vec<Vec<String>> {
        vec![vec![
            "2-100 (relu)-3 (softmax), SGD 1.0, L2 1e-3".into(),
            self.steps.to_string(),
            format!("{:.4}", self.training_accuracy),
        ]]
    }

    fn conclusion(&self) -> String {
        format!(
            "A single hidden layer separates the three arms: {:.1} % of the training points.",
            self.training_accuracy * 100.0
        )
    }
}
