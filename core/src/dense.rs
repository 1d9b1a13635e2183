//! The fully connected layer.

use crate::kernel::Kernel;
use crate::params::impl_params;
use crate::{
    Activation, Fans, GradAt, Init, Layer, LayerInfo, LayerKind, Mode, Tensor, TensorMut, Upstream, Zero,
};
use rand_core::Rng;

/// A fully connected layer `y = f(W·x + b)` from `IN` values to `OUT` values.
///
/// The weights are stored out×in, one contiguous row per output neuron, so each output is
/// one dot product over contiguous memory (see [`kernel`](crate::kernel) for its order).
///
/// ```
/// use tinymlp::{Activation, Dense, Layer};
/// let layer = Dense::<2, 1>::from_parts([[1.0, -2.0]], [0.5], Activation::Linear);
/// let mut y = [0.0];
/// layer.forward(&[3.0, 1.0], &mut y);
/// assert_eq!(y, [1.5]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dense<const IN: usize, const OUT: usize> {
    /// `weight[o][i]`: from input `i` to output `o`.
    pub weight: [[f32; IN]; OUT],
    /// One bias per output.
    pub bias: [f32; OUT],
    /// The activation applied to `W·x + b`.
    pub activation: Activation,
    /// How [`Layer::init`] draws the weights (biases start at zero).
    pub init: Init,
}

/// Gradients of a [`Dense`] layer's parameters (and the shape of optimiser state).
#[derive(Clone, Debug, PartialEq)]
pub struct DenseGrads<const IN: usize, const OUT: usize> {
    /// `∂L/∂weight[o][i]`.
    pub weight: [[f32; IN]; OUT],
    /// `∂L/∂bias[o]`.
    pub bias: [f32; OUT],
}

/// What a training forward pass of a [`Dense`] layer keeps: pre-activations and outputs.
#[derive(Clone, Debug)]
pub struct DenseCache<const OUT: usize, const B: usize> {
    /// `z = W·x + b` per row.
    pub z: [[f32; OUT]; B],
    /// `y = f(z)` per row; overwritten by `∂L/∂y` during the backward pass.
    pub y: [[f32; OUT]; B],
}

impl<const OUT: usize, const B: usize> Zero for DenseCache<OUT, B> {
    const ZERO: Self = Self { z: Zero::ZERO, y: Zero::ZERO };
}

impl<const IN: usize, const OUT: usize> Zero for DenseGrads<IN, OUT> {
    const ZERO: Self = Self { weight: Zero::ZERO, bias: Zero::ZERO };
}

impl<const IN: usize, const OUT: usize> Dense<IN, OUT> {
    /// A layer with zero weights, to be filled by [`Layer::init`] (Glorot uniform, Keras'
    /// default) or by a model file. `const`, so a model can be a `static`.
    pub const fn new(activation: Activation) -> Self {
        Self { weight: Zero::ZERO, bias: Zero::ZERO, activation, init: Init::GlorotUniform }
    }

    /// A layer with the given parameters (for example weights exported as Rust `const`s,
    /// which then stay in flash).
    pub const fn from_parts(weight: [[f32; IN]; OUT], bias: [f32; OUT], activation: Activation) -> Self {
        Self { weight, bias, activation, init: Init::GlorotUniform }
    }

    /// The same layer with another initialiser.
    pub const fn with_init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    fn info(&self) -> LayerInfo {
        LayerInfo {
            kind: LayerKind::Dense(self.activation),
            inputs: IN,
            outputs: OUT,
            trainable: IN * OUT + OUT,
            non_trainable: 0,
            trains: true,
            fixed: false,
        }
    }

    /// `z = W·x + b`, the pre-activation of one row, in the canonical order.
    #[inline]
    pub fn affine(&self, x: &[f32; IN], z: &mut [f32; OUT]) {
        crate::kernel::Canonical.affine(&self.weight, &self.bias, x, z);
    }
}

impl_params!([const IN: usize, const OUT: usize] Dense<IN, OUT> { 0 => weight, 1 => bias });

impl_params!([const IN: usize, const OUT: usize] DenseGrads<IN, OUT> { 0 => weight, 1 => bias });

impl<const IN: usize, const OUT: usize> Layer for Dense<IN, OUT> {
    type Input = [f32; IN];
    type Output = [f32; OUT];
    type Grads = DenseGrads<IN, OUT>;
    type Cache<const B: usize> = DenseCache<OUT, B>;

    const TRAINABLE: usize = IN * OUT + OUT;
    const NON_TRAINABLE: usize = 0;
    const LAYERS: usize = 1;
    const MAX_WIDTH: usize = if IN > OUT { IN } else { OUT };

    #[inline]
    fn forward(&self, x: &[f32; IN], y: &mut [f32; OUT]) {
        let mut z = [0.0; OUT];
        self.affine(x, &mut z);
        self.activation.apply(&z, y);
    }

    #[inline]
    fn forward_with<K: Kernel>(&self, kernel: &K, x: &[f32; IN], y: &mut [f32; OUT]) {
        let mut z = [0.0; OUT];
        kernel.affine(&self.weight, &self.bias, x, &mut z);
        self.activation.apply(&z, y);
    }

