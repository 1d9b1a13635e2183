//! The `Layer` trait: what every layer, and every chain of layers, can do.

use crate::layers::{Activation, Init, LayerKind};
use crate::numeric::Randomness;
use crate::numeric::{Params, Signal, Zero};
use rand_core::Rng;

/// How training-time forward passes treat batch statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// Normal training: BatchNorm normalises with the batch's statistics and updates its
    /// moving averages; dropout is active.
    #[default]
    Train,
    /// Fine-tuning: BatchNorm normalises with its frozen moving statistics (so batches of
    /// one sample work) and does not update them; dropout is active.
    FrozenStatistics,
}

/// Which gradient the backward pass finds in a layer's output buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GradAt {
    /// `∂L/∂y`, the gradient with respect to the layer's output: the layer backpropagates
    /// through its activation first.
    Output,
    /// `∂L/∂z`, already with respect to the pre-activation (a loss fused with its
    /// activation, like sigmoid + binary cross-entropy, computed it stably).
    PreActivation,
}

/// The input rows of a backward pass, and whether their gradient is wanted.
#[derive(Debug)]
pub enum Upstream<'a, T> {
    /// The rows the forward pass saw; no input gradient is needed (first layer).
    Input(&'a [T]),
    /// The rows the forward pass saw, to be replaced by `∂L/∂x` row by row.
    Replace(&'a mut [T]),
}

impl<T> Upstream<'_, T> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Upstream::Input(x) => x.len(),
            Upstream::Replace(x) => x.len(),
        }
    }

    /// `true` when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Row `r` as the forward pass saw it (valid until it is replaced).
    pub fn row(&self, r: usize) -> &T {
        match self {
            Upstream::Input(x) => &x[r],
            Upstream::Replace(x) => &x[r],
        }
    }

    /// Replaces row `r` by its gradient; does nothing for [`Upstream::Input`].
    pub fn replace(&mut self, r: usize, grad: T) {
        if let Upstream::Replace(x) = self {
            x[r] = grad;
        }
    }

    /// `true` when the input gradient is wanted.
    pub fn wants_grad(&self) -> bool {
        matches!(self, Upstream::Replace(_))
    }
}

/// One stored tensor of a layer, row-major (`rows × cols`; a vector has one row).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tensor<'a> {
    /// `"weight"`, `"bias"`, `"gamma"`, `"beta"`, `"moving_mean"`, `"moving_variance"`,
    /// `"mean"` or `"scale"`.
    pub name: &'static str,
    /// Rows (outputs of a dense weight matrix; 1 for vectors).
    pub rows: usize,
    /// `true` for a matrix (written as an array of rows), `false` for a vector.
    pub matrix: bool,
    /// Columns.
    pub cols: usize,
    /// `rows × cols` values.
    pub data: &'a [f32],
}

/// One stored tensor of a layer, mutably.
#[derive(Debug, PartialEq)]
pub struct TensorMut<'a> {
    /// As in [`Tensor`].
    pub name: &'static str,
    /// Rows.
    pub rows: usize,
    /// `true` for a matrix, `false` for a vector.
    pub matrix: bool,
    /// Columns.
    pub cols: usize,
    /// `rows × cols` values.
    pub data: &'a mut [f32],
}

impl<'a> Tensor<'a> {
    /// A vector.
    pub fn vector(name: &'static str, data: &'a [f32]) -> Self {
        Self { name, rows: 1, matrix: false, cols: data.len(), data }
    }
}

impl<'a> TensorMut<'a> {
    /// A vector.
    pub fn vector(name: &'static str, data: &'a mut [f32]) -> Self {
        Self { name, rows: 1, matrix: false, cols: data.len(), data }
    }
}

/// One layer as a summary or a model file describes it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LayerInfo {
    /// What the layer is.
    pub kind: LayerKind,
    /// Values in.
    pub inputs: usize,
    /// Values out.
    pub outputs: usize,
    /// Trainable parameters.
    pub trainable: usize,
    /// Non-trainable parameters (BatchNorm's moving statistics).
    pub non_trainable: usize,
    /// `false` when the layer is wrapped in [`Frozen`](crate::Frozen) or
    /// [`Fixed`](crate::Fixed).
    pub trains: bool,
    /// `true` when the layer's parameters are a reference into flash
    /// ([`Fixed`](crate::Fixed)): visible, but they cannot be written.
    pub fixed: bool,
}

