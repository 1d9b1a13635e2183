//! The runtime-shaped network: the input scaler, then any sequence of layers.

use crate::layer::{LayerCache, NetLayer};
use crate::spec::{LayerSpec, MAX_LAYERS, MAX_NESTING, MAX_UNITS, MAX_VALUES, NetError};
use crate::{MAX_ROW, Row};
use tinymlp::io::BlockFault;
use tinymlp::layers::{Activation, GradAt, Init, LayerInfo, LayerKind, Mode, Tensor, TensorMut, Upstream};
use tinymlp::numeric::{Params, Randomness, Signal, Zero};
use tinymlp::{Layer, Train};

/// A multi-layer perceptron whose shape is chosen at run time: the input scaler
/// (`(x − mean) / scale`, the core's `Normalization`, layer 0), then dense, batch-norm and
/// dropout layers in any order.
///
/// It implements the core's [`Layer`] and [`Train`] with [`Row`] as input and output, so
/// the core's [`Trainer`](tinymlp::Trainer), `fit`, callbacks, optimisers, losses and
/// metrics train and score it — and every result has the bits the const-generic network of
/// the same shape gives (`tests/bits.rs` checks inference, steps and whole runs over the
/// zoo's models and randomly drawn architectures). Model files of any architecture read
/// into it ([`Net::read`]); the firmware's build turns the same file into const-generic
/// types.
///
/// ```
/// use tinymlp::prelude::*;
/// use tinymlp_net::{LayerSpec, Net, Row};
/// let mut net = Net::new(
///     3,
///     &[
///         LayerSpec::Dense { units: 8, activation: Activation::Relu },
///         LayerSpec::Dense { units: 2, activation: Activation::Softmax },
///     ],
/// )
/// .unwrap();
/// net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(1));
/// let p = net.predict(&[0.5, -1.0, 2.0]);
/// assert_eq!(p.len(), 2);
/// assert!((p[0] + p[1] - 1.0).abs() < 1e-6);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Net {
    mean: Vec<f32>,
    scale: Vec<f32>,
    layers: Vec<NetLayer>,
    /// `(layer, slice within the layer)` of each trainable slice.
    slots: Vec<(usize, usize)>,
}

impl Net {
    /// A network of `inputs` values through `layers`, with zero weights (draw them with
    /// [`Train::init`]) and the identity as its scaler (fit it with [`Net::adapt`]).
    pub fn new(inputs: usize, layers: &[LayerSpec]) -> Result<Net, NetError> {
        if inputs == 0 || inputs > MAX_ROW {
            return Err(NetError::Inputs(inputs));
        }
        if layers.len() > MAX_LAYERS {
            return Err(NetError::TooDeep(layers.len()));
        }
        let mut built = Vec::with_capacity(layers.len());
        let (mut width, mut values) = (inputs, 2 * inputs);
        // Open residual blocks: (marker's layer from 1, index of their last spec, width).
        let mut open: Vec<(usize, usize, usize)> = Vec::new();
        for (k, spec) in layers.iter().enumerate() {
            let layer = k + 1;
            let bad = |field, value| Err(NetError::Option { layer, field, value });
            built.push(match *spec {
                LayerSpec::Residual { layers: inside } => {
                    let fault = if inside == 0 {
                        Some(BlockFault::Empty)
                    } else if k + inside >= layers.len() {
                        Some(BlockFault::Unclosed { announced: inside, left: layers.len() - layer })
                    } else if open.last().is_some_and(|&(_, end, _)| k + inside > end) {
                        Some(BlockFault::Overlap)
                    } else if open.len() == MAX_NESTING {
                        Some(BlockFault::TooDeep { max: MAX_NESTING })
                    } else {
                        None
                    };
                    if let Some(fault) = fault {
                        return Err(NetError::Block { layer, fault });
                    }
                    open.push((layer, k + inside, width));
                    NetLayer::Residual { units: width, layers: inside }
                }
                LayerSpec::Dense { units, activation } => {
                    if units == 0 || units > MAX_UNITS {
                        return Err(NetError::Units { layer, units });
                    }
                    values = values.saturating_add(width.saturating_mul(units) + units);
                    if values > MAX_VALUES {
                        return Err(NetError::TooLarge(values));
                    }
                    let l = NetLayer::Dense {
                        inputs: width,
                        units,
                        weight: vec![0.0; width * units],
                        bias: vec![0.0; units],
                        activation,
                    };
                    width = units;
                    l
                }
                LayerSpec::BatchNorm { momentum, epsilon } => {
                    if !(0.0..=1.0).contains(&momentum) {
                        return bad("momentum", momentum);
                    }
                    if !(epsilon > 0.0 && epsilon.is_finite()) {
                        return bad("epsilon", epsilon);
                    }
                    values += 4 * width;
                    NetLayer::BatchNorm {
                        units: width,
                        gamma: vec![1.0; width],
                        beta: vec![0.0; width],
                        moving_mean: vec![0.0; width],
                        moving_variance: vec![1.0; width],
                        momentum,
                        epsilon,
                    }
                }
                LayerSpec::Dropout { rate } => {
                    if !(0.0..1.0).contains(&rate) {
                        return bad("rate", rate);
                    }
                    NetLayer::Dropout { units: width, rate }
                }
            });
            while let Some(&(layer, end, block)) = open.last() {
                if end != k {
                    break;
                }
                if width != block {
                    return Err(NetError::Block { layer, fault: BlockFault::Width { block, inner: width } });
                }
                open.pop();
            }
        }
        if width > MAX_ROW {
            return Err(NetError::Outputs(width));
        }
        let slots = built
            .iter()
            .enumerate()
            .flat_map(|(l, layer)| (0..layer.slices()).map(move |k| (l, k)))
            .collect();
        Ok(Net { mean: vec![0.0; inputs], scale: vec![1.0; inputs], layers: built, slots })
    }

