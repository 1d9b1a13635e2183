//! The binary model format for flash: compact, checksummed, read without allocation or
//! alignment assumptions (so straight from `include_bytes!`).
//!
//! Layout (all integers and floats little-endian):
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic `b"TMLP"` |
//! | 4 | 2 | format version (1) |
//! | 6 | 2 | number of layers `L` |
//! | 8 | 4 | number of f32 values `P` |
//! | 12 | 20·L | layer descriptors |
//! | 12 + 20·L | 4·P | the values: every tensor of every layer, in order |
//! | 12 + 20·L + 4·P | 4 | CRC-32 of all preceding bytes |
//!
//! A layer descriptor: kind (u8: 1 dense, 2 batch norm, 3 dropout, 4 normalization,
//! 5 residual),
//! activation (u8: 0 linear, 1 sigmoid, 2 tanh, 3 relu, 4 leaky relu, 5 elu, 6 gelu,
//! 7 softmax; 0 for other kinds), 2 reserved bytes (0), inputs (u32), outputs (u32), and
//! two f32 options: (alpha, 0) for dense, (momentum, epsilon) for batch norm, (rate, 0) for
//! dropout, (0, 0) for normalization.
//!
//! A skip connection `y = x + L(x)` is a descriptor of kind 5 (residual) followed by the
//! descriptors of `L`: its bytes 2..4 hold the number `n` of descriptors inside the block
//! (u16; nested blocks' own descriptors counted), inputs and outputs are the block's width,
//! the rest is 0. The block ends after those `n` descriptors, so the list stays flat and a
//! reader that does not know kind 5 refuses the file at that descriptor.

use super::{BlockFault, Crc32, ModelError, Name, Shape, crc32};
use crate::layers::{Activation, Layer, LayerInfo, LayerKind};

/// The first four bytes of a binary model.
pub const MAGIC: [u8; 4] = *b"TMLP";
/// The binary format version.
pub const VERSION: u16 = 1;
const HEADER: usize = 12;
const DESCRIPTOR: usize = 20;

/// Bytes of the binary file of model `M`.
pub const fn bin_len<M: Layer>() -> usize {
    HEADER + DESCRIPTOR * M::LAYERS + 4 * (M::TRAINABLE + M::NON_TRAINABLE) + 4
}

/// Layers and stored values of `model`, counted from its description: [`bin_len`]'s
/// quantities for a model whose shape is chosen at run time as well.
pub fn counts<M: Layer + ?Sized>(model: &M) -> (usize, usize) {
    let (mut layers, mut values) = (0, 0);
    model.describe(&mut |info| {
        layers += 1;
        values += info.trainable + info.non_trainable;
    });
    (layers, values)
}

/// Bytes of the binary file of `model` (equal to [`bin_len`] for a model with a
/// compile-time shape).
///
/// ```
/// use tinymlp::io::{bin_len, model_bin_len};
/// use tinymlp::{Activation, Dense};
/// let a = Dense::<2, 3>::new(Activation::Relu);
/// assert_eq!(model_bin_len(&a), bin_len::<Dense<2, 3>>());
/// ```
pub fn model_bin_len<M: Layer + ?Sized>(model: &M) -> usize {
    let (layers, values) = counts(model);
    HEADER + DESCRIPTOR * layers + 4 * values + 4
}

fn descriptor(info: &LayerInfo) -> [u8; DESCRIPTOR] {
    let (act, a, b) = match info.kind {
        LayerKind::Dense(act) => (act.code(), act.alpha().unwrap_or(0.0), 0.0),
        LayerKind::BatchNorm { momentum, epsilon } => (0, momentum, epsilon),
        LayerKind::Dropout { rate } => (0, rate, 0.0),
        LayerKind::Normalization | LayerKind::Residual { .. } => (0, 0.0, 0.0),
    };
    let mut d = [0u8; DESCRIPTOR];
    d[0] = info.kind.names().code;
    d[1] = act;
    if let LayerKind::Residual { layers } = info.kind {
        d[2..4].copy_from_slice(&layers.to_le_bytes());
    }
    d[4..8].copy_from_slice(&(info.inputs as u32).to_le_bytes());
    d[8..12].copy_from_slice(&(info.outputs as u32).to_le_bytes());
    d[12..16].copy_from_slice(&a.to_le_bytes());
    d[16..20].copy_from_slice(&b.to_le_bytes());
    d
}

/// Produces the bytes of the binary form of `model`, CRC excluded, piece by piece (the
/// CRC-32 of all of them follows in a file).
pub fn emit_bin<M: Layer>(model: &M, out: &mut dyn FnMut(&[u8])) -> Result<(), ModelError> {
    let (layers, values) = counts(model);
    if layers > u16::MAX as usize || values > u32::MAX as usize {
        return Err(ModelError::BufferTooSmall);
    }
    out(&MAGIC);
    out(&VERSION.to_le_bytes());
    out(&(layers as u16).to_le_bytes());
    out(&(values as u32).to_le_bytes());
    model.describe(&mut |info| out(&descriptor(&info)));
    let (mut layer, mut bad) = (0, None);
    model.visit(&mut |_, ts| {
        for t in ts {
            for (i, v) in t.data.iter().enumerate() {
                if !v.is_finite() && bad.is_none() {
                    bad = Some(ModelError::NotFinite { layer, tensor: t.name, index: i });
                }
                out(&v.to_le_bytes());
            }
        }
        layer += 1;
    });
    bad.map_or(Ok(()), Err)
}

