//! A `.tflite` file as a tinymlp model: float files as `f32` networks ([`Net`]), int8 files
//! as int8 networks ([`QNet`]).

use super::schema_generated::tflite::{
    ActivationFunctionType, BuiltinOperator, FullyConnectedOptionsWeightsFormat, Model, Operator, Tensor,
    TensorType, model_buffer_has_identifier, root_as_model,
};
use serde_json::{Value, json};
use tinymlp_net::{Net, QFused, QLayerSpec, QNet, QTensor};

/// The operators the importer reads anywhere in the chain.
pub const SUPPORTED: [&str; 7] =
    ["FULLY_CONNECTED", "LOGISTIC", "TANH", "SOFTMAX", "QUANTIZE", "DEQUANTIZE", "RESHAPE"];

/// The operators the importer reads only as the input scaler of a float model: Keras'
/// `Normalization` converts to a SUB of the mean and a MUL by the reciprocal deviation,
/// each with a constant operand, right after the input.
pub const SCALER: [&str; 3] = ["SUB", "MUL", "DIV"];

/// A model read from a `.tflite` file.
#[derive(Debug)]
pub enum Imported {
    /// A float model, as a tinymlp `f32` network.
    Float(Net),
    /// An int8 model, as a tinymlp int8 network.
    Int8(QNet),
}

/// Why a `.tflite` file cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The bytes are not a valid TFLite FlatBuffer.
    #[error("not a TensorFlow Lite model: {0}")]
    NotTflite(String),
    /// The model uses operators tinymlp does not have.
    #[error(
        "unsupported operators: {} (supported: {}; and {} by a constant right after the input, \
         as Keras' Normalization writes them)",
        .0.iter().map(|(i, name)| format!("#{i} {name}")).collect::<Vec<_>>().join(", "),
        SUPPORTED.join(", "),
        SCALER.join(", ")
    )]
    Unsupported(Vec<(usize, String)>),
    /// The model's structure is not a chain of supported layers tinymlp can run.
    #[error("operator #{op} ({name}): {message}")]
    Structure {
        /// The operator's index in the subgraph.
        op: usize,
        /// The operator's name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// Something about the whole model.
    #[error("{0}")]
    Model(String),
}

fn op_name(code: BuiltinOperator, custom: Option<&str>) -> String {
    match (code, custom) {
        (BuiltinOperator::CUSTOM, Some(c)) => format!("CUSTOM ({c})"),
        _ => code.variant_name().map_or_else(|| format!("builtin {}", code.0), str::to_string),
    }
}

/// The builtin code of an operator, as TFLite reads it: the larger of the deprecated
/// one-byte code and the 32-bit code.
fn builtin(model: &Model<'_>, op: &Operator<'_>) -> (BuiltinOperator, Option<String>) {
    let index = op.opcode_index() as usize;
    let Some(codes) = model.operator_codes().filter(|c| index < c.len()) else {
        return (BuiltinOperator(-1), None);
    };
    let oc = codes.get(index);
    let b = BuiltinOperator((oc.deprecated_builtin_code() as i32).max(oc.builtin_code().0));
    (b, oc.custom_code().map(str::to_string))
}

/// A tensor's data: the bytes of its buffer (inside the FlatBuffer, or after it at the
/// buffer's offset).
fn tensor_bytes<'a>(bytes: &'a [u8], model: &Model<'a>, t: &Tensor<'a>) -> Option<&'a [u8]> {
    let buffer = model.buffers()?.iter().nth(t.buffer() as usize)?;
    if let Some(d) = buffer.data().filter(|d| !d.is_empty()) {
        return Some(d.bytes());
    }
    let (offset, size) = (buffer.offset() as usize, buffer.size() as usize);
    if offset > 1 && size > 0 { bytes.get(offset..offset.checked_add(size)?) } else { None }
}

fn shape(t: &Tensor<'_>) -> Vec<i32> {
    t.shape().map(|s| s.iter().collect()).unwrap_or_default()
}

fn elements(t: &Tensor<'_>) -> usize {
    shape(t).iter().fold(1usize, |n, &d| n.saturating_mul(d.max(0) as usize))
}

/// The tensor's per-tensor quantisation (its first scale and zero point).
fn qtensor(t: &Tensor<'_>) -> Option<QTensor> {
    let q = t.quantization()?;
    let scale = q.scale()?.iter().next()?;
    let zero_point = q.zero_point().and_then(|z| z.iter().next()).unwrap_or(0);
    Some(QTensor { scale, zero_point: i32::try_from(zero_point).ok()? })
}

