//! The int8 fully connected layer (TFLite's FULLY_CONNECTED with int8 tensors).

use crate::quant::fixed_point::Requant;
use crate::quant::kernel::{Portable, QKernel};
use core::marker::PhantomData;

/// What a dense layer needs besides its weights: the offsets and the output clamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DenseQ8Params {
    /// Minus the input's zero point, added to every input code.
    pub input_offset: i32,
    /// The output's zero point, added after requantisation.
    pub output_offset: i32,
    /// The smallest output code: −128, or the code of 0 for a fused ReLU.
    pub min: i32,
    /// The largest output code: 127, or the code of 6 for a fused ReLU6.
    pub max: i32,
}

/// One output row of a dense int8 layer, as TFLite's reference
/// `FullyConnectedPerChannel` computes it:
/// `clamp(requant(Σ w·(x + input_offset) + bias) + output_offset, min, max)`.
#[inline]
pub fn dense_q8_unit<K: QKernel>(w: &[i8], bias: i32, requant: Requant, p: &DenseQ8Params, x: &[i8]) -> i8 {
    let acc = K::dot(w, x, p.input_offset).wrapping_add(bias);
    requant.apply(acc).wrapping_add(p.output_offset).clamp(p.min, p.max) as i8
}

/// A dense int8 layer over slices: `weight` holds `y.len()` rows of `x.len()` codes,
/// `bias` and `requant` one entry per output.
pub fn dense_q8<K: QKernel>(
    weight: &[i8],
    bias: &[i32],
    requant: &[Requant],
    p: &DenseQ8Params,
    x: &[i8],
    y: &mut [i8],
) {
    let n = x.len();
    for (o, out) in y.iter_mut().enumerate() {
        let row = &weight[o * n..(o + 1) * n];
        *out = dense_q8_unit::<K>(row, bias[o], requant[o], p, x);
    }
}

/// A dense int8 layer from `IN` codes to `OUT` codes: weights symmetric per output channel
/// (zero point 0), `i32` biases at scale `input scale × weight scale`, and the
/// requantisation of each output to the output tensor's scale.
///
/// ```
/// use tinymlp::quant::{DenseQ8, DenseQ8Params, Requant};
/// let p = DenseQ8Params { input_offset: 0, output_offset: 0, min: -128, max: 127 };
/// let half = Requant::from_real(0.5).unwrap();
/// let layer = DenseQ8::<2, 1>::new([[2, 4]], [1], [half], p);
/// let mut y = [0i8];
/// layer.forward(&[3, 1], &mut y);
/// assert_eq!(y, [6]); // (2·3 + 4·1 + 1) · ½ = 5.5, rounded half up
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DenseQ8<const IN: usize, const OUT: usize, K = Portable> {
    /// `weight[o][i]`: the code from input `i` to output `o`.
    pub weight: [[i8; IN]; OUT],
    /// One bias per output, at scale `input scale × weight scale[o]`.
    pub bias: [i32; OUT],
    /// One requantisation per output: `input scale × weight scale[o] / output scale`.
    pub requant: [Requant; OUT],
    /// The offsets and the clamp.
    pub params: DenseQ8Params,
    kernel: PhantomData<K>,
}

impl<const IN: usize, const OUT: usize, K: QKernel> DenseQ8<IN, OUT, K> {
    /// A layer from its parts.
    pub const fn new(
        weight: [[i8; IN]; OUT],
        bias: [i32; OUT],
        requant: [Requant; OUT],
        params: DenseQ8Params,
    ) -> Self {
        DenseQ8 { weight, bias, requant, params, kernel: PhantomData }
    }

    /// One row through the layer.
    pub fn forward(&self, x: &[i8; IN], y: &mut [i8; OUT]) {
        for o in 0..OUT {
            y[o] = dense_q8_unit::<K>(&self.weight[o], self.bias[o], self.requant[o], &self.params, x);
        }
    }

    /// Bytes of parameters: the weight codes, the biases and the multipliers and shifts.
    pub const PARAMETER_BYTES: usize = IN * OUT + 4 * OUT + 8 * OUT;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slice_form_equals_the_typed_form() {
        let p = DenseQ8Params { input_offset: 8, output_offset: -128, min: -128, max: 127 };
        let r = [Requant::from_real(0.0123).unwrap(), Requant::from_real(0.0456).unwrap()];
        let layer = DenseQ8::<3, 2>::new([[1, -127, 64], [127, 3, -5]], [100, -2000], r, p);
        for x in [[0i8, 0, 0], [-128, 127, 5], [127, 127, 127], [-8, -8, -8]] {
            let mut y = [0i8; 2];
            layer.forward(&x, &mut y);
            let mut z = [0i8; 2];
            let flat: [i8; 6] = [1, -127, 64, 127, 3, -5];
            dense_q8::<Portable>(&flat, &layer.bias, &r, &p, &x, &mut z);
            assert_eq!(y, z);
            // Against the real-valued computation: at most one code away.
            for o in 0..2 {
                let acc: i32 = (0..3).map(|i| layer.weight[o][i] as i32 * (x[i] as i32 + 8)).sum::<i32>()
                    + layer.bias[o];
                let want = (acc as f64 * r[o].real() - 128.0).clamp(-128.0, 127.0);
                assert!((y[o] as f64 - want).abs() <= 0.5 + 1e-9, "{x:?} → {y:?}, want {want}");
            }
        }
    }

    #[test]
    fn the_clamp_is_the_fused_activation() {
        let p = DenseQ8Params { input_offset: 0, output_offset: -100, min: -100, max: -50 };
        let one = Requant::from_real(1.0).unwrap();
        let layer = DenseQ8::<1, 3>::new([[1], [-1], [100]], [0, 0, 0], [one; 3], p);
        let mut y = [0i8; 3];
        layer.forward(&[20], &mut y);
        assert_eq!(y, [-80, -100, -50]);
    }
}
