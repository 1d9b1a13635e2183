//! Post-training quantisation of an `f32` model to an int8 model, as TensorFlow Lite's
//! converter does it: BatchNorm folded into the dense layers, weights per output channel
//! and symmetric, activations per tensor from their calibrated range. The input scaler is
//! folded into the first layer too, or kept in `f32` before the input's QUANTIZE when
//! that follows the `f32` model more closely (features of very different ranges, which a
//! folded scaler would make share one input scale).

use serde_json::Value;
use tinymlp::quant::QParams;
use tinymlp_net::{Net, QFused, QLayerSpec, QNet, QTensor};

/// Why a model cannot be quantised.
#[derive(Debug, thiserror::Error)]
pub enum QuantizeError {
    /// A layer or activation without an int8 form.
    #[error("layer {layer}: {message}")]
    Unsupported {
        /// The layer (1-based, after the scaler).
        layer: usize,
        /// What it is.
        message: String,
    },
    /// No calibration rows, or rows of the wrong width.
    #[error("calibration: {0}")]
    Calibration(String),
    /// The quantised model is invalid (a range that gives no usable scale).
    #[error("{0}")]
    Model(String),
}

/// A dense layer with everything before it folded in, in `f64`.
struct Folded {
    weight: Vec<Vec<f64>>,
    bias: Vec<f64>,
    fused: QFused,
    /// The activation applied after the dense layer as its own int8 operation.
    after: Option<&'static str>,
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_f64).collect()).unwrap_or_default()
}

/// The network's dense layers with the scaler, BatchNorm (inference form:
/// `γ · (x − mean) / √(var + ε) + β`) and dropout (the identity) folded in: an affine map
/// `x ↦ k·x + c` on a dense layer's inputs becomes `W·diag(k)` and `b + W·c`.
/// With `with_scaler` false the scaler is left out (it stays in `f32`, before QUANTIZE).
fn fold(net: &Net, with_scaler: bool) -> Result<Vec<Folded>, QuantizeError> {
    let doc: Value =
        serde_json::from_slice(&net.to_json(&[]).map_err(|e| QuantizeError::Model(e.to_string()))?)
            .map_err(|e| QuantizeError::Model(e.to_string()))?;
    let (mean, scale) = net.scaler();
    let (mut k, mut c): (Vec<f64>, Vec<f64>) = if with_scaler {
        (
            scale.iter().map(|&s| 1.0 / s as f64).collect(),
            mean.iter().zip(scale).map(|(&m, &s)| -(m as f64) / s as f64).collect(),
        )
    } else {
        (vec![1.0; mean.len()], vec![0.0; mean.len()])
    };
    let mut out: Vec<Folded> = Vec::new();
    let layers = doc["layers"].as_array().cloned().unwrap_or_default();
    for (i, l) in layers.iter().enumerate() {
        let layer = i + 1;
        let unsupported = |message: String| QuantizeError::Unsupported { layer, message };
        match l["kind"].as_str() {
            Some("dense") => {
                let bias0 = floats(&l["bias"]);
                let rows: Vec<Vec<f64>> =
                    l["weight"].as_array().map(|r| r.iter().map(floats).collect()).unwrap_or_default();
                let weight: Vec<Vec<f64>> =
                    rows.iter().map(|r| r.iter().zip(&k).map(|(w, k)| w * k).collect()).collect();
                let bias: Vec<f64> = rows
                    .iter()
                    .zip(&bias0)
                    .map(|(r, b)| b + r.iter().zip(&c).map(|(w, c)| w * c).sum::<f64>())
                    .collect();
                let (fused, after) = match l["activation"].as_str().unwrap_or("") {
                    "linear" => (QFused::Linear, None),
                    "relu" => (QFused::Relu, None),
                    "relu6" => (QFused::Relu6, None),
                    "sigmoid" => (QFused::Linear, Some("sigmoid")),
                    "tanh" => (QFused::Linear, Some("tanh")),
                    "softmax" => (QFused::Linear, Some("softmax")),
                    other => {
                        return Err(unsupported(format!(
                            "activation {other} has no int8 form (linear, relu, relu6, sigmoid, tanh and softmax have)"
                        )));
                    }
                };
                k = vec![1.0; bias.len()];
                c = vec![0.0; bias.len()];
                out.push(Folded { weight, bias, fused, after });
            }
            Some("batch_norm") => {
                let (g, b, m, v) = (
                    floats(&l["gamma"]),
                    floats(&l["beta"]),
                    floats(&l["moving_mean"]),
                    floats(&l["moving_variance"]),
                );
                let eps = l["epsilon"].as_f64().unwrap_or(1e-3);
                for j in 0..k.len() {
                    let s = g[j] / (v[j] + eps).sqrt();
                    // BN(k·x + c) = s·(k·x + c − m) + β
                    k[j] *= s;
                    c[j] = s * (c[j] - m[j]) + b[j];
                }
            }
            Some("dropout") => {}
            other => return Err(unsupported(format!("layer kind {other:?} has no int8 form"))),
        }
    }
    if k.iter().any(|&v| v != 1.0) || c.iter().any(|&v| v != 0.0) {
        return Err(QuantizeError::Unsupported {
            layer: layers.len(),
            message: "a BatchNorm after the last dense layer cannot be folded".into(),
        });
    }
    if out.is_empty() {
        return Err(QuantizeError::Unsupported { layer: 0, message: "no dense layer".into() });
    }
    Ok(out)
}