/// Which operators compute the output's values: walking back from the model's output,
/// an operator counts when it writes a tensor that counts, and then its inputs count too,
/// except a RESHAPE's target shape and a SHAPE's input (it reads the shape only). The rest
/// (the SHAPE, STRIDED_SLICE and PACK that Keras' Reshape and Flatten write to compute a
/// target shape for a dynamic batch) is skipped: a RESHAPE of a row is the identity on its
/// values.
fn value_ops(model: &Model<'_>, ops: &[Operator<'_>], output: i32) -> Vec<bool> {
    let list = |v: Option<flatbuffers::Vector<'_, i32>>| -> Vec<i32> {
        v.map(|v| v.iter().collect()).unwrap_or_default()
    };
    let mut wanted = std::collections::HashSet::from([output]);
    let mut counts = vec![false; ops.len()];
    for i in (0..ops.len()).rev() {
        if !list(ops[i].outputs()).iter().any(|t| wanted.contains(t)) {
            continue;
        }
        counts[i] = true;
        let code = builtin(model, &ops[i]).0;
        if code == BuiltinOperator::SHAPE {
            continue;
        }
        for (k, t) in list(ops[i].inputs()).into_iter().enumerate() {
            if !(code == BuiltinOperator::RESHAPE && k == 1) {
                wanted.insert(t);
            }
        }
    }
    counts
}

