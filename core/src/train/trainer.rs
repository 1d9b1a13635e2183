//! One training step: forward, loss, backward, optimiser — with no allocation.

use crate::layers::{Mode, Train, Upstream};
use crate::numeric::kernel::{Canonical, Kernel};
use crate::numeric::{Params, Randomness, Zero};
use crate::train::optim::{Optimizer, abs_bound};
use crate::train::{Loss, StepError};
use core::marker::PhantomData;

/// Called with a chunk's outputs and targets before the loss overwrites the outputs.
pub type Observer<'a, O> = dyn FnMut(&[O], &[O]) + 'a;

/// The working memory of training: caches for chunks of up to `B` rows and one set of
/// gradients, all sized at compile time (`const fn new`, so it can be a `static`).
///
/// A batch longer than `B` is processed in chunks of `B` rows whose gradients add up to
/// the gradient of the whole batch's mean loss (BatchNorm then uses each chunk's
/// statistics: give `B` the batch size when the model has BatchNorm).
///
/// `K` is the [`Kernel`] of the optimiser's passes over the parameters (the layers' own
/// kernels are in their types); every kernel gives the bits of [`Canonical`], the default.
///
/// ```
/// use tinymlp::*;
/// type Net = Sequential![Dense<2, 4>, Dense<4, 1>];
/// let mut rng = Xoshiro128PlusPlus::new(0);
/// let mut net: Net = sequential![Dense::new(Activation::Tanh), Dense::new(Activation::Sigmoid)];
/// net.init(Init::GlorotUniform, &mut rng);
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
pub struct Trainer<M: Train, const B: usize, K = Canonical> {
    pub(super) cache: M::Cache<B>,
    grads: M::Grads,
    /// The loss minimised.
    pub loss: Loss,
    /// How BatchNorm uses statistics in training.
    pub mode: Mode,
    kernel: PhantomData<K>,
}

impl<M: Train, const B: usize, K: Kernel> Trainer<M, B, K> {
    /// Training memory for the given loss, in [`Mode::Train`].
    pub const fn new(loss: Loss) -> Self {
        assert!(B > 0, "the chunk size B must be at least 1");
        Self { cache: Zero::ZERO, grads: Zero::ZERO, loss, mode: Mode::Train, kernel: PhantomData }
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
    pub fn accumulate<R: Randomness + ?Sized>(
        &mut self,
        model: &mut M,
        x: &[M::Input],
        t: &[M::Output],
        scale: f32,
        rng: &mut R,
        observe: &mut Observer<'_, M::Output>,
    ) -> f32 {
        const { assert!(R::DRAWS || !M::RANDOM, "a network with dropout needs a random generator, not NoDropout") };
        let mut total = 0.0;
        for (xc, tc) in x.chunks(B).zip(t.chunks(B)) {
            let n = xc.len();
            model.forward_train(xc, &mut self.cache, rng, self.mode);
            observe(&M::outputs(&self.cache)[..n], tc);
            let (sum, at) = self.loss.batch(model, &mut self.cache, tc, scale);
            total += sum;
            model.backward(Upstream::Input(xc), &mut self.cache, Some(&mut self.grads), at);
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
    pub fn step<O: Optimizer<M>, R: Randomness + ?Sized>(
        &mut self,
        model: &mut M,
        opt: &mut O,
        x: &[M::Input],
        t: &[M::Output],
        rng: &mut R,
    ) -> Result<f32, StepError> {
        self.step_observed(model, opt, x, t, rng, &mut |_, _| {})
    }

    /// [`Trainer::step`], calling `observe(outputs, targets)` for each chunk's outputs.
    pub fn step_observed<O: Optimizer<M>, R: Randomness + ?Sized>(
        &mut self,
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
        let loss = self.accumulate(model, x, t, 1.0 / n, rng, observe) / n;
        if !loss.is_finite() {
            return Err(StepError::NonFiniteLoss);
        }
        // One pass over the gradients gives the bound the optimiser's checks need too; only
        // when it is not finite (a NaN or ∞, or a kernel's sum that overflowed) is each
        // value looked at.
        let bound = abs_bound::<K, _>(&self.grads);
        if !bound.is_finite() && !self.grads.all_finite() {
            return Err(StepError::NonFiniteGradient);
        }
        if !model.commit_is_finite(&self.cache) {
            return Err(StepError::NonFiniteStatistics);
        }
        opt.step::<K>(model, &self.grads, bound)?;
        self.commit(model);
        Ok(loss)
    }

    /// The gradient of the mean loss over the rows `x` (at most `B`) with respect to each
    /// input row, written to `dx`, with the parameters' gradients accumulated from zero as a
    /// step would (see [`Trainer::grads`]); the model is not changed. Returns the mean
    /// loss. This is what saliency maps and vanishing-gradient plots read.
    ///
    /// ```
    /// use tinymlp::prelude::*;
    /// type Net = Sequential![Dense<2, 1>];
    /// let net: Net = sequential![Dense::from_parts([[2.0, -1.0]], [0.0], Activation::Linear)];
    /// let mut trainer = Trainer::<Net, 4>::new(Loss::MeanSquaredError);
    /// let mut dx = [[0.0; 2]; 1];
    /// let loss = trainer.input_gradient(&net, &[[1.0, 1.0]], &[[0.0]], &mut dx, &mut Xoshiro128PlusPlus::new(0));
    /// // L = (2x₀ − x₁)², so ∂L/∂x = 2·(2x₀ − x₁)·(2, −1) = (4, −2) at (1, 1).
    /// assert_eq!((loss, dx), (1.0, [[4.0, -2.0]]));
    /// ```
    pub fn input_gradient<R: Randomness + ?Sized>(
        &mut self,
        model: &M,
        x: &[M::Input],
        t: &[M::Output],
        dx: &mut [M::Input],
        rng: &mut R,
    ) -> f32 {
        let n = x.len().min(t.len()).min(dx.len()).min(B);
        self.zero_grads();
        if n == 0 {
            return 0.0;
        }
        const { assert!(R::DRAWS || !M::RANDOM, "a network with dropout needs a random generator, not NoDropout") };
        dx[..n].copy_from_slice(&x[..n]);
        model.forward_train(&x[..n], &mut self.cache, rng, self.mode);
        let (sum, at) = self.loss.batch(model, &mut self.cache, &t[..n], 1.0 / n as f32);
        model.backward(Upstream::Replace(&mut dx[..n]), &mut self.cache, Some(&mut self.grads), at);
        sum / n as f32
    }

    /// A training forward pass over the rows `x` (at most `B`), then `f(layer, values)` for
    /// each layer in order with its outputs (the first `x.len()` rows, one after another):
    /// the activations whose spread shows whether a network saturates. The model is not
    /// changed.
    pub fn activations<R: Randomness + ?Sized>(
        &mut self,
        model: &M,
        x: &[M::Input],
        rng: &mut R,
        f: &mut dyn FnMut(usize, &[f32]),
    ) {
        const { assert!(R::DRAWS || !M::RANDOM, "a network with dropout needs a random generator, not NoDropout") };
        let n = x.len().min(B);
        model.forward_train(&x[..n], &mut self.cache, rng, self.mode);
        let mut layer = 0;
        M::activations(&self.cache, &mut |rows| {
            let width = rows.len() / B;
            f(layer, &rows[..n * width]);
            layer += 1;
        });
    }
}
