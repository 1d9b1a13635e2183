//! The canonical order of floating-point operations.
//!
//! Every result the crate computes is defined by the order of its `f32` operations, not only
//! by its formula: the host and the device run these same functions, so they round the same
//! way and produce the same bits. The rules:
//!
//! - **Dot products** (`dot`) use [`LANES`] = 8 partial sums. Term `i` is added to lane
//!   `i % 8`, in increasing `i`, starting from `+0.0`. The lanes are combined as
//!   `((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))`, the order of a 4-wide SIMD
//!   horizontal sum. A dense layer adds its bias after the dot product: `dot(w, x) + b`.
//! - **Accumulations across rows** (`axpy`: gradients summed over a batch, `Wᵀ·dy`, batch
//!   statistics) add one row at a time, in increasing row order; each element is
//!   independent, so the loop is vectorised across elements without changing any result.
//! - **Sums of a few scalars** (losses, metrics) add in increasing index order.
//! - Products are never fused with additions: no `mul_add`, and Rust never contracts
//!   `a * b + c` on its own (LLVM emits `vmla.f32`, which rounds the product, on Cortex-M4F).
//! - Transcendental functions come from `libm`, which gives the same bits everywhere.
//!
//! A faster kernel (for example one that blocks several rows in registers on a Cortex-M)
//! is allowed only if it performs exactly these operations; tests compare it with these
//! reference functions bit for bit.

/// Number of independent partial sums in a dot product.
pub const LANES: usize = 8;

/// Dot product of `w` and `x` (over the shorter length) in the canonical order.
#[inline]
pub fn dot(w: &[f32], x: &[f32]) -> f32 {
    let n = w.len().min(x.len());
    let (w, x) = (&w[..n], &x[..n]);
    let mut acc = [0.0f32; LANES];
    let (wc, wr) = w.as_chunks::<LANES>();
    let (xc, xr) = x.as_chunks::<LANES>();
    for (a, b) in wc.iter().zip(xc) {
        for k in 0..LANES {
            acc[k] += a[k] * b[k];
        }
    }
    for ((l, a), b) in acc.iter_mut().zip(wr).zip(xr) {
        *l += a * b;
    }
    combine(&lanes_done(acc))
}

/// The identity on the lanes. On x86-64 it hides them from the optimiser, which otherwise
/// fits the accumulation to the shape of the final tree and vectorises it 2 lanes wide
/// instead of 4 (measured: about 1.6× slower). The values, and so the results, are the same.
#[inline(always)]
fn lanes_done(acc: [f32; LANES]) -> [f32; LANES] {
    #[cfg(target_arch = "x86_64")]
    {
        core::hint::black_box(acc)
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        acc
    }
}

/// [`dot`] for a length known at compile time. Below [`LANES`] terms each lane holds one
/// term, `+0.0 + w·x`, and the others stay `+0.0`; the tree is then computed over the
/// lanes that hold a term only. That is exact: a lane is never `−0.0` (it starts at `+0.0`),
/// so neither is any sum of lanes, and `v + 0.0 == v` for every `v ≠ −0.0`.
#[inline(always)]
pub fn dot_n<const N: usize>(w: &[f32; N], x: &[f32; N]) -> f32 {
    if N >= LANES {
        return dot(w, x);
    }
    let mut l = [0.0f32; LANES];
    for k in 0..N {
        l[k] = 0.0 + w[k] * x[k];
    }
    // `Some` for a partial sum that holds at least one term.
    let add = |a: Option<f32>, b: Option<f32>| match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, None) => a,
        (None, b) => b,
    };
    let lane = |k: usize| (k < N).then(|| l[k]);
    let left = add(add(lane(0), lane(4)), add(lane(2), lane(6)));
    let right = add(add(lane(1), lane(5)), add(lane(3), lane(7)));
    add(left, right).unwrap_or(0.0)
}

