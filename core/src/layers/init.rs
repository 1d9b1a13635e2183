//! Weight initialisers.

use crate::numeric::random::{truncated_normal, uniform};
use rand_core::Rng;

/// `sqrt` of the variance of a standard normal truncated to [-2, 2]; dividing by it makes
/// the truncated draws have the requested standard deviation (Keras does the same).
pub const TRUNCATED_NORMAL_STD: f32 = 0.879_625_7;

/// The fan-in and fan-out of a weight matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fans {
    /// Inputs per neuron.
    pub fan_in: usize,
    /// Neurons.
    pub fan_out: usize,
}

/// How a layer's weights are drawn. The random generator is always the caller's.
///
/// Normal variants are **truncated at two standard deviations and rescaled**, exactly like
/// Keras' `GlorotNormal`/`HeNormal` (`stddev = target / 0.87962566`, redraw outside ±2σ):
/// the weights then have the target standard deviation and no outliers. Biases start at 0.
///
/// | variant | distribution | scale |
/// |---|---|---|
/// | `GlorotUniform` (Keras' default) | U(−l, l) | l = √(6/(fan_in+fan_out)) |
/// | `GlorotNormal` | N(0, σ) truncated | σ = √(2/(fan_in+fan_out)) |
/// | `HeUniform` | U(−l, l) | l = √(6/fan_in) (σ = √(2/fan_in)) |
/// | `HeNormal` | N(0, σ) truncated | σ = √(2/fan_in) |
/// | `HeLeaky { alpha }` | N(0, σ) truncated | σ = √(2/((1+α²)·fan_in)) |
/// | `LecunNormal` | N(0, σ) truncated | σ = √(1/fan_in) |
/// | `Uniform { limit }` | U(−limit, limit) | |
/// | `Normal { std }` | N(0, std) truncated | |
/// | `Constant(c)`, `Zeros` | c, 0 | |
/// | `Custom(f)` | `f(rng, fans)` per weight | |
///
/// ```
/// use tinymlp::{Init, Xoshiro128PlusPlus};
/// use tinymlp::layers::Fans;
/// let mut rng = Xoshiro128PlusPlus::new(1);
/// let w = Init::GlorotUniform.sample(Fans { fan_in: 2, fan_out: 64 }, &mut rng);
/// assert!(w.abs() <= (6.0f32 / 66.0).sqrt());
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Init {
    /// Glorot/Xavier uniform, Keras' default for `Dense`.
    GlorotUniform,
    /// Glorot/Xavier normal (truncated, like Keras).
    GlorotNormal,
    /// He/Kaiming uniform.
    HeUniform,
    /// He/Kaiming normal (truncated, like Keras).
    HeNormal,
    /// He normal for leaky ReLU with slope `alpha` (PyTorch's `kaiming_normal_(a=alpha)`).
    HeLeaky {
        /// The negative slope of the leaky ReLU that follows.
        alpha: f32,
    },
    /// LeCun normal (truncated), for SELU-like activations.
    LecunNormal,
    /// Uniform in `[-limit, limit)`.
    Uniform {
        /// Half-width of the interval.
        limit: f32,
    },
    /// Normal with standard deviation `std` (truncated at ±2·std and rescaled).
    Normal {
        /// Standard deviation.
        std: f32,
    },
    /// Every weight equal to the constant.
    Constant(f32),
    /// Every weight zero.
    Zeros,
    /// A function of the caller's: called once per weight, in storage order.
    Custom(fn(&mut dyn Rng, Fans) -> f32),
}

impl PartialEq for Init {
    fn eq(&self, other: &Self) -> bool {
        use Init::*;
        match (*self, *other) {
            (HeLeaky { alpha: a }, HeLeaky { alpha: b }) => a == b,
            (Uniform { limit: a }, Uniform { limit: b }) => a == b,
            (Normal { std: a }, Normal { std: b }) => a == b,
            (Constant(a), Constant(b)) => a == b,
            (Custom(a), Custom(b)) => core::ptr::fn_addr_eq(a, b),
            (a, b) => core::mem::discriminant(&a) == core::mem::discriminant(&b) && a.is_unit(),
        }
    }
}

impl Init {
    const fn is_unit(self) -> bool {
        matches!(
            self,
            Init::GlorotUniform
                | Init::GlorotNormal
                | Init::HeUniform
                | Init::HeNormal
                | Init::LecunNormal
                | Init::Zeros
        )
    }

