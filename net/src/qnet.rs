//! Int8 networks shaped at run time, and their JSON file (`format: "tinymlp-int8"`).
//!
//! A [`QNet`] is a chain of the core's int8 operations ([`tinymlp::quant`]): dense layers with
//! a fused clamp, sigmoid, tanh and softmax. It holds what a file holds (codes, scales, zero
//! points) and derives the rest (multipliers and shifts, clamps, tables) exactly as TFLite's
//! kernels prepare them, so its output codes are TFLite's.

use serde::{Deserialize, Serialize};
use tinymlp::quant::{DenseQ8Params, Lut8, Portable, QParams, Requant, SoftmaxQ8, dense_q8};

/// The name in the `format` field of an int8 model file.
pub const QFORMAT: &str = "tinymlp-int8";

/// The activation a dense int8 layer applies as its output clamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QFused {
    /// No clamp but the int8 range.
    Linear,
    /// Outputs below the code of 0 are raised to it.
    Relu,
    /// Outputs clamped to the codes of 0 and 6.
    Relu6,
}

/// A tensor's quantisation as a file holds it.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QTensor {
    /// The real value of one step.
    pub scale: f32,
    /// The code of the real value 0.
    pub zero_point: i32,
}

/// One layer of an int8 model as its file describes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum QLayerSpec {
    /// A dense layer: `weight` (`units` rows of `inputs` codes, zero point 0), `bias` (`i32`
    /// at scale `input scale × weight_scale[o]`), one weight scale per output (or one for
    /// all), the fused activation and the output's quantisation.
    Dense {
        /// Inputs per row.
        inputs: usize,
        /// Outputs per row.
        units: usize,
        /// The fused activation.
        activation: QFused,
        /// `weight[o][i]`.
        weight: Vec<Vec<i8>>,
        /// One bias per output.
        bias: Vec<i32>,
        /// The weights' scales: one per output, or one for all.
        weight_scale: Vec<f32>,
        /// The output's quantisation.
        output: QTensor,
    },
    /// The logistic function; TFLite's output is scale 1/256, zero point −128.
    Sigmoid {
        /// The output's quantisation.
        output: QTensor,
    },
    /// Tanh; TFLite's output is scale 1/128, zero point 0.
    Tanh {
        /// The output's quantisation.
        output: QTensor,
    },
    /// Softmax over the row; TFLite's output is scale 1/256, zero point −128.
    Softmax {
        /// The inverse temperature (1 for Keras).
        beta: f32,
        /// The output's quantisation.
        output: QTensor,
    },
}

impl QLayerSpec {
    /// The output's quantisation.
    pub fn output(&self) -> QTensor {
        match self {
            QLayerSpec::Dense { output, .. }
            | QLayerSpec::Sigmoid { output }
            | QLayerSpec::Tanh { output }
            | QLayerSpec::Softmax { output, .. } => *output,
        }
    }

    /// The operation's name, as the summary prints it.
    pub fn name(&self) -> &'static str {
        match self {
            QLayerSpec::Dense { .. } => "dense_q8",
            QLayerSpec::Sigmoid { .. } => "sigmoid_q8",
            QLayerSpec::Tanh { .. } => "tanh_q8",
            QLayerSpec::Softmax { .. } => "softmax_q8",
        }
    }
}

/// The JSON document of an int8 model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct QDoc {
    format: String,
    version: u32,
    inputs: usize,
    input: QTensor,
    layers: Vec<QLayerSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    scaler: Option<QScaler>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metadata: Option<serde_json::Value>,
}

/// The float input scaler of an int8 model: `(x − mean) / scale` per feature in `f32`,
/// before the input's QUANTIZE.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct QScaler {
    mean: Vec<f32>,
    scale: Vec<f32>,
}

/// Why an int8 model cannot be built or read.
#[derive(Clone, Debug, PartialEq)]
pub enum QNetError {
    /// The JSON is malformed or has unknown, missing or mistyped fields.
    Json(String),
    /// The `format` or `version` field is not this format's.
    Format(String),
    /// A scale is not finite and positive, or a zero point not an int8 code.
    Quantisation {
        /// The layer (0 for the input).
        layer: usize,
        /// The scale.
        scale: f32,
        /// The zero point.
        zero_point: i32,
    },
    /// A layer's sizes disagree with its neighbour's or with its own tensors.
    Shape {
        /// The layer (1-based).
        layer: usize,
        /// What is wrong.
        message: String,
    },
    /// A requantisation factor TFLite cannot represent (negative, not finite, ≥ 2³¹).
    Multiplier {
        /// The layer (1-based).
        layer: usize,
        /// The factor.
        factor: f64,
    },
    /// The float input scaler's lengths are not the inputs, a mean is not finite, or a
    /// scale is not finite and positive.
    Scaler(String),
    /// No layers, or no inputs.
    Empty,
}

