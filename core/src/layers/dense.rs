//! The fully connected layer.

use crate::layers::{
    Activation, Fans, GradAt, Init, Layer, LayerInfo, LayerKind, Mode, Tensor, TensorMut, Train, Upstream,
};
use crate::numeric::Randomness;
use crate::numeric::Zero;
use crate::numeric::kernel::{Canonical, Kernel};
use crate::numeric::params::impl_params;
use core::marker::PhantomData;
use rand_core::Rng;

/// Sums kept in registers by the backward pass's loops (sixteen `f32`: four SSE registers).
const BLOCK: usize = 16;

/// A fully connected layer `y = f(W·x + b)` from `IN` values to `OUT` values.
///
/// The weights are stored out×in, one contiguous row per output neuron, so each output is
/// one dot product over contiguous memory (see [`kernel`](crate::numeric::kernel) for its
/// order). `K` computes `W·x + b` and the backward pass's `y += a·x` ([`Canonical`] unless a
/// target brings a faster [`Kernel`] with the same bits).
///
/// ```
/// use tinymlp::{Activation, Dense, Layer};
/// let layer = Dense::<2, 1>::from_parts([[1.0, -2.0]], [0.5], Activation::Linear);
/// let mut y = [0.0];
/// layer.forward(&[3.0, 1.0], &mut y);
/// assert_eq!(y, [1.5]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dense<const IN: usize, const OUT: usize, K = Canonical> {
    /// `weight[o][i]`: from input `i` to output `o`.
    pub weight: [[f32; IN]; OUT],
    /// One bias per output.
    pub bias: [f32; OUT],
    /// The activation applied to `W·x + b`.
    pub activation: Activation,
    kernel: PhantomData<K>,
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

impl<const IN: usize, const OUT: usize, K: Kernel> Dense<IN, OUT, K> {
    /// A layer with zero weights, to be filled by [`Train::init`] or by a model file.
    /// `const`, so a model can be a `static`.
    pub const fn new(activation: Activation) -> Self {
        Self::from_parts(Zero::ZERO, Zero::ZERO, activation)
    }

    /// A layer with the given parameters (for example weights exported as Rust `const`s,
    /// which then stay in flash).
    pub const fn from_parts(weight: [[f32; IN]; OUT], bias: [f32; OUT], activation: Activation) -> Self {
        Self { weight, bias, activation, kernel: PhantomData }
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
        K::affine(&self.weight, &self.bias, x, z);
    }

    /// `y = f(W·x + b)` on many rows, or `W·x + b` when `activation` is `None`: the kernel's
    /// [`Kernel::affine_rows`], then the activation row by row in place (a chain hands its
    /// layers a few rows at a time, so they stay in cache).
    fn rows(&self, x: &[[f32; IN]], y: &mut [[f32; OUT]], activation: Option<Activation>) {
        let n = x.len().min(y.len());
        K::affine_rows(&self.weight, &self.bias, &x[..n], &mut y[..n]);
        if let Some(a) = activation {
            for yk in &mut y[..n] {
                let z = *yk;
                a.apply(&z, yk);
            }
        }
    }
}

impl_params!([const IN: usize, const OUT: usize, K] Dense<IN, OUT, K> { 0 => weight, 1 => bias });

impl_params!([const IN: usize, const OUT: usize] DenseGrads<IN, OUT> { 0 => weight, 1 => bias });

impl<const IN: usize, const OUT: usize, K: Kernel> Layer for Dense<IN, OUT, K> {
    type Input = [f32; IN];
    type Output = [f32; OUT];

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

    fn forward_rows(&self, x: &[[f32; IN]], y: &mut [[f32; OUT]]) {
        self.rows(x, y, Some(self.activation))
    }

    fn forward_rows_logits(&self, x: &[[f32; IN]], z: &mut [[f32; OUT]]) {
        self.rows(x, z, None)
    }

    fn forward_logits(&self, x: &[f32; IN], z: &mut [f32; OUT]) {
        self.affine(x, z);
    }

