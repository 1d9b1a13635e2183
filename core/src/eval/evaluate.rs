//! Inference over many rows: `predict` and `evaluate`.

use crate::eval::metrics::{Accuracy, AucApprox};
use crate::layers::Layer;
use crate::numeric::{Signal, Zero};
use crate::train::Loss;

/// Loss and metrics of a model on labelled rows (inference mode: BatchNorm's moving
/// statistics, no dropout).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    /// Mean loss.
    pub loss: f32,
    /// Accuracy (binary or categorical, by loss); `None` for mean squared error.
    pub accuracy: Option<f32>,
    /// ROC AUC by Keras' 200-threshold method, for one sigmoid output with binary
    /// cross-entropy; `None` otherwise. (The host tools also report the exact AUC.)
    pub auc: Option<f32>,
    /// Rows evaluated.
    pub rows: usize,
}

/// Runs inference on every row of `x`, writing `out` (over the shorter length).
///
/// ```
/// use tinymlp::{Activation, Dense};
/// use tinymlp::eval::predict;
/// let layer = Dense::<1, 1>::from_parts([[2.0]], [1.0], Activation::Linear);
/// let mut out = [[0.0]; 2];
/// predict(&layer, &[[1.0], [2.0]], &mut out);
/// assert_eq!(out, [[3.0], [5.0]]);
/// ```
pub fn predict<M: Layer>(model: &M, x: &[M::Input], out: &mut [M::Output]) {
    model.forward_rows(x, out);
}

/// Mean loss, accuracy and AUC of `model` on rows `x` with targets `t`. The loss is
/// computed from the logits when it fuses with the output activation, exactly as in
/// training. `None` for an empty set or mismatched lengths.
pub fn evaluate<M: Layer>(model: &M, x: &[M::Input], t: &[M::Output], loss: Loss) -> Option<Evaluation> {
    if x.is_empty() || x.len() != t.len() {
        return None;
    }
    let activation = model.output_activation();
    let mut acc = Accuracy::new();
    let mut auc = AucApprox::new();
    let binary = loss == Loss::BinaryCrossEntropy && t[0].as_slice().len() == 1;
    let mut total = 0.0f32;
    // The logits of 32 rows at a time (batched: the same bits as row by row).
    let mut zs = [M::Output::ZERO; 32];
    for (xc, tc) in x.chunks(32).zip(t.chunks(32)) {
        let zs = &mut zs[..xc.len()];
        model.forward_rows_logits(xc, zs);
        for (&z, ti) in zs.iter().zip(tc) {
            let mut y = z;
            if let Some(a) = activation {
                a.apply(z.as_slice(), y.as_mut_slice());
            }
            let logits = activation.map(|a| (z.as_slice(), a));
            total += loss.sample(y.as_slice(), ti.as_slice(), logits);
            observe(loss, &mut acc, &mut auc, binary, y.as_slice(), ti.as_slice());
        }
    }
    Some(Evaluation {
        loss: total / x.len() as f32,
        accuracy: if loss == Loss::MeanSquaredError { None } else { acc.result() },
        auc: if binary { auc.result() } else { None },
        rows: x.len(),
    })
}

/// Adds one row's output to the running metrics.
pub(crate) fn observe(
    loss: Loss,
    acc: &mut Accuracy,
    auc: &mut AucApprox,
    binary: bool,
    y: &[f32],
    t: &[f32],
) {
    acc.update(loss, y, t);
    if binary {
        auc.update(y[0], t[0] >= 0.5);
    }
}