/// Four dot products of `w` with `x[0..4]`, each exactly [`dot`] (its own eight lanes, the
/// same order): `w` is read once for the four. The length is known at compile time, so the
/// loops unroll without bounds checks (for `N` below [`LANES`]: four [`dot_n`]s).
#[inline(always)]
pub fn dot4_n<const N: usize>(w: &[f32; N], x: [&[f32; N]; 4]) -> [f32; 4] {
    if N < LANES {
        return x.map(|r| dot_n(w, r));
    }
    let mut acc = [[0.0f32; LANES]; 4];
    let (wc, wr) = w.as_chunks::<LANES>();
    let xc = x.map(|r| r.as_chunks::<LANES>().0);
    for (c, a) in wc.iter().enumerate() {
        for (acc, xr) in acc.iter_mut().zip(&xc) {
            let b = &xr[c];
            for k in 0..LANES {
                acc[k] += a[k] * b[k];
            }
        }
    }
    let tail = N - wr.len();
    for (acc, xr) in acc.iter_mut().zip(x) {
        for ((l, a), b) in acc.iter_mut().zip(wr).zip(&xr[tail..]) {
            *l += a * b;
        }
    }
    acc.map(|a| combine(&a))
}

/// Combines the eight lanes of a dot product in the canonical tree.
#[inline(always)]
pub fn combine(l: &[f32; LANES]) -> f32 {
    ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]))
}

/// The inner loops of inference and training that a target may implement faster, with the
/// bits of the portable [`Canonical`] kernel: the dense layers' `z = W·x + b` (one row, and
/// a batch of rows), the square root of BatchNorm's variance, the `y += a·x` of a
/// one-sample backward pass and of the SGD update, and the magnitude bound of the
/// optimisers' overflow checks.
///
/// The kernel is a type, chosen where a network is declared: [`Dense<IN, OUT, K>`] and
/// [`BatchNorm<N, K>`] compute with `K`, [`Trainer<M, B, K>`] runs the optimiser's passes
/// with it, and each defaults to [`Canonical`]. An assembly kernel in a firmware is the
/// intended use (the core itself forbids `unsafe`).
///
/// An implementation must give the bits of [`Canonical`] for every input, `−0.0`,
/// subnormals, infinities and NaN included: each `z[o]` is [`dot`]`(weight[o], x) +
/// bias[o]` in the canonical order, `sqrt` is correctly rounded (as IEEE 754 requires of a
/// hardware square root), `axpy` rounds the product, then the sum. Its tests compare it with
/// [`Canonical`] bit for bit on the device. A kernel is a zero-sized marker type (hence the
/// supertraits, which let the layers that carry it derive `Clone`, `Debug` and `PartialEq`).
///
/// [`Dense<IN, OUT, K>`]: crate::Dense
/// [`BatchNorm<N, K>`]: crate::BatchNorm
/// [`Trainer<M, B, K>`]: crate::Trainer
///
/// ```
/// use tinymlp::numeric::kernel::{Canonical, Kernel};
/// let mut z = [0.0; 2];
/// Canonical::affine(&[[1.0, 2.0], [3.0, -1.0]], &[0.5, 0.0], &[1.0, 1.0], &mut z);
/// assert_eq!(z, [3.5, 2.0]);
/// assert_eq!(Canonical::sqrt(2.25), 1.5);
/// ```
pub trait Kernel: Copy + Default + core::fmt::Debug + PartialEq + Send + Sync + 'static {
    /// `z[o] = dot(weight[o], x) + bias[o]` for every output `o`.
    fn affine<const IN: usize, const OUT: usize>(
        weight: &[[f32; IN]; OUT],
        bias: &[f32; OUT],
        x: &[f32; IN],
        z: &mut [f32; OUT],
    );

    /// [`Kernel::affine`] for every row: `z[r] = W·x[r] + b` (over the shorter length). The
    /// default reads each weight row once for four rows ([`dot4_n`]) and calls
    /// [`Kernel::affine`] for the rows left over.
    #[inline]
    fn affine_rows<const IN: usize, const OUT: usize>(
        weight: &[[f32; IN]; OUT],
        bias: &[f32; OUT],
        x: &[[f32; IN]],
        z: &mut [[f32; OUT]],
    ) {
        let n = x.len().min(z.len());
        let (xc, xr) = x[..n].as_chunks::<4>();
        let (zc, _) = z[..n].as_chunks_mut::<4>();
        for (xs, zs) in xc.iter().zip(zc) {
            affine4(weight, bias, xs, zs);
        }
        let done = n - xr.len();
        for (xk, zk) in xr.iter().zip(&mut z[done..n]) {
            Self::affine(weight, bias, xk, zk);
        }
    }

    /// The correctly rounded square root, [`math::sqrt`](crate::numeric::math::sqrt).
    #[inline]
    fn sqrt(x: f32) -> f32 {
        crate::numeric::math::sqrt(x)
    }

    /// `y[i] += a * x[i]` for every `i` (over the shorter length): one rounding of the
    /// product, one of the sum — the gradient rows of a one-sample backward pass and the
    /// SGD update (`p − lr·g` is `p + (−lr)·g`, the same bits).
    #[inline]
    fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
        axpy(y, a, x)
    }

    /// An upper bound of every `|x[i]|` that is `+∞` or NaN when some `x[i]` is NaN or
    /// infinite; the optimisers' overflow checks compare it with `<=`. The canonical one is
    /// the exact largest magnitude ([`Params::abs_bound`](crate::Params::abs_bound)); a kernel
    /// may return anything at least as large (an FPU sums magnitudes faster than it compares
    /// them). Only the speed depends on the choice: when a bound is too large for an
    /// optimiser, it checks every new value exactly, so its decision is the same.
    #[inline]
    fn abs_bound(x: &[f32]) -> f32 {
        from_magnitude_bits(max_magnitude_bits(x))
    }
}

