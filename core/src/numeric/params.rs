//! Visiting the trainable parameters (or their gradients, or an optimiser's state) as a
//! fixed sequence of flat `f32` slices.

/// A fixed number of flat `f32` slices: a model's trainable parameters, its gradients, or
/// an optimiser's per-parameter state.
///
/// A model and its `Grads` list their slices in the same order with the same lengths, so an
/// optimiser can walk them in lockstep with one flat loop per slice.
pub trait Params {
    /// Number of slices.
    const SLICES: usize;
    /// Slice `i` (`i < SLICES`); an empty slice for any other `i`.
    fn slice(&self, i: usize) -> &[f32];
    /// Slice `i`, mutably (`i < SLICES`); an empty slice for any other `i`.
    fn slice_mut(&mut self, i: usize) -> &mut [f32];
    /// `true` when slice `i` is a dense layer's weight matrix (Keras' "kernel"), the only
    /// parameters L2 weight decay reaches when an optimiser leaves biases alone.
    fn is_weight(&self, i: usize) -> bool {
        let _ = i;
        false
    }

    /// Gives `self` the slices' lengths of `like`, zero-filled, when they differ: an
    /// optimiser's state takes its gradients' shape on its first step. Nothing to do for
    /// types whose shape is fixed at compile time (the default); a network whose shape is
    /// chosen at run time allocates here.
    fn shape_like(&mut self, like: &Self) {
        let _ = like;
    }

    /// Sets every value to zero (gradients before a new batch).
    fn fill_zero(&mut self) {
        for i in 0..Self::SLICES {
            self.slice_mut(i).fill(0.0);
        }
    }

    /// Multiplies every value by `k` (averaging gradients accumulated over several batches).
    fn scale(&mut self, k: f32) {
        for i in 0..Self::SLICES {
            for v in self.slice_mut(i) {
                *v *= k;
            }
        }
    }

    /// Adds `other` element-wise (accumulating gradients).
    fn add(&mut self, other: &Self) {
        for i in 0..Self::SLICES {
            for (a, b) in self.slice_mut(i).iter_mut().zip(other.slice(i)) {
                *a += b;
            }
        }
    }

    /// `true` when every value is finite (no NaN, no ±∞).
    fn all_finite(&self) -> bool {
        self.abs_bound() <= f32::MAX
    }

    /// The largest magnitude of the values; `+∞` when some value is NaN or infinite.
    ///
    /// Computed on the bit patterns: without the sign bit, a larger pattern is a larger
    /// magnitude, and the infinities and NaNs have the largest. Integer operations only, so
    /// it is as cheap on a soft-float microcontroller as with an FPU. The optimisers'
    /// overflow checks and [`Params::all_finite`] use it; a [`Kernel`](crate::numeric::kernel::Kernel)
    /// may compute a looser bound faster ([`Kernel::abs_bound`](crate::numeric::kernel::Kernel::abs_bound)).
    ///
    /// ```
    /// use tinymlp::Params;
    /// use tinymlp::layers::DenseGrads;
    /// let g = DenseGrads { weight: [[0.5, -3.0]], bias: [1.0] };
    /// assert_eq!(g.abs_bound(), 3.0);
    /// let bad = DenseGrads { weight: [[0.5, f32::NAN]], bias: [1.0] };
    /// assert_eq!(bad.abs_bound(), f32::INFINITY);
    /// ```
    fn abs_bound(&self) -> f32 {
        let mut m = 0u32;
        for i in 0..Self::SLICES {
            m = m.max(crate::numeric::kernel::max_magnitude_bits(self.slice(i)));
        }
        crate::numeric::kernel::from_magnitude_bits(m)
    }

    /// Total number of values.
    fn len(&self) -> usize {
        (0..Self::SLICES).map(|i| self.slice(i).len()).sum()
    }

