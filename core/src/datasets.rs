//! Synthetic data sets and splitting, written into the caller's buffers.

use crate::numeric::random::{shuffle_pair, standard_normal};
use rand_core::Rng;

/// scikit-learn's `make_moons`: two interleaving half circles, written into `x` and `t`
/// (as many rows as the shorter of the two). The first `n/2` rows of the underlying set are
/// the outer moon (label 0), the others the inner moon (label 1); the rows are shuffled and
/// each coordinate gets Gaussian noise of standard deviation `noise`, as scikit-learn does.
/// Same algorithm, different random generator: the points are not scikit-learn's, the
/// distribution is.
///
/// ```
/// use tinymlp::{datasets::make_moons, Xoshiro128PlusPlus};
/// let (mut x, mut t) = ([[0.0f32; 2]; 100], [[0.0f32; 1]; 100]);
/// make_moons(&mut x, &mut t, 0.0, &mut Xoshiro128PlusPlus::new(42));
/// assert_eq!(t.iter().filter(|l| l[0] == 1.0).count(), 50);
/// ```
pub fn make_moons<R: Rng + ?Sized>(x: &mut [[f32; 2]], t: &mut [[f32; 1]], noise: f32, rng: &mut R) {
    let n = x.len().min(t.len());
    let (x, t) = (&mut x[..n], &mut t[..n]);
    let n_out = n / 2;
    let n_in = n - n_out;
    let angle = |i: usize, m: usize| {
        if m > 1 { core::f64::consts::PI * i as f64 / (m - 1) as f64 } else { 0.0 }
    };
    for i in 0..n_out {
        let a = angle(i, n_out);
        x[i] = [libm::cos(a) as f32, libm::sin(a) as f32];
        t[i] = [0.0];
    }
    for i in 0..n_in {
        let a = angle(i, n_in);
        x[n_out + i] = [(1.0 - libm::cos(a)) as f32, (1.0 - libm::sin(a) - 0.5) as f32];
        t[n_out + i] = [1.0];
    }
    shuffle_pair(x, t, rng);
    if noise > 0.0 {
        for row in x.iter_mut() {
            for v in row {
                *v += noise * standard_normal(rng);
            }
        }
    }
}

/// The classic 3-arm spiral of CS231n (and the tutorial's exercise): for class `j` of `K`,
/// `n` points with radius `linspace(0, 1, n)` and angle `linspace(4j, 4(j+1), n) + noise·N(0,1)`,
/// at `(r·sin θ, r·cos θ)`. Targets are one-hot. Uses `n·K` rows of `x` and `t` (fewer if
/// they are shorter); rows are in class order (shuffle before splitting).
///
/// ```
/// use tinymlp::{datasets::spiral, Xoshiro128PlusPlus};
/// let (mut x, mut t) = ([[0.0f32; 2]; 300], [[0.0f32; 3]; 300]);
/// spiral::<_, 3>(&mut x, &mut t, 100, 0.2, &mut Xoshiro128PlusPlus::new(0));
/// assert_eq!(t[150], [0.0, 1.0, 0.0]);
/// ```
pub fn spiral<R: Rng + ?Sized, const K: usize>(
    x: &mut [[f32; 2]],
    t: &mut [[f32; K]],
    n: usize,
    noise: f32,
    rng: &mut R,
) {
    let mut row = 0;
    for j in 0..K {
        for i in 0..n {
            if row >= x.len() || row >= t.len() {
                return;
            }
            let f = if n > 1 { i as f64 / (n - 1) as f64 } else { 0.0 };
            let r = f;
            let theta = 4.0 * j as f64 + 4.0 * f + noise as f64 * standard_normal(rng) as f64;
            x[row] = [(r * libm::sin(theta)) as f32, (r * libm::cos(theta)) as f32];
            t[row] = core::array::from_fn(|k| if k == j { 1.0 } else { 0.0 });
            row += 1;
        }
    }
}

