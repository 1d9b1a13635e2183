//! A layer whose parameters stay in flash: the model holds a reference to them.

use crate::layers::{Activation, GradAt, Layer, LayerInfo, Mode, Tensor, TensorMut, Train, Upstream};
use crate::numeric::Params;

/// A layer whose parameters stay where they are — typically a `static`, in flash — and do
/// not train: the model holds only a reference, so fine-tuning the last layers of a model
/// costs RAM for those layers alone (their parameters, gradients and caches).
///
/// It forwards and backpropagates like `L` (dropout inside stays active in training,
/// BatchNorm uses its frozen statistics in [`Mode::FrozenStatistics`]), but has no
/// gradients, never changes, and cannot be loaded from a model file (the readers refuse a
/// model with fixed layers: their weights are compiled in).
///
/// ```
/// use tinymlp::*;
/// static BODY: Dense<2, 16> = Dense::new(Activation::Relu);
/// type Net = Sequential![Fixed<Dense<2, 16>>, Dense<16, 1>];
/// let net: Net = sequential![Fixed(&BODY), Dense::new(Activation::Sigmoid)];
/// assert_eq!(<Net as Layer>::TRAINABLE, 17);
/// assert!(Net::MODEL_BYTES < 17 * 4 + 64); // the body is not in the model
/// ```
#[derive(Debug)]
pub struct Fixed<L: 'static>(pub &'static L);

impl<L> Clone for Fixed<L> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<L> Copy for Fixed<L> {}

impl<L: PartialEq> PartialEq for Fixed<L> {
    fn eq(&self, other: &Self) -> bool {
        *self.0 == *other.0
    }
}

impl<L> Params for Fixed<L> {
    const SLICES: usize = 0;
    fn slice(&self, _: usize) -> &[f32] {
        &[]
    }
    fn slice_mut(&mut self, _: usize) -> &mut [f32] {
        &mut []
    }
}

impl<L: Layer> Layer for Fixed<L> {
    crate::layers::frozen::delegate_untrained!(layer);

    fn visit<'a>(&'a self, f: &mut dyn FnMut(&LayerInfo, &[Tensor<'a>])) {
        self.0.visit(&mut |info, ts| f(&LayerInfo { trains: false, fixed: true, ..*info }, ts))
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut LayerInfo, &mut [TensorMut<'_>])) {
        // Nothing can be written: the description only, with no tensors.
        let mut first = None;
        self.0.visit(&mut |info, _| {
            first.get_or_insert(LayerInfo { trains: false, fixed: true, ..*info });
        });
        if let Some(mut info) = first {
            f(&mut info, &mut []);
        }
    }
}

impl<L: Train> Train for Fixed<L> {
    crate::layers::frozen::delegate_untrained!(train);
}