    fn output_activation(&self) -> Option<Activation> {
        Some(self.activation)
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

impl<const IN: usize, const OUT: usize, K: Kernel> Train for Dense<IN, OUT, K> {
    type Grads = DenseGrads<IN, OUT>;
    type Cache<const B: usize> = DenseCache<OUT, B>;
    const RANDOM: bool = false;

    fn forward_train<const B: usize, R: Randomness + ?Sized>(
        &self,
        x: &[[f32; IN]],
        cache: &mut DenseCache<OUT, B>,
        _rng: &mut R,
        _mode: Mode,
    ) {
        let n = x.len().min(B);
        K::affine_rows(&self.weight, &self.bias, &x[..n], &mut cache.z[..n]);
        for (z, y) in cache.z[..n].iter().zip(&mut cache.y) {
            self.activation.apply(z, y);
        }
    }

    fn backward<const B: usize>(
        &self,
        mut x: Upstream<'_, [f32; IN]>,
        cache: &mut DenseCache<OUT, B>,
        grads: Option<&mut DenseGrads<IN, OUT>>,
        at: GradAt,
    ) {
        let n = x.len().min(B);
        if grads.is_none() && !x.wants_grad() {
            return;
        }
        let dz = &mut cache.y[..n];
        if at == GradAt::Output {
            for (z, d) in cache.z.iter().zip(dz.iter_mut()) {
                self.activation.backprop(z, d);
            }
        }
        // Every gradient element is `g += d·x` over the rows in increasing order, and every
        // input gradient `Σ_o dz[o]·W[o]` over the outputs in increasing order — the canonical
        // accumulations. The loops are arranged so that a block of sixteen sums stays in
        // registers while the rows (or outputs) stream past; each sum sees the same terms in
        // the same order as one row (one output) at a time would give it.
        if n == 1 {
            // One row (a sample at a time, as on a device): every sum above has one term
            // per row, so it is `kernel.axpy`, row by row of the weights.
            let (d, xr) = (&dz[0], x.row(0));
            if let Some(grads) = grads {
                K::axpy(&mut grads.bias, 1.0, d);
                for (g, &d) in grads.weight.iter_mut().zip(d) {
                    K::axpy(g, d, xr);
                }
            }
            if x.wants_grad() {
                let mut dx = [0.0; IN];
                for (w, &d) in self.weight.iter().zip(d) {
                    K::axpy(&mut dx, d, w);
                }
                x.replace(0, dx);
            }
            return;
        }
        if let Some(grads) = grads {
            for d in dz.iter() {
                for (b, d) in grads.bias.iter_mut().zip(d) {
                    *b += d;
                }
            }
            for o in 0..OUT {
                let (gc, gr) = grads.weight[o].as_chunks_mut::<BLOCK>();
                for (c, g) in gc.iter_mut().enumerate() {
                    let mut acc = *g;
                    for (r, d) in dz.iter().enumerate() {
                        let (d, xc) = (d[o], &x.row(r).as_chunks::<BLOCK>().0[c]);
                        for k in 0..BLOCK {
                            acc[k] += d * xc[k];
                        }
                    }
                    *g = acc;
                }
                let tail = IN - gr.len();
                for (r, d) in dz.iter().enumerate() {
                    for (g, xi) in gr.iter_mut().zip(&x.row(r)[tail..]) {
                        *g += d[o] * xi;
                    }
                }
            }
        }
        if x.wants_grad() {
            for (r, d) in dz.iter().enumerate() {
                let mut dx = [0.0; IN];
                let (dc, dr) = dx.as_chunks_mut::<BLOCK>();
                for (c, acc) in dc.iter_mut().enumerate() {
                    for (w, &d) in self.weight.iter().zip(d) {
                        let wc = &w.as_chunks::<BLOCK>().0[c];
                        for k in 0..BLOCK {
                            acc[k] += d * wc[k];
                        }
                    }
                }
                let tail = IN - dr.len();
                for (w, &d) in self.weight.iter().zip(d) {
                    for (a, wi) in dr.iter_mut().zip(&w[tail..]) {
                        *a += d * wi;
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

    fn activations<const B: usize>(cache: &DenseCache<OUT, B>, f: &mut dyn FnMut(&[f32])) {
        f(cache.y.as_flattened())
    }

    fn init_from<R: Rng>(
        &mut self,
        first: usize,
        scheme: &mut dyn FnMut(usize, &LayerInfo) -> Init,
        rng: &mut R,
    ) {
        let init = scheme(first, &self.info());
        init.fill(self.weight.as_flattened_mut(), Fans { fan_in: IN, fan_out: OUT }, rng);
        self.bias = [0.0; OUT];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Xoshiro128PlusPlus;

    /// The backward pass written the plain way — one row at a time, each gradient element
    /// `g += d·x` and each input gradient `dx += d·W[o]` in increasing order — which the
    /// blocked loops must match bit for bit.
    fn reference<const IN: usize, const OUT: usize>(
        layer: &Dense<IN, OUT>,
        x: &[[f32; IN]],
        dz: &[[f32; OUT]],
        grads: &mut DenseGrads<IN, OUT>,
    ) -> Vec<[f32; IN]> {
        let mut dxs = Vec::new();
        for (xr, d) in x.iter().zip(dz) {
            for o in 0..OUT {
                grads.bias[o] += d[o];
                for i in 0..IN {
                    grads.weight[o][i] += d[o] * xr[i];
                }
            }
            let mut dx = [0.0f32; IN];
            for o in 0..OUT {
                for i in 0..IN {
                    dx[i] += d[o] * layer.weight[o][i];
                }
            }
            dxs.push(dx);
        }
        dxs
    }

    fn check<const IN: usize, const OUT: usize, const B: usize>(seed: u64) {
        let mut rng = Xoshiro128PlusPlus::new(seed);
        let mut value = || {
            let u = rand_core::Rng::next_u32(&mut rng);
            // Wide magnitudes, so that another order of the sums gives other bits.
            (u as f32 / u32::MAX as f32 - 0.5) * [1e-3, 1.0, 1e4][(u % 3) as usize]
        };
        let mut layer = Dense::<IN, OUT>::new(Activation::Linear);
        layer.weight.as_flattened_mut().iter_mut().for_each(|v| *v = value());
        let x: Vec<[f32; IN]> = (0..B).map(|_| core::array::from_fn(|_| value())).collect();
        let dz: Vec<[f32; OUT]> = (0..B).map(|_| core::array::from_fn(|_| value())).collect();
        let mut start = DenseGrads::<IN, OUT>::ZERO;
        start.weight.as_flattened_mut().iter_mut().for_each(|v| *v = value());
        let mut expected = start.clone();
        let dxs = reference(&layer, &x, &dz, &mut expected);

        let mut cache = DenseCache::<OUT, B>::ZERO;
        cache.y[..B].copy_from_slice(&dz);
        let mut rows = x.clone();
        let mut grads = start.clone();
        layer.backward(Upstream::Replace(&mut rows), &mut cache, Some(&mut grads), GradAt::PreActivation);
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(grads.weight.as_flattened()), bits(expected.weight.as_flattened()), "{IN}×{OUT}");
        assert_eq!(bits(&grads.bias), bits(&expected.bias));
        assert_eq!(bits(rows.as_flattened()), bits(dxs.as_flattened()));
    }

    #[test]
    fn blocked_backward_keeps_the_canonical_order() {
        for seed in 0..20 {
            check::<2, 64, 32>(seed);
            check::<64, 32, 32>(seed);
            check::<37, 5, 7>(seed);
            check::<16, 1, 1>(seed);
            check::<15, 3, 4>(seed);
            check::<64, 32, 1>(seed);
            check::<2, 64, 1>(seed);
            check::<37, 5, 1>(seed);
        }
    }
}
