//! Where an int8 forward pass spends its instructions: each dense layer timed on its own,
//! through a [`QDense`] that wraps the device's int8 kernel with timer reads (the `profile`
//! feature with an int8 model; the `f32` model's is `profile.rs`).

use crate::board::Cycles;
use crate::kernel_q8::{Device8, QDense};
use core::hint::black_box;
use core::sync::atomic::{AtomicU32, Ordering, compiler_fence};
use tinymlp::quant::{DenseQ8Params, Requant};

/// The most dense layers reported (the bench reply has room for them).
pub const MAX_LAYERS: usize = 16;

/// Ticks of each dense layer, summed over the repetitions (one core, no interrupts that
/// compute).
static TICKS: [AtomicU32; MAX_LAYERS] = [const { AtomicU32::new(0) }; MAX_LAYERS];

/// [`Device8`] with each call timed into `TICKS[layer]`.
struct Timed;

impl QDense for Timed {
    #[inline(never)]
    fn dense(
        layer: usize,
        w: &[i8],
        bias: &[i32],
        requant: &[Requant],
        p: &DenseQ8Params,
        x: &[i8],
        y: &mut [i8],
    ) {
        let start = Cycles::read();
        compiler_fence(Ordering::SeqCst);
        Device8::dense(
            layer,
            black_box(w),
            black_box(bias),
            black_box(requant),
            black_box(p),
            black_box(x),
            y,
        );
        black_box(&*y);
        compiler_fence(Ordering::SeqCst);
        record(layer, start);
    }

    #[inline(never)]
    fn dense_wide(layer: usize, stream: &[u32], p: &DenseQ8Params, x: &[i8], y: &mut [i8]) {
        let start = Cycles::read();
        compiler_fence(Ordering::SeqCst);
        Device8::dense_wide(layer, black_box(stream), black_box(p), black_box(x), y);
        black_box(&*y);
        compiler_fence(Ordering::SeqCst);
        record(layer, start);
    }
}

/// Adds the ticks since `start` to `TICKS[layer]`.
#[inline(always)]
fn record(layer: usize, start: u32) {
    let took = Cycles::read().wrapping_sub(start) & 0x00FF_FFFF;
    if let Some(t) = TICKS.get(layer) {
        t.store(t.load(Ordering::Relaxed).wrapping_add(took), Ordering::Relaxed);
    }
}

/// Ticks of each dense layer over `reps` passes of the bench's row, each with its call (the
/// timing's own cost subtracted, measured around nothing), and the number of dense layers.
pub fn dense_layers(reps: u32) -> ([u32; MAX_LAYERS], usize) {
    let x: [i8; crate::model::INPUTS] =
        core::array::from_fn(|i| crate::model::INPUT.quantize(0.5 - 0.25 * i as f32));
    let mut y = [0i8; crate::model::OUTPUTS];
    for t in &TICKS {
        t.store(0, Ordering::Relaxed);
    }
    // The timing alone: the two reads of the timer and the bookkeeping, with nothing
    // between them (the layers' figures include their calls).
    for _ in 0..reps {
        let start = Cycles::read();
        compiler_fence(Ordering::SeqCst);
        record(0, black_box(start));
    }
    let overhead = TICKS[0].load(Ordering::Relaxed);
    for t in &TICKS {
        t.store(0, Ordering::Relaxed);
    }
    for _ in 0..reps {
        crate::model::forward::<Timed>(black_box(&x), &mut y);
        black_box(&y);
    }
    let ticks = core::array::from_fn(|i| TICKS[i].load(Ordering::Relaxed).saturating_sub(overhead));
    (ticks, crate::model::DENSE_LAYERS.min(MAX_LAYERS))
}
