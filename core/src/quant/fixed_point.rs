//! Requantisation in integers: TensorFlow Lite's 32-bit fixed-point multiplier and shift.
//!
//! A real factor `m` (for a dense layer, `input scale × weight scale / output scale`) is
//! stored as a multiplier `q` in `[2³⁰, 2³¹)` and a shift `s` with `m ≈ q · 2^(s − 31)`
//! ([`Requant::from_real`], TFLite's `QuantizeMultiplier`). An `i32` accumulator `x` is then
//! scaled by [`Requant::apply`], TFLite's double-rounding `MultiplyByQuantizedMultiplier`:
//!
//! 1. `x · 2^max(s, 0)` (wrapping, as C++ `int32` arithmetic does on every TFLite target);
//! 2. [`saturating_rounding_doubling_high_mul`] with `q`: the high 32 bits of `2·x·q`,
//!    rounded half up (towards +∞), saturated for the one overflowing case `x = q = i32::MIN`;
//! 3. [`rounding_divide_by_pot`] by `2^max(−s, 0)`: an arithmetic shift rounding half away
//!    from zero.
//!
//! These are gemmlowp's `fixedpoint` functions, written from their definitions; the tests
//! check them on the cases that distinguish the roundings, and the golden models check the
//! whole chain against the TFLite interpreter bit for bit.

/// gemmlowp's `SaturatingRoundingDoublingHighMul`: `a·b / 2³¹` rounded to the nearest
/// integer, halves towards +∞ (gemmlowp adds `2³⁰` or `1 − 2³⁰` and truncates), with
/// `i32::MIN · i32::MIN` saturated to `i32::MAX`.
///
/// ```
/// use tinymlp::quant::saturating_rounding_doubling_high_mul as mul;
/// assert_eq!(mul(1 << 30, 1 << 30), 1 << 29); // ½ · ½ = ¼ in Q31
/// assert_eq!(mul(i32::MIN, i32::MIN), i32::MAX);
/// assert_eq!(mul(-3, 1 << 30), -1); // −1.5 rounds to −1
/// assert_eq!(mul(3, 1 << 30), 2); // 1.5 rounds to 2
/// ```
#[inline]
pub const fn saturating_rounding_doubling_high_mul(a: i32, b: i32) -> i32 {
    if a == i32::MIN && b == i32::MIN {
        return i32::MAX;
    }
    let ab = a as i64 * b as i64;
    let nudge: i64 = if ab >= 0 { 1 << 30 } else { 1 - (1 << 30) };
    // C++ integer division truncates towards zero, as Rust's does.
    ((ab + nudge) / (1i64 << 31)) as i32
}

/// gemmlowp's `RoundingDivideByPOT`: `x / 2^exponent` rounded half away from zero
/// (`exponent` in `0..=31`).
///
/// ```
/// use tinymlp::quant::rounding_divide_by_pot as div;
/// assert_eq!(div(5, 1), 3);
/// assert_eq!(div(-5, 1), -3);
/// assert_eq!(div(-6, 2), -2); // −1.5 → −2
/// ```
#[inline]
pub const fn rounding_divide_by_pot(x: i32, exponent: u32) -> i32 {
    let mask: i32 = ((1i64 << exponent) - 1) as i32;
    let remainder = x & mask;
    let threshold = (mask >> 1) + if x < 0 { 1 } else { 0 };
    (x >> exponent) + if remainder > threshold { 1 } else { 0 }
}

/// A real factor as TFLite's fixed-point multiplier and shift (see the module's docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Requant {
    /// The multiplier `q`, in `[2³⁰, 2³¹)` (or 0 for a zero factor).
    pub multiplier: i32,
    /// The shift `s`: positive multiplies by `2^s` before the multiplication, negative
    /// divides by `2^−s` after it.
    pub shift: i32,
}