    /// `true` when there are no values.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A parameter tensor seen as one flat slice: vectors and row-major matrices.
pub trait AsFlat {
    /// The values.
    fn flat(&self) -> &[f32];
    /// The values, mutably.
    fn flat_mut(&mut self) -> &mut [f32];
}

impl<const N: usize> AsFlat for [f32; N] {
    fn flat(&self) -> &[f32] {
        self
    }
    fn flat_mut(&mut self) -> &mut [f32] {
        self
    }
}

impl<const N: usize, const M: usize> AsFlat for [[f32; N]; M] {
    fn flat(&self) -> &[f32] {
        self.as_flattened()
    }
    fn flat_mut(&mut self) -> &mut [f32] {
        self.as_flattened_mut()
    }
}

/// Implements [`Params`] for a struct from its tensor fields, in order:
/// `impl_params!([const N: usize] BatchNorm<N> { 0 => gamma, 1 => beta });`
macro_rules! impl_params {
    (@one $x:tt) => { 1 };
    ([$($g:tt)*] $ty:ty { $($idx:literal => $field:ident),* $(,)? }) => {
        impl<$($g)*> $crate::Params for $ty {
            const SLICES: usize = 0 $(+ impl_params!(@one $idx))*;
            fn slice(&self, _i: usize) -> &[f32] {
                match _i {
                    $($idx => $crate::numeric::params::AsFlat::flat(&self.$field),)*
                    _ => &[],
                }
            }
            fn slice_mut(&mut self, _i: usize) -> &mut [f32] {
                match _i {
                    $($idx => $crate::numeric::params::AsFlat::flat_mut(&mut self.$field),)*
                    _ => &mut [],
                }
            }
            fn is_weight(&self, _i: usize) -> bool {
                match _i {
                    $($idx => stringify!($field).as_bytes() == b"weight",)*
                    _ => false,
                }
            }
        }
    };
}
pub(crate) use impl_params;

impl Params for () {
    const SLICES: usize = 0;
    fn slice(&self, _: usize) -> &[f32] {
        &[]
    }
    fn slice_mut(&mut self, _: usize) -> &mut [f32] {
        &mut []
    }
}

impl<A: Params, B: Params> Params for (A, B) {
    const SLICES: usize = A::SLICES + B::SLICES;
    #[inline]
    fn slice(&self, i: usize) -> &[f32] {
        if i < A::SLICES { self.0.slice(i) } else { self.1.slice(i - A::SLICES) }
    }
    #[inline]
    fn slice_mut(&mut self, i: usize) -> &mut [f32] {
        if i < A::SLICES { self.0.slice_mut(i) } else { self.1.slice_mut(i - A::SLICES) }
    }
    #[inline]
    fn is_weight(&self, i: usize) -> bool {
        if i < A::SLICES { self.0.is_weight(i) } else { self.1.is_weight(i - A::SLICES) }
    }
}

#[cfg(test)]
mod tests {
    use super::Params;
    use crate::layers::DenseGrads;

    #[test]
    fn abs_bound_is_the_largest_magnitude() {
        let mut rng = crate::Xoshiro128PlusPlus::new(9);
        for round in 0..2000 {
            let mut g = DenseGrads::<13, 3> { weight: [[0.0; 13]; 3], bias: [0.0; 3] };
            let scale = [1e-42f32, 1e-20, 1.0, 1e10, 1e30, 3e37][round % 6];
            for i in 0..2 {
                for v in g.slice_mut(i) {
                    let u = rand_core::Rng::next_u32(&mut rng);
                    *v = (u as f32 / u32::MAX as f32 - 0.5) * scale;
                }
            }
            // The reference: one comparison at a time, in a plain loop, so that it does not
            // depend on how the compiler vectorises an iterator `fold` of `f32::max` (which
            // differs between targets such as `-C target-cpu=native` on AVX-512).
            let mut largest = 0.0f32;
            for i in 0..2 {
                for v in g.slice(i) {
                    if v.abs() > largest {
                        largest = v.abs();
                    }
                }
            }
            assert_eq!(g.abs_bound(), largest, "round {round}");
            assert!(g.all_finite());
        }
        let mut g = DenseGrads::<2, 1> { weight: [[f32::MAX, -f32::MAX]], bias: [1.0] };
        assert_eq!(g.abs_bound(), f32::MAX);
        assert!(g.all_finite());
        g.bias[0] = f32::NEG_INFINITY;
        assert!(!g.all_finite());
        g.bias[0] = f32::NAN;
        assert!(!g.all_finite() && g.abs_bound() == f32::INFINITY);
    }
}