    fn forward_rows(&self, x: &[[f32; IN]], y: &mut [[f32; OUT]]) {
        let n = x.len().min(y.len());
        let (xc, xr) = x[..n].as_chunks::<4>();
        // Four rows per weight row (`kernel::dot4_n`: the same bits as `dot`), the
        // activation over the four rows' outputs at once.
        for (xs, ys) in xc.iter().zip(y.as_chunks_mut::<4>().0) {
            let mut z = [[0.0f32; OUT]; 4];
            for (o, (w, b)) in self.weight.iter().zip(&self.bias).enumerate() {
                let d = crate::kernel::dot4_n(w, [&xs[0], &xs[1], &xs[2], &xs[3]]);
                for k in 0..4 {
                    z[k][o] = d[k] + b;
                }
            }
            for k in 0..4 {
                self.activation.apply(&z[k], &mut ys[k]);
            }
        }
        let done = n - xr.len();
        for (xk, yk) in xr.iter().zip(&mut y[done..n]) {
            self.forward(xk, yk);
        }
    }

    fn forward_logits(&self, x: &[f32; IN], z: &mut [f32; OUT]) {
        self.affine(x, z);
    }

    fn forward_train<const B: usize, R: Rng + ?Sized>(
        &self,
        x: &[[f32; IN]],
        cache: &mut DenseCache<OUT, B>,
        _rng: &mut R,
        _mode: Mode,
    ) {
        let n = x.len().min(B);
        // Four rows at a time: each weight row is loaded once for four dot products. Every
        // dot product keeps its own lanes and canonical order (`kernel::dot4_n`).
        let mut r = 0;
        while r + 4 <= n {
            let xs = [&x[r], &x[r + 1], &x[r + 2], &x[r + 3]];
            for (o, (w, b)) in self.weight.iter().zip(&self.bias).enumerate() {
                let d = crate::kernel::dot4_n(w, xs);
                for k in 0..4 {
                    cache.z[r + k][o] = d[k] + b;
                }
            }
            r += 4;
        }
        for k in r..n {
            self.affine(&x[k], &mut cache.z[k]);
        }
        for (z, y) in cache.z[..n].iter().zip(&mut cache.y) {
            self.activation.apply(z, y);
        }
    }

    fn backward<const B: usize>(
        &self,
        mut x: Upstream<'_, [f32; IN]>,
        cache: &mut DenseCache<OUT, B>,
        mut grads: Option<&mut DenseGrads<IN, OUT>>,
        at: GradAt,
    ) {
        let n = x.len().min(B);
        if grads.is_none() && !x.wants_grad() {
            return;
        }
        for r in 0..n {
            let dz = &mut cache.y[r];
            if at == GradAt::Output {
                self.activation.backprop(&cache.z[r], dz);
            }
            // Array loops of compile-time length (unrolled when short, vectorised when long);
            // each element is still `g += d·x`, rows in order: the canonical accumulation.
            if let Some(grads) = grads.as_deref_mut() {
                let xr = x.row(r);
                for o in 0..OUT {
                    let d = dz[o];
                    grads.bias[o] += d;
                    let gw = &mut grads.weight[o];
                    for i in 0..IN {
                        gw[i] += d * xr[i];
                    }
                }
            }
            if x.wants_grad() {
                let mut dx = [0.0; IN];
                for o in 0..OUT {
                    let (d, w) = (dz[o], &self.weight[o]);
                    for i in 0..IN {
                        dx[i] += d * w[i];
                    }
                }
                x.replace(r, dx);
            }
        }
    }

    fn outputs<const B: usize>(cache: &DenseCache<OUT, B>) -> &[[f32; OUT]; B] {
        &cache.y
    }

    fn outputs_and_logits<const B: usize>(
        cache: &mut DenseCache<OUT, B>,
    ) -> (&mut [[f32; OUT]; B], Option<&[[f32; OUT]; B]>) {
        (&mut cache.y, Some(&cache.z))
    }

    fn output_activation(&self) -> Option<Activation> {
        Some(self.activation)
    }

    fn init<R: Rng>(&mut self, rng: &mut R) {
        let fans = Fans { fan_in: IN, fan_out: OUT };
        self.init.fill(self.weight.as_flattened_mut(), fans, rng);
        self.bias = [0.0; OUT];
    }

    fn visit<'a>(&'a self, f: &mut dyn FnMut(&LayerInfo, &[Tensor<'a>])) {
        let w =
            Tensor { name: "weight", rows: OUT, matrix: true, cols: IN, data: self.weight.as_flattened() };
        f(&self.info(), &[w, Tensor::vector("bias", &self.bias)])
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut LayerInfo, &mut [TensorMut<'_>])) {
        let mut info = self.info();
        let w = TensorMut {
            name: "weight",
            rows: OUT,
            matrix: true,
            cols: IN,
            data: self.weight.as_flattened_mut(),
        };
        f(&mut info, &mut [w, TensorMut::vector("bias", &mut self.bias)]);
        if let LayerKind::Dense(a) = info.kind {
            self.activation = a;
        }
    }
}