impl core::fmt::Display for QNetError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            QNetError::Json(e) => write!(f, "not an int8 model file: {e}"),
            QNetError::Format(e) => write!(f, "{e}"),
            QNetError::Quantisation { layer: 0, scale, zero_point } => {
                write!(f, "the input's quantisation is invalid: scale {scale}, zero point {zero_point}")
            }
            QNetError::Quantisation { layer, scale, zero_point } => write!(
                f,
                "layer {layer}: invalid quantisation: scale {scale}, zero point {zero_point} (the scale must be finite and positive, the zero point in −128..=127)"
            ),
            QNetError::Shape { layer, message } => write!(f, "layer {layer}: {message}"),
            QNetError::Multiplier { layer, factor } => {
                write!(f, "layer {layer}: requantisation factor {factor} cannot be represented")
            }
            QNetError::Scaler(e) => write!(f, "the input scaler: {e}"),
            QNetError::Empty => write!(f, "an int8 model needs at least one input and one layer"),
        }
    }
}

impl std::error::Error for QNetError {}

/// A prepared layer: what the kernels need, derived from the spec as TFLite prepares it
/// (what a firmware build writes into flash).
#[derive(Clone, Debug, PartialEq)]
pub enum Prepared {
    /// A dense layer.
    Dense {
        /// `units` rows of the inputs' codes, row after row.
        weight: Vec<i8>,
        /// One bias per output.
        bias: Vec<i32>,
        /// One requantisation per output.
        requant: Vec<Requant>,
        /// The offsets and the clamp.
        params: DenseQ8Params,
        /// Outputs per row.
        units: usize,
    },
    /// Sigmoid or tanh as a table of 256 codes.
    Table(Lut8),
    /// Softmax over the row.
    Softmax(SoftmaxQ8),
}

/// An int8 network shaped at run time: the input's quantisation and a chain of int8 layers.
#[derive(Clone, Debug, PartialEq)]
pub struct QNet {
    inputs: usize,
    /// The float input scaler (mean, scale), when the model keeps one.
    scaler: Option<(Vec<f32>, Vec<f32>)>,
    input: QParams,
    specs: Vec<QLayerSpec>,
    prepared: Vec<Prepared>,
}

fn qparams(layer: usize, t: QTensor) -> Result<QParams, QNetError> {
    QParams::new(t.scale, t.zero_point).ok_or(QNetError::Quantisation {
        layer,
        scale: t.scale,
        zero_point: t.zero_point,
    })
}

/// TFLite's `CalculateActivationRangeQuantized` for int8.
fn clamp(fused: QFused, out: QParams) -> (i32, i32) {
    let code = |v: f32| out.zero_point.saturating_add(libm::roundf(v / out.scale) as i32);
    match fused {
        QFused::Linear => (-128, 127),
        QFused::Relu => (code(0.0).max(-128), 127),
        QFused::Relu6 => (code(0.0).max(-128), code(6.0).min(127)),
    }
}