/// A layer, or a chain of layers, as inference sees it: a function from `Input` to `Output`
/// with parameters, and a description of itself. What training adds (caches, gradients,
/// the backward pass) is [`Train`]: a firmware that only serves a model names only this.
///
/// Batches are slices of rows (`&[Self::Input]`). Which kernel computes the inner loops is
/// part of each layer's type ([`Dense<IN, OUT, K>`](crate::Dense)), so each operation has
/// one method.
pub trait Layer: Params {
    /// One input row.
    type Input: Signal;
    /// One output row.
    type Output: Signal;

    /// Trainable parameters.
    const TRAINABLE: usize;
    /// Non-trainable parameters (moving statistics).
    const NON_TRAINABLE: usize;
    /// Number of layers (a chain counts its members).
    const LAYERS: usize;
    /// The widest activation vector, input included.
    const MAX_WIDTH: usize;

    /// Inference: `y = f(x)` with no caches (BatchNorm uses its moving statistics, dropout
    /// is the identity).
    fn forward(&self, x: &Self::Input, y: &mut Self::Output);

    /// Inference on many rows: `y[r] = f(x[r])` (over the shorter length), with the same
    /// bits as [`Layer::forward`] row by row. Dense layers and chains process several rows
    /// at a time, which is faster.
    fn forward_rows(&self, x: &[Self::Input], y: &mut [Self::Output]) {
        for (xi, yi) in x.iter().zip(y) {
            self.forward(xi, yi);
        }
    }

    /// Inference like [`Layer::forward`], but the last dense layer stops before its
    /// activation: `z` receives its pre-activations (the logits a fused loss needs). For a
    /// model that does not end in a dense layer, `z` receives the outputs.
    fn forward_logits(&self, x: &Self::Input, z: &mut Self::Output) {
        self.forward(x, z)
    }

    /// [`Layer::forward_logits`] on many rows (over the shorter length), with the same bits
    /// row by row; dense layers and chains process several rows at a time.
    fn forward_rows_logits(&self, x: &[Self::Input], z: &mut [Self::Output]) {
        for (xi, zi) in x.iter().zip(z) {
            self.forward_logits(xi, zi);
        }
    }

    /// The activation of the last layer, when it is dense.
    fn output_activation(&self) -> Option<Activation>;