    /// Inputs per row.
    pub fn inputs(&self) -> usize {
        self.mean.len()
    }

    /// Outputs per row.
    pub fn outputs(&self) -> usize {
        self.layers.last().map_or(self.inputs(), NetLayer::outputs)
    }

    /// The layers after the scaler, as [`Net::new`] takes them.
    pub fn specs(&self) -> Vec<LayerSpec> {
        self.layers
            .iter()
            .map(|l| match *l {
                NetLayer::Dense { units, activation, .. } => LayerSpec::Dense { units, activation },
                NetLayer::BatchNorm { momentum, epsilon, .. } => LayerSpec::BatchNorm { momentum, epsilon },
                NetLayer::Dropout { rate, .. } => LayerSpec::Dropout { rate },
                NetLayer::Residual { layers, .. } => LayerSpec::Residual { layers },
            })
            .collect()
    }

    /// The input scaler: mean and scale per input.
    pub fn scaler(&self) -> (&[f32], &[f32]) {
        (&self.mean, &self.scale)
    }

    /// Sets the input scaler; `false` (nothing changed) when the lengths are not
    /// [`Net::inputs`], a mean is not finite, or a scale is not finite and positive.
    pub fn set_scaler(&mut self, mean: &[f32], scale: &[f32]) -> bool {
        let ok = mean.len() == self.inputs()
            && scale.len() == self.inputs()
            && mean.iter().all(|m| m.is_finite())
            && scale.iter().all(|s| *s > 0.0 && s.is_finite());
        if ok {
            self.mean.copy_from_slice(mean);
            self.scale.copy_from_slice(scale);
        }
        ok
    }

    /// Fits the input scaler to `rows` exactly as the core's `Normalization::adapt` does
    /// (scikit-learn's `StandardScaler`: mean and population standard deviation in `f64`,
    /// rounded to `f32`; constant features get scale 1).
    pub fn adapt(&mut self, rows: &[Row]) {
        if rows.is_empty() {
            return;
        }
        let n = rows.len() as f64;
        for j in 0..self.inputs() {
            let col = || rows.iter().map(|r| r.as_slice().get(j).copied().unwrap_or(0.0) as f64);
            let mean = col().sum::<f64>() / n;
            let var = col().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            let scale = libm::sqrt(var) as f32;
            self.mean[j] = mean as f32;
            self.scale[j] = if scale > 0.0 && scale.is_finite() { scale } else { 1.0 };
        }
    }

    /// One row through the model (inference): the outputs.
    pub fn predict(&self, x: &[f32]) -> Vec<f32> {
        let mut y = Row::ZERO;
        self.forward(&Row::from_slice(x), &mut y);
        y.as_slice().to_vec()
    }

