//! Requantisation in integers: TensorFlow Lite's 32-bit fixed-point multiplier and shift.
//!
//! A real factor `m` (for a dense layer, `input scale × weight scale / output scale`) is
//! stored as a multiplier `q` in `[2³⁰, 2³¹)` and a shift `s` in `−31..=30` with
//! `m ≈ q · 2^(s − 31)` ([`Requant::from_real`], TFLite's `QuantizeMultiplier`). An `i32`
//! accumulator `x` is then scaled by [`Requant::apply`], TFLite's single-rounding
//! `MultiplyByQuantizedMultiplier`: `(x · q + 2^(30 − s)) >> (31 − s)` in 64-bit
//! arithmetic, one rounding, halves towards +∞.
//!
//! TensorFlow Lite has two builds of this function: the single rounding above
//! (`TFLITE_SINGLE_ROUNDING`) and gemmlowp's double rounding (a rounding high multiply,
//! then a rounding shift). The golden vectors of TensorFlow 2.21's interpreter agree with
//! the single rounding on every row and differ from the double rounding on two rows of the
//! moons model, so tinymlp implements the single rounding.

/// A real factor as TFLite's fixed-point multiplier and shift (see the module's docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requant {
    /// The multiplier `q`, in `[2³⁰, 2³¹)` (or 0 for a zero factor).
    pub multiplier: i32,
    /// The shift `s`, in `−31..=30`: the factor is `q · 2^(s − 31)`.
    pub shift: i32,
}

impl Requant {
    /// TFLite's `QuantizeMultiplier` (single-rounding build): `frexp` of the factor, the
    /// fraction times 2³¹ rounded half away from zero, `2³¹` carried into the shift, factors
    /// below about 2⁻³¹ flushed to zero, and shifts above 30 saturated to the largest
    /// multiplier with shift 30. `None` for a negative, infinite or NaN factor.
    ///
    /// ```
    /// use tinymlp::quant::Requant;
    /// let r = Requant::from_real(0.25).unwrap();
    /// assert_eq!((r.multiplier, r.shift), (1 << 30, -1));
    /// assert_eq!(r.apply(1000), 250);
    /// assert_eq!(r.apply(-6), -1); // −1.5: halves go towards +∞
    /// ```
    pub fn from_real(m: f64) -> Option<Requant> {
        if !(m >= 0.0 && m.is_finite()) {
            return None;
        }
        if m == 0.0 {
            return Some(Requant { multiplier: 0, shift: 0 });
        }
        let (q, mut shift) = libm::frexp(m);
        let mut q_fixed = libm::round(q * (1i64 << 31) as f64) as i64;
        if q_fixed == 1 << 31 {
            q_fixed /= 2;
            shift += 1;
        }
        if shift < -31 {
            shift = 0;
            q_fixed = 0;
        }
        if shift > 30 {
            shift = 30;
            q_fixed = (1 << 31) - 1;
        }
        Some(Requant { multiplier: q_fixed as i32, shift })
    }

    /// `x` times the factor, in integers, as TFLite's single-rounding
    /// `MultiplyByQuantizedMultiplier`.
    #[inline]
    pub const fn apply(self, x: i32) -> i32 {
        let total = (31 - self.shift) as u32;
        let round = 1i64 << (total - 1);
        ((x as i64 * self.multiplier as i64 + round) >> total) as i32
    }

    /// The factor this multiplier and shift represent, `q · 2^(s − 31)`.
    pub fn real(self) -> f64 {
        self.multiplier as f64 * libm::exp2((self.shift - 31) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `x · q / 2^(31 − s)` rounded to the nearest integer, halves up, in exact arithmetic.
    fn reference(r: Requant, x: i32) -> i32 {
        let num = x as i128 * r.multiplier as i128;
        let den = 1i128 << (31 - r.shift);
        (num * 2 + den).div_euclid(2 * den) as i32
    }

    #[test]
    fn apply_rounds_once_halves_up() {
        let mut s = 0x1234_5678u32;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s
        };
        for _ in 0..20_000 {
            let shift = (next() % 40) as i32 - 31;
            let r = Requant { multiplier: (next() >> 1) as i32 | (1 << 30), shift: shift.min(0) };
            let x = (next() as i32) >> (next() % 24);
            assert_eq!(r.apply(x), reference(r, x), "{x} · {r:?}");
        }
        let half = Requant::from_real(0.5).unwrap();
        assert_eq!([half.apply(3), half.apply(-3), half.apply(1), half.apply(-1)], [2, -1, 1, 0]);
    }

    #[test]
    fn quantize_multiplier_cases() {
        assert_eq!(Requant::from_real(1.0), Some(Requant { multiplier: 1 << 30, shift: 1 }));
        assert_eq!(Requant::from_real(0.5), Some(Requant { multiplier: 1 << 30, shift: 0 }));
        // 1 − 2⁻⁴⁰: the fraction rounds up to 2³¹, carried into the shift.
        let r = Requant::from_real(1.0 - libm::exp2(-40.0)).unwrap();
        assert_eq!((r.multiplier, r.shift), (1 << 30, 1));
        assert_eq!(Requant::from_real(1e-12), Some(Requant { multiplier: 0, shift: 0 }));
        assert_eq!(Requant::from_real(1e12), Some(Requant { multiplier: i32::MAX, shift: 30 }));
        assert_eq!(Requant::from_real(-1.0), None);
        assert_eq!(Requant::from_real(f64::NAN), None);
        for m in [0.000123, 0.0371, 0.5, 0.99, 1.7, 3.1] {
            let r = Requant::from_real(m).unwrap();
            assert!((r.real() - m).abs() <= m * 1e-9, "{m} → {r:?}");
            for x in [-100_000, -3, 0, 7, 4096, 1_000_000] {
                let exact = x as f64 * r.real();
                assert!(
                    (r.apply(x) as f64 - exact).abs() <= 0.5 + 1e-9,
                    "{x}·{m}: {} vs {exact}",
                    r.apply(x)
                );
            }
        }
    }
}
