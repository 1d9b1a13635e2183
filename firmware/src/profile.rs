//! Where a forward pass spends its instructions: the dense layers' `W·x + b` timed one by
//! one, through a kernel that wraps the device's kernel with timer reads.

use crate::board::Cycles;
use core::cell::Cell;
use core::hint::black_box;
use core::sync::atomic::{Ordering, compiler_fence};
use tinymlp::kernel::Kernel;
use tinymlp::{Layer, Signal, Zero};

/// The most dense layers reported (the bench reply has room for them).
pub const MAX_LAYERS: usize = 16;

/// Ticks per dense layer, summed over the repetitions.
pub struct Profile {
    /// Ticks of each dense layer's `W·x + b`, in the model's order, the cost of the timing
    /// itself subtracted (measured the same way around a layer with no outputs).
    pub ticks: [u32; MAX_LAYERS],
    /// How many dense layers the model has (at most [`MAX_LAYERS`] are timed).
    pub layers: usize,
}

/// [`crate::kernel::Device`] with each `affine` call timed.
struct Timed {
    ticks: Cell<[u32; MAX_LAYERS]>,
    call: Cell<usize>,
}

impl Kernel for Timed {
    #[inline(never)]
    fn affine<const IN: usize, const OUT: usize>(
        &self,
        weight: &[[f32; IN]; OUT],
        bias: &[f32; OUT],
        x: &[f32; IN],
        z: &mut [f32; OUT],
    ) {
        // The fences and `black_box`es keep the arithmetic between the two timer reads.
        let start = Cycles::read();
        compiler_fence(Ordering::SeqCst);
        crate::kernel::Device.affine(black_box(weight), black_box(bias), black_box(x), z);
        black_box(&*z);
        compiler_fence(Ordering::SeqCst);
        let took = Cycles::read().wrapping_sub(start) & 0x00FF_FFFF;
        let (i, mut ticks) = (self.call.get(), self.ticks.get());
        if let Some(t) = ticks.get_mut(i) {
            *t = t.wrapping_add(took);
        }
        self.ticks.set(ticks);
        self.call.set(i + 1);
    }

    fn sqrt(&self, x: f32) -> f32 {
        crate::kernel::Device.sqrt(x)
    }
}

/// Runs `reps` forward passes of the bench's row with every dense layer timed.
pub fn dense_layers<M: Layer>(model: &M, reps: u32) -> Profile {
    let timed = Timed { ticks: Cell::new([0; MAX_LAYERS]), call: Cell::new(0) };
    let mut x = M::Input::ZERO;
    for (i, v) in x.as_mut_slice().iter_mut().enumerate() {
        *v = 0.5 - 0.25 * i as f32;
    }
    let mut y = M::Output::ZERO;
    let mut layers = 0;
    for _ in 0..reps {
        timed.call.set(0);
        model.forward_with(&timed, black_box(&x), &mut y);
        black_box(&y);
        layers = timed.call.get();
    }
    // The timing's own cost: the same call on a layer with no outputs.
    let empty = Timed { ticks: Cell::new([0; MAX_LAYERS]), call: Cell::new(0) };
    for _ in 0..reps {
        empty.call.set(0);
        empty.affine::<8, 0>(&[], &[], &[0.0; 8], &mut []);
    }
    let overhead = empty.ticks.get()[0];
    let ticks = timed.ticks.get().map(|t| t.saturating_sub(overhead));
    Profile { ticks, layers: layers.min(MAX_LAYERS) }
}