/// `W·x + b` of four rows: each weight row is loaded once for four dot products, and every
/// dot product keeps its own lanes and the canonical order ([`dot4_n`]).
#[inline]
pub fn affine4<const IN: usize, const OUT: usize>(
    weight: &[[f32; IN]; OUT],
    bias: &[f32; OUT],
    xs: &[[f32; IN]; 4],
    z: &mut [[f32; OUT]; 4],
) {
    for (o, (w, b)) in weight.iter().zip(bias).enumerate() {
        let d = dot4_n(w, [&xs[0], &xs[1], &xs[2], &xs[3]]);
        for (zk, dk) in z.iter_mut().zip(d) {
            zk[o] = dk + b;
        }
    }
}

/// The largest `bits & 0x7FFF_FFFF` of `x` (0 when empty): the bit pattern of the largest
/// magnitude, infinities and NaNs above every finite value.
#[inline]
pub fn max_magnitude_bits(x: &[f32]) -> u32 {
    x.iter().fold(0u32, |m, v| m.max(v.to_bits() & 0x7FFF_FFFF))
}

/// The magnitude of [`max_magnitude_bits`]: `+∞` for the patterns of infinities and NaNs.
#[inline]
pub fn from_magnitude_bits(m: u32) -> f32 {
    if m >= 0x7F80_0000 { f32::INFINITY } else { f32::from_bits(m) }
}

/// The reference [`Kernel`], in portable Rust: the default kernel of every layer and trainer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Canonical;

impl Kernel for Canonical {
    #[inline]
    fn affine<const IN: usize, const OUT: usize>(
        weight: &[[f32; IN]; OUT],
        bias: &[f32; OUT],
        x: &[f32; IN],
        z: &mut [f32; OUT],
    ) {
        for ((zo, w), b) in z.iter_mut().zip(weight).zip(bias) {
            *zo = dot_n(w, x) + b;
        }
    }
}

