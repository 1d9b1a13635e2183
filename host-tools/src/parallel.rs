//! Batched inference on every core. The rows are split into one contiguous part per thread;
//! each row goes through the same code whatever the split, so the outputs are bit-identical
//! to one thread's (and to the device's).

use std::num::NonZeroUsize;
use tinymlp::Train;

/// Fewer rows than this per thread are not worth a thread.
const MIN_ROWS_PER_THREAD: usize = 2048;

/// The threads this machine runs at once (1 when it cannot tell).
pub fn available_threads() -> usize {
    std::thread::available_parallelism().map(NonZeroUsize::get).unwrap_or(1)
}

/// [`tinymlp::eval::predict`] on up to `threads` threads (over the shorter of `x` and `out`).
///
/// ```
/// use tinymlp::{Activation, Dense};
/// let layer = Dense::<1, 1>::from_parts([[2.0]], [1.0], Activation::Linear);
/// let x: Vec<[f32; 1]> = (0..10_000).map(|i| [i as f32]).collect();
/// let mut out = vec![[0.0]; x.len()];
/// tinymlp_host::parallel::predict(&layer, &x, &mut out, 2);
/// assert_eq!(out[9_999], [19_999.0]);
/// ```
pub fn predict<M>(model: &M, x: &[M::Input], out: &mut [M::Output], threads: usize)
where
    M: Train + Sync,
    M::Input: Sync,
    M::Output: Send,
{
    let n = x.len().min(out.len());
    let threads = threads.clamp(1, (n / MIN_ROWS_PER_THREAD).max(1));
    if threads == 1 {
        tinymlp::eval::predict(model, &x[..n], &mut out[..n]);
        return;
    }
    let per = n.div_ceil(threads);
    std::thread::scope(|s| {
        for (xc, oc) in x[..n].chunks(per).zip(out[..n].chunks_mut(per)) {
            s.spawn(move || tinymlp::eval::predict(model, xc, oc));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinymlp::zoo::seed_mlp;
    use tinymlp::{Init, Layer, Train, Xoshiro128PlusPlus};

    #[test]
    fn any_split_gives_the_bits_of_one_thread() {
        let mut m = Box::new(seed_mlp());
        m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(5));
        let x: Vec<[f32; 2]> =
            (0..10_001).map(|i| [(i % 97) as f32 * 0.03 - 1.0, (i % 89) as f32 * -0.02]).collect();
        let mut one = vec![[0.0f32]; x.len()];
        predict(&*m, &x, &mut one, 1);
        for threads in [2, 3, 7] {
            let mut many = vec![[0.0f32]; x.len()];
            predict(&*m, &x, &mut many, threads);
            assert!(
                one.iter().zip(&many).all(|(a, b)| a[0].to_bits() == b[0].to_bits()),
                "{threads} threads"
            );
        }
        // and row by row, as the device computes it
        for (xi, yi) in x.iter().zip(&one).step_by(37) {
            let mut y = [0.0];
            m.forward(xi, &mut y);
            assert_eq!(y[0].to_bits(), yi[0].to_bits());
        }
    }
}
