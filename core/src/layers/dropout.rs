//! Inverted dropout.

use crate::layers::{
    Activation, GradAt, Layer, LayerInfo, LayerKind, Mode, Tensor, TensorMut, Train, Upstream,
};
use crate::numeric::Randomness;
use crate::numeric::Zero;
use crate::numeric::params::impl_params;

/// Inverted dropout over `N` values: in training each value is zeroed with probability
/// `rate` and the survivors are scaled by `1/(1 − rate)`, so inference is the identity.
/// Each training pass draws one `next_u32` from the caller's generator as a key; value `e`
/// (row-major) survives when the top 24 bits of [`mask_bits`]`(key, e)`, read as a uniform
/// in [0, 1), are `≥ rate` (as Keras decides).
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
            fixed: false,
        }
    }

    /// The fraction of values dropped in training.
    pub const fn rate(&self) -> f32 {
        self.rate
    }
}

impl_params!([const N: usize] Dropout<N> {});

impl<const N: usize> Layer for Dropout<N> {
    type Input = [f32; N];

    type Output = [f32; N];

    const TRAINABLE: usize = 0;

    const NON_TRAINABLE: usize = 0;

    const LAYERS: usize = 1;

    const MAX_WIDTH: usize = N;

    fn forward(&self, x: &[f32; N], y: &mut [f32; N]) {
        *y = *x;
    }

    fn forward_rows(&self, x: &[[f32; N]], y: &mut [[f32; N]]) {
        let n = x.len().min(y.len());
        y[..n].copy_from_slice(&x[..n]);
    }

    fn output_activation(&self) -> Option<Activation> {
        None
    }

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

impl<const N: usize> Train for Dropout<N> {
    const RANDOM: bool = true;
    type Grads = ();

    type Cache<const B: usize> = DropoutCache<N, B>;

    fn forward_train<const B: usize, R: Randomness + ?Sized>(
        &self,
        x: &[[f32; N]],
        cache: &mut DropoutCache<N, B>,
        rng: &mut R,
        _mode: Mode,
    ) {
        let scale = 1.0 / (1.0 - self.rate);
        // The mask of value e (row-major) is decided by a hash of (key, e), with one key drawn
        // from the caller's generator per call: a counter-based stream, so the values are
        // independent of each other and the loop vectorises, unlike a generator stepped per
        // value. Its top 24 bits k, as a uniform k·2⁻²⁴, keep the value when ≥ rate, that is
        // when k ≥ ⌈rate·2²⁴⌉ (scaling by a power of two is exact).
        let key = rng.key();
        let threshold = libm::ceilf(self.rate * 16_777_216.0) as u32;
        for (r, ((row, mask), y)) in x.iter().zip(&mut cache.mask).zip(&mut cache.y).enumerate() {
            for j in 0..N {
                let keep = (mask_bits(key, (r * N + j) as u32) >> 8) >= threshold;
                mask[j] = scale * f32::from(u8::from(keep));
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

    fn activations<const B: usize>(cache: &DropoutCache<N, B>, f: &mut dyn FnMut(&[f32])) {
        f(cache.y.as_flattened())
    }
}

/// The 32 random bits of value `index` under `key`: the MurmurHash3 finaliser of
/// `key + index·φ` (φ = 0x9E3779B9), 32-bit operations only.
#[inline(always)]
pub fn mask_bits(key: u32, index: u32) -> u32 {
    let mut h = key.wrapping_add(index.wrapping_mul(0x9E37_79B9));
    h ^= h >> 16;
    h = h.wrapping_mul(0x85EB_CA6B);
    h ^= h >> 13;
    h = h.wrapping_mul(0xC2B2_AE35);
    h ^ (h >> 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::{Xoshiro128PlusPlus, Zero};

    #[test]
    fn masks_keep_the_requested_fraction_and_follow_the_key() {
        for rate in [0.0f32, 0.1, 0.3, 0.5, 0.9] {
            let d = Dropout::<64>::new(rate);
            let mut cache: DropoutCache<64, 32> = Zero::ZERO;
            let x = [[1.0f32; 64]; 32];
            let mut rng = Xoshiro128PlusPlus::new(9);
            let mut kept = 0;
            for _ in 0..50 {
                d.forward_train(&x, &mut cache, &mut rng, Mode::Train);
                kept += cache.mask.iter().flatten().filter(|m| **m != 0.0).count();
            }
            let frac = kept as f64 / (50.0 * 32.0 * 64.0);
            // 102,400 values: the standard error of the fraction is below 0.0016.
            assert!((frac - (1.0 - rate as f64)).abs() < 0.008, "rate {rate}: kept {frac}");
            // inverted: the mean of the output is the mean of the input
            let mean = cache.y.iter().flatten().sum::<f32>() / 2048.0;
            assert!(rate == 0.0 || (mean - 1.0).abs() < 0.1);
        }
        // the same key gives the same mask; the next call another one
        let d = Dropout::<8>::new(0.5);
        let (mut a, mut b): (DropoutCache<8, 2>, DropoutCache<8, 2>) = (Zero::ZERO, Zero::ZERO);
        d.forward_train(&[[1.0; 8]; 2], &mut a, &mut Xoshiro128PlusPlus::new(1), Mode::Train);
        d.forward_train(&[[1.0; 8]; 2], &mut b, &mut Xoshiro128PlusPlus::new(1), Mode::Train);
        assert_eq!(a.mask, b.mask);
        let mut rng = Xoshiro128PlusPlus::new(1);
        d.forward_train(&[[1.0; 8]; 2], &mut a, &mut rng, Mode::Train);
        d.forward_train(&[[1.0; 8]; 2], &mut b, &mut rng, Mode::Train);
        assert_ne!(a.mask, b.mask);
        // MurmurHash3's fmix32 of 1, computed independently in Python: 0x514E28B7.
        assert_eq!(mask_bits(1, 0), 0x514E_28B7);
    }
}
