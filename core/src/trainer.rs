//! One training step: forward, loss, backward, optimiser — with no allocation.

use crate::kernel::{Canonical, Kernel};
use crate::{Layer, Loss, Mode, Optimizer, Params, Zero};
use core::fmt;
use rand_core::Rng;

/// Why a training step did not update the model. The weights are left as they were.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StepError {
    /// The batch has no rows, or features and targets differ in number.
    BadBatch {
        /// Feature rows given.
        inputs: usize,
        /// Target rows given.
        targets: usize,
    },
    /// The loss is NaN or infinite (bad data, or divergence).
    NonFiniteLoss,
    /// A gradient is NaN or infinite.
    NonFiniteGradient,
    /// The optimiser's update would make a parameter (or its state) NaN or infinite.
    NonFiniteWeights,
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::BadBatch { inputs, targets } => {
                write!(f, "bad batch: {inputs} input rows and {targets} target rows")
            }
            StepError::NonFiniteLoss => f.write_str(
                "the loss is not finite (NaN or infinite): the inputs contain NaN/Inf or training diverged",
            ),
            StepError::NonFiniteGradient => f.write_str(
                "a gradient is not finite (NaN or infinite): the inputs contain NaN/Inf or training diverged",
            ),
            StepError::NonFiniteWeights => f.write_str(
                "the update would make a weight non-finite: training diverged (lower the learning rate)",
            ),
        }
    }
}

impl core::error::Error for StepError {}

/// Called with a chunk's outputs and targets before the loss overwrites the outputs.
pub type Observer<'a, O> = dyn FnMut(&[O], &[O]) + 'a;

/// The working memory of training: caches for chunks of up to `B` rows and one set of
/// gradients, all sized at compile time (`const fn new`, so it can be a `static`).
///
/// A batch longer than `B` is processed in chunks of `B` rows whose gradients add up to
/// the gradient of the whole batch's mean loss (BatchNorm then uses each chunk's
/// statistics: give `B` the batch size when the model has BatchNorm).
///
/// ```
/// use tinymlp::*;
/// type Net = Sequential![Dense<2, 4>, Dense<4, 1>];
/// let mut rng = Xoshiro128PlusPlus::new(0);
/// let mut net: Net = sequential![Dense::new(Activation::Tanh), Dense::new(Activation::Sigmoid)];
/// net.init(&mut rng);
/// let mut trainer = Trainer::<Net, 4>::new(Loss::BinaryCrossEntropy);
/// let mut opt = Adam::<Net>::new(0.05);
/// let x = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
/// let t = [[0.0], [1.0], [1.0], [0.0]];
/// let first = trainer.step(&mut net, &mut opt, &x, &t, &mut rng).unwrap();
/// for _ in 0..500 {
///     trainer.step(&mut net, &mut opt, &x, &t, &mut rng).unwrap();
/// }
/// assert!(trainer.step(&mut net, &mut opt, &x, &t, &mut rng).unwrap() < first / 10.0);
/// ```
pub struct Trainer<M: Layer, const B: usize> {
    cache: M::Cache<B>,
    grads: M::Grads,
    /// The loss minimised.
    pub loss: Loss,
    /// How BatchNorm uses statistics in training.
    pub mode: Mode,
}

impl<M: Layer, const B: usize> Trainer<M, B> {
    /// Training memory for the given loss, in [`Mode::Train`].
    pub const fn new(loss: Loss) -> Self {
        assert!(B > 0, "the chunk size B must be at least 1");
        Self { cache: Zero::ZERO, grads: Zero::ZERO, loss, mode: Mode::Train }
    }

    /// The same trainer in another mode.
    pub const fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The accumulated gradients.
    pub fn grads(&self) -> &M::Grads {
        &self.grads
    }

    /// The accumulated gradients, mutably (to scale or clip them).
    pub fn grads_mut(&mut self) -> &mut M::Grads {
        &mut self.grads
    }

    /// Sets the accumulated gradients to zero.
    pub fn zero_grads(&mut self) {
        self.grads.fill_zero();
    }

    /// Forward and backward passes over one batch, **adding** the gradient of
    /// `scale × Σ sample losses` to the accumulated gradients, and calling `observe` with
    /// each chunk's outputs before the loss overwrites them (for training metrics).
    /// Returns the sum of the sample losses. Nothing is committed to the model (BatchNorm's
    /// moving statistics stay) until [`Trainer::commit`].
    pub fn accumulate<R: Rng + ?Sized>(
        &mut self,
        model: &mut M,
        x: &[M::Input],
        t: &[M::Output],
        scale: f32,
        rng: &mut R,
        observe: &mut Observer<'_, M::Output>,
    ) -> f32 {
        self.accumulate_with(&Canonical, model, x, t, scale, rng, observe)
    }