    fn scale_rows(&self, x: &[Row], out: &mut [f32]) {
        let n = self.inputs();
        for (r, row) in x.iter().enumerate() {
            let v = row.as_slice();
            for j in 0..n {
                out[r * n + j] = (v.get(j).copied().unwrap_or(0.0) - self.mean[j]) / self.scale[j];
            }
        }
    }

    /// Inference on rows, 64 at a time through every layer (the same bits as one by one).
    fn rows(&self, x: &[Row], y: &mut [Row], logits: bool) {
        let widest = self.layers.iter().map(NetLayer::outputs).chain([self.inputs()]).max().unwrap_or(0);
        let (mut a, mut b) = (vec![0.0f32; 64 * widest], vec![0.0f32; 64 * widest]);
        let last = self.layers.len();
        // A block's output is its last layer's, not a dense layer's logits.
        let logits = logits && self.closing(last.wrapping_sub(1)).next().is_none();
        // Inputs of the open blocks, innermost last.
        let mut skips: Vec<Vec<f32>> = Vec::new();
        for (xc, yc) in x.chunks(64).zip(y.chunks_mut(64)) {
            let n = xc.len().min(yc.len());
            self.scale_rows(&xc[..n], &mut a);
            for (k, layer) in self.layers.iter().enumerate() {
                if matches!(layer, NetLayer::Residual { .. }) {
                    skips.push(a[..n * layer.inputs()].to_vec());
                }
                layer.forward(&a, &mut b, n, logits && k + 1 == last);
                core::mem::swap(&mut a, &mut b);
                for _ in self.closing(k) {
                    let skip = skips.pop().unwrap_or_default();
                    // x + L(x) as the core's `Residual` adds it: L(x)[i] += x[i].
                    for (o, i) in a.iter_mut().zip(&skip) {
                        *o += *i;
                    }
                }
            }
            let o = self.outputs();
            for (r, yr) in yc[..n].iter_mut().enumerate() {
                yr.set(&a[r * o..(r + 1) * o]);
            }
        }
    }

    /// The markers of the residual blocks whose last layer is layer `k` (from 0 after the
    /// scaler), innermost first.
    fn closing(&self, k: usize) -> impl Iterator<Item = usize> + '_ {
        (0..k.min(self.layers.len())).rev().filter(move |&m| match self.layers[m] {
            NetLayer::Residual { layers, .. } => m + layers == k,
            _ => false,
        })
    }

    /// Where the training cache keeps the output of layer `p`: `(layer, true)` for the aux
    /// of the marker of the outermost block that ends at `p` (the block's `x + L(x)`),
    /// `(p, false)` for the layer's own outputs.
    fn output_slot(&self, p: usize) -> (usize, bool) {
        match self.closing(p).last() {
            Some(m) => (m, true),
            None => (p, false),
        }
    }

    fn scaler_info(&self) -> LayerInfo {
        let n = self.inputs();
        LayerInfo {
            kind: LayerKind::Normalization,
            inputs: n,
            outputs: n,
            trainable: 0,
            non_trainable: 2 * n,
            trains: true,
            fixed: false,
        }
    }
}

/// Gradients of a [`Net`] (and the shape of an optimiser's state): one `Vec` per
/// trainable slice, sized by the first backward pass (or [`Params::shape_like`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetGrads {
    slices: Vec<Vec<f32>>,
    weights: Vec<bool>,
}

impl Zero for NetGrads {
    const ZERO: NetGrads = NetGrads { slices: Vec::new(), weights: Vec::new() };
}

impl NetGrads {
    fn fit(&mut self, net: &Net) {
        let sized = self.slices.len() == net.slots.len()
            && self.slices.iter().zip(&net.slots).all(|(s, &(l, k))| s.len() == net.layers[l].slice(k).len());
        if !sized {
            self.slices = net.slots.iter().map(|&(l, k)| vec![0.0; net.layers[l].slice(k).len()]).collect();
            self.weights = net
                .slots
                .iter()
                .map(|&(l, k)| k == 0 && matches!(net.layers[l], NetLayer::Dense { .. }))
                .collect();
        }
    }
}

/// Trainable slices a [`Net`] may have: two per layer.
const SLICES: usize = 2 * MAX_LAYERS;