/// The range `[min, max]` a tensor took over the calibration rows.
#[derive(Clone, Copy)]
struct Range(f64, f64);

impl Range {
    const EMPTY: Range = Range(f64::INFINITY, f64::NEG_INFINITY);
    fn add(&mut self, v: f64) {
        self.0 = self.0.min(v);
        self.1 = self.1.max(v);
    }
    fn params(self) -> Result<QTensor, QuantizeError> {
        let q = QParams::from_range(self.0 as f32, self.1 as f32).ok_or_else(|| {
            QuantizeError::Model(format!("range [{}, {}] gives no int8 scale", self.0, self.1))
        })?;
        Ok(QTensor { scale: q.scale, zero_point: q.zero_point })
    }
}

/// The dense layers' outputs (after a fused ReLU) for one row, in `f64`.
fn run(folded: &[Folded], x: &[f64], mut seen: impl FnMut(usize, &[f64])) {
    let mut a = x.to_vec();
    for (l, f) in folded.iter().enumerate() {
        let mut z: Vec<f64> = f
            .weight
            .iter()
            .zip(&f.bias)
            .map(|(w, b)| b + w.iter().zip(&a).map(|(w, x)| w * x).sum::<f64>())
            .collect();
        if f.fused == QFused::Relu {
            z.iter_mut().for_each(|v| *v = v.max(0.0));
        } else if f.fused == QFused::Relu6 {
            z.iter_mut().for_each(|v| *v = v.clamp(0.0, 6.0));
        }
        seen(l, &z);
        a = match f.after {
            Some("sigmoid") => z.iter().map(|v| 1.0 / (1.0 + (-v).exp())).collect(),
            Some("tanh") => z.iter().map(|v| v.tanh()).collect(),
            Some(_) => {
                let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
                let s: f64 = e.iter().sum();
                e.iter().map(|v| v / s).collect()
            }
            None => z,
        };
    }
}

/// Quantises `net` to int8, calibrating every tensor's range on `rows` (raw feature rows,
/// as the model reads them): the input tensor and each dense layer's output take the
/// minimum and maximum over the rows (widened to hold 0, zero point rounded so that 0 is
/// exact); sigmoid, tanh and softmax outputs take TFLite's fixed quantisation (1/256 and
/// −128; 1/128 and 0; 1/256 and −128). Weights are quantised per output channel,
/// symmetric: scale `max |w| / 127`, codes `round(w / scale)`; biases `round(b / (input
/// scale × weight scale))` in `i32`.
pub fn quantize(net: &Net, rows: &[Vec<f32>]) -> Result<QNet, QuantizeError> {
    quantize_with(net, rows, ScalerMode::Auto).map(|(q, _)| q)
}

