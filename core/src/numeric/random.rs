//! Random draws used by initialisers, dropout and shuffling, defined bit for bit so that the
//! same generator gives the same numbers on every target.

use crate::numeric::math::{ln, sqrt};
use rand_core::Rng;

/// A uniform `f32` in `[0, 1)`: the top 24 bits of one `next_u32`, times 2⁻²⁴.
#[inline]
pub fn uniform<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    (rng.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
}

/// A standard normal `f32` by the Box–Muller transform (the cosine branch only, so every
/// draw takes exactly two `next_u32`).
pub fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    // u1 in (0, 1] so that ln(u1) is finite.
    let u1 = 1.0 - uniform(rng);
    let u2 = uniform(rng);
    sqrt(-2.0 * ln(u1)) * libm::cosf(core::f32::consts::TAU * u2)
}

/// A standard normal truncated to `[-2, 2]` by redrawing, as Keras' `TruncatedNormal` and
/// its `*_normal` variance-scaling initialisers do.
pub fn truncated_normal<R: Rng + ?Sized>(rng: &mut R) -> f32 {
    loop {
        let z = standard_normal(rng);
        if (-2.0..=2.0).contains(&z) {
            return z;
        }
    }
}

/// An integer uniform in `0..n` (Lemire's multiply-and-reject: no modulo bias).
/// Returns 0 for `n == 0`.
pub fn below<R: Rng + ?Sized>(rng: &mut R, n: u32) -> u32 {
    if n == 0 {
        return 0;
    }
    let threshold = n.wrapping_neg() % n;
    loop {
        let m = rng.next_u32() as u64 * n as u64;
        if (m as u32) >= threshold {
            return (m >> 32) as u32;
        }
    }
}

/// Fisher–Yates shuffle. Shuffles two slices with the same permutation when given both
/// (features and labels stay together); the permutation depends only on the length and
/// the generator.
pub fn shuffle_pair<A, B, R: Rng + ?Sized>(a: &mut [A], b: &mut [B], rng: &mut R) {
    let n = a.len().min(b.len());
    for i in (1..n).rev() {
        let j = below(rng, (i + 1) as u32) as usize;
        a.swap(i, j);
        b.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Xoshiro128PlusPlus;

    #[test]
    fn uniform_and_normal_moments() {
        let mut rng = Xoshiro128PlusPlus::new(7);
        let n = 200_000;
        let (mut s, mut s2, mut lo, mut hi) = (0f64, 0f64, 1f32, 0f32);
        for _ in 0..n {
            let u = uniform(&mut rng);
            s += u as f64;
            s2 += (u as f64) * (u as f64);
            lo = lo.min(u);
            hi = hi.max(u);
        }
        let mean = s / n as f64;
        // U(0,1): mean 1/2, variance 1/12; standard error of the mean ≈ 6.5e-4.
        assert!((mean - 0.5).abs() < 3e-3);
        assert!((s2 / n as f64 - mean * mean - 1.0 / 12.0).abs() < 2e-3);
        assert!(lo >= 0.0 && hi < 1.0);
        let (mut s, mut s2) = (0f64, 0f64);
        for _ in 0..n {
            let z = standard_normal(&mut rng) as f64;
            s += z;
            s2 += z * z;
        }
        assert!((s / n as f64).abs() < 1e-2);
        assert!((s2 / n as f64 - 1.0).abs() < 2e-2);
        // Truncated at 2: variance of N(0,1) | |z| ≤ 2 is 0.7737413 (published value;
        // its square root 0.8796256 is Keras' correction constant).
        let (mut s2, mut m) = (0f64, 0f32);
        for _ in 0..n {
            let z = truncated_normal(&mut rng);
            s2 += (z as f64) * (z as f64);
            m = m.max(z.abs());
        }
        assert!((s2 / n as f64 - 0.773_741_3).abs() < 1e-2);
        assert!(m <= 2.0);
    }

    #[test]
    fn below_is_uniform_and_shuffle_permutes() {
        let mut rng = Xoshiro128PlusPlus::new(3);
        let mut counts = [0u32; 6];
        for _ in 0..60_000 {
            counts[below(&mut rng, 6) as usize] += 1;
        }
        for c in counts {
            assert!((9_500..10_500).contains(&c), "{counts:?}");
        }
        let mut a = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        let mut b = [0u8, 10, 20, 30, 40, 50, 60, 70, 80, 90];
        shuffle_pair(&mut a, &mut b, &mut rng);
        assert_ne!(a, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(*x as u8 * 10, *y);
        }
        let mut sorted = a;
        sorted.sort();
        assert_eq!(sorted, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
}
