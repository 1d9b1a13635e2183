//! A training step taken back when it makes the loss on its own rows explode.

use crate::layers::Train;
use crate::numeric::Randomness;
use crate::numeric::kernel::Kernel;
use crate::train::optim::Optimizer;
use crate::train::{StepError, Trainer};

/// When a step counts as exploding: its rows' loss after the step is not finite or
/// exceeds `factor × before + margin`, where `before` is the loss the step was computed on.
///
/// A gradient step lowers the loss of the rows it was computed on unless the learning
/// rate overshoots the curvature (for plain SGD on a quadratic, beyond twice the stable
/// rate); a tenfold rise means the step jumped far past the minimum along its direction,
/// which is what a poisoned learning rate or target does. The margin keeps rows whose loss
/// is already near zero from tripping it on harmless noise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LossGuard {
    /// How many times the loss before the step the loss after it may reach.
    pub factor: f32,
    /// Added to the bound (in the loss's units).
    pub margin: f32,
}

impl LossGuard {
    /// A tenfold rise, plus one: what the firmware's fine-tuning uses.
    pub const DEFAULT: Self = Self { factor: 10.0, margin: 1.0 };

    /// `true` when a loss of `after` following a step on a loss of `before` explodes.
    ///
    /// ```
    /// use tinymlp::LossGuard;
    /// let g = LossGuard::DEFAULT;
    /// assert!(!g.exploded(0.7, 0.6));
    /// assert!(g.exploded(0.7, 9.0));
    /// assert!(g.exploded(0.7, f32::NAN));
    /// ```
    pub fn exploded(&self, before: f32, after: f32) -> bool {
        !after.is_finite() || after > self.factor * before + self.margin
    }
}

impl<M: Train + Clone, const B: usize, K: Kernel> Trainer<M, B, K> {
    /// [`Trainer::step`], taken back whole — the model, the optimiser's state and the
    /// random generator as they were — when `guard` finds that it made the loss of the
    /// rows `x` explode ([`StepError::LossExploded`]). The loss after the step is computed
    /// as the step's own loss was: a training pass over `x` with the same dropout masks
    /// (the generator replayed from where the step started) and the same statistics mode,
    /// so that the two are the same quantity; nothing of that pass is committed.
    ///
    /// It costs one more forward pass over `x` and a copy of the model and of the
    /// optimiser's state while the step runs.
    ///
    /// ```
    /// use tinymlp::*;
    /// use tinymlp::numeric::NoDropout;
    /// type Net = Sequential![Dense<1, 1>];
    /// let mut net: Net = sequential![Dense::new(Activation::Linear)];
    /// net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(0));
    /// let mut trainer = Trainer::<Net, 1>::new(Loss::MeanSquaredError);
    /// let before = net.clone();
    /// // A learning rate far beyond the stable one overshoots: the step is taken back.
    /// let step = trainer.step_guarded(&mut net, &mut Sgd::new(50.0), &[[3.0]], &[[1.0]], &mut NoDropout, LossGuard::DEFAULT);
    /// assert!(matches!(step, Err(StepError::LossExploded { .. })));
    /// assert_eq!(net, before);
    /// ```
    pub fn step_guarded<O, R>(
        &mut self,
        model: &mut M,
        opt: &mut O,
        x: &[M::Input],
        t: &[M::Output],
        rng: &mut R,
        guard: LossGuard,
    ) -> Result<f32, StepError>
    where
        O: Optimizer<M> + Clone,
        R: Randomness + Clone,
    {
        let saved = (model.clone(), opt.clone(), rng.clone());
        let before = self.step(model, opt, x, t, rng)?;
        let after = self.replayed_loss(model, x, t, &saved.2);
        if guard.exploded(before, after) {
            (*model, *opt, *rng) = saved;
            return Err(StepError::LossExploded { before, after });
        }
        Ok(before)
    }

    /// The mean loss over the rows `x` with targets `t` of a training pass (dropout drawing
    /// from a copy of `rng`, statistics as `self.mode` says), committing nothing.
    fn replayed_loss<R: Randomness + Clone>(
        &mut self,
        model: &M,
        x: &[M::Input],
        t: &[M::Output],
        rng: &R,
    ) -> f32 {
        let mut replay = rng.clone();
        let mut total = 0.0;
        for (xc, tc) in x.chunks(B).zip(t.chunks(B)) {
            model.forward_train(xc, &mut self.cache, &mut replay, self.mode);
            total += self.loss.batch(model, &mut self.cache, tc, 1.0).0;
        }
        total / x.len().max(1) as f32
    }
}