/// Writes `model` in the binary format into `buf` (at least [`bin_len`] bytes) and returns
/// the number of bytes written. Refuses non-finite parameters.
///
/// ```
/// use tinymlp::io::{bin_len, read_bin, write_bin};
/// use tinymlp::{Activation, Dense};
/// let a = Dense::<2, 1>::from_parts([[0.5, -1.0]], [0.25], Activation::Tanh);
/// let mut buf = [0u8; bin_len::<Dense<2, 1>>()];
/// write_bin(&a, &mut buf).unwrap();
/// let mut b = Dense::<2, 1>::new(Activation::Tanh);
/// read_bin(&buf, &mut b).unwrap();
/// assert_eq!(a, b);
/// ```
pub fn write_bin<M: Layer>(model: &M, buf: &mut [u8]) -> Result<usize, ModelError> {
    let len = model_bin_len(model);
    if buf.len() < len {
        return Err(ModelError::BufferTooSmall);
    }
    let mut at = 0;
    emit_bin(model, &mut |bytes| {
        buf[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    })?;
    let crc = crc32(&buf[..at]);
    buf[at..at + 4].copy_from_slice(&crc.to_le_bytes());
    Ok(at + 4)
}

/// The model's id: the CRC-32 its binary file stores (computed without a buffer). The host
/// and the firmware name a model by it.
///
/// ```
/// use tinymlp::io::{bin_len, model_id, write_bin};
/// use tinymlp::{Activation, Dense};
/// let a = Dense::<2, 1>::from_parts([[0.5, -1.0]], [0.25], Activation::Tanh);
/// let mut buf = [0u8; bin_len::<Dense<2, 1>>()];
/// let n = write_bin(&a, &mut buf).unwrap();
/// assert_eq!(model_id(&a).unwrap().to_le_bytes(), buf[n - 4..]);
/// ```
pub fn model_id<M: Layer>(model: &M) -> Result<u32, ModelError> {
    let mut crc = Crc32::new();
    emit_bin(model, &mut |bytes| crc.update(bytes))?;
    Ok(crc.finish())
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn f32_at(b: &[u8], i: usize) -> f32 {
    f32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn kind_name(code: u8) -> &'static str {
    LayerKind::by_code(code).map_or("unknown", |k| k.rust)
}

fn shape_of(info: &LayerInfo) -> Shape {
    Shape { kind: info.kind.names().rust, inputs: info.inputs, outputs: info.outputs }
}

/// Reads a binary model into `model`, whose compiled type must have the file's
/// architecture. Checks, in order: length, magic, version, size, CRC-32, each layer's
/// kind, sizes and activation (the first difference is named), then every value; only
/// then writes. On any error `model` is unchanged.
pub fn read_bin<M: Layer>(bytes: &[u8], model: &mut M) -> Result<(), ModelError> {
    super::fixed_check::refuse_fixed(model)?;
    let (program_layers, _) = counts(model);
    let expected = model_bin_len(model);
    if bytes.len() < HEADER {
        return Err(ModelError::Truncated { len: bytes.len(), expected });
    }
    if bytes[0..4] != MAGIC {
        return Err(ModelError::WrongFormat);
    }
    let version = u16::from_le_bytes([bytes[4], bytes[5]]);
    if version != VERSION {
        return Err(ModelError::UnsupportedVersion { found: version as u32, supported: VERSION as u32 });
    }
    let layers = u16::from_le_bytes([bytes[6], bytes[7]]) as usize;
    let values = u32_at(bytes, 8) as usize;
    let announced = HEADER
        .saturating_add(DESCRIPTOR.saturating_mul(layers))
        .saturating_add(values.saturating_mul(4))
        .saturating_add(4);
    if bytes.len() < announced {
        return Err(ModelError::Truncated { len: bytes.len(), expected: announced });
    }
    if bytes.len() > announced {
        return Err(ModelError::TrailingData { offset: announced });
    }
    let body = announced - 4;
    let (stored, computed) = (u32_at(bytes, body), crc32(&bytes[..body]));
    if stored != computed {
        return Err(ModelError::BadChecksum { stored, computed });
    }
    if layers != program_layers {
        return Err(ModelError::LayerCount { file: layers, program: program_layers });
    }
    // Compare every descriptor, then validate every value, before writing anything.
    let mut problem = None;
    let (mut layer, mut at) = (0, HEADER + DESCRIPTOR * layers);
    let values_start = at;
    model.visit(&mut |info, ts| {
        if problem.is_some() {
            return;
        }
        let d = &bytes[HEADER + DESCRIPTOR * layer..HEADER + DESCRIPTOR * (layer + 1)];
        let want = descriptor(info);
        let file =
            Shape { kind: kind_name(d[0]), inputs: u32_at(d, 4) as usize, outputs: u32_at(d, 8) as usize };
        if d[0] != want[0] || d[4..12] != want[4..12] {
            problem = Some(ModelError::Architecture { layer, file, program: shape_of(info) });
        } else if let LayerKind::Dense(a) = info.kind
            && (d[1] != want[1] || d[12..16] != want[12..16])
        {
            let name = Activation::from_code(d[1], 0.0).map_or("unknown", Activation::name);
            problem = Some(ModelError::Activation { layer, file: Name::new(name), program: a.name() });
        } else if let LayerKind::Residual { layers } = info.kind
            && d[2..4] != want[2..4]
        {
            let file = u16::from_le_bytes([d[2], d[3]]) as usize;
            let fault = BlockFault::Count { file, program: layers as usize };
            problem = Some(ModelError::Block { layer, offset: Some(HEADER + DESCRIPTOR * layer), fault });
        } else if let Some(e) = check_options(layer, &info.kind, f32_at(d, 12), f32_at(d, 16)) {
            problem = Some(e);
        } else if let Some(i) = nonzero_reserved(&info.kind, d) {
            let offset = HEADER + DESCRIPTOR * layer + i;
            problem = Some(ModelError::NonZero { layer, offset });
        }
        if problem.is_some() {
            return;
        }
        for t in ts {
            for i in 0..t.data.len() {
                if at + 4 > body {
                    // The descriptors matched but the header announces fewer values.
                    problem.get_or_insert(ModelError::Truncated { len: bytes.len(), expected });
                    return;
                }
                let v = f32_at(bytes, at);
                let negative_stat = matches!(t.name, "moving_variance" | "scale") && v < 0.0;
                if problem.is_none() && !v.is_finite() {
                    problem = Some(ModelError::NotFinite { layer, tensor: t.name, index: i });
                } else if problem.is_none() && (negative_stat || (t.name == "scale" && v == 0.0)) {
                    problem = Some(ModelError::OutOfRange { layer, field: t.name, value: v });
                }
                at += 4;
            }
        }
        layer += 1;
    });
    if let Some(e) = problem {
        return Err(e);
    }
    if at != body {
        // The descriptors matched but the value count did not: the header lies.
        return Err(ModelError::Truncated { len: bytes.len(), expected });
    }
    let (mut layer, mut at) = (0, values_start);
    model.visit_mut(&mut |info, ts| {
        let d = &bytes[HEADER + DESCRIPTOR * layer..HEADER + DESCRIPTOR * (layer + 1)];
        match &mut info.kind {
            LayerKind::BatchNorm { momentum, epsilon } => {
                (*momentum, *epsilon) = (f32_at(d, 12), f32_at(d, 16))
            }
            LayerKind::Dropout { rate } => *rate = f32_at(d, 12),
            _ => {}
        }
        for t in ts.iter_mut() {
            for v in t.data.iter_mut() {
                *v = f32_at(bytes, at);
                at += 4;
            }
        }
        layer += 1;
    });
    Ok(())
}

/// The first byte of descriptor `d` that the format says is zero and is not: the reserved
/// bytes, the activation code of a layer that is not dense, and the options a kind does
/// not have (the second of dense and dropout, both of normalization). Every other byte is
/// compared with the program's layer or range-checked, so two files that differ anywhere
/// are two different models or one is refused.
fn nonzero_reserved(kind: &LayerKind, d: &[u8]) -> Option<usize> {
    // (first, last + 1) of each zero run.
    let zero: &[(usize, usize)] = match kind {
        LayerKind::Dense(_) => &[(2, 4), (16, 20)],
        LayerKind::BatchNorm { .. } => &[(1, 4)],
        LayerKind::Dropout { .. } => &[(1, 4), (16, 20)],
        LayerKind::Normalization => &[(1, 4), (12, 20)],
        LayerKind::Residual { .. } => &[(1, 2), (12, 20)],
    };
    zero.iter().flat_map(|&(a, b)| a..b).find(|&i| d[i] != 0)
}

fn check_options(layer: usize, kind: &LayerKind, a: f32, b: f32) -> Option<ModelError> {
    match kind {
        LayerKind::BatchNorm { .. } => {
            if !(0.0..=1.0).contains(&a) {
                Some(ModelError::OutOfRange { layer, field: "momentum", value: a })
            } else if !(b > 0.0 && b.is_finite()) {
                Some(ModelError::OutOfRange { layer, field: "epsilon", value: b })
            } else {
                None
            }
        }
        LayerKind::Dropout { .. } if !(0.0..1.0).contains(&a) => {
            Some(ModelError::OutOfRange { layer, field: "rate", value: a })
        }
        _ => None,
    }
}