impl Params for NetGrads {
    const SLICES: usize = SLICES;
    fn slice(&self, i: usize) -> &[f32] {
        self.slices.get(i).map_or(&[], |s| s)
    }
    fn slice_mut(&mut self, i: usize) -> &mut [f32] {
        self.slices.get_mut(i).map_or(&mut [], |s| s)
    }
    fn is_weight(&self, i: usize) -> bool {
        self.weights.get(i).copied().unwrap_or(false)
    }
    fn shape_like(&mut self, like: &Self) {
        let same = self.slices.len() == like.slices.len()
            && self.slices.iter().zip(&like.slices).all(|(a, b)| a.len() == b.len());
        if !same {
            self.slices = like.slices.iter().map(|s| vec![0.0; s.len()]).collect();
            self.weights = like.weights.clone();
        }
    }
}

impl Params for Net {
    const SLICES: usize = SLICES;
    fn slice(&self, i: usize) -> &[f32] {
        self.slots.get(i).map_or(&[], |&(l, k)| self.layers[l].slice(k))
    }
    fn slice_mut(&mut self, i: usize) -> &mut [f32] {
        match self.slots.get(i) {
            Some(&(l, k)) => self.layers[l].slice_mut(k),
            None => &mut [],
        }
    }
    fn is_weight(&self, i: usize) -> bool {
        self.slots.get(i).is_some_and(|&(l, k)| k == 0 && matches!(self.layers[l], NetLayer::Dense { .. }))
    }
}

/// What a training forward pass of a [`Net`] keeps for up to `B` rows.
#[derive(Clone, Debug)]
pub struct NetCache<const B: usize> {
    scaled: Vec<f32>,
    layers: Vec<LayerCache>,
    out: [Row; B],
    logits: [Row; B],
    last_dense: bool,
}

impl<const B: usize> Zero for NetCache<B> {
    const ZERO: Self = NetCache {
        scaled: Vec::new(),
        layers: Vec::new(),
        out: [Row::ZERO; B],
        logits: [Row::ZERO; B],
        last_dense: false,
    };
}

impl Layer for Net {
    type Input = Row;
    type Output = Row;

    /// Unknown at compile time: count them with [`tinymlp::io::counts`].
    const TRAINABLE: usize = 0;
    /// Unknown at compile time.
    const NON_TRAINABLE: usize = 0;
    /// Unknown at compile time (a `Net` is never a member of a chain).
    const LAYERS: usize = 0;
    const MAX_WIDTH: usize = MAX_ROW;

    fn forward(&self, x: &Row, y: &mut Row) {
        self.rows(core::slice::from_ref(x), core::slice::from_mut(y), false);
    }

    fn forward_rows(&self, x: &[Row], y: &mut [Row]) {
        self.rows(x, y, false);
    }

    fn forward_logits(&self, x: &Row, z: &mut Row) {
        self.rows(core::slice::from_ref(x), core::slice::from_mut(z), true);
    }

    fn forward_rows_logits(&self, x: &[Row], z: &mut [Row]) {
        self.rows(x, z, true);
    }

    fn output_activation(&self) -> Option<Activation> {
        if self.closing(self.layers.len().wrapping_sub(1)).next().is_some() {
            return None;
        }
        match self.layers.last() {
            Some(NetLayer::Dense { activation, .. }) => Some(*activation),
            _ => None,
        }
    }