    /// Draws one weight for a matrix with the given fans.
    pub fn sample<R: Rng>(self, fans: Fans, rng: &mut R) -> f32 {
        let fi = fans.fan_in.max(1) as f32;
        let fio = (fans.fan_in + fans.fan_out).max(1) as f32;
        match self {
            Init::GlorotUniform => symmetric(rng, libm::sqrtf(6.0 / fio)),
            Init::GlorotNormal => normal(rng, libm::sqrtf(2.0 / fio)),
            Init::HeUniform => symmetric(rng, libm::sqrtf(6.0 / fi)),
            Init::HeNormal => normal(rng, libm::sqrtf(2.0 / fi)),
            Init::HeLeaky { alpha } => normal(rng, libm::sqrtf(2.0 / ((1.0 + alpha * alpha) * fi))),
            Init::LecunNormal => normal(rng, libm::sqrtf(1.0 / fi)),
            Init::Uniform { limit } => symmetric(rng, limit),
            Init::Normal { std } => normal(rng, std),
            Init::Constant(c) => c,
            Init::Zeros => 0.0,
            Init::Custom(f) => f(rng, fans),
        }
    }

    /// Fills `w` (in storage order) with draws for the given fans.
    pub fn fill<R: Rng>(self, w: &mut [f32], fans: Fans, rng: &mut R) {
        for v in w {
            *v = self.sample(fans, rng);
        }
    }
}

fn symmetric<R: Rng + ?Sized>(rng: &mut R, limit: f32) -> f32 {
    limit * (2.0 * uniform(rng) - 1.0)
}

fn normal<R: Rng + ?Sized>(rng: &mut R, std: f32) -> f32 {
    truncated_normal(rng) * (std / TRUNCATED_NORMAL_STD)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Xoshiro128PlusPlus;

    /// Mean, standard deviation and largest magnitude of 100,000 draws.
    fn stats(init: Init, fans: Fans) -> (f64, f64, f64) {
        let mut rng = Xoshiro128PlusPlus::new(11);
        let n = 100_000;
        let (mut s, mut s2, mut m) = (0f64, 0f64, 0f64);
        for _ in 0..n {
            let w = init.sample(fans, &mut rng) as f64;
            s += w;
            s2 += w * w;
            m = m.max(w.abs());
        }
        let mean = s / n as f64;
        (mean, (s2 / n as f64 - mean * mean).sqrt(), m)
    }

    #[test]
    fn every_scheme_has_its_published_scale() {
        let f = Fans { fan_in: 64, fan_out: 32 };
        // (scheme, expected std, bound on |w|)
        let cases = [
            (Init::GlorotUniform, (2.0f64 / 96.0).sqrt(), (6.0f64 / 96.0).sqrt()),
            (Init::GlorotNormal, (2.0 / 96.0f64).sqrt(), 2.0 * (2.0 / 96.0f64).sqrt() / 0.8796),
            (Init::HeUniform, (2.0 / 64.0f64).sqrt(), (6.0 / 64.0f64).sqrt()),
            (Init::HeNormal, (2.0 / 64.0f64).sqrt(), 2.0 * (2.0 / 64.0f64).sqrt() / 0.8796),
            (
                Init::HeLeaky { alpha: 0.5 },
                (2.0 / (1.25 * 64.0f64)).sqrt(),
                2.0 * (2.0 / (1.25 * 64.0f64)).sqrt() / 0.8796,
            ),
            (Init::LecunNormal, (1.0 / 64.0f64).sqrt(), 2.0 * 0.125 / 0.8796),
            (Init::Uniform { limit: 0.3 }, 0.3 / 3.0f64.sqrt(), 0.3),
            (Init::Normal { std: 0.05 }, 0.05, 2.0 * 0.05 / 0.8796),
        ];
        for (init, std, bound) in cases {
            let (mean, s, m) = stats(init, f);
            assert!(mean.abs() < 0.01 * std * 10.0, "{init:?}: mean {mean}");
            assert!((s / std - 1.0).abs() < 0.015, "{init:?}: std {s} vs {std}");
            assert!(m <= bound * 1.000_01, "{init:?}: max {m} > {bound}");
            // the bound is nearly reached: the distribution really has that support
            assert!(m > bound * 0.97, "{init:?}: max {m} far below {bound}");
        }
        assert_eq!(stats(Init::Zeros, f), (0.0, 0.0, 0.0));
        let (mean, s, _) = stats(Init::Constant(0.25), f);
        assert_eq!((mean, s), (0.25, 0.0));
    }

    #[test]
    fn custom_function_gets_the_fans_and_the_generator() {
        fn f(rng: &mut dyn Rng, fans: Fans) -> f32 {
            (rng.next_u32() % 2) as f32 + fans.fan_in as f32 * 10.0 + fans.fan_out as f32
        }
        let mut rng = Xoshiro128PlusPlus::new(5);
        let v = Init::Custom(f).sample(Fans { fan_in: 3, fan_out: 4 }, &mut rng);
        assert!(v == 34.0 || v == 35.0);
    }
}