#[cfg(test)]
mod tests {
    use crate::numeric::NoDropout;
    use crate::prelude::*;
    use crate::{LossGuard, StepError};

    type Net = Sequential![Dense<2, 4>, Dense<4, 1>];

    fn net() -> Net {
        let mut net: Net = sequential![Dense::new(Activation::Tanh), Dense::new(Activation::Sigmoid)];
        net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(3));
        net
    }

    #[test]
    fn a_stable_step_is_the_plain_step() {
        let (mut a, mut b) = (net(), net());
        let (mut ta, mut tb) = (
            Trainer::<Net, 1>::new(Loss::BinaryCrossEntropy),
            Trainer::<Net, 1>::new(Loss::BinaryCrossEntropy),
        );
        let (mut oa, mut ob) = (Adam::<Net>::new(0.01), Adam::<Net>::new(0.01));
        for i in 0..20 {
            let x = [[i as f32 / 10.0, 1.0 - i as f32 / 20.0]];
            let t = [[(i % 2) as f32]];
            let la = ta.step(&mut a, &mut oa, &x, &t, &mut NoDropout).unwrap();
            let lb = tb.step_guarded(&mut b, &mut ob, &x, &t, &mut NoDropout, LossGuard::DEFAULT).unwrap();
            assert_eq!(la.to_bits(), lb.to_bits());
        }
        assert_eq!(a, b);
    }

    #[test]
    fn an_exploding_step_leaves_model_optimiser_and_generator_as_they_were() {
        type Reg = Sequential![Dense<2, 4>, Dense<4, 1>];
        let mut m: Reg = sequential![Dense::new(Activation::Tanh), Dense::new(Activation::Linear)];
        m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(3));
        let mut trainer = Trainer::<Reg, 1>::new(Loss::MeanSquaredError);
        let mut opt = Momentum::<Reg>::new(0.01, 0.9);
        let mut rng = Xoshiro128PlusPlus::new(7);
        let (x, t) = ([[2.0, -1.0]], [[3.0]]);
        // Accepted steps at a stable rate give the momentum a state to restore.
        for _ in 0..5 {
            trainer.step_guarded(&mut m, &mut opt, &x, &t, &mut rng, LossGuard::DEFAULT).unwrap();
        }
        // At a rate far past the stable one, the step overshoots the target.
        Optimizer::<Reg>::set_learning_rate(&mut opt, 10.0);
        let before = (m.clone(), format!("{:?}", opt.velocity()), rng.clone());
        let e = trainer.step_guarded(&mut m, &mut opt, &x, &t, &mut rng, LossGuard::DEFAULT).unwrap_err();
        let StepError::LossExploded { before: l0, after: l1 } = e else { panic!("{e:?}") };
        assert!(l1 > 10.0 * l0 + 1.0, "{l0} → {l1}");
        assert_eq!((&m, &rng), (&before.0, &before.2));
        assert_eq!(format!("{:?}", opt.velocity()), before.1);
        // Without the guard, the same step is taken and the loss does explode.
        let mut plain = m.clone();
        trainer.step(&mut plain, &mut opt, &x, &t, &mut rng).unwrap();
        let mut y = [0.0];
        plain.forward(&x[0], &mut y);
        assert!((y[0] - 3.0) * (y[0] - 3.0) > 10.0 * l0 + 1.0, "{y:?}");
    }

    #[test]
    fn the_loss_after_is_measured_with_the_steps_own_dropout_masks() {
        // A step that changes nothing (rate 0) leaves the loss exactly where it was when
        // both are measured with the same masks: a guard without any slack accepts it on
        // every row, however different each row's loss without dropout would be.
        type Drop = Sequential![Dense<2, 32>, Dropout<32>, Dense<32, 1>];
        let mut m: Drop =
            sequential![Dense::new(Activation::Relu), Dropout::new(0.5), Dense::new(Activation::Sigmoid)];
        m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(5));
        let mut trainer = Trainer::<Drop, 1>::new(Loss::BinaryCrossEntropy);
        let mut rng = Xoshiro128PlusPlus::new(9);
        let strict = LossGuard { factor: 1.0, margin: 0.0 };
        for i in 0..200u32 {
            let a = (i.wrapping_mul(2654435761) % 1000) as f32 / 250.0 - 2.0;
            let b = (i.wrapping_mul(40503) % 1000) as f32 / 250.0 - 2.0;
            let t = [[f32::from(a * a + b * b < 2.0)]];
            let r = trainer.step_guarded(&mut m, &mut Sgd::new(0.0), &[[a, b]], &t, &mut rng, strict);
            assert!(r.is_ok(), "row {i}: {r:?}");
        }
    }
}