    fn visit<'a>(&'a self, f: &mut dyn FnMut(&LayerInfo, &[Tensor<'a>])) {
        f(&self.scaler_info(), &[Tensor::vector("mean", &self.mean), Tensor::vector("scale", &self.scale)]);
        for layer in &self.layers {
            let info = layer.info();
            match layer {
                NetLayer::Dense { inputs, units, weight, bias, .. } => {
                    let w =
                        Tensor { name: "weight", rows: *units, matrix: true, cols: *inputs, data: weight };
                    f(&info, &[w, Tensor::vector("bias", bias)])
                }
                NetLayer::BatchNorm { gamma, beta, moving_mean, moving_variance, .. } => f(
                    &info,
                    &[
                        Tensor::vector("gamma", gamma),
                        Tensor::vector("beta", beta),
                        Tensor::vector("moving_mean", moving_mean),
                        Tensor::vector("moving_variance", moving_variance),
                    ],
                ),
                NetLayer::Dropout { .. } | NetLayer::Residual { .. } => f(&info, &[]),
            }
        }
    }

    fn visit_mut(&mut self, f: &mut dyn FnMut(&mut LayerInfo, &mut [TensorMut<'_>])) {
        let mut info = self.scaler_info();
        f(
            &mut info,
            &mut [TensorMut::vector("mean", &mut self.mean), TensorMut::vector("scale", &mut self.scale)],
        );
        for layer in &mut self.layers {
            let mut info = layer.info();
            match layer {
                NetLayer::Dense { inputs, units, weight, bias, activation } => {
                    let w =
                        TensorMut { name: "weight", rows: *units, matrix: true, cols: *inputs, data: weight };
                    f(&mut info, &mut [w, TensorMut::vector("bias", bias)]);
                    if let LayerKind::Dense(a) = info.kind {
                        *activation = a;
                    }
                }
                NetLayer::BatchNorm {
                    gamma, beta, moving_mean, moving_variance, momentum, epsilon, ..
                } => {
                    f(
                        &mut info,
                        &mut [
                            TensorMut::vector("gamma", gamma),
                            TensorMut::vector("beta", beta),
                            TensorMut::vector("moving_mean", moving_mean),
                            TensorMut::vector("moving_variance", moving_variance),
                        ],
                    );
                    if let LayerKind::BatchNorm { momentum: m, epsilon: e } = info.kind {
                        (*momentum, *epsilon) = (m, e);
                    }
                }
                NetLayer::Dropout { rate, .. } => {
                    f(&mut info, &mut []);
                    if let LayerKind::Dropout { rate: r } = info.kind {
                        *rate = r;
                    }
                }
                // No options: the count and the width are the architecture.
                NetLayer::Residual { .. } => f(&mut info, &mut []),
            }
        }
    }
}

impl Train for Net {
    type Grads = NetGrads;
    type Cache<const B: usize> = NetCache<B>;
    /// A `Net` may hold dropout layers: the trainer always asks for a generator.
    const RANDOM: bool = true;

    fn forward_train<const B: usize, R: Randomness + ?Sized>(
        &self,
        x: &[Row],
        cache: &mut NetCache<B>,
        rng: &mut R,
        mode: Mode,
    ) {
        let n = x.len().min(B);
        let i = self.inputs();
        if cache.scaled.len() != B * i {
            cache.scaled = vec![0.0; B * i];
        }
        cache.layers.resize_with(self.layers.len(), LayerCache::default);
        self.scale_rows(&x[..n], &mut cache.scaled);
        for (k, layer) in self.layers.iter().enumerate() {
            let (before, rest) = cache.layers.split_at_mut(k);
            let input = match k.checked_sub(1).map(|p| self.output_slot(p)) {
                Some((i, true)) => &before[i].aux[..],
                Some((i, false)) => &before[i].y[..],
                None => &cache.scaled[..],
            };
            layer.forward_train(input, &mut rest[0], n, B, rng, mode);
            // Close the blocks that end here, innermost first: x + L(x) into the marker's aux.
            let w = layer.outputs();
            let mut out: Option<usize> = None;
            for m in self.closing(k) {
                let inner = match out {
                    Some(prev) => cache.layers[prev].aux[..n * w].to_vec(),
                    None => cache.layers[k].y[..n * w].to_vec(),
                };
                let c = &mut cache.layers[m];
                for ((o, l), x) in c.aux[..n * w].iter_mut().zip(&inner).zip(&c.y) {
                    *o = l + x;
                }
                out = Some(m);
            }
        }
        let o = self.outputs();
        let last = match self.layers.len().checked_sub(1).map(|p| self.output_slot(p)) {
            Some((i, true)) => &cache.layers[i].aux,
            Some((i, false)) => &cache.layers[i].y,
            None => &cache.scaled,
        };
        cache.last_dense = matches!(self.layers.last(), Some(NetLayer::Dense { .. }))
            && self.closing(self.layers.len() - 1).next().is_none();
        for r in 0..n {
            cache.out[r].set(&last[r * o..(r + 1) * o]);
            if cache.last_dense {
                let z = &cache.layers[self.layers.len() - 1].aux;
                cache.logits[r].set(&z[r * o..(r + 1) * o]);
            }
        }
    }

    fn backward<const B: usize>(
        &self,
        mut x: Upstream<'_, Row>,
        cache: &mut NetCache<B>,
        grads: Option<&mut NetGrads>,
        at: GradAt,
    ) {
        let n = x.len().min(B);
        let o = self.outputs();
        let mut none = NetGrads::ZERO;
        let grads = match grads {
            Some(g) => {
                g.fit(self);
                Some(g)
            }
            None => None,
        };
        let grads = grads.unwrap_or(&mut none);
        // ∂L/∂y of the last layer, from the rows the loss wrote.
        {
            let last = match self.layers.len().checked_sub(1).map(|p| self.output_slot(p)) {
                Some((i, true)) => &mut cache.layers[i].aux,
                Some((i, false)) => &mut cache.layers[i].y,
                None => &mut cache.scaled,
            };
            for r in 0..n {
                last[r * o..(r + 1) * o].copy_from_slice(cache.out[r].as_slice());
            }
        }
        let mut slot = grads.slices.len();
        for k in (0..self.layers.len()).rev() {
            let layer = &self.layers[k];
            // ∂L/∂(x + L(x)) of the blocks ending here (in the outermost one's aux): the
            // skip's share for each of their markers, and the last layer's ∂L/∂y.
            let (p, in_aux) = self.output_slot(k);
            if in_aux {
                let w = layer.outputs();
                let g = cache.layers[p].aux[..n * w].to_vec();
                for m in self.closing(k) {
                    cache.layers[m].aux[..n * w].copy_from_slice(&g);
                }
                cache.layers[k].y[..n * w].copy_from_slice(&g);
            }
            let s = layer.slices();
            slot -= s.min(slot);
            let g: &mut [Vec<f32>] =
                if grads.slices.is_empty() { &mut [] } else { &mut grads.slices[slot..slot + s] };
            let (before, rest) = cache.layers.split_at_mut(k);
            let input = match k.checked_sub(1).map(|p| self.output_slot(p)) {
                Some((i, true)) => &mut before[i].aux[..],
                Some((i, false)) => &mut before[i].y[..],
                None => &mut cache.scaled[..],
            };
            let at = if k + 1 == self.layers.len() { at } else { GradAt::Output };
            // Every layer but the scaler passes its input gradient on, as a chain does.
            layer.backward(input, true, &mut rest[0], g, n, at);
        }
        if x.wants_grad() {
            let i = self.inputs();
            for r in 0..n {
                let dx: Vec<f32> = (0..i).map(|j| cache.scaled[r * i + j] / self.scale[j]).collect();
                x.replace(r, Row::from_slice(&dx));
            }
        }
    }

    fn commit<const B: usize>(&mut self, cache: &NetCache<B>) {
        for (layer, c) in self.layers.iter_mut().zip(&cache.layers) {
            layer.commit(c);
        }
    }

    fn commit_is_finite<const B: usize>(&self, cache: &NetCache<B>) -> bool {
        self.layers.iter().zip(&cache.layers).all(|(l, c)| l.commit_is_finite(c))
    }

    fn outputs<const B: usize>(cache: &NetCache<B>) -> &[Row; B] {
        &cache.out
    }

    fn outputs_and_logits<const B: usize>(cache: &mut NetCache<B>) -> (&mut [Row; B], Option<&[Row; B]>) {
        (&mut cache.out, if cache.last_dense { Some(&cache.logits) } else { None })
    }

    fn activations<const B: usize>(cache: &NetCache<B>, f: &mut dyn FnMut(&[f32])) {
        f(&cache.scaled);
        // A block's marker holds its input, which the layer before reported (as the core's
        // `Residual` does not report it either).
        for c in cache.layers.iter().filter(|c| !c.marker) {
            f(&c.y);
        }
    }

    fn init_from<R: tinymlp::rand_core::Rng>(
        &mut self,
        first: usize,
        scheme: &mut dyn FnMut(usize, &LayerInfo) -> Init,
        rng: &mut R,
    ) {
        for (k, layer) in self.layers.iter_mut().enumerate() {
            let init = matches!(layer, NetLayer::Dense { .. }).then(|| scheme(first + 1 + k, &layer.info()));
            layer.init(init, rng);
        }
    }
}