/// How many of the leading operators form an input scaler: each a SUB, MUL or DIV whose
/// first input is the previous one's output (the model's input for the first) and whose
/// second input is a constant. A QUANTIZE first (an int8 model with float inputs) is passed
/// over, so that a scaler after it is reported as one, with its way round.
fn scaler_prefix(
    bytes: &[u8],
    model: &Model<'_>,
    ops: &[Operator<'_>],
    tensors: &[Tensor<'_>],
    input: i32,
) -> usize {
    let mut current = input;
    for (n, op) in ops.iter().enumerate() {
        let name = op_name(builtin(model, op).0, None);
        let ins: Vec<i32> = op.inputs().map(|v| v.iter().collect()).unwrap_or_default();
        let outs: Vec<i32> = op.outputs().map(|v| v.iter().collect()).unwrap_or_default();
        let constant = |k: i32| {
            usize::try_from(k)
                .ok()
                .and_then(|k| tensors.get(k))
                .is_some_and(|t| tensor_bytes(bytes, model, t).is_some())
        };
        match (&ins[..], &outs[..]) {
            (&[a, b], &[out]) if SCALER.contains(&name.as_str()) && a == current && constant(b) => {
                current = out
            }
            (&[a], &[out]) if n == 0 && name == "QUANTIZE" && a == current => current = out,
            _ => return n,
        }
    }
    ops.len()
}

/// The element-wise operation of an input scaler.
#[derive(Clone, Copy, PartialEq)]
enum ScaleOp {
    Sub,
    Mul,
    Div,
}

/// One operator of the chain, read.
enum Step {
    /// `x − c`, `x · c` or `x / c` with a constant `c` per feature, before any layer.
    Scale(ScaleOp, Vec<f32>),
    Dense {
        units: usize,
        inputs: usize,
        fused: ActivationFunctionType,
        weight: Weights,
        bias: Bias,
    },
    Activation(&'static str, f32),
    Reshape,
    Quantize,
    Dequantize,
}

enum Weights {
    F32(Vec<f32>),
    I8 { codes: Vec<i8>, scales: Vec<f32> },
}

enum Bias {
    F32(Vec<f32>),
    I32(Vec<i32>),
}

/// Reads a `.tflite` file: a single subgraph that is a chain of FULLY_CONNECTED (fused
/// NONE, RELU or RELU6), LOGISTIC, TANH, SOFTMAX (any positive beta), QUANTIZE, DEQUANTIZE
/// and RESHAPE, float or int8, after an optional input scaler (SUB, then MUL or DIV, by
/// constants: Keras' `Normalization`) in float models. Every operator outside that list is
/// reported, with its index, in one error.
pub fn import(bytes: &[u8]) -> Result<Imported, ImportError> {
    // The identifier sits after the root offset; shorter input is not a FlatBuffer.
    if bytes.len() < 8 || !model_buffer_has_identifier(bytes) {
        return Err(ImportError::NotTflite("the file identifier is not TFL3".into()));
    }
    let model = root_as_model(bytes).map_err(|e| ImportError::NotTflite(e.to_string()))?;
    let subgraphs =
        model.subgraphs().ok_or_else(|| ImportError::Model("the model has no subgraph".into()))?;
    if subgraphs.len() != 1 {
        return Err(ImportError::Model(format!(
            "{} subgraphs: tinymlp reads models of one",
            subgraphs.len()
        )));
    }
    let g = subgraphs.get(0);
    let ops: Vec<Operator<'_>> = g.operators().map(|o| o.iter().collect()).unwrap_or_default();
    let output_tensor = g.outputs().and_then(|o| o.iter().next()).unwrap_or(-1);
    let counts = value_ops(&model, &ops, output_tensor);
    let tensors: Vec<Tensor<'_>> = g.tensors().map(|t| t.iter().collect()).unwrap_or_default();
    let input_tensor = g.inputs().and_then(|o| o.iter().next()).unwrap_or(-1);
    let scaler = scaler_prefix(bytes, &model, &ops, &tensors, input_tensor);
    let unsupported: Vec<(usize, String)> = ops
        .iter()
        .enumerate()
        .filter(|(i, _)| counts[*i] && *i >= scaler)
        .filter_map(|(i, op)| {
            let (code, custom) = builtin(&model, op);
            let name = op_name(code, custom.as_deref());
            (!SUPPORTED.contains(&name.as_str())).then_some((i, name))
        })
        .collect();
    if !unsupported.is_empty() {
        return Err(ImportError::Unsupported(unsupported));
    }
    let io = |v: Option<flatbuffers::Vector<'_, i32>>, what: &str| -> Result<usize, ImportError> {
        let v: Vec<i32> = v.map(|v| v.iter().collect()).unwrap_or_default();
        match v[..] {
            [i] if (i as usize) < tensors.len() => Ok(i as usize),
            _ => Err(ImportError::Model(format!(
                "the model has {} {what}s: tinymlp reads models of one",
                v.len()
            ))),
        }
    };
    let input = io(g.inputs(), "input")?;
    let output = io(g.outputs(), "output")?;
    if ops.is_empty() {
        return Err(ImportError::Model("the model has no operators".into()));
    }

    let mut current = input;
    let mut steps = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate().filter(|(i, _)| counts[*i]) {
        let (code, _) = builtin(&model, op);
        let name = op_name(code, None);
        let fail = |message: String| ImportError::Structure { op: i, name: name.clone(), message };
        let ins: Vec<i32> = op.inputs().map(|v| v.iter().collect()).unwrap_or_default();
        let outs: Vec<i32> = op.outputs().map(|v| v.iter().collect()).unwrap_or_default();
        let tensor = |k: i32| -> Result<&Tensor<'_>, ImportError> {
            usize::try_from(k)
                .ok()
                .and_then(|k| tensors.get(k))
                .ok_or_else(|| fail(format!("tensor {k} does not exist")))
        };
        if ins.first().map(|&k| k as usize) != Some(current) {
            return Err(fail(
                "its input is not the previous operator's output: tinymlp reads chains of layers".into(),
            ));
        }
        let [out] = outs[..] else { return Err(fail(format!("{} outputs, not one", outs.len()))) };
        let out = usize::try_from(out)
            .ok()
            .filter(|&o| o < tensors.len())
            .ok_or_else(|| fail(format!("output tensor {out} does not exist")))?;
        let step = match code {
            BuiltinOperator::FULLY_CONNECTED => {
                let opts = op.builtin_options_as_fully_connected_options();
                let fused = opts.map_or(ActivationFunctionType::NONE, |o| o.fused_activation_function());
                if opts.is_some_and(|o| o.weights_format() != FullyConnectedOptionsWeightsFormat::DEFAULT) {
                    return Err(fail("shuffled weights are not supported".into()));
                }
                if !matches!(
                    fused,
                    ActivationFunctionType::NONE
                        | ActivationFunctionType::RELU
                        | ActivationFunctionType::RELU6
                ) {
                    return Err(fail(format!(
                        "fused activation {} (supported: NONE, RELU, RELU6)",
                        fused.variant_name().unwrap_or("unknown")
                    )));
                }
                let w = tensor(*ins.get(1).ok_or_else(|| fail("no weights".into()))?)?;
                let (units, n) = match shape(w)[..] {
                    [u, n] if u > 0 && n > 0 => (u as usize, n as usize),
                    _ => return Err(fail(format!("weights of shape {:?}, not [units, inputs]", shape(w)))),
                };
                let data = tensor_bytes(bytes, &model, w)
                    .ok_or_else(|| fail("the weights are not constant".into()))?;
                let weight = match w.type_() {
                    TensorType::FLOAT32 if (units * n).checked_mul(4) == Some(data.len()) => Weights::F32(
                        data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect(),
                    ),
                    TensorType::INT8 if data.len() == units * n => {
                        let q = w.quantization().ok_or_else(|| fail("int8 weights without scales".into()))?;
                        let scales: Vec<f32> = q.scale().map(|s| s.iter().collect()).unwrap_or_default();
                        let zps: Vec<i64> = q.zero_point().map(|z| z.iter().collect()).unwrap_or_default();
                        if zps.iter().any(|&z| z != 0) {
                            return Err(fail("int8 weights must be symmetric (zero point 0)".into()));
                        }
                        if scales.len() != 1 && (scales.len() != units || q.quantized_dimension() != 0) {
                            return Err(fail(format!(
                                "{} weight scales along dimension {} for {units} outputs",
                                scales.len(),
                                q.quantized_dimension()
                            )));
                        }
                        Weights::I8 { codes: data.iter().map(|&b| b as i8).collect(), scales }
                    }
                    t => {
                        return Err(fail(format!(
                            "weights of type {} and {} bytes for {units}×{n}",
                            t.variant_name().unwrap_or("?"),
                            data.len()
                        )));
                    }
                };
                let bias = match ins.get(2).copied().filter(|&k| k >= 0) {
                    None => match weight {
                        Weights::F32(_) => Bias::F32(vec![0.0; units]),
                        Weights::I8 { .. } => Bias::I32(vec![0; units]),
                    },
                    Some(k) => {
                        let b = tensor(k)?;
                        let data = tensor_bytes(bytes, &model, b)
                            .filter(|d| units.checked_mul(4) == Some(d.len()))
                            .ok_or_else(|| fail(format!("the bias is not {units} constant 4-byte values")))?;
                        let words = data.chunks_exact(4).map(|c| c.try_into().unwrap());
                        match (b.type_(), &weight) {
                            (TensorType::FLOAT32, Weights::F32(_)) => {
                                Bias::F32(words.map(f32::from_le_bytes).collect())
                            }
                            (TensorType::INT32, Weights::I8 { .. }) => {
                                Bias::I32(words.map(i32::from_le_bytes).collect())
                            }
                            (t, _) => {
                                return Err(fail(format!(
                                    "a bias of type {}",
                                    t.variant_name().unwrap_or("?")
                                )));
                            }
                        }
                    }
                };
                Step::Dense { units, inputs: n, fused, weight, bias }
            }
            BuiltinOperator::LOGISTIC => Step::Activation("sigmoid", 1.0),
            BuiltinOperator::TANH => Step::Activation("tanh", 1.0),
            BuiltinOperator::SOFTMAX => {
                let beta = op.builtin_options_as_softmax_options().map_or(1.0, |o| o.beta());
                Step::Activation("softmax", beta)
            }
            BuiltinOperator::RESHAPE => {
                let (a, b) = (tensor(current as i32)?, tensor(out as i32)?);
                if elements(a) != elements(b) {
                    return Err(fail("a reshape that changes the number of values".into()));
                }
                Step::Reshape
            }
            BuiltinOperator::QUANTIZE => Step::Quantize,
            BuiltinOperator::DEQUANTIZE => Step::Dequantize,
            BuiltinOperator::SUB | BuiltinOperator::MUL | BuiltinOperator::DIV => {
                let kind = match code {
                    BuiltinOperator::SUB => ScaleOp::Sub,
                    BuiltinOperator::MUL => ScaleOp::Mul,
                    _ => ScaleOp::Div,
                };
                let fused = match kind {
                    ScaleOp::Sub => {
                        op.builtin_options_as_sub_options().map(|o| o.fused_activation_function())
                    }
                    ScaleOp::Mul => {
                        op.builtin_options_as_mul_options().map(|o| o.fused_activation_function())
                    }
                    ScaleOp::Div => {
                        op.builtin_options_as_div_options().map(|o| o.fused_activation_function())
                    }
                };
                if fused.is_some_and(|f| f != ActivationFunctionType::NONE) {
                    return Err(fail("an input scaler with a fused activation".into()));
                }
                let c = tensor(ins[1])?;
                let data = tensor_bytes(bytes, &model, c)
                    .ok_or_else(|| fail("the operand is not constant".into()))?;
                let n = features(&tensors, input);
                if c.type_() != TensorType::FLOAT32 {
                    return Err(fail(format!(
                        "an input scaler on {} values: import the float model and quantise it \
                         with `tinymlp quantize`, which keeps the scaler in f32 or folds it into the first layer",
                        c.type_().variant_name().unwrap_or("?")
                    )));
                }
                let values: Vec<f32> =
                    data.chunks_exact(4).map(|b| f32::from_le_bytes(b.try_into().unwrap())).collect();
                let values = match values.len() {
                    1 => vec![values[0]; n],
                    k if k == n => values,
                    k => return Err(fail(format!("a constant of {k} values for {n} features"))),
                };
                Step::Scale(kind, values)
            }
            _ => unreachable!("unsupported operators were refused above"),
        };
        steps.push((i, name, step, current, out));
        current = out;
    }
    if current != output {
        return Err(ImportError::Model("the chain of operators does not end at the model's output".into()));
    }
    let int8 =
        steps.iter().any(|(_, _, s, _, _)| matches!(s, Step::Dense { weight: Weights::I8 { .. }, .. }));
    if int8 { build_int8(&tensors, input, steps) } else { build_float(steps) }
}

type Steps<'a> = Vec<(usize, String, Step, usize, usize)>;

fn features(tensors: &[Tensor<'_>], input: usize) -> usize {
    shape(&tensors[input]).last().map_or(0, |&d| d.max(0) as usize)
}

fn build_float(steps: Steps<'_>) -> Result<Imported, ImportError> {
    let mut layers: Vec<Value> = Vec::new();
    // The input scaler `(x − mean) / scale`, from the leading SUB and MUL or DIV.
    let (mut mean, mut scale): (Option<Vec<f32>>, Option<Vec<f32>>) = (None, None);
    for (i, name, step, _, _) in steps {
        let fail = |message: String| ImportError::Structure { op: i, name: name.clone(), message };
        match step {
            Step::Scale(op, c) => {
                if !layers.is_empty() || scale.is_some() || (op == ScaleOp::Sub && mean.is_some()) {
                    return Err(fail(
                        "tinymlp's input scaler is (x − mean) / scale: one SUB, then one MUL or DIV".into(),
                    ));
                }
                match op {
                    ScaleOp::Sub => mean = Some(c),
                    // `x · m` as `x / (1/m)`: the same value to f32 rounding.
                    ScaleOp::Mul => scale = Some(c.iter().map(|m| 1.0 / m).collect()),
                    ScaleOp::Div => scale = Some(c),
                }
                if scale.as_ref().is_some_and(|s| s.iter().any(|v| !v.is_finite() || *v == 0.0)) {
                    return Err(fail("an input scaler that divides by 0 or by a non-finite value".into()));
                }
            }
            Step::Dense { units, inputs, fused, weight: Weights::F32(w), bias: Bias::F32(b) } => {
                let activation = match fused {
                    ActivationFunctionType::NONE => "linear",
                    ActivationFunctionType::RELU => "relu",
                    _ => "relu6",
                };
                let rows: Vec<&[f32]> = w.chunks(inputs).collect();
                layers.push(
                    json!({"kind": "dense", "inputs": inputs, "units": units, "activation": activation,
                    "weight": rows, "bias": b}),
                );
            }
            Step::Activation(act, beta) => {
                if !(beta.is_finite() && beta > 0.0) {
                    return Err(fail(format!("softmax with beta {beta}: beta must be positive and finite")));
                }
                match layers.last_mut() {
                    Some(l) if l["activation"] == "linear" => {
                        l["activation"] = json!(act);
                        if beta != 1.0 {
                            // softmax(β·(Wx + b)) = softmax((βW)x + βb): β folded into the
                            // layer before it (the same value to f32 rounding).
                            for key in ["weight", "bias"] {
                                scale_json(&mut l[key], beta);
                            }
                        }
                    }
                    _ => {
                        return Err(fail(
                            "an activation that does not follow a dense layer without one".into(),
                        ));
                    }
                }
            }
            Step::Reshape => {}
            Step::Quantize | Step::Dequantize => {
                return Err(fail("quantisation in a model without int8 layers".into()));
            }

            Step::Dense { .. } => return Err(fail("mixed float and int8 tensors".into())),
        }
    }
    if layers.is_empty() {
        return Err(ImportError::Model("the model has no fully connected layer".into()));
    }
    let mut doc = json!({"format": "tinymlp", "version": 1, "layers": layers});
    if mean.is_some() || scale.is_some() {
        let n = layers_inputs(&doc);
        doc["scaler"] = json!({
            "mean": mean.unwrap_or_else(|| vec![0.0; n]),
            "scale": scale.unwrap_or_else(|| vec![1.0; n]),
        });
    }
    let bytes = serde_json::to_vec(&doc).expect("a JSON value serialises");
    Net::read(&bytes).map(Imported::Float).map_err(|e| ImportError::Model(format!("as a tinymlp model: {e}")))
}

/// Multiplies every number of a JSON array (of arrays) by `k`, in f32.
fn scale_json(v: &mut Value, k: f32) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|x| scale_json(x, k)),
        Value::Number(n) => *v = json!(n.as_f64().unwrap_or(f64::NAN) as f32 * k),
        _ => {}
    }
}