/// Where an int8 model's input scaler goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScalerMode {
    /// Into the first dense layer's weights and biases (TensorFlow Lite's way): the device
    /// quantises raw features with one input scale.
    Fold,
    /// Kept in `f32` before QUANTIZE: one subtraction and one division per feature, then
    /// the standardised features share the input scale.
    Float,
    /// Both, and the one whose dequantised outputs are closer to the `f32` model's on the
    /// calibration rows (the largest difference; ties go to `fold`, which has no float
    /// operation). A model whose scaler is the identity is folded.
    Auto,
}

/// [`quantize`] with the scaler placed as `mode` says; also returns where it went
/// (`Fold` or `Float`).
pub fn quantize_with(
    net: &Net,
    rows: &[Vec<f32>],
    mode: ScalerMode,
) -> Result<(QNet, ScalerMode), QuantizeError> {
    let (mean, scale) = net.scaler();
    let identity = mean.iter().all(|&m| m == 0.0) && scale.iter().all(|&s| s == 1.0);
    match mode {
        ScalerMode::Fold => Ok((quantize_folded(net, rows, true)?, ScalerMode::Fold)),
        ScalerMode::Float => Ok((quantize_folded(net, rows, false)?, ScalerMode::Float)),
        ScalerMode::Auto if identity => Ok((quantize_folded(net, rows, true)?, ScalerMode::Fold)),
        ScalerMode::Auto => {
            let worst = |q: &QNet| {
                rows.iter()
                    .flat_map(|x| net.predict(x).into_iter().zip(q.predict(x).0))
                    .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()))
            };
            match (quantize_folded(net, rows, true), quantize_folded(net, rows, false)) {
                (Ok(f), Ok(k)) if worst(&k) < worst(&f) => Ok((k, ScalerMode::Float)),
                (Ok(f), _) => Ok((f, ScalerMode::Fold)),
                (Err(_), Ok(k)) => Ok((k, ScalerMode::Float)),
                (Err(e), Err(_)) => Err(e),
            }
        }
    }
}