    /// [`Trainer::accumulate`] with `kernel` for the layers' inner loops (the same bits).
    #[allow(clippy::too_many_arguments)]
    pub fn accumulate_with<R: Rng + ?Sized, K: Kernel>(
        &mut self,
        kernel: &K,
        model: &mut M,
        x: &[M::Input],
        t: &[M::Output],
        scale: f32,
        rng: &mut R,
        observe: &mut Observer<'_, M::Output>,
    ) -> f32 {
        let mut total = 0.0;
        for (xc, tc) in x.chunks(B).zip(t.chunks(B)) {
            let n = xc.len();
            model.forward_train_with(kernel, xc, &mut self.cache, rng, self.mode);
            observe(&M::outputs(&self.cache)[..n], tc);
            let activation = model.output_activation();
            let (out, logits) = M::outputs_and_logits(&mut self.cache);
            let (sum, at) = self.loss.batch(&mut out[..n], logits.map(|l| &l[..n]), activation, tc, scale);
            total += sum;
            model.backward_with(
                kernel,
                crate::Upstream::Input(xc),
                &mut self.cache,
                Some(&mut self.grads),
                at,
            );
            // BatchNorm statistics of this chunk are folded in only if the step succeeds;
            // with several chunks, the last chunk's statistics are the ones kept pending.
        }
        total
    }

    /// Folds the pending moving statistics of the last chunk into the model.
    pub fn commit(&mut self, model: &mut M) {
        model.commit(&self.cache);
    }

    /// One optimisation step on a batch: zero the gradients, accumulate the mean loss's
    /// gradient, check that loss and gradients are finite, update the model. Returns the
    /// batch's mean loss. On error the model is unchanged.
    pub fn step<O: Optimizer<M>, R: Rng + ?Sized>(
        &mut self,
        model: &mut M,
        opt: &mut O,
        x: &[M::Input],
        t: &[M::Output],
        rng: &mut R,
    ) -> Result<f32, StepError> {
        self.step_observed(model, opt, x, t, rng, &mut |_, _| {})
    }

    /// [`Trainer::step`] with `kernel` for the inner loops of the layers and of the
    /// optimiser (for example a firmware's assembly kernel): the same bits.
    pub fn step_with<O: Optimizer<M>, R: Rng + ?Sized, K: Kernel>(
        &mut self,
        kernel: &K,
        model: &mut M,
        opt: &mut O,
        x: &[M::Input],
        t: &[M::Output],
        rng: &mut R,
    ) -> Result<f32, StepError> {
        self.step_observed_with(kernel, model, opt, x, t, rng, &mut |_, _| {})
    }

    /// [`Trainer::step`], calling `observe(outputs, targets)` for each chunk's outputs.
    pub fn step_observed<O: Optimizer<M>, R: Rng + ?Sized>(
        &mut self,
        model: &mut M,
        opt: &mut O,
        x: &[M::Input],
        t: &[M::Output],
        rng: &mut R,
        observe: &mut Observer<'_, M::Output>,
    ) -> Result<f32, StepError> {
        self.step_observed_with(&Canonical, model, opt, x, t, rng, observe)
    }

    /// [`Trainer::step_observed`] with `kernel` (see [`Trainer::step_with`]).
    #[allow(clippy::too_many_arguments)]
    pub fn step_observed_with<O: Optimizer<M>, R: Rng + ?Sized, K: Kernel>(
        &mut self,
        kernel: &K,
        model: &mut M,
        opt: &mut O,
        x: &[M::Input],
        t: &[M::Output],
        rng: &mut R,
        observe: &mut Observer<'_, M::Output>,
    ) -> Result<f32, StepError> {
        if x.is_empty() || x.len() != t.len() {
            return Err(StepError::BadBatch { inputs: x.len(), targets: t.len() });
        }
        self.zero_grads();
        let n = x.len() as f32;
        let loss = self.accumulate_with(kernel, model, x, t, 1.0 / n, rng, observe) / n;
        if !loss.is_finite() {
            return Err(StepError::NonFiniteLoss);
        }
        // One pass over the gradients gives the bound the optimiser's checks need too; only
        // when it is not finite (a NaN or ∞, or a kernel's sum that overflowed) is each
        // value looked at.
        let bound = crate::optim::abs_bound_with(kernel, &self.grads);
        if !bound.is_finite() && !self.grads.all_finite() {
            return Err(StepError::NonFiniteGradient);
        }
        opt.step_with(kernel, model, &self.grads, bound)?;
        self.commit(model);
        Ok(loss)
    }
}