/// The first layer's number of inputs in a model document.
fn layers_inputs(doc: &Value) -> usize {
    doc["layers"][0]["inputs"].as_u64().unwrap_or(0) as usize
}

fn build_int8(tensors: &[Tensor<'_>], input: usize, steps: Steps<'_>) -> Result<Imported, ImportError> {
    let mut layers = Vec::new();
    let mut input_q: Option<QTensor> = None;
    let mut inputs = features(tensors, input);
    let mut ended = false;
    for (i, name, step, from, to) in steps {
        let fail = |message: String| ImportError::Structure { op: i, name: name.clone(), message };
        if ended {
            return Err(fail("an operator after the output's DEQUANTIZE".into()));
        }
        let q = |k: usize| qtensor(&tensors[k]).ok_or_else(|| fail(format!("tensor {k} is not quantised")));
        let is = |k: usize, t: TensorType| tensors[k].type_() == t;
        match step {
            Step::Scale(..) => {
                return Err(fail(
                    "an input scaler in an int8 model: import the float model and quantise it with \
                     `tinymlp quantize`, which keeps the scaler in f32 or folds it into the first layer"
                        .into(),
                ));
            }
            Step::Quantize => {
                if !layers.is_empty()
                    || input_q.is_some()
                    || !is(from, TensorType::FLOAT32)
                    || !is(to, TensorType::INT8)
                {
                    return Err(fail("only the float input's QUANTIZE to int8 is supported".into()));
                }
                input_q = Some(q(to)?);
            }
            Step::Dequantize => {
                if !is(from, TensorType::INT8) {
                    return Err(fail("only the int8 output's DEQUANTIZE is supported".into()));
                }
                ended = true;
            }
            Step::Reshape => {}
            _ if !is(from, TensorType::INT8) || !is(to, TensorType::INT8) => {
                return Err(fail("a layer whose input or output is not int8".into()));
            }
            Step::Dense {
                units,
                inputs: n,
                fused,
                weight: Weights::I8 { codes, scales },
                bias: Bias::I32(bias),
            } => {
                if layers.is_empty() {
                    input_q.get_or_insert(q(from)?);
                    inputs = n;
                }
                let activation = match fused {
                    ActivationFunctionType::RELU => QFused::Relu,
                    ActivationFunctionType::RELU6 => QFused::Relu6,
                    _ => QFused::Linear,
                };
                layers.push(QLayerSpec::Dense {
                    inputs: n,
                    units,
                    activation,
                    weight: codes.chunks(n).map(<[i8]>::to_vec).collect(),
                    bias,
                    weight_scale: scales,
                    output: q(to)?,
                });
            }
            Step::Dense { .. } => return Err(fail("mixed float and int8 tensors".into())),
            Step::Activation(act, beta) => {
                if layers.is_empty() {
                    input_q.get_or_insert(q(from)?);
                }
                let output = q(to)?;
                layers.push(match act {
                    "sigmoid" => QLayerSpec::Sigmoid { output },
                    "tanh" => QLayerSpec::Tanh { output },
                    _ => QLayerSpec::Softmax { beta, output },
                });
            }
        }
    }
    let input_q = input_q.ok_or_else(|| ImportError::Model("the model's input is not quantised".into()))?;
    QNet::new(inputs, input_q, layers)
        .map(Imported::Int8)
        .map_err(|e| ImportError::Model(format!("as a tinymlp int8 model: {e}")))
}
