//! Int8 softmax as TFLite computes it for int8 tensors (the same kernel serves its reference
//! and optimised resolvers): `f32` exponentials of code differences, summed in order.

use crate::quant::params::QParams;

/// Int8 softmax over one row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SoftmaxQ8 {
    /// `−input scale · β` in `f32`.
    pub neg_scale: f32,
    /// The output's quantisation (TFLite's: scale 1/256, zero point −128).
    pub output: QParams,
}

impl SoftmaxQ8 {
    /// The softmax of an input quantised by `input`, with TFLite's `beta` (1 for Keras).
    pub fn new(input: QParams, beta: f32, output: QParams) -> SoftmaxQ8 {
        SoftmaxQ8 { neg_scale: -input.scale * beta, output }
    }

    /// TFLite's int8 softmax (`PopulateSoftmaxLookupTable` and `Softmax` of its
    /// `optimized_ops`): with `m` the largest code, `e_j = expf(neg_scale · (m − x_j))`,
    /// `s = e_0 + e_1 + …` in `f32` in index order, `inv = 1 / (s · output.scale)`, and
    /// `y_j = round(e_j · inv) + output.zero_point` (half away from zero), clamped.
    /// Computes over the shorter of `x` and `y`.
    pub fn forward(&self, x: &[i8], y: &mut [i8]) {
        let n = x.len().min(y.len());
        let (x, y) = (&x[..n], &mut y[..n]);
        let Some(&max) = x.iter().max() else { return };
        let e = |c: i8| libm::expf(self.neg_scale * (max as i32 - c as i32) as f32);
        let mut sum = 0.0f32;
        for &c in x {
            sum += e(c);
        }
        let inv = 1.0 / (sum * self.output.scale);
        for (y, &c) in y.iter_mut().zip(x) {
            let q = (libm::roundf(e(c) * inv) as i32).saturating_add(self.output.zero_point);
            *y = q.clamp(-128, 127) as i8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_codes_share_the_mass() {
        let s = SoftmaxQ8::new(QParams::new(0.1, 0).unwrap(), 1.0, QParams::new(1.0 / 256.0, -128).unwrap());
        let mut y = [0i8; 4];
        s.forward(&[5, 5, 5, 5], &mut y);
        assert_eq!(y, [-64; 4]); // ¼ = 64/256
        s.forward(&[127, -128, -128, -128], &mut y);
        assert_eq!(y, [127, -128, -128, -128]);
    }
}