impl QNet {
    /// A network of `inputs` values quantised by `input`, through `layers`; checks every
    /// size and quantisation and prepares the kernels' parameters as TFLite does.
    pub fn new(inputs: usize, input: QTensor, layers: Vec<QLayerSpec>) -> Result<QNet, QNetError> {
        if inputs == 0 || layers.is_empty() {
            return Err(QNetError::Empty);
        }
        let mut in_q = qparams(0, input)?;
        let input_q = in_q;
        let mut width = inputs;
        let mut prepared = Vec::with_capacity(layers.len());
        for (k, spec) in layers.iter().enumerate() {
            let layer = k + 1;
            let out_q = qparams(layer, spec.output())?;
            let shape = |message: String| QNetError::Shape { layer, message };
            prepared.push(match spec {
                QLayerSpec::Dense { inputs, units, activation, weight, bias, weight_scale, .. } => {
                    if *inputs != width {
                        return Err(shape(format!("{inputs} inputs after a layer of {width} outputs")));
                    }
                    if *units == 0 {
                        return Err(shape("no units".into()));
                    }
                    if weight.len() != *units || weight.iter().any(|r| r.len() != *inputs) {
                        return Err(shape(format!("the weight must be {units} rows of {inputs} codes")));
                    }
                    if bias.len() != *units {
                        return Err(shape(format!("{} biases for {units} units", bias.len())));
                    }
                    if weight_scale.len() != *units && weight_scale.len() != 1 {
                        return Err(shape(format!("{} weight scales for {units} units", weight_scale.len())));
                    }
                    let mut requant = Vec::with_capacity(*units);
                    for o in 0..*units {
                        let ws = weight_scale[if weight_scale.len() == 1 { 0 } else { o }];
                        if !(ws > 0.0 && ws.is_finite()) {
                            return Err(QNetError::Quantisation { layer, scale: ws, zero_point: 0 });
                        }
                        let factor = in_q.scale as f64 * ws as f64 / out_q.scale as f64;
                        requant
                            .push(Requant::from_real(factor).ok_or(QNetError::Multiplier { layer, factor })?);
                    }
                    let (min, max) = clamp(*activation, out_q);
                    let params = DenseQ8Params {
                        input_offset: -in_q.zero_point,
                        output_offset: out_q.zero_point,
                        min,
                        max,
                    };
                    width = *units;
                    Prepared::Dense {
                        weight: weight.concat(),
                        bias: bias.clone(),
                        requant,
                        params,
                        units: *units,
                    }
                }
                QLayerSpec::Sigmoid { .. } => Prepared::Table(Lut8::logistic(in_q, out_q)),
                QLayerSpec::Tanh { .. } => Prepared::Table(Lut8::tanh(in_q, out_q)),
                QLayerSpec::Softmax { beta, .. } => {
                    if !(beta.is_finite() && *beta > 0.0) {
                        return Err(shape(format!("softmax beta {beta} must be finite and positive")));
                    }
                    Prepared::Softmax(SoftmaxQ8::new(in_q, *beta, out_q))
                }
            });
            in_q = out_q;
        }
        Ok(QNet { inputs, scaler: None, input: input_q, specs: layers, prepared })
    }

    /// Inputs per row.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Outputs per row.
    pub fn outputs(&self) -> usize {
        self.prepared
            .iter()
            .rev()
            .find_map(|p| match p {
                Prepared::Dense { units, .. } => Some(*units),
                _ => None,
            })
            .unwrap_or(self.inputs)
    }

    /// The input's quantisation.
    pub fn input(&self) -> QParams {
        self.input
    }

    /// The output's quantisation.
    pub fn output(&self) -> QParams {
        let o = self.specs.last().map(QLayerSpec::output).expect("a QNet has layers");
        QParams { scale: o.scale, zero_point: o.zero_point }
    }

    /// The layers as the file describes them.
    pub fn specs(&self) -> &[QLayerSpec] {
        &self.specs
    }

    /// The prepared layers, in order.
    pub fn prepared(&self) -> &[Prepared] {
        &self.prepared
    }

    /// The model's id: the CRC-32 of its file without metadata ([`QNet::to_json`] of `None`),
    /// what a firmware built with it reports.
    pub fn id(&self) -> u32 {
        tinymlp::io::crc32(&self.to_json(None))
    }

    /// Bytes of parameters: the dense layers' int8 weight codes and `i32` biases (what
    /// TFLite's tensors of a dense layer hold, but for the scales).
    pub fn parameter_bytes(&self) -> usize {
        self.prepared
            .iter()
            .map(|p| match p {
                Prepared::Dense { weight, bias, .. } => weight.len() + 4 * bias.len(),
                _ => 0,
            })
            .sum()
    }

    /// Bytes of the requantisation constants a device stores besides the parameters: each
    /// dense output's multiplier and shift ([`Requant`], two `i32`).
    pub fn requant_bytes(&self) -> usize {
        self.prepared
            .iter()
            .map(|p| match p {
                Prepared::Dense { requant, .. } => core::mem::size_of_val(&requant[..]),
                _ => 0,
            })
            .sum()
    }

