//! Freezing a layer: it still passes gradients through, but has no trainable parameters.

use crate::layers::{Activation, GradAt, Init, Layer, LayerInfo, Mode, Tensor, TensorMut, Train, Upstream};
use crate::numeric::Params;
use rand_core::Rng;

/// A layer whose parameters do not train: it forwards like `L`, backpropagates the input
/// gradient through `L`'s weights, but has no gradients and no optimiser state (`Grads` is
/// `()`), so fine-tuning only the last layers costs memory for those layers alone.
///
/// BatchNorm inside `Frozen` keeps its moving statistics (they are never committed).
///
/// ```
/// use tinymlp::*;
/// type Net = Sequential![Frozen<Dense<2, 16>>, Dense<16, 1>];
/// assert_eq!(<Net as Layer>::TRAINABLE, 17); // only the last layer trains
/// assert_eq!(Net::GRADS_BYTES, 17 * 4);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Frozen<L>(pub L);

impl<L> Params for Frozen<L> {
    const SLICES: usize = 0;
    fn slice(&self, _: usize) -> &[f32] {
        &[]
    }
    fn slice_mut(&mut self, _: usize) -> &mut [f32] {
        &mut []
    }
}

/// The parts of [`Layer`] and [`Train`] that a wrapper which does not train shares with its
/// inner layer `self.0` (a value in [`Frozen`], a reference in [`Fixed`](crate::Fixed)):
/// everything but the gradients, which it never has, and the description.
macro_rules! delegate_untrained {
    (layer) => {
        type Input = L::Input;
        type Output = L::Output;

        const TRAINABLE: usize = 0;
        const NON_TRAINABLE: usize = L::TRAINABLE + L::NON_TRAINABLE;
        const LAYERS: usize = L::LAYERS;
        const MAX_WIDTH: usize = L::MAX_WIDTH;

        fn forward(&self, x: &Self::Input, y: &mut Self::Output) {
            self.0.forward(x, y)
        }

        fn forward_rows(&self, x: &[Self::Input], y: &mut [Self::Output]) {
            self.0.forward_rows(x, y)
        }

        fn forward_logits(&self, x: &Self::Input, z: &mut Self::Output) {
            self.0.forward_logits(x, z)
        }

        fn forward_rows_logits(&self, x: &[Self::Input], z: &mut [Self::Output]) {
            self.0.forward_rows_logits(x, z)
        }

        fn output_activation(&self) -> Option<Activation> {
            self.0.output_activation()
        }
    };
    (train) => {
        type Grads = ();
        type Cache<const B: usize> = L::Cache<B>;
        const RANDOM: bool = L::RANDOM;

        fn forward_train<const B: usize, R: $crate::numeric::Randomness + ?Sized>(
            &self,
            x: &[Self::Input],
            cache: &mut Self::Cache<B>,
            rng: &mut R,
            mode: Mode,
        ) {
            self.0.forward_train(x, cache, rng, mode)
        }

        fn backward<const B: usize>(
            &self,
            x: Upstream<'_, Self::Input>,
            cache: &mut Self::Cache<B>,
            _grads: Option<&mut ()>,
            at: GradAt,
        ) {
            self.0.backward(x, cache, None, at)
        }

        fn outputs<const B: usize>(cache: &Self::Cache<B>) -> &[Self::Output; B] {
            L::outputs(cache)
        }

        fn outputs_and_logits<const B: usize>(
            cache: &mut Self::Cache<B>,
        ) -> (&mut [Self::Output; B], Option<&[Self::Output; B]>) {
            L::outputs_and_logits(cache)
        }

        fn activations<const B: usize>(cache: &Self::Cache<B>, f: &mut dyn FnMut(&[f32])) {
            L::activations(cache, f)
        }
    };
}
pub(crate) use delegate_untrained;

impl<L: Layer> Layer for Frozen<L> {
    delegate_untrained!(layer);

    fn visit<'a>(&'a self, f: &mut dyn FnMut(&LayerInfo, &[Tensor<'a>])) {
        self.0.visit(&mut |info, ts| f(&LayerInfo { trains: false, ..*info }, ts))
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut LayerInfo, &mut [TensorMut<'_>])) {
        self.0.visit_mut(&mut |info, ts| {
            info.trains = false;
            f(info, ts);
            info.trains = true;
        })
    }
}

impl<L: Train> Train for Frozen<L> {
    delegate_untrained!(train);

    fn init_from<R: Rng>(
        &mut self,
        first: usize,
        scheme: &mut dyn FnMut(usize, &LayerInfo) -> Init,
        rng: &mut R,
    ) {
        self.0.init_from(first, scheme, rng)
    }
}
