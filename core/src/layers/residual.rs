//! A skip connection: `y = x + L(x)`.

use crate::layers::{
    Activation, GradAt, Init, Layer, LayerInfo, LayerKind, Mode, Tensor, TensorMut, Train, Upstream,
};
use crate::numeric::{Params, Randomness, Signal, Zero};
use rand_core::Rng;

/// A residual block: the output is the input plus the inner layer's output, `y = x + L(x)`
/// (He et al., "Deep Residual Learning", 2015). The gradient reaches the input both
/// through `L` and directly, `∂L/∂x = ∂L/∂y + (∂L/∂y)·∂L(x)/∂x`, so it cannot vanish
/// through a stack of blocks the way it does through a stack of saturating layers.
///
/// `L` maps a signal to one of the same type (`L: Layer<Output = L::Input>`): a mismatch of
/// shapes is a compile-time error. `L` is usually a [`Chain`](crate::layers::Chain) of
/// layers, e.g. `Residual<Sequential![Dense<16, 16>, Dense<16, 16>]>`. Order of
/// operations: each output value is `x[i] + L(x)[i]`, one f32 addition.
///
/// ```
/// use tinymlp::layers::*;
/// use tinymlp::Layer;
/// let mut block = Residual::new(Dense::<2, 2>::new(Activation::Linear));
/// block.inner.weight = [[1.0, 0.0], [0.0, 2.0]];
/// let mut y = [0.0; 2];
/// block.forward(&[1.0, 1.0], &mut y);
/// assert_eq!(y, [2.0, 3.0]); // x + W·x
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Residual<L> {
    /// The layer the skip connection goes around.
    pub inner: L,
}

impl<L: Layer<Output = <L as Layer>::Input>> Residual<L> {
    /// A skip connection around `inner`.
    pub const fn new(inner: L) -> Self {
        Self { inner }
    }
}

/// The description of the block's start in model files and summaries.
fn marker<L: Layer>() -> LayerInfo {
    let width = <L::Input as Signal>::LEN;
    LayerInfo {
        kind: LayerKind::Residual { layers: const { checked_count(L::LAYERS) } },
        inputs: width,
        outputs: width,
        trainable: 0,
        non_trainable: 0,
        trains: true,
        fixed: false,
    }
}

/// `n` as the u16 of the marker; more inner layers than the format counts do not compile.
const fn checked_count(n: usize) -> u16 {
    assert!(n <= u16::MAX as usize, "a residual block holds at most 65535 layers");
    n as u16
}

/// `y[i] = x[i] + y[i]` (y holds the inner output).
#[inline]
fn add_input<S: Signal>(x: &S, y: &mut S) {
    for (o, i) in y.as_mut_slice().iter_mut().zip(x.as_slice()) {
        *o += *i; // IEEE addition commutes: the same bits as x[i] + L(x)[i]
    }
}

impl<L: Params> Params for Residual<L> {
    const SLICES: usize = L::SLICES;
    #[inline]
    fn slice(&self, i: usize) -> &[f32] {
        self.inner.slice(i)
    }
    #[inline]
    fn slice_mut(&mut self, i: usize) -> &mut [f32] {
        self.inner.slice_mut(i)
    }
    #[inline]
    fn is_weight(&self, i: usize) -> bool {
        self.inner.is_weight(i)
    }
}

impl<L: Layer<Output = <L as Layer>::Input>> Layer for Residual<L> {
    type Input = L::Input;
    type Output = L::Output;

    const TRAINABLE: usize = L::TRAINABLE;
    const NON_TRAINABLE: usize = L::NON_TRAINABLE;
    /// The block's marker ([`LayerKind::Residual`]) and the inner layers.
    const LAYERS: usize = L::LAYERS + 1;
    const MAX_WIDTH: usize = L::MAX_WIDTH;

    #[inline]
    fn forward(&self, x: &Self::Input, y: &mut Self::Output) {
        self.inner.forward(x, y);
        add_input(x, y);
    }

    /// The block's output has no activation of its own: its "logits" are its outputs.
    fn forward_logits(&self, x: &Self::Input, z: &mut Self::Output) {
        self.forward(x, z)
    }

