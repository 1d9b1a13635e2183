//! A 1-D function fitted by 5 and 50 hidden neurons and by a deeper network.

use super::{ExperimentError, Findings, Fit, fit_logs, params_of};
use crate::plot::{self, Panel};
use serde::Serialize;
use std::path::Path;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::*;

type Five = Sequential![Dense<1, 5>, Dense<5, 1>];
type Fifty = Sequential![Dense<1, 50>, Dense<50, 1>];
type Deep = Sequential![Dense<1, 10>, Dense<10, 10>, Dense<10, 1>];

/// The function fitted: sin(2x) + 0.3x.
fn target(x: f32) -> f32 {
    (2.0 * x).sin() + 0.3 * x
}

/// How well one network fits the function.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fitted {
    /// Trainable parameters.
    pub parameters: usize,
    /// Mean squared error on 400 points of [-3, 3].
    pub mse: f64,
}

/// The three fits.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Approximation {
    /// 1-5-1 (tanh).
    pub hidden_5: Fitted,
    /// 1-50-1 (tanh).
    pub hidden_50: Fitted,
    /// 1-10-10-1 (tanh).
    pub hidden_10_10: Fitted,
}

impl Approximation {
    /// The fits with their names, in the table's order.
    fn named(&self) -> [(&'static str, &Fitted); 3] {
        [("1-5-1", &self.hidden_5), ("1-50-1", &self.hidden_50), ("1-10-10-1", &self.hidden_10_10)]
    }
}

/// Fits the three tanh networks with Adam; draws `approximation.png`.
pub fn run(quick: bool, out: &Path) -> Result<Approximation, ExperimentError> {
    let x: Vec<[f32; 1]> = (0..200).map(|i| [-3.0 + 6.0 * i as f32 / 199.0]).collect();
    let t: Vec<[f32; 1]> = x.iter().map(|v| [target(v[0])]).collect();
    let grid: Vec<f32> = (0..400).map(|i| -3.0 + 6.0 * i as f32 / 399.0).collect();
    let epochs = if quick { 400 } else { 2000 };
    let th = Activation::Tanh;
    let truth: Vec<(f32, f32)> = grid.iter().map(|&g| (g, target(g))).collect();
    let mut lines = vec![];
    macro_rules! fit {
        ($name:expr, $ty:ty, $value:expr) => {{
            let mut m: $ty = $value;
            m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(9));
            let mut opt = Adam::<$ty>::new(0.01);
            let fit = Fit {
                x: &x,
                t: &t,
                val: (&x, &t),
                loss: Loss::MeanSquaredError,
                epochs,
                batch: 200,
                seed: 9,
            };
            fit_logs(&mut m, &mut opt, fit)?;
            let pred: Vec<(f32, f32)> = grid
                .iter()
                .map(|&g| {
                    let mut y = [0.0];
                    m.forward(&[g], &mut y);
                    (g, y[0])
                })
                .collect();
            let mse =
                pred.iter().map(|(g, y)| ((y - target(*g)) as f64).powi(2)).sum::<f64>() / pred.len() as f64;
            lines.push(($name.to_string(), pred));
            Fitted { parameters: params_of::<$ty>(), mse }
        }};
    }
    let a = Approximation {
        hidden_5: fit!("1-5-1", Five, sequential![Dense::new(th), Dense::new(Activation::Linear)]),
        hidden_50: fit!("1-50-1", Fifty, sequential![Dense::new(th), Dense::new(Activation::Linear)]),
        hidden_10_10: fit!(
            "1-10-10-1",
            Deep,
            sequential![Dense::new(th), Dense::new(th), Dense::new(Activation::Linear)]
        ),
    };
    plot::panels(
        &[Panel {
            title: "sin(2x) + 0.3x fitted by tanh networks (Adam, MSE)".into(),
            x_label: "x".into(),
            y_label: "y".into(),
            log_y: false,
            lines,
            dots: vec![],
            reference: Some(("true function".into(), truth)),
            ..Default::default()
        }],
        &out.join("approximation.png"),
    )?;
    Ok(a)
}

impl Findings for Approximation {
    const NAME: &'static str = "approximation";

    fn columns(&self) -> Vec<String> {
        ["network", "parameters", "mean squared error on [-3, 3]"].map(String::from).to_vec()
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.named()
            .iter()
            .map(|(name, f)| vec![name.to_string(), f.parameters.to_string(), format!("{:.2e}", f.mse)])
            .collect()
    }

    fn conclusion(&self) -> String {
        let (five, fifty, deep) = (self.hidden_5.mse, self.hidden_50.mse, self.hidden_10_10.mse);
        format!(
            "One hidden layer approximates the function, better with more neurons: mean squared error {five:.1e} \
             with 5, {fifty:.1e} with 50. Two layers of 10 ({} parameters, fewer than the 151 of one layer of 50) \
             reach {deep:.1e}.",
            self.hidden_10_10.parameters
        )
    }
}
