//! Fixed-size values: the all-zero constant every buffer starts from, and one sample's
//! activations as a `[f32; N]`.

/// A type with a compile-time all-zero value.
///
/// This is what lets a model, its gradients, its optimiser state and its training caches
/// be built by `const` constructors and placed in a `static`.
pub trait Zero: Sized {
    /// The all-zero value.
    const ZERO: Self;
}

impl Zero for f32 {
    const ZERO: f32 = 0.0;
}

impl Zero for () {
    const ZERO: () = ();
}

impl<T: Zero, const N: usize> Zero for [T; N] {
    const ZERO: Self = [T::ZERO; N];
}

impl<A: Zero, B: Zero> Zero for (A, B) {
    const ZERO: Self = (A::ZERO, B::ZERO);
}

/// The activations of one sample at one point of the network: a `[f32; N]`.
///
/// Layers name their input and output with this trait, so the width of every buffer is
/// part of a type and a mismatch between neighbours is a compile error.
pub trait Signal: Zero + Copy + 'static {
    /// Number of values.
    const LEN: usize;
    /// The values as a slice.
    fn as_slice(&self) -> &[f32];
    /// The values as a mutable slice.
    fn as_mut_slice(&mut self) -> &mut [f32];
}

impl<const N: usize> Signal for [f32; N] {
    const LEN: usize = N;
    #[inline(always)]
    fn as_slice(&self) -> &[f32] {
        self
    }
    #[inline(always)]
    fn as_mut_slice(&mut self) -> &mut [f32] {
        self
    }
}