/// `y[i] += a * x[i]` for every `i` (over the shorter length).
#[inline]
pub fn axpy(y: &mut [f32], a: f32, x: &[f32]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// Sum in increasing index order.
#[inline]
pub fn sum(x: &[f32]) -> f32 {
    let mut s = 0.0;
    for v in x {
        s += v;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_follows_the_documented_tree() {
        // Values chosen so that a different association gives a different f32 result.
        let w: [f32; 11] = [1e8, 1.0, -1e8, 3.0, 0.5, 7.0, 1e-3, 2.0, 1.0, -1.0, 0.25];
        let x: [f32; 11] = [1.0, 1e-8, 1.0, 1.5, 2.0, 0.1, 3.0, 1e7, 1.0, 1.0, 4.0];
        let mut l = [0.0f32; 8];
        for i in 0..11 {
            l[i % 8] += w[i] * x[i];
        }
        let expected = ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
        assert_eq!(dot(&w, &x).to_bits(), expected.to_bits());
        // and it is not simply the sequential sum
        let mut seq = 0.0f32;
        for i in 0..11 {
            seq += w[i] * x[i];
        }
        assert_ne!(seq.to_bits(), expected.to_bits());
    }

    #[test]
    fn dot4_n_is_four_dots() {
        fn check<const N: usize>(seed: u32) {
            let mut s = seed;
            let mut v = || {
                s ^= s << 13;
                s ^= s >> 17;
                s ^= s << 5;
                [0.0f32, -0.0, 1e-40, 3e38, -7.5, 1e-3][(s % 6) as usize]
                    * if s & 64 == 0 { 1.0 } else { 0.37 }
            };
            let w: [f32; N] = core::array::from_fn(|_| v());
            let x: [[f32; N]; 4] = core::array::from_fn(|_| core::array::from_fn(|_| v()));
            let d = dot4_n(&w, [&x[0], &x[1], &x[2], &x[3]]);
            for k in 0..4 {
                assert_eq!(d[k].to_bits(), dot(&w, &x[k]).to_bits(), "N = {N}, row {k}");
            }
        }
        for seed in 1..200 {
            check::<1>(seed);
            check::<2>(seed);
            check::<7>(seed);
            check::<8>(seed);
            check::<13>(seed);
            check::<64>(seed);
        }
    }

    #[test]
    fn dot_n_is_dot_for_every_short_length() {
        fn check<const N: usize>(w: [f32; N], x: [f32; N]) {
            assert_eq!(dot_n(&w, &x).to_bits(), dot(&w, &x).to_bits(), "{w:?} · {x:?}");
        }
        let vals = [0.0f32, -0.0, 1.5, -2.25, 1e-30, -3e7, 0.1];
        for a in vals {
            for b in vals {
                for c in vals {
                    check([a], [b]);
                    check([a, b], [c, -0.0]);
                    check([a, b, c], [b, c, a]);
                    check([a, b, c, a, b], [-0.0, c, a, b, 0.0]);
                    check([a, b, c, a, b, c, a], [c, a, b, c, a, b, -0.0]);
                    check([a; 9], [b; 9]);
                }
            }
        }
    }

    #[test]
    fn dot_of_exact_values() {
        let w = [1.0, 2.0, 3.0];
        let x = [4.0, 5.0, 6.0];
        assert_eq!(dot(&w, &x), 32.0);
        assert_eq!(dot(&[], &[]), 0.0);
        assert_eq!(sum(&[1.0, 2.0, 3.5]), 6.5);
        let mut y = [1.0, 1.0];
        axpy(&mut y, 2.0, &[3.0, -1.0]);
        assert_eq!(y, [7.0, -1.0]);
    }

    use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

    /// A kernel that counts its calls (in statics: a kernel is a type, not a value).
    #[derive(Clone, Copy, Debug, Default, PartialEq)]
    struct Counting;
    static AFFINE: AtomicUsize = AtomicUsize::new(0);
    static SQRT: AtomicUsize = AtomicUsize::new(0);

    impl Kernel for Counting {
        fn affine<const IN: usize, const OUT: usize>(
            weight: &[[f32; IN]; OUT],
            bias: &[f32; OUT],
            x: &[f32; IN],
            z: &mut [f32; OUT],
        ) {
            AFFINE.fetch_add(1, Relaxed);
            Canonical::affine(weight, bias, x, z)
        }

        fn sqrt(x: f32) -> f32 {
            SQRT.fetch_add(1, Relaxed);
            crate::numeric::math::sqrt(x)
        }
    }

    /// A kernel whose square root is wrong on purpose.
    #[derive(Clone, Copy, Debug, Default, PartialEq)]
    struct WrongSqrt;

    impl Kernel for WrongSqrt {
        fn affine<const IN: usize, const OUT: usize>(
            weight: &[[f32; IN]; OUT],
            bias: &[f32; OUT],
            x: &[f32; IN],
            z: &mut [f32; OUT],
        ) {
            Canonical::affine(weight, bias, x, z)
        }

        fn sqrt(x: f32) -> f32 {
            crate::numeric::math::sqrt(x) * 1.5
        }
    }

    #[test]
    fn the_kernel_of_the_type_reaches_every_dense_layer_and_batchnorm() {
        use crate::layers::{Init, Layer, Train};
        use crate::numeric::Xoshiro128PlusPlus;
        use crate::zoo::SeedMlp;
        let mut model: SeedMlp = crate::zoo::seed_mlp();
        model.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(3));
        // Moving statistics away from (0, 1), so that the square root matters.
        model.visit_mut(&mut |_, ts| {
            for t in ts.iter_mut() {
                let f = match t.name {
                    "moving_variance" => |i: usize| 0.5 + i as f32 * 0.1,
                    "beta" => |i: usize| 0.25 - (i % 3) as f32 * 0.125,
                    _ => continue,
                };
                t.data.iter_mut().enumerate().for_each(|(i, v)| *v = f(i));
            }
        });
        // The same parameters in the same network with other kernels.
        fn with<K: Kernel>(model: &SeedMlp) -> SeedMlp<K> {
            use crate::layers::{Activation::*, BatchNorm, Dense, Dropout, Normalization};
            let mut bin = [0u8; 20_000];
            let n = crate::io::write_bin(model, &mut bin).unwrap();
            let mut m: SeedMlp<K> = crate::sequential![
                Normalization::new(),
                Dense::new(Relu),
                BatchNorm::new(),
                Dropout::new(0.3),
                Dense::new(Relu),
                BatchNorm::new(),
                Dropout::new(0.2),
                Dense::new(Relu),
                Dense::new(Sigmoid)
            ];
            crate::io::read_bin(&bin[..n], &mut m).unwrap();
            m
        }
        let counting: SeedMlp<Counting> = with(&model);
        let wrong: SeedMlp<WrongSqrt> = with(&model);
        for x in [[0.5f32, -0.25], [-1.0, 2.0], [0.0, -0.0]] {
            let (mut a, mut b, mut c) = ([0.0f32], [0.0f32], [0.0f32]);
            model.forward(&x, &mut a);
            let (affine, sqrt) = (AFFINE.load(Relaxed), SQRT.load(Relaxed));
            counting.forward(&x, &mut b);
            assert_eq!(a[0].to_bits(), b[0].to_bits());
            // 4 dense layers; BatchNorm<64> and BatchNorm<32>: one root per unit.
            assert_eq!((AFFINE.load(Relaxed) - affine, SQRT.load(Relaxed) - sqrt), (4, 96));
            wrong.forward(&x, &mut c);
            assert_ne!(a[0].to_bits(), c[0].to_bits());
        }
    }

    #[test]
    fn batched_paths_give_the_bits_of_one_row() {
        use crate::layers::{Init, Layer, Train};
        use crate::numeric::Xoshiro128PlusPlus;
        let mut model: crate::zoo::SeedMlp = crate::zoo::seed_mlp();
        model.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(11));
        let x: [[f32; 2]; 45] = core::array::from_fn(|i| [i as f32 * 0.07 - 1.5, 1.0 - i as f32 * 0.05]);
        let (mut y, mut z) = ([[0.0f32]; 45], [[0.0f32]; 45]);
        model.forward_rows(&x, &mut y);
        model.forward_rows_logits(&x, &mut z);
        for r in 0..45 {
            let (mut y1, mut z1) = ([0.0], [0.0]);
            model.forward(&x[r], &mut y1);
            model.forward_logits(&x[r], &mut z1);
            assert_eq!((y[r][0].to_bits(), z[r][0].to_bits()), (y1[0].to_bits(), z1[0].to_bits()), "row {r}");
        }
        assert!(z.iter().zip(&y).any(|(z, y)| z != y)); // logits are not outputs
    }
}
