//! Int8 sigmoid and tanh as TFLite's reference kernels compute them: a table of the 256
//! possible outputs, each from the `f32` function of the dequantised input.

use crate::quant::params::QParams;

/// An int8 function of one value, as a table of its 256 outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lut8 {
    /// `table[c as u8]`: the output code of input code `c`.
    pub table: [i8; 256],
}

impl Lut8 {
    /// TFLite's `PopulateLookupTable`, in `f32`: for each input code `c`,
    /// `x = input.scale · (c − input.zero_point)`, `y = f(x)`,
    /// `round(y · (1 / output.scale))` (half away from zero) `+ output.zero_point`,
    /// clamped to `−128..=127`.
    pub fn from_fn(input: QParams, output: QParams, f: impl Fn(f32) -> f32) -> Lut8 {
        let inverse_scale = 1.0 / output.scale;
        let mut table = [0i8; 256];
        for c in -128i32..=127 {
            let x = input.scale * (c - input.zero_point) as f32;
            let rescaled = libm::roundf(f(x) * inverse_scale);
            let q = (rescaled + output.zero_point as f32) as i32;
            table[c as i8 as u8 as usize] = q.clamp(-128, 127) as i8;
        }
        Lut8 { table }
    }

    /// TFLite's int8 LOGISTIC: `1 / (1 + exp(−x))` with `libm`'s `expf` (TFLite requires the
    /// output scale 1/256 and zero point −128).
    pub fn logistic(input: QParams, output: QParams) -> Lut8 {
        Lut8::from_fn(input, output, |x| 1.0 / (1.0 + libm::expf(-x)))
    }

    /// TFLite's int8 TANH: `tanh(x)` with `libm`'s `tanhf` (TFLite's output scale is 1/128,
    /// zero point 0).
    pub fn tanh(input: QParams, output: QParams) -> Lut8 {
        Lut8::from_fn(input, output, libm::tanhf)
    }

    /// Each code of `x` through the table, into `y` (over the shorter length).
    pub fn forward(&self, x: &[i8], y: &mut [i8]) {
        for (y, &x) in y.iter_mut().zip(x) {
            *y = self.table[x as u8 as usize];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logistic_is_monotone_and_centred() {
        let input = QParams::new(0.1, 0).unwrap();
        let output = QParams::new(1.0 / 256.0, -128).unwrap();
        let lut = Lut8::logistic(input, output);
        let mut y = [0i8; 256];
        let x: [i8; 256] = core::array::from_fn(|k| (k as i32 - 128) as i8);
        lut.forward(&x, &mut y);
        assert!(y.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(lut.table[0], 0); // σ(0) = ½ → 128 − 128
        assert_eq!(y[0], -128 + libm::roundf(256.0 / (1.0 + libm::expf(12.8))) as i8);
    }
}
