//! Where a training pass takes its randomness from: a generator, or nothing at all.

use rand_core::Rng;

/// The source of the random keys a training forward pass draws (one per dropout layer and
/// chunk). Every [`Rng`] is one; [`NoDropout`] is one that a network without dropout can be
/// trained with, so such a network needs no generator.
pub trait Randomness {
    /// `false` for [`NoDropout`]: training a network with dropout with it does not compile.
    const DRAWS: bool;
    /// The next 32 random bits.
    fn key(&mut self) -> u32;
}

impl<R: Rng + ?Sized> Randomness for R {
    const DRAWS: bool = true;
    #[inline]
    fn key(&mut self) -> u32 {
        self.next_u32()
    }
}

/// No randomness, for networks without dropout. A [`Trainer`](crate::Trainer) refuses at
/// compile time to train a network with dropout with it:
///
/// ```
/// use tinymlp::numeric::NoDropout;
/// use tinymlp::prelude::*;
/// type Net = Sequential![Dense<1, 1>];
/// let mut net: Net = sequential![Dense::from_parts([[1.0]], [0.0], Activation::Linear)];
/// let mut trainer = Trainer::<Net, 1>::new(Loss::MeanSquaredError);
/// let loss = trainer.step(&mut net, &mut Sgd::new(0.1), &[[1.0]], &[[3.0]], &mut NoDropout);
/// assert_eq!(loss, Ok(4.0));
/// ```
///
/// ```compile_fail
/// use tinymlp::numeric::NoDropout;
/// use tinymlp::prelude::*;
/// type Net = Sequential![Dense<1, 1>, Dropout<1>];
/// let mut net: Net = sequential![Dense::new(Activation::Linear), Dropout::new(0.5)];
/// let mut trainer = Trainer::<Net, 1>::new(Loss::MeanSquaredError);
/// let _ = trainer.step(&mut net, &mut Sgd::new(0.1), &[[1.0]], &[[3.0]], &mut NoDropout);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NoDropout;

impl Randomness for NoDropout {
    const DRAWS: bool = false;
    #[inline]
    fn key(&mut self) -> u32 {
        0
    }
}
