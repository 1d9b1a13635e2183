//! Composition: a layer followed by a layer is a layer.

use crate::layers::{Activation, GradAt, Init, Layer, LayerInfo, Mode, Tensor, TensorMut, Train, Upstream};
use crate::numeric::Randomness;
use crate::numeric::{Params, Zero};
use rand_core::Rng;

/// `head` then `tail`: the output of `head` is the input of `tail`, and the compiler checks
/// that their widths agree (`Tail: Layer<Input = Head::Output>`).
///
/// Deeper networks nest: `Chain<A, Chain<B, C>>`. The [`Sequential!`](crate::Sequential)
/// macro writes that type and [`sequential!`](crate::sequential) the value, for any depth.
///
/// A mismatch does not compile:
///
/// ```compile_fail,E0271
/// use tinymlp::{sequential, Activation::*, Dense, Sequential};
/// // 8 outputs feed a layer that expects 4 inputs.
/// let net: Sequential![Dense<2, 8>, Dense<4, 1>] = sequential![Dense::new(Relu), Dense::new(Sigmoid)];
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Chain<Head, Tail> {
    /// The first layer.
    pub head: Head,
    /// The rest of the network.
    pub tail: Tail,
}

impl<Head: Layer, Tail: Layer<Input = Head::Output>> Chain<Head, Tail> {
    /// `head` followed by `tail`.
    pub const fn new(head: Head, tail: Tail) -> Self {
        Self { head, tail }
    }
}

impl<Head: Params, Tail: Params> Params for Chain<Head, Tail> {
    const SLICES: usize = Head::SLICES + Tail::SLICES;
    #[inline]
    fn slice(&self, i: usize) -> &[f32] {
        if i < Head::SLICES { self.head.slice(i) } else { self.tail.slice(i - Head::SLICES) }
    }
    #[inline]
    fn slice_mut(&mut self, i: usize) -> &mut [f32] {
        if i < Head::SLICES { self.head.slice_mut(i) } else { self.tail.slice_mut(i - Head::SLICES) }
    }
    #[inline]
    fn is_weight(&self, i: usize) -> bool {
        if i < Head::SLICES { self.head.is_weight(i) } else { self.tail.is_weight(i - Head::SLICES) }
    }
}

impl<Head: Layer, Tail: Layer<Input = Head::Output>> Chain<Head, Tail> {
    /// Eight rows at a time through every layer, with one buffer between head and tail; the
    /// last layer stops before its activation when `logits`.
    fn rows(&self, x: &[Head::Input], y: &mut [Tail::Output], logits: bool) {
        const ROWS: usize = 8;
        let mut h = [Head::Output::ZERO; ROWS];
        for (xc, yc) in x.chunks(ROWS).zip(y.chunks_mut(ROWS)) {
            let n = xc.len().min(yc.len());
            self.head.forward_rows(&xc[..n], &mut h[..n]);
            if logits {
                self.tail.forward_rows_logits(&h[..n], &mut yc[..n]);
            } else {
                self.tail.forward_rows(&h[..n], &mut yc[..n]);
            }
        }
    }
}

impl<Head: Layer, Tail: Layer<Input = Head::Output>> Layer for Chain<Head, Tail> {
    type Input = Head::Input;
    type Output = Tail::Output;

    const TRAINABLE: usize = Head::TRAINABLE + Tail::TRAINABLE;
    const NON_TRAINABLE: usize = Head::NON_TRAINABLE + Tail::NON_TRAINABLE;
    const LAYERS: usize = Head::LAYERS + Tail::LAYERS;
    const MAX_WIDTH: usize =
        if Head::MAX_WIDTH > Tail::MAX_WIDTH { Head::MAX_WIDTH } else { Tail::MAX_WIDTH };

    #[inline]
    fn forward(&self, x: &Self::Input, y: &mut Self::Output) {
        let mut h = Head::Output::ZERO;
        self.head.forward(x, &mut h);
        self.tail.forward(&h, y);
    }

    fn forward_rows(&self, x: &[Self::Input], y: &mut [Self::Output]) {
        self.rows(x, y, false)
    }

    fn forward_rows_logits(&self, x: &[Self::Input], z: &mut [Self::Output]) {
        self.rows(x, z, true)
    }

    fn forward_logits(&self, x: &Self::Input, z: &mut Self::Output) {
        let mut h = Head::Output::ZERO;
        self.head.forward(x, &mut h);
        self.tail.forward_logits(&h, z);
    }

    fn output_activation(&self) -> Option<Activation> {
        self.tail.output_activation()
    }

