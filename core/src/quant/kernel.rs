//! The seam for a target's int8 inner loop, like the `f32` [`Kernel`](crate::Kernel).

/// The int8 dot product of a dense layer: `Σᵢ w[i] · (x[i] + input_offset)` in `i32`.
///
/// Integer addition is associative, so every kernel gives the same sum whatever its order
/// (a DSP kernel may pair terms two by two); the sum of at most 2¹⁶ terms of
/// `|127 · 255|` cannot overflow.
pub trait QKernel: Copy + Default + core::fmt::Debug + PartialEq + Send + Sync + 'static {
    /// The dot product over the shorter of `w` and `x`.
    fn dot(w: &[i8], x: &[i8], input_offset: i32) -> i32;
}

/// The portable int8 kernel: one multiply-add per term, in index order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Portable;

impl QKernel for Portable {
    #[inline]
    fn dot(w: &[i8], x: &[i8], input_offset: i32) -> i32 {
        let mut acc = 0i32;
        for (&w, &x) in w.iter().zip(x) {
            acc = acc.wrapping_add(w as i32 * (x as i32 + input_offset));
        }
        acc
    }
}
