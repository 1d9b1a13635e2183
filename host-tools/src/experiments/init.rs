//! The signal's scale through 10 layers for four weight initialisations.

use super::{ExperimentError, Findings};
use crate::plot::{self, Panel};
use serde::Serialize;
use std::path::Path;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::*;

type Tower = Sequential![
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>,
    Dense<100, 100>
];

/// Root mean square of the activations: of the inputs, then after each of the 10 layers.
pub type Scales = [f64; 11];

/// The signal's scale through the tower for each initialisation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InitScales {
    /// Linear layers, weights with std 0.5/√n: too small.
    pub too_small: Scales,
    /// Linear layers, weights with std 2/√n: too large.
    pub too_large: Scales,
    /// Linear layers, Xavier (Glorot normal).
    pub xavier_linear: Scales,
    /// Relu layers, He normal.
    pub he_relu: Scales,
}

impl InitScales {
    /// The initialisations with their names, in the table's order.
    fn named(&self) -> [(&'static str, &Scales); 4] {
        [
            ("too small (std 0.5/√n)", &self.too_small),
            ("too large (std 2/√n)", &self.too_large),
            ("Xavier, linear", &self.xavier_linear),
            ("He, relu", &self.he_relu),
        ]
    }
}

/// The dense layers of the tower, in order.
fn layers(m: &Tower) -> [&Dense<100, 100>; 10] {
    [
        &m.head,
        &m.tail.head,
        &m.tail.tail.head,
        &m.tail.tail.tail.head,
        &m.tail.tail.tail.tail.head,
        &m.tail.tail.tail.tail.tail.head,
        &m.tail.tail.tail.tail.tail.tail.head,
        &m.tail.tail.tail.tail.tail.tail.tail.head,
        &m.tail.tail.tail.tail.tail.tail.tail.tail.head,
        &m.tail.tail.tail.tail.tail.tail.tail.tail.tail,
    ]
}

/// The scales through a tower of `a` layers initialised with `init`, for `inputs`.
fn scales(a: Activation, init: Init, inputs: &[[f32; 100]]) -> Scales {
    let d = || Dense::<100, 100>::new(a);
    let mut m: Box<Tower> = Box::new(sequential![d(), d(), d(), d(), d(), d(), d(), d(), d(), d()]);
    m.init(init, &mut Xoshiro128PlusPlus::new(8));
    let mut rms = [0.0f64; 11];
    for x in inputs {
        let mut h = *x;
        rms[0] += h.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / 100.0;
        for (l, layer) in layers(&m).iter().enumerate() {
            let mut y = [0.0; 100];
            layer.forward(&h, &mut y);
            h = y;
            rms[l + 1] += h.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / 100.0;
        }
    }
    rms.map(|s| (s / inputs.len() as f64).sqrt())
}

/// Sends 1,000 inputs of unit variance through each tower; draws `init.png`.
pub fn run(out: &Path) -> Result<InitScales, ExperimentError> {
    // 10 layers of 100 units, 1,000 inputs of unit variance: each layer multiplies the
    // signal's scale by std·√100 (linear), or by std·√50 after a relu.
    let n = 100.0f32;
    let mut rng = Xoshiro128PlusPlus::new(6);
    let inputs: Vec<[f32; 100]> =
        (0..1000).map(|_| core::array::from_fn(|_| random::standard_normal(&mut rng))).collect();
    let s = InitScales {
        too_small: scales(Activation::Linear, Init::Normal { std: 0.5 / n.sqrt() }, &inputs),
        too_large: scales(Activation::Linear, Init::Normal { std: 2.0 / n.sqrt() }, &inputs),
        xavier_linear: scales(Activation::Linear, Init::GlorotNormal, &inputs),
        he_relu: scales(Activation::Relu, Init::HeNormal, &inputs),
    };
    let lines = s
        .named()
        .iter()
        .map(|(name, rms)| {
            (name.to_string(), rms.iter().enumerate().map(|(l, v)| (l as f32, *v as f32)).collect())
        })
        .collect();
    plot::panels(
        &[Panel {
            title: "Signal scale through 10 layers of 100 units".into(),
            x_label: "layer (0 = the input)".into(),
            y_label: "RMS of the activations".into(),
            log_y: true,
            integer_x: true,
            lines,
            dots: vec![],
            ..Default::default()
        }],
        &out.join("init.png"),
    )?;
    Ok(s)
}

impl Findings for InitScales {
    const NAME: &'static str = "init";

    fn columns(&self) -> Vec<String> {
        std::iter::once("weights".to_string()).chain((0..=10).map(|l| format!("after layer {l}"))).collect()
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.named()
            .iter()
            .map(|(name, rms)| {
                std::iter::once(name.to_string()).chain(rms.iter().map(|v| format!("{v:.3e}"))).collect()
            })
            .collect()
    }

    fn conclusion(&self) -> String {
        format!(
            "Weights too small halve the signal at each layer: 1.0 → {:.4} after 10 layers; too large double it: \
             1.0 → {:.0}. Xavier (linear) keeps it at {:.2} and He (relu) at {:.2}.",
            self.too_small[10], self.too_large[10], self.xavier_linear[10], self.he_relu[10]
        )
    }
}