    /// One row of input codes through the network: the output codes.
    pub fn forward_codes(&self, x: &[i8]) -> Vec<i8> {
        let mut a = x.to_vec();
        for p in &self.prepared {
            a = match p {
                Prepared::Dense { weight, bias, requant, params, units } => {
                    let mut y = vec![0i8; *units];
                    dense_q8::<Portable>(weight, bias, requant, params, &a, &mut y);
                    y
                }
                Prepared::Table(lut) => {
                    let mut y = vec![0i8; a.len()];
                    lut.forward(&a, &mut y);
                    y
                }
                Prepared::Softmax(s) => {
                    let mut y = vec![0i8; a.len()];
                    s.forward(&a, &mut y);
                    y
                }
            };
        }
        a
    }

    /// The input codes of a row of real values (TFLite's QUANTIZE).
    pub fn quantize_input(&self, x: &[f32]) -> Vec<i8> {
        match &self.scaler {
            None => x.iter().map(|&v| self.input.quantize(v)).collect(),
            // One subtraction and one division per feature, as the f32 `Normalization`.
            Some((mean, scale)) => x
                .iter()
                .zip(mean.iter().zip(scale))
                .map(|(&v, (&m, &s))| self.input.quantize((v - m) / s))
                .collect(),
        }
    }

    /// The same model with a float input scaler: each feature becomes `(x − mean) / scale`
    /// in `f32` before the input's QUANTIZE (the scaler of an `f32` model kept as it is,
    /// rather than folded into the first layer, where features of very different ranges
    /// would share one input scale).
    pub fn with_scaler(mut self, mean: &[f32], scale: &[f32]) -> Result<QNet, QNetError> {
        let n = self.inputs;
        if mean.len() != n || scale.len() != n {
            return Err(QNetError::Scaler(format!(
                "{} means and {} scales for {n} inputs",
                mean.len(),
                scale.len()
            )));
        }
        if let Some(j) = (0..n).find(|&j| !(mean[j].is_finite() && scale[j].is_finite() && scale[j] > 0.0)) {
            return Err(QNetError::Scaler(format!(
                "feature {j}: mean {}, scale {} (the mean must be finite, the scale finite and positive)",
                mean[j], scale[j]
            )));
        }
        self.scaler = Some((mean.to_vec(), scale.to_vec()));
        Ok(self)
    }

    /// The float input scaler (mean, scale), when the model has one.
    pub fn scaler(&self) -> Option<(&[f32], &[f32])> {
        self.scaler.as_ref().map(|(m, s)| (m.as_slice(), s.as_slice()))
    }

    /// One row of real values through the network: the dequantised outputs and the output
    /// codes.
    pub fn predict(&self, x: &[f32]) -> (Vec<f32>, Vec<i8>) {
        let q = self.forward_codes(&self.quantize_input(x));
        let out = self.output();
        (q.iter().map(|&c| out.dequantize(c)).collect(), q)
    }

    /// Reads an int8 model file.
    pub fn read(bytes: &[u8]) -> Result<QNet, QNetError> {
        let bytes = bytes.strip_prefix(tinymlp::io::BOM).unwrap_or(bytes);
        let doc: QDoc = serde_json::from_slice(bytes).map_err(|e| QNetError::Json(e.to_string()))?;
        if doc.format != QFORMAT {
            return Err(QNetError::Format(format!("format `{}` is not `{QFORMAT}`", doc.format)));
        }
        if doc.version != 1 {
            return Err(QNetError::Format(format!(
                "version {} of `{QFORMAT}` is not supported (1 is)",
                doc.version
            )));
        }
        let net = QNet::new(doc.inputs, doc.input, doc.layers)?;
        match doc.scaler {
            None => Ok(net),
            Some(s) => net.with_scaler(&s.mean, &s.scale),
        }
    }