fn quantize_folded(net: &Net, rows: &[Vec<f32>], fold_scaler: bool) -> Result<QNet, QuantizeError> {
    if rows.is_empty() {
        return Err(QuantizeError::Calibration("no rows".into()));
    }
    if let Some(r) = rows.iter().position(|r| r.len() != net.inputs()) {
        return Err(QuantizeError::Calibration(format!(
            "row {r} has {} values for {} inputs",
            rows[r].len(),
            net.inputs()
        )));
    }
    let folded = fold(net, fold_scaler)?;
    let mut input = Range::EMPTY;
    let mut outs = vec![Range::EMPTY; folded.len()];
    let (mean, scale) = net.scaler();
    for r in rows {
        let x: Vec<f64> = if fold_scaler {
            r.iter().map(|&v| v as f64).collect()
        } else {
            // The standardised features exactly as the int8 model computes them, in f32.
            r.iter().zip(mean.iter().zip(scale)).map(|(&v, (&m, &s))| ((v - m) / s) as f64).collect()
        };
        x.iter().for_each(|&v| input.add(v));
        run(&folded, &x, |l, z| z.iter().for_each(|&v| outs[l].add(v)));
    }
    let input_q = input.params()?;
    let mut in_scale = input_q.scale as f64;
    let mut layers = Vec::new();
    for (f, range) in folded.iter().zip(outs) {
        let output = range.params()?;
        let mut weight = Vec::with_capacity(f.weight.len());
        let mut weight_scale = Vec::with_capacity(f.weight.len());
        let mut bias = Vec::with_capacity(f.weight.len());
        for (row, b) in f.weight.iter().zip(&f.bias) {
            let max = row.iter().fold(0.0f64, |m, w| m.max(w.abs()));
            let s = if max > 0.0 { (max / 127.0) as f32 } else { 1.0 };
            weight.push(row.iter().map(|w| (w / s as f64).round().clamp(-127.0, 127.0) as i8).collect());
            bias.push((b / (in_scale * s as f64)).round().clamp(i32::MIN as f64, i32::MAX as f64) as i32);
            weight_scale.push(s);
        }
        let (inputs, units) = (f.weight[0].len(), f.weight.len());
        layers.push(QLayerSpec::Dense {
            inputs,
            units,
            activation: f.fused,
            weight,
            bias,
            weight_scale,
            output,
        });
        in_scale = output.scale as f64;
        match f.after {
            Some("sigmoid") => {
                layers.push(QLayerSpec::Sigmoid { output: QTensor { scale: 1.0 / 256.0, zero_point: -128 } });
                in_scale = 1.0 / 256.0;
            }
            Some("tanh") => {
                layers.push(QLayerSpec::Tanh { output: QTensor { scale: 1.0 / 128.0, zero_point: 0 } });
                in_scale = 1.0 / 128.0;
            }
            Some(_) => {
                layers.push(QLayerSpec::Softmax {
                    beta: 1.0,
                    output: QTensor { scale: 1.0 / 256.0, zero_point: -128 },
                });
                in_scale = 1.0 / 256.0;
            }
            None => {}
        }
    }
    let q = QNet::new(net.inputs(), input_q, layers).map_err(|e| QuantizeError::Model(e.to_string()))?;
    if fold_scaler {
        Ok(q)
    } else {
        q.with_scaler(mean, scale).map_err(|e| QuantizeError::Model(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinymlp::Train;
    use tinymlp::prelude::*;
    use tinymlp::rand_core::Rng;
    use tinymlp_net::LayerSpec;

    /// A network with a scaler, BatchNorm and dropout: the folded `f64` network computes
    /// what the `f32` one does, to `f32` rounding.
    #[test]
    fn folding_keeps_the_function() {
        let specs = [
            LayerSpec::Dense { units: 8, activation: Activation::Relu },
            LayerSpec::BatchNorm { momentum: 0.99, epsilon: 1e-3 },
            LayerSpec::Dropout { rate: 0.2 },
            LayerSpec::Dense { units: 3, activation: Activation::Softmax },
        ];
        let mut net = Net::new(2, &specs).unwrap();
        net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(3));
        assert!(net.set_scaler(&[0.5, -1.0], &[2.0, 0.25]));
        // Statistics that make the BatchNorm far from the identity.
        let mut doc: Value = serde_json::from_slice(&net.to_json(&[]).unwrap()).unwrap();
        let bn = &mut doc["layers"][1];
        bn["gamma"] = (0..8).map(|j| 0.5 + j as f64 * 0.25).collect();
        bn["beta"] = (0..8).map(|j| j as f64 * 0.1 - 0.3).collect();
        bn["moving_mean"] = (0..8).map(|j| j as f64 * 0.2).collect();
        bn["moving_variance"] = (0..8).map(|j| 0.5 + j as f64).collect();
        let net = Net::read(&serde_json::to_vec(&doc).unwrap()).unwrap();
        let folded = fold(&net, true).unwrap();
        assert_eq!(folded.len(), 2);
        for x in [[0.0f32, 0.0], [1.5, -2.0], [-3.0, 0.7]] {
            let want = net.predict(&x);
            let mut got = Vec::new();
            run(&folded, &[x[0] as f64, x[1] as f64], |l, z| {
                if l == 1 {
                    let m = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                    let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
                    got = e.iter().map(|v| v / e.iter().sum::<f64>()).collect();
                }
            });
            for (a, b) in got.iter().zip(&want) {
                assert!((a - *b as f64).abs() < 1e-5, "{x:?}: {got:?} vs {want:?}");
            }
        }
    }

    /// The int8 model follows the f32 one: every dequantised output within a few output
    /// steps, on the calibration rows and on rows it did not see.
    #[test]
    fn the_int8_model_follows_the_f32_one() {
        let specs = [
            LayerSpec::Dense { units: 16, activation: Activation::Relu6 },
            LayerSpec::BatchNorm { momentum: 0.99, epsilon: 1e-3 },
            LayerSpec::Dense { units: 8, activation: Activation::Tanh },
            LayerSpec::Dense { units: 3, activation: Activation::Softmax },
        ];
        let mut net = Net::new(3, &specs).unwrap();
        net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(5));
        assert!(net.set_scaler(&[10.0, -1.0, 0.0], &[5.0, 0.5, 2.0]));
        let mut rng = Xoshiro128PlusPlus::new(9);
        let mut row = || -> Vec<f32> {
            let u = |r: &mut Xoshiro128PlusPlus| (r.next_u32() >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0;
            vec![10.0 + 10.0 * u(&mut rng), -1.0 + u(&mut rng), 4.0 * u(&mut rng)]
        };
        let calibration: Vec<Vec<f32>> = (0..300).map(|_| row()).collect();
        let unseen: Vec<Vec<f32>> = (0..100).map(|_| row()).collect();
        let q = quantize(&net, &calibration).unwrap();
        assert_eq!(q.specs().len(), 5); // dense, dense, tanh, dense, softmax
        assert_eq!(q.parameter_bytes(), 3 * 16 + 16 * 8 + 8 * 3 + 4 * (16 + 8 + 3));
        for x in calibration.iter().chain(&unseen) {
            let (y, _) = q.predict(x);
            for (a, b) in y.iter().zip(net.predict(x)) {
                assert!((a - b).abs() < 0.04, "{x:?}: int8 {y:?} vs f32 {:?}", net.predict(x));
            }
        }
        assert!(matches!(quantize(&net, &[]), Err(QuantizeError::Calibration(_))));
        assert!(matches!(quantize(&net, &[vec![1.0]]), Err(QuantizeError::Calibration(_))));
    }

    #[test]
    fn activations_without_an_int8_form_are_refused() {
        let net = Net::new(2, &[LayerSpec::Dense { units: 2, activation: Activation::Gelu }]).unwrap();
        let e = quantize(&net, &[vec![0.0, 1.0]]).unwrap_err().to_string();
        assert!(e.contains("gelu") && e.contains("layer 1"), "{e}");
    }

    /// Features of very different ranges (around 1,000 and around 0.5): folded into the
    /// first layer they share one input scale of about 1,300/255 and the small feature is
    /// lost; `auto` keeps the scaler in f32 and follows the f32 model; the identity scaler
    /// is folded.
    #[test]
    fn auto_keeps_a_scaler_whose_features_differ_in_range() {
        let specs = [
            LayerSpec::Dense { units: 8, activation: Activation::Tanh },
            LayerSpec::Dense { units: 1, activation: Activation::Linear },
        ];
        let mut net = Net::new(2, &specs).unwrap();
        net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(3));
        let mut rng = Xoshiro128PlusPlus::new(4);
        let mut u = || (rng.next_u32() >> 8) as f32 / (1u32 << 24) as f32 * 2.0 - 1.0;
        let rows: Vec<Vec<f32>> = (0..200).map(|_| vec![1000.0 + 300.0 * u(), 0.5 + 0.1 * u()]).collect();
        let (plain, placed) = quantize_with(&net, &rows, ScalerMode::Auto).unwrap();
        assert_eq!((placed, plain.scaler()), (ScalerMode::Fold, None), "the identity scaler folds");
        assert!(net.set_scaler(&[1000.0, 0.5], &[173.0, 0.058]));
        let worst = |q: &QNet| {
            rows.iter()
                .flat_map(|x| net.predict(x).into_iter().zip(q.predict(x).0))
                .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()))
        };
        let (folded, _) = quantize_with(&net, &rows, ScalerMode::Fold).unwrap();
        let (kept, _) = quantize_with(&net, &rows, ScalerMode::Float).unwrap();
        assert!(folded.scaler().is_none() && kept.scaler().is_some());
        assert!(worst(&kept) * 4.0 < worst(&folded), "kept {} folded {}", worst(&kept), worst(&folded));
        let (auto, placed) = quantize_with(&net, &rows, ScalerMode::Auto).unwrap();
        assert_eq!((placed, auto), (ScalerMode::Float, kept));
    }
}
