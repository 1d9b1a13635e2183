//! Where a forward pass spends its instructions: the dense layers' `W·x + b` timed one by
//! one, through a kernel that wraps the device's kernel with timer reads.

use crate::board::Cycles;
use crate::kernel::Device;
use core::hint::black_box;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering, compiler_fence};
use tinymlp::numeric::Zero;
use tinymlp::{Kernel, Layer};

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

/// [`crate::kernel::Device`] with each `affine` call timed. A kernel is a type, so its
/// tally lives in statics (the firmware runs on one core, with no interrupts that compute).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Timed;

static TICKS: [AtomicU32; MAX_LAYERS] = [const { AtomicU32::new(0) }; MAX_LAYERS];
static CALL: AtomicUsize = AtomicUsize::new(0);

/// The built-in model with the timed kernel, in flash beside the served one.
static TIMED: crate::model::Model<Timed> = crate::model::model();

impl Kernel for Timed {
    #[inline(never)]
    fn affine<const IN: usize, const OUT: usize>(
        weight: &[[f32; IN]; OUT],
        bias: &[f32; OUT],
        x: &[f32; IN],
        z: &mut [f32; OUT],
    ) {
        // The fences and `black_box`es keep the arithmetic between the two timer reads.
        let start = Cycles::read();
        compiler_fence(Ordering::SeqCst);
        Device::affine(black_box(weight), black_box(bias), black_box(x), z);
        black_box(&*z);
        compiler_fence(Ordering::SeqCst);
        let took = Cycles::read().wrapping_sub(start) & 0x00FF_FFFF;
        let i = CALL.load(Ordering::Relaxed);
        if let Some(t) = TICKS.get(i) {
            t.store(t.load(Ordering::Relaxed).wrapping_add(took), Ordering::Relaxed);
        }
        CALL.store(i + 1, Ordering::Relaxed);
    }

    fn sqrt(x: f32) -> f32 {
        Device::sqrt(x)
    }
}

fn reset() {
    for t in &TICKS {
        t.store(0, Ordering::Relaxed);
    }
}

/// Runs `reps` forward passes of the bench's row through the built-in model with every dense
/// layer timed.
pub fn dense_layers(reps: u32) -> Profile {
    let mut x = <crate::model::Model<Timed> as Layer>::Input::ZERO;
    for (i, v) in x.as_mut_slice().iter_mut().enumerate() {
        *v = 0.5 - 0.25 * i as f32;
    }
    let mut y = <crate::model::Model<Timed> as Layer>::Output::ZERO;
    // The timing's own cost first: the same call on a layer with no outputs.
    reset();
    for _ in 0..reps {
        CALL.store(0, Ordering::Relaxed);
        Timed::affine::<8, 0>(&[], &[], &[0.0; 8], &mut []);
    }
    let overhead = TICKS[0].load(Ordering::Relaxed);
    reset();
    let mut layers = 0;
    for _ in 0..reps {
        CALL.store(0, Ordering::Relaxed);
        TIMED.forward(black_box(&x), &mut y);
        black_box(&y);
        layers = CALL.load(Ordering::Relaxed);
    }
    let ticks = core::array::from_fn(|i| TICKS[i].load(Ordering::Relaxed).saturating_sub(overhead));
    Profile { ticks, layers: layers.min(MAX_LAYERS) }
}
