//! The `Layer` trait: what every layer, and every chain of layers, can do.

use crate::kernel::Kernel;
use crate::{Activation, Params, Signal, Zero};
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

/// The kind of a layer, for summaries and model files.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LayerKind {
    /// A fully connected layer with its activation.
    Dense(Activation),
    /// Batch normalisation with its momentum and epsilon.
    BatchNorm {
        /// Moving-average momentum.
        momentum: f32,
        /// Added to the variance.
        epsilon: f32,
    },
    /// Inverted dropout with its rate.
    Dropout {
        /// Fraction of the values dropped in training.
        rate: f32,
    },
    /// Input standardisation `(x − mean) / scale`.
    Normalization,
}

impl LayerKind {
    /// The layer's type name as Keras prints it.
    pub const fn name(&self) -> &'static str {
        match self {
            LayerKind::Dense(_) => "Dense",
            LayerKind::BatchNorm { .. } => "BatchNormalization",
            LayerKind::Dropout { .. } => "Dropout",
            LayerKind::Normalization => "Normalization",
        }
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

/// A layer, or a chain of layers: a function from `Input` to `Output` with parameters,
/// a training forward pass that caches what its backward pass needs, and that backward pass.
///
/// Batches are slices of rows (`&[Self::Input]`); the caches hold up to `B` rows, a
/// capacity fixed at compile time by the trainer. Rows beyond `B` are never touched: the
/// trainer never passes more.
///
/// The backward pass works in place. Each layer's cache holds its output rows; the next
/// layer's backward pass overwrites them with `∂L/∂output`, and this layer's backward pass
/// reads them from there. So a whole network needs no gradient buffers beyond its caches.
pub trait Layer: Params {
    /// One input row.
    type Input: Signal;
    /// One output row.
    type Output: Signal;
    /// Gradients of the trainable parameters: the same slices as `Params` of `Self`.
    type Grads: Params + Zero;
    /// What a training forward pass of up to `B` rows keeps for the backward pass.
    type Cache<const B: usize>: Zero;

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

    /// Inference like [`Layer::forward`], with the dense layers' `W·x + b` computed by
    /// `kernel` (for example an assembly kernel of a firmware). Every [`Kernel`] kernel gives
    /// the bits of [`Canonical`](crate::kernel::Canonical), so this gives the bits of
    /// [`Layer::forward`].
    ///
    /// ```
    /// use tinymlp::{kernel::Canonical, zoo::plain_mlp, Layer, Xoshiro128PlusPlus};
    /// let mut model = plain_mlp();
    /// model.init(&mut Xoshiro128PlusPlus::new(7));
    /// let (mut a, mut b) = ([0.0], [0.0]);
    /// model.forward(&[0.5, -0.25], &mut a);
    /// model.forward_with(&Canonical, &[0.5, -0.25], &mut b);
    /// assert_eq!(a[0].to_bits(), b[0].to_bits());
    /// ```
    #[inline]
    fn forward_with<K: Kernel>(&self, kernel: &K, x: &Self::Input, y: &mut Self::Output) {
        let _ = kernel;
        self.forward(x, y)
    }

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

    /// Training forward pass over the rows `x` (at most `B`), keeping what backward needs.
    fn forward_train<const B: usize, R: Rng + ?Sized>(
        &self,
        x: &[Self::Input],
        cache: &mut Self::Cache<B>,
        rng: &mut R,
        mode: Mode,
    ) {
        self.forward_train_with(&crate::kernel::Canonical, x, cache, rng, mode)
    }

    /// [`Layer::forward_train`] with the dense layers' `W·x + b` and BatchNorm's square
    /// roots computed by `kernel` (the same bits).
    fn forward_train_with<const B: usize, R: Rng + ?Sized, K: Kernel>(
        &self,
        kernel: &K,
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
    ) {
        self.backward_with(&crate::kernel::Canonical, x, cache, grads, at)
    }

    /// [`Layer::backward`] with the one-row accumulations of the dense layers computed by
    /// `kernel`'s [`axpy`](Kernel::axpy) (the same bits).
    fn backward_with<const B: usize, K: Kernel>(
        &self,
        kernel: &K,
        x: Upstream<'_, Self::Input>,
        cache: &mut Self::Cache<B>,
        grads: Option<&mut Self::Grads>,
        at: GradAt,
    );

    /// Makes a successful training step's side effects permanent: BatchNorm folds the
    /// batch statistics of `cache` into its moving statistics. The trainer calls it only
    /// when the step's loss and gradients were finite.
    fn commit<const B: usize>(&mut self, _cache: &Self::Cache<B>) {}

    /// The output rows of the last training forward pass.
    fn outputs<const B: usize>(cache: &Self::Cache<B>) -> &[Self::Output; B];

    /// The output rows (to be overwritten by the loss gradient) and, when the last layer is
    /// dense, its pre-activations (the logits a fused loss needs).
    fn outputs_and_logits<const B: usize>(
        cache: &mut Self::Cache<B>,
    ) -> (&mut [Self::Output; B], Option<&[Self::Output; B]>);

    /// The activation of the last layer, when it is dense.
    fn output_activation(&self) -> Option<Activation>;

    /// Draws fresh parameters with each layer's initialiser.
    fn init<R: Rng>(&mut self, rng: &mut R);

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