    fn visit<'a>(&'a self, f: &mut dyn FnMut(&LayerInfo, &[Tensor<'a>])) {
        self.head.visit(f);
        self.tail.visit(f);
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut LayerInfo, &mut [TensorMut<'_>])) {
        self.head.visit_mut(f);
        self.tail.visit_mut(f);
    }
}

impl<Head: Train, Tail: Train<Input = Head::Output>> Train for Chain<Head, Tail> {
    type Grads = (Head::Grads, Tail::Grads);
    type Cache<const B: usize> = (Head::Cache<B>, Tail::Cache<B>);
    const RANDOM: bool = Head::RANDOM || Tail::RANDOM;

    fn forward_train<const B: usize, R: Randomness + ?Sized>(
        &self,
        x: &[Self::Input],
        cache: &mut Self::Cache<B>,
        rng: &mut R,
        mode: Mode,
    ) {
        let n = x.len().min(B);
        self.head.forward_train(&x[..n], &mut cache.0, rng, mode);
        let h = &Head::outputs(&cache.0)[..n];
        self.tail.forward_train(h, &mut cache.1, rng, mode);
    }

    fn backward<const B: usize>(
        &self,
        x: Upstream<'_, Self::Input>,
        cache: &mut Self::Cache<B>,
        grads: Option<&mut Self::Grads>,
        at: GradAt,
    ) {
        let n = x.len().min(B);
        let (head_cache, tail_cache) = cache;
        let (head_grads, tail_grads) = match grads {
            Some((h, t)) => (Some(h), Some(t)),
            None => (None, None),
        };
        let (head_out, _) = Head::outputs_and_logits(head_cache);
        self.tail.backward(Upstream::Replace(&mut head_out[..n]), tail_cache, tail_grads, at);
        self.head.backward(x, head_cache, head_grads, GradAt::Output);
    }

    fn commit<const B: usize>(&mut self, cache: &Self::Cache<B>) {
        self.head.commit(&cache.0);
        self.tail.commit(&cache.1);
    }

    fn commit_is_finite<const B: usize>(&self, cache: &Self::Cache<B>) -> bool {
        self.head.commit_is_finite(&cache.0) && self.tail.commit_is_finite(&cache.1)
    }

    fn outputs<const B: usize>(cache: &Self::Cache<B>) -> &[Self::Output; B] {
        Tail::outputs(&cache.1)
    }

    fn outputs_and_logits<const B: usize>(
        cache: &mut Self::Cache<B>,
    ) -> (&mut [Self::Output; B], Option<&[Self::Output; B]>) {
        Tail::outputs_and_logits(&mut cache.1)
    }

    fn activations<const B: usize>(cache: &Self::Cache<B>, f: &mut dyn FnMut(&[f32])) {
        Head::activations(&cache.0, f);
        Tail::activations(&cache.1, f);
    }

    fn init_from<R: Rng>(
        &mut self,
        first: usize,
        scheme: &mut dyn FnMut(usize, &LayerInfo) -> Init,
        rng: &mut R,
    ) {
        self.head.init_from(first, scheme, rng);
        self.tail.init_from(first + Head::LAYERS, scheme, rng);
    }
}

/// The type of a network of layers in order: `Sequential![A, B, C]` is
/// `Chain<A, Chain<B, C>>`. Any depth.
///
/// ```
/// use tinymlp::{Dense, Layer, Sequential};
/// type Seed = Sequential![Dense<2, 64>, Dense<64, 32>, Dense<32, 16>, Dense<16, 1>];
/// assert_eq!(<Seed as Layer>::TRAINABLE, 2817);
/// ```
#[macro_export]
macro_rules! Sequential {
    ($layer:ty $(,)?) => { $layer };
    ($head:ty, $($rest:ty),+ $(,)?) => {
        $crate::Chain<$head, $crate::Sequential![$($rest),+]>
    };
}

/// A network value from its layers in order: `sequential![a, b, c]` is
/// `Chain::new(a, Chain::new(b, c))`. Usable in `const` and `static` items.
///
/// ```
/// use tinymlp::{sequential, Activation::*, Dense, Layer, Sequential};
/// type Seed = Sequential![Dense<2, 64>, Dense<64, 32>, Dense<32, 16>, Dense<16, 1>];
/// static MODEL: Seed = sequential![Dense::new(Relu), Dense::new(Relu), Dense::new(Relu), Dense::new(Sigmoid)];
/// let mut y = [0.0];
/// MODEL.forward(&[0.5, -0.5], &mut y);
/// assert_eq!(y, [0.5]); // zero weights: sigmoid(0)
/// ```
#[macro_export]
macro_rules! sequential {
    ($layer:expr $(,)?) => { $layer };
    ($head:expr, $($rest:expr),+ $(,)?) => {
        $crate::Chain::new($head, $crate::sequential![$($rest),+])
    };
}