/// Shuffles the rows (features and targets together) and returns the index where the test
/// rows begin: the last `ceil(test_fraction·n)` rows are the test set, as scikit-learn's
/// `train_test_split(test_size=…)` sizes it.
///
/// ```
/// use tinymlp::{datasets::train_test_split, Xoshiro128PlusPlus};
/// let (mut x, mut t) = ([[0.0f32; 2]; 2000], [[0.0f32; 1]; 2000]);
/// let split = train_test_split(&mut x, &mut t, 0.2, &mut Xoshiro128PlusPlus::new(42));
/// assert_eq!(split, 1600);
/// ```
pub fn train_test_split<A, B, R: Rng + ?Sized>(
    x: &mut [A],
    t: &mut [B],
    test_fraction: f64,
    rng: &mut R,
) -> usize {
    let n = x.len().min(t.len());
    shuffle_pair(&mut x[..n], &mut t[..n], rng);
    let n_test = (libm::ceil(test_fraction.clamp(0.0, 1.0) * n as f64) as usize).min(n);
    n - n_test
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Xoshiro128PlusPlus;

    #[test]
    fn moons_without_noise_lie_on_their_circles() {
        let (mut x, mut t) = ([[0.0f32; 2]; 201], [[0.0f32; 1]; 201]);
        make_moons(&mut x, &mut t, 0.0, &mut Xoshiro128PlusPlus::new(1));
        assert_eq!(t.iter().filter(|l| l[0] == 0.0).count(), 100);
        for (p, l) in x.iter().zip(&t) {
            let (cx, cy) = if l[0] == 0.0 { (0.0, 0.0) } else { (1.0, 0.5) };
            let r = ((p[0] - cx).powi(2) + (p[1] - cy).powi(2)).sqrt();
            assert!((r - 1.0).abs() < 1e-6, "{p:?} {l:?}");
            if l[0] == 0.0 {
                assert!(p[1] >= -1e-7);
            } else {
                assert!(p[1] <= 0.5 + 1e-7);
            }
        }
        // the end points of the outer moon are there: (1, 0) and (−1, 0)
        assert!(x.iter().any(|p| (p[0] - 1.0).abs() < 1e-6 && p[1].abs() < 1e-6));
        assert!(x.iter().any(|p| (p[0] + 1.0).abs() < 1e-6 && p[1].abs() < 1e-6));
    }

    #[test]
    fn moons_noise_has_the_requested_spread() {
        let n = 4000;
        let (mut clean, mut tc) = (vec![[0.0f32; 2]; n], vec![[0.0f32; 1]; n]);
        let (mut noisy, mut tn) = (vec![[0.0f32; 2]; n], vec![[0.0f32; 1]; n]);
        make_moons(&mut clean, &mut tc, 0.0, &mut Xoshiro128PlusPlus::new(3));
        make_moons(&mut noisy, &mut tn, 0.2, &mut Xoshiro128PlusPlus::new(3));
        // same seed: same shuffle, so the difference is the noise alone
        assert_eq!(tc, tn);
        let d: Vec<f64> = clean
            .iter()
            .zip(&noisy)
            .flat_map(|(a, b)| [(b[0] - a[0]) as f64, (b[1] - a[1]) as f64])
            .collect();
        let mean = d.iter().sum::<f64>() / d.len() as f64;
        let std = (d.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / d.len() as f64).sqrt();
        assert!(mean.abs() < 0.01 && (std - 0.2).abs() < 0.005, "{mean} {std}");
    }

    #[test]
    fn spiral_follows_its_formula() {
        let (mut x, mut t) = ([[0.0f32; 2]; 300], [[0.0f32; 3]; 300]);
        spiral::<_, 3>(&mut x, &mut t, 100, 0.0, &mut Xoshiro128PlusPlus::new(0));
        for j in 0..3 {
            for i in 0..100 {
                let p = x[j * 100 + i];
                let r = i as f64 / 99.0;
                let theta = 4.0 * j as f64 + 4.0 * r;
                assert!((p[0] as f64 - r * theta.sin()).abs() < 1e-6);
                assert!((p[1] as f64 - r * theta.cos()).abs() < 1e-6);
                assert_eq!(t[j * 100 + i][j], 1.0);
            }
        }
    }

    #[test]
    fn split_sizes_like_scikit_learn() {
        let (mut x, mut t) = ([0u32; 10], [0u8; 10]);
        for i in 0..10 {
            x[i] = i as u32;
            t[i] = i as u8;
        }
        // ceil(0.25 · 10) = 3 test rows
        assert_eq!(train_test_split(&mut x, &mut t, 0.25, &mut Xoshiro128PlusPlus::new(0)), 7);
        assert!(x.iter().zip(&t).all(|(a, b)| *a == *b as u32));
    }
}
