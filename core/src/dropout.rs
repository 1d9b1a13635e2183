//! Inverted dropout.

use crate::{
    Activation, GradAt, Layer, LayerInfo, LayerKind, Mode, Params, Tensor, TensorMut, Upstream, Zero,
};
use rand_core::Rng;

/// Inverted dropout over `N` values: in training each value is zeroed with probability
/// `rate` and the survivors are scaled by `1/(1 − rate)`, so inference is the identity.
/// The mask is drawn from the caller's generator, one `next_u32` per value in row order:
/// a value survives when its uniform draw ([`random::uniform`](crate::random::uniform))
/// is `≥ rate` (as Keras decides).
///
/// ```
/// use tinymlp::{Dropout, Layer};
/// let d = Dropout::<3>::new(0.3);
/// let mut y = [0.0; 3];
/// d.forward(&[1.0, 2.0, 3.0], &mut y);
/// assert_eq!(y, [1.0, 2.0, 3.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dropout<const N: usize> {
    rate: f32,
}

/// What a training forward pass of [`Dropout`] keeps.
#[derive(Clone, Debug)]
pub struct DropoutCache<const N: usize, const B: usize> {
    /// `0` or `1/(1 − rate)` per value.
    pub mask: [[f32; N]; B],
    /// Outputs per row; overwritten by `∂L/∂y` during the backward pass.
    pub y: [[f32; N]; B],
}

impl<const N: usize, const B: usize> Zero for DropoutCache<N, B> {
    const ZERO: Self = Self { mask: Zero::ZERO, y: Zero::ZERO };
}

impl<const N: usize> Dropout<N> {
    /// Dropout with the given rate.
    ///
    /// # Panics
    /// If `rate` is not in `[0, 1)` — at compile time when called in a `const` or `static`.
    pub const fn new(rate: f32) -> Self {
        assert!(rate >= 0.0 && rate < 1.0, "dropout rate must be in [0, 1)");
        Self { rate }
    }

    fn info(&self) -> LayerInfo {
        LayerInfo {
            kind: LayerKind::Dropout { rate: self.rate },
            inputs: N,
            outputs: N,
            trainable: 0,
            non_trainable: 0,
            trains: true,
        }
    }

    /// The fraction of values dropped in training.
    pub const fn rate(&self) -> f32 {
        self.rate
    }
}

impl<const N: usize> Params for Dropout<N> {
    const SLICES: usize = 0;
    fn slice(&self, _: usize) -> &[f32] {
        &[]
    }
    fn slice_mut(&mut self, _: usize) -> &mut [f32] {
        &mut []
    }
}

impl<const N: usize> Layer for Dropout<N> {
    type Input = [f32; N];
    type Output = [f32; N];
    type Grads = ();
    type Cache<const B: usize> = DropoutCache<N, B>;

    const TRAINABLE: usize = 0;
    const NON_TRAINABLE: usize = 0;
    const LAYERS: usize = 1;
    const MAX_WIDTH: usize = N;

    fn forward(&self, x: &[f32; N], y: &mut [f32; N]) {
        *y = *x;
    }

    fn forward_train<const B: usize, R: Rng + ?Sized>(
        &mut self,
        x: &[[f32; N]],
        cache: &mut DropoutCache<N, B>,
        rng: &mut R,
        _mode: Mode,
    ) {
        let scale = 1.0 / (1.0 - self.rate);
        // `uniform(rng) >= rate` decided on the integer: the draw is k·2⁻²⁴ with k the top 24
        // bits of `next_u32`, and k·2⁻²⁴ ≥ rate ⟺ k ≥ ⌈rate·2²⁴⌉ (scaling by a power of two
        // is exact). The same decisions, without a conversion per value.
        let threshold = libm::ceilf(self.rate * 16_777_216.0) as u32;
        for ((row, mask), y) in x.iter().zip(&mut cache.mask).zip(&mut cache.y) {
            for j in 0..N {
                mask[j] = if (rng.next_u32() >> 8) >= threshold { scale } else { 0.0 };
                y[j] = row[j] * mask[j];
            }
        }
    }

    fn backward<const B: usize>(
        &self,
        mut x: Upstream<'_, [f32; N]>,
        cache: &mut DropoutCache<N, B>,
        _grads: Option<&mut ()>,
        _at: GradAt,
    ) {
        if !x.wants_grad() {
            return;
        }
        for r in 0..x.len().min(B) {
            let (dy, m) = (&cache.y[r], &cache.mask[r]);
            x.replace(r, core::array::from_fn(|j| dy[j] * m[j]));
        }
    }

    fn outputs<const B: usize>(cache: &DropoutCache<N, B>) -> &[[f32; N]; B] {
        &cache.y
    }

    fn outputs_and_logits<const B: usize>(
        cache: &mut DropoutCache<N, B>,
    ) -> (&mut [[f32; N]; B], Option<&[[f32; N]; B]>) {
        (&mut cache.y, None)
    }

    fn output_activation(&self) -> Option<Activation> {
        None
    }

    fn init<R: Rng>(&mut self, _rng: &mut R) {}

    fn visit<'a>(&'a self, f: &mut dyn FnMut(&LayerInfo, &[Tensor<'a>])) {
        f(&self.info(), &[])
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut LayerInfo, &mut [TensorMut<'_>])) {
        let mut info = self.info();
        f(&mut info, &mut []);
        if let LayerKind::Dropout { rate } = info.kind
            && (0.0..1.0).contains(&rate)
        {
            self.rate = rate;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::uniform;
    use crate::{Xoshiro128PlusPlus, Zero};

    #[test]
    fn integer_threshold_decides_like_the_uniform_draw() {
        for rate in [0.0f32, 0.1, 0.2, 0.3, 0.5, 0.999_999_9, 1.0 / 3.0] {
            let mut d = Dropout::<64>::new(rate);
            let mut cache: DropoutCache<64, 4> = Zero::ZERO;
            let x = [[1.0f32; 64]; 4];
            d.forward_train(&x, &mut cache, &mut Xoshiro128PlusPlus::new(9), Mode::Train);
            let mut rng = Xoshiro128PlusPlus::new(9);
            for row in &cache.mask {
                for &m in row {
                    assert_eq!(m != 0.0, uniform(&mut rng) >= rate, "rate {rate}");
                }
            }
        }
    }
}