    /// Whether `bytes` claim to be an int8 model file (its `format` field), whatever else
    /// they hold.
    pub fn is_qnet_file(bytes: &[u8]) -> bool {
        let bytes = bytes.strip_prefix(tinymlp::io::BOM).unwrap_or(bytes);
        serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| v.get("format").and_then(|f| f.as_str()).map(|f| f == QFORMAT))
            .unwrap_or(false)
    }

    /// The model as an int8 model file, with `metadata` (any JSON object) if given.
    pub fn to_json(&self, metadata: Option<serde_json::Value>) -> Vec<u8> {
        let input = QTensor { scale: self.input.scale, zero_point: self.input.zero_point };
        let doc = QDoc {
            format: QFORMAT.into(),
            version: 1,
            inputs: self.inputs,
            input,
            layers: self.specs.clone(),
            scaler: self
                .scaler
                .as_ref()
                .map(|(mean, scale)| QScaler { mean: mean.clone(), scale: scale.clone() }),
            metadata,
        };
        let mut v = serde_json::to_vec(&doc).expect("an int8 model serialises");
        v.push(b'\n');
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> QNet {
        let t = |scale, zero_point| QTensor { scale, zero_point };
        QNet::new(
            2,
            t(0.05, -3),
            vec![
                QLayerSpec::Dense {
                    inputs: 2,
                    units: 3,
                    activation: QFused::Relu,
                    weight: vec![vec![10, -20], vec![127, 1], vec![-127, 5]],
                    bias: vec![100, -50, 0],
                    weight_scale: vec![0.01, 0.02, 0.015],
                    output: t(0.02, -128),
                },
                QLayerSpec::Softmax { beta: 1.0, output: t(1.0 / 256.0, -128) },
            ],
        )
        .unwrap()
    }

    #[test]
    fn a_file_round_trips() {
        let net = tiny();
        let bytes = net.to_json(Some(serde_json::json!({"written_by": "test"})));
        assert!(QNet::is_qnet_file(&bytes));
        assert_eq!(QNet::read(&bytes).unwrap(), net);
        let (y, q) = net.predict(&[0.3, -0.7]);
        assert_eq!(y.len(), 3);
        assert_eq!(q.len(), 3);
        assert!((y.iter().sum::<f32>() - 1.0).abs() < 0.02);
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let good = String::from_utf8(tiny().to_json(None)).unwrap();
        let cases = [
            (good.replace("\"tinymlp-int8\"", "\"tinymlp\""), "format"),
            (good.replace("\"version\":1", "\"version\":2"), "version 2"),
            (good.replace("\"inputs\":2,\"units\":3", "\"inputs\":3,\"units\":3"), "3 inputs after"),
            (good.replace("[10,-20]", "[10]"), "rows of 2 codes"),
            (good.replace("\"zero_point\":-3", "\"zero_point\":300"), "input's quantisation"),
            (good.replace("[10,-20]", "[10,-200]"), "not an int8 model file"),
            (good.replace("\"beta\":1.0", "\"beta\":-1.0"), "beta"),
        ];
        for (bad, why) in cases {
            assert_ne!(bad, good, "{why}: the replacement did nothing");
            let e = QNet::read(bad.as_bytes()).unwrap_err().to_string();
            assert!(e.contains(why), "{why}: {e}");
        }
    }

    /// A float scaler travels in the file, changes the id, and standardises each input
    /// with one subtraction and one division before QUANTIZE; bad scalers are refused.
    #[test]
    fn a_float_scaler_round_trips_and_applies() {
        let plain = tiny();
        let scaled = tiny().with_scaler(&[10.0, -1.0], &[4.0, 0.5]).unwrap();
        let bytes = scaled.to_json(None);
        assert_eq!(QNet::read(&bytes).unwrap(), scaled);
        assert_ne!(scaled.id(), plain.id());
        let x = [13.0f32, -1.25];
        let standardised = [(x[0] - 10.0) / 4.0, (x[1] + 1.0) / 0.5];
        assert_eq!(scaled.quantize_input(&x), plain.quantize_input(&standardised));
        assert_eq!(scaled.predict(&x), plain.predict(&standardised));
        for (mean, scale, why) in [
            (&[0.0][..], &[1.0][..], "1 means and 1 scales for 2 inputs"),
            (&[0.0, f32::NAN][..], &[1.0, 1.0][..], "feature 1"),
            (&[0.0, 0.0][..], &[1.0, 0.0][..], "feature 1"),
            (&[0.0, 0.0][..], &[-1.0, 1.0][..], "feature 0"),
        ] {
            let e = tiny().with_scaler(mean, scale).unwrap_err().to_string();
            assert!(e.contains(why), "{why}: {e}");
        }
        let text = String::from_utf8(bytes).unwrap().replace("\"scale\":[4.0,0.5]", "\"scale\":[4.0,0.0]");
        assert!(QNet::read(text.as_bytes()).unwrap_err().to_string().contains("input scaler"));
    }
}