    fn output_activation(&self) -> Option<Activation> {
        None
    }

    /// The block's marker first (no tensors), then the inner layers.
    fn visit<'a>(&'a self, f: &mut dyn FnMut(&LayerInfo, &[Tensor<'a>])) {
        f(&marker::<L>(), &[]);
        self.inner.visit(f)
    }

    /// The marker cannot be changed (`f`'s changes to it are dropped): it has no options.
    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut LayerInfo, &mut [TensorMut<'_>])) {
        f(&mut marker::<L>(), &mut []);
        self.inner.visit_mut(f)
    }
}

/// The training state of a [`Residual`] block: the inner layer's, and the block's outputs
/// (which the backward pass overwrites with their gradient).
#[derive(Clone, Debug)]
pub struct ResidualCache<C, S, const B: usize> {
    /// The inner layer's cache.
    pub inner: C,
    /// The block's outputs `x + L(x)`, one per row.
    pub out: [S; B],
}

impl<C: Zero, S: Zero + Copy, const B: usize> Zero for ResidualCache<C, S, B> {
    const ZERO: Self = Self { inner: C::ZERO, out: [S::ZERO; B] };
}

impl<L: Train<Output = <L as Layer>::Input>> Train for Residual<L> {
    type Grads = L::Grads;
    type Cache<const B: usize> = ResidualCache<L::Cache<B>, L::Output, B>;
    const RANDOM: bool = L::RANDOM;

    fn forward_train<const B: usize, R: Randomness + ?Sized>(
        &self,
        x: &[Self::Input],
        cache: &mut Self::Cache<B>,
        rng: &mut R,
        mode: Mode,
    ) {
        let n = x.len().min(B);
        self.inner.forward_train(&x[..n], &mut cache.inner, rng, mode);
        let h = L::outputs(&cache.inner);
        for r in 0..n {
            cache.out[r] = h[r];
            add_input(&x[r], &mut cache.out[r]);
        }
    }

    /// `cache.out` holds `∂L/∂y`; `at` must be [`GradAt::Output`] (the block has no
    /// activation of its own to fuse a loss with).
    fn backward<const B: usize>(
        &self,
        mut x: Upstream<'_, Self::Input>,
        cache: &mut Self::Cache<B>,
        grads: Option<&mut Self::Grads>,
        _at: GradAt,
    ) {
        let n = x.len().min(B);
        let (inner_out, _) = L::outputs_and_logits(&mut cache.inner);
        inner_out[..n].copy_from_slice(&cache.out[..n]);
        let wants = x.wants_grad();
        let x_rows = match &mut x {
            Upstream::Input(rows) => Upstream::Input(&rows[..n]),
            Upstream::Replace(rows) => Upstream::Replace(&mut rows[..n]),
        };
        self.inner.backward(x_rows, &mut cache.inner, grads, GradAt::Output);
        if wants {
            // ∂L/∂x = (inner's ∂L/∂x) + ∂L/∂y, the skip's share
            for r in 0..n {
                let mut g = *x.row(r);
                add_input(&cache.out[r], &mut g);
                x.replace(r, g);
            }
        }
    }

    fn commit<const B: usize>(&mut self, cache: &Self::Cache<B>) {
        self.inner.commit(&cache.inner)
    }

    fn commit_is_finite<const B: usize>(&self, cache: &Self::Cache<B>) -> bool {
        self.inner.commit_is_finite(&cache.inner)
    }

    fn outputs<const B: usize>(cache: &Self::Cache<B>) -> &[Self::Output; B] {
        &cache.out
    }

    fn outputs_and_logits<const B: usize>(
        cache: &mut Self::Cache<B>,
    ) -> (&mut [Self::Output; B], Option<&[Self::Output; B]>) {
        (&mut cache.out, None)
    }

    fn activations<const B: usize>(cache: &Self::Cache<B>, f: &mut dyn FnMut(&[f32])) {
        L::activations(&cache.inner, f)
    }

    fn init_from<R: Rng>(
        &mut self,
        first: usize,
        scheme: &mut dyn FnMut(usize, &LayerInfo) -> Init,
        rng: &mut R,
    ) {
        self.inner.init_from(first + 1, scheme, rng)
    }
}
