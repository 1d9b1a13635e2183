//! The affine map between real values and int8 codes: `real = scale · (code − zero_point)`.

/// A tensor's quantisation: `real = scale · (code − zero_point)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QParams {
    /// The real value of one step.
    pub scale: f32,
    /// The code of the real value 0.
    pub zero_point: i32,
}

impl QParams {
    /// `Some` when the scale is finite and positive and the zero point an int8 code.
    pub fn new(scale: f32, zero_point: i32) -> Option<QParams> {
        (scale > 0.0 && scale.is_finite() && (-128..=127).contains(&zero_point))
            .then_some(QParams { scale, zero_point })
    }

    /// The code of a real value, as TFLite's QUANTIZE computes it: `x / scale` in `f32`,
    /// rounded half away from zero, plus the zero point, clamped to `−128..=127`. NaN gives
    /// the zero point's code.
    ///
    /// ```
    /// use tinymlp::quant::QParams;
    /// let q = QParams::new(0.5, -3).unwrap();
    /// assert_eq!(q.quantize(1.25), 0); // 2.5 rounds to 3, plus −3
    /// assert_eq!(q.quantize(1000.0), 127);
    /// assert_eq!(q.dequantize(0), 1.5);
    /// ```
    pub fn quantize(self, x: f32) -> i8 {
        let r = libm::roundf(x / self.scale);
        // `as` saturates, and maps NaN to 0, like the clamp that follows.
        (r as i32).saturating_add(self.zero_point).clamp(-128, 127) as i8
    }

    /// The real value of a code, as TFLite's DEQUANTIZE computes it:
    /// `scale · (code − zero_point)` in `f32`.
    pub fn dequantize(self, q: i8) -> f32 {
        self.scale * (q as i32 - self.zero_point) as f32
    }

    /// The parameters TFLite's converter chooses for the real range `[min, max]`: the range is
    /// widened to hold 0, the scale is `(max − min) / 255`, and the zero point is
    /// `−128 − min / scale` rounded to the nearest code (the "nudge" that makes 0 exact).
    /// An empty range (`min = max = 0`) gets scale 1.
    pub fn from_range(min: f32, max: f32) -> Option<QParams> {
        if !(min.is_finite() && max.is_finite() && min <= max) {
            return None;
        }
        let (min, max) = ((min as f64).min(0.0), (max as f64).max(0.0));
        if max == min {
            return QParams::new(1.0, 0);
        }
        let scale = (max - min) / 255.0;
        let zp_from_min = -128.0 - min / scale;
        let zero_point = if zp_from_min < -128.0 {
            -128
        } else if zp_from_min > 127.0 {
            127
        } else {
            libm::round(zp_from_min) as i32
        };
        QParams::new(scale as f32, zero_point)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantize_rounds_half_away_and_clamps() {
        let q = QParams::new(1.0, 0).unwrap();
        assert_eq!([q.quantize(0.5), q.quantize(-0.5), q.quantize(1.5), q.quantize(-2.5)], [1, -1, 2, -3]);
        assert_eq!([q.quantize(1e9), q.quantize(-1e9), q.quantize(f32::NAN)], [127, -128, 0]);
        assert_eq!(QParams::new(0.0, 0), None);
        assert_eq!(QParams::new(1.0, 128), None);
    }

    #[test]
    fn ranges_make_zero_exact() {
        let q = QParams::from_range(-1.0, 3.0).unwrap();
        assert_eq!(q.dequantize(q.zero_point as i8), 0.0);
        assert!((q.scale - 4.0 / 255.0).abs() < 1e-7);
        assert_eq!(q.zero_point, -64);
        let relu = QParams::from_range(0.0, 6.0).unwrap();
        assert_eq!(relu.zero_point, -128);
        assert_eq!(QParams::from_range(2.0, 1.0), None);
        assert_eq!(QParams::from_range(0.0, 0.0), QParams::new(1.0, 0));
    }
}