impl Requant {
    /// TFLite's `QuantizeMultiplier`: `frexp` of the factor, the fraction times 2³¹ rounded
    /// half away from zero, `2³¹` carried into the shift, and factors below about 2⁻³¹
    /// flushed to zero. `None` for a negative, infinite or NaN factor, or one of `2³¹` or
    /// more (beyond the shift TFLite applies).
    ///
    /// ```
    /// use tinymlp::quant::Requant;
    /// let r = Requant::from_real(0.25).unwrap();
    /// assert_eq!((r.multiplier, r.shift), (1 << 30, -1));
    /// assert_eq!(r.apply(1000), 250);
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
        if shift > 31 {
            return None;
        }
        Some(Requant { multiplier: q_fixed as i32, shift })
    }

    /// `x` times the factor, in integers, as TFLite's `MultiplyByQuantizedMultiplier`.
    #[inline]
    pub const fn apply(self, x: i32) -> i32 {
        let left = if self.shift > 0 { self.shift as u32 } else { 0 };
        let right = if self.shift > 0 { 0 } else { (-self.shift) as u32 };
        rounding_divide_by_pot(
            saturating_rounding_doubling_high_mul(x.wrapping_shl(left), self.multiplier),
            right,
        )
    }

    /// The factor this multiplier and shift represent, `q · 2^(s − 31)`.
    pub fn real(self) -> f64 {
        self.multiplier as f64 * libm::exp2((self.shift - 31) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The high multiplication against its definition in 128-bit arithmetic.
    fn srdhm_reference(a: i32, b: i32) -> i32 {
        if a == i32::MIN && b == i32::MIN {
            return i32::MAX;
        }
        // floor(ab / 2^31 + 1/2)
        ((a as i128 * b as i128 + (1 << 30)) >> 31) as i32
    }

    #[test]
    fn high_mul_matches_its_definition() {
        let vals = [0, 1, -1, 2, -2, 3, 1 << 30, -(1 << 30), i32::MAX, i32::MIN, 12345, -98765, 1 << 16];
        for &a in &vals {
            for &b in &vals {
                assert_eq!(saturating_rounding_doubling_high_mul(a, b), srdhm_reference(a, b), "{a}·{b}");
            }
        }
        let mut s = 0x1234_5678u32;
        for _ in 0..10_000 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let a = s as i32;
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let b = s as i32;
            assert_eq!(saturating_rounding_doubling_high_mul(a, b), srdhm_reference(a, b), "{a}·{b}");
        }
    }

    #[test]
    fn divide_rounds_half_away_from_zero() {
        for x in -1000i32..=1000 {
            for e in 0..6u32 {
                let exact = x as f64 / (1u32 << e) as f64;
                let want = libm::round(exact) as i32;
                assert_eq!(rounding_divide_by_pot(x, e), want, "{x} / 2^{e}");
            }
        }
        assert_eq!(rounding_divide_by_pot(i32::MIN, 31), -1);
        assert_eq!(rounding_divide_by_pot(i32::MAX, 31), 1);
    }

    #[test]
    fn quantize_multiplier_cases() {
        assert_eq!(Requant::from_real(1.0), Some(Requant { multiplier: 1 << 30, shift: 1 }));
        assert_eq!(Requant::from_real(0.5), Some(Requant { multiplier: 1 << 30, shift: 0 }));
        // 1 − 2⁻⁴⁰: the fraction rounds up to 2³¹, carried into the shift.
        let r = Requant::from_real(1.0 - libm::exp2(-40.0)).unwrap();
        assert_eq!((r.multiplier, r.shift), (1 << 30, 1));
        assert_eq!(Requant::from_real(1e-12), Some(Requant { multiplier: 0, shift: 0 }));
        assert_eq!(Requant::from_real(-1.0), None);
        assert_eq!(Requant::from_real(f64::NAN), None);
        for m in [0.000123, 0.0371, 0.5, 0.99, 1.7, 3.1] {
            let r = Requant::from_real(m).unwrap();
            assert!((r.real() - m).abs() <= m * 1e-9, "{m} → {r:?}");
            for x in [-100_000, -3, 0, 7, 4096, 1_000_000] {
                let exact = x as f64 * r.real();
                assert!((r.apply(x) as f64 - exact).abs() <= 1.0, "{x}·{m}: {} vs {exact}", r.apply(x));
            }
        }
    }
}