    /// Calls `f` with each layer's description and its stored tensors (trainable and not),
    /// in order: what a model file holds.
    fn visit<'a>(&'a self, f: &mut dyn FnMut(&LayerInfo, &[Tensor<'a>]));

    /// Like [`Layer::visit`], mutably (loading a model file). Changes `f` makes to the
    /// options in `LayerInfo::kind` (activation, momentum, epsilon, dropout rate) are
    /// applied to the layer; sizes cannot change.
    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut LayerInfo, &mut [TensorMut<'_>]));

    /// Calls `f` with each layer's description, in order.
    fn describe(&self, f: &mut dyn FnMut(LayerInfo)) {
        self.visit(&mut |info, _| f(*info))
    }

    /// Calls `f` with every stored tensor, in order.
    fn tensors(&self, f: &mut dyn FnMut(&'static str, &[f32])) {
        self.visit(&mut |_, ts| {
            for t in ts {
                f(t.name, t.data)
            }
        })
    }
}

/// Which [`Init`] each dense layer of a network draws its weights from (see
/// [`Train::init`]): one [`Init`] for all, or a closure of the layer's index and description.
pub trait InitScheme {
    /// The initialiser of layer `index` (counted from 0 over the whole network).
    fn init_for(&mut self, index: usize, info: &LayerInfo) -> Init;
}

impl InitScheme for Init {
    fn init_for(&mut self, _: usize, _: &LayerInfo) -> Init {
        *self
    }
}

impl<F: FnMut(usize, &LayerInfo) -> Init> InitScheme for F {
    fn init_for(&mut self, index: usize, info: &LayerInfo) -> Init {
        self(index, info)
    }
}

/// A layer that trains: the caches of a training forward pass for up to `B` rows (a
/// capacity fixed at compile time by the [`Trainer`](crate::Trainer)), the parameters'
/// gradients, and the backward pass. Rows beyond `B` are never touched: the trainer never
/// passes more.
///
/// The backward pass works in place. Each layer's cache holds its output rows; the next
/// layer's backward pass overwrites them with `∂L/∂output`, and this layer's backward pass
/// reads them from there. So a whole network needs no gradient buffers beyond its caches.
pub trait Train: Layer {
    /// Gradients of the trainable parameters: the same slices as `Params` of `Self`.
    type Grads: Params + Zero;
    /// What a training forward pass of up to `B` rows keeps for the backward pass.
    type Cache<const B: usize>: Zero;
    /// `true` when a training forward pass draws random numbers (dropout): only then does
    /// the trainer need a generator.
    const RANDOM: bool;

    /// Training forward pass over the rows `x` (at most `B`), keeping what backward needs.
    /// `rng` feeds dropout's masks; networks without dropout never draw from it (they can be
    /// given [`NoDropout`](crate::numeric::NoDropout)).
    fn forward_train<const B: usize, R: Randomness + ?Sized>(
        &self,
        x: &[Self::Input],
        cache: &mut Self::Cache<B>,
        rng: &mut R,
        mode: Mode,
    );

    /// Backward pass: reads `∂L/∂y` from the cache's output rows (see [`GradAt`]), adds the
    /// parameter gradients to `grads` (unless `None`: a frozen layer), and replaces the
    /// input rows by `∂L/∂x` when asked.
    fn backward<const B: usize>(
        &self,
        x: Upstream<'_, Self::Input>,
        cache: &mut Self::Cache<B>,
        grads: Option<&mut Self::Grads>,
        at: GradAt,
    );

    /// Makes a successful training step's side effects permanent: BatchNorm folds the
    /// batch statistics of `cache` into its moving statistics. The trainer calls it only
    /// when the step's loss and gradients were finite.
    fn commit<const B: usize>(&mut self, _cache: &Self::Cache<B>) {}

    /// `true` when [`Train::commit`] with `cache` would leave every statistic finite. The
    /// trainer asks before it applies a step, so a diverging batch is refused whole.
    fn commit_is_finite<const B: usize>(&self, _cache: &Self::Cache<B>) -> bool {
        true
    }

    /// The output rows of the last training forward pass.
    fn outputs<const B: usize>(cache: &Self::Cache<B>) -> &[Self::Output; B];

    /// The output rows (to be overwritten by the loss gradient) and, when the last layer is
    /// dense, its pre-activations (the logits a fused loss needs).
    fn outputs_and_logits<const B: usize>(
        cache: &mut Self::Cache<B>,
    ) -> (&mut [Self::Output; B], Option<&[Self::Output; B]>);

    /// Calls `f` with the output rows of each layer of the last training forward pass, in
    /// order, all `B` rows one after another (the caller knows how many it passed): the
    /// activations a gradient visualisation needs. Valid until the backward pass, which
    /// overwrites them with gradients.
    fn activations<const B: usize>(cache: &Self::Cache<B>, f: &mut dyn FnMut(&[f32]));

    /// Draws fresh parameters: each dense layer's weights from the [`Init`] that `scheme`
    /// gives for it — one [`Init`] for every layer, or a closure called with the layer's
    /// index in the network and its description — and biases and BatchNorm's parameters
    /// from their fixed starting values (zeros; γ = 1, β = 0, moving mean 0, variance 1).
    ///
    /// ```
    /// use tinymlp::prelude::*;
    /// let mut net: Sequential![Dense<2, 8>, Dense<8, 1>] =
    ///     sequential![Dense::new(Activation::Relu), Dense::new(Activation::Sigmoid)];
    /// let mut rng = Xoshiro128PlusPlus::new(1);
    /// net.init(Init::GlorotUniform, &mut rng); // Keras' default
    /// // He for the ReLU layer, Glorot for the output layer:
    /// net.init(|i: usize, _: &_| if i == 0 { Init::HeNormal } else { Init::GlorotUniform }, &mut rng);
    /// ```
    fn init<S: InitScheme, R: Rng>(&mut self, mut scheme: S, rng: &mut R) {
        self.init_from(0, &mut |i, info| scheme.init_for(i, info), rng);
    }

    /// [`Train::init`] for a layer that is the `first`-th of its network. Nothing, by
    /// default: a layer without parameters to draw (dropout, the input scaler, a fixed
    /// layer) keeps what it has.
    fn init_from<R: Rng>(
        &mut self,
        first: usize,
        scheme: &mut dyn FnMut(usize, &LayerInfo) -> Init,
        rng: &mut R,
    ) {
        let _ = (first, scheme, rng);
    }
}
