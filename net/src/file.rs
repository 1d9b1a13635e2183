//! Model files of any architecture: the shape is taken from the file, then the core's own
//! readers check and load it, and the core's writers write it.

use crate::{LayerSpec, Net, NetError};
use tinymlp::Activation;
use tinymlp::io::{
    MAGIC, Meta, ModelError, model_bin_len, model_id, model_max_json_len, read_bin, read_json, write_bin,
    write_json,
};
use tinymlp::layers::LayerKind;

impl Net {
    /// Reads a model file — the binary form (by its magic) or JSON — whatever its
    /// architecture. The shape comes from the file's layer descriptions; the core's reader
    /// then checks everything (checksum, sizes, every value) and loads it, so a file is
    /// accepted here exactly when the const-generic model of its shape would accept it, and
    /// refused with the same [`ModelError`].
    ///
    /// ```
    /// use tinymlp::prelude::*;
    /// use tinymlp_net::{LayerSpec, Net};
    /// let mut net = Net::new(4, &[LayerSpec::Dense { units: 3, activation: Activation::Softmax }]).unwrap();
    /// net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(7));
    /// for bytes in [net.to_bin().unwrap(), net.to_json(&[]).unwrap()] {
    ///     assert_eq!(Net::read(&bytes).unwrap(), net);
    /// }
    /// ```
    pub fn read(bytes: &[u8]) -> Result<Net, ModelError> {
        let bin = bytes.starts_with(&MAGIC);
        let shape = if bin { shape_of_bin(bytes) } else { shape_of_json(bytes) };
        let mut net = match shape {
            Some(Ok(net)) => net,
            // A block that does not fit its layers: no network has that shape. The file's
            // layer index is the spec's (the scaler is layer 0).
            Some(Err(NetError::Block { layer, fault })) => {
                let offset = bin.then_some(12 + 20 * layer);
                return Err(ModelError::Block { layer, offset, fault });
            }
            // Otherwise the core's reader says what is wrong, with its position.
            _ => Net::new(1, &[]).expect("one input is a valid network"),
        };
        if bytes.starts_with(&MAGIC) {
            read_bin(bytes, &mut net)?;
        } else {
            read_json(bytes, &mut net)?;
        }
        Ok(net)
    }

    /// The model as a JSON file, with `meta` as its `metadata` object.
    pub fn to_json(&self, meta: &[(&str, Meta<'_>)]) -> Result<Vec<u8>, ModelError> {
        let extra: usize = meta.iter().map(|(k, v)| k.len() + meta_len(v) + 8).sum();
        let mut buf = vec![0u8; model_max_json_len(self) + extra];
        let n = write_json(self, meta, &mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    /// The model in the binary format.
    pub fn to_bin(&self) -> Result<Vec<u8>, ModelError> {
        let mut buf = vec![0u8; model_bin_len(self)];
        let n = write_bin(self, &mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    /// The model's id: the CRC-32 its binary form stores (what the firmware reports).
    pub fn id(&self) -> Result<u32, ModelError> {
        model_id(self)
    }
}

fn meta_len(v: &Meta<'_>) -> usize {
    match v {
        Meta::Int(_) | Meta::Float(_) => 32,
        Meta::Text(t) => 2 + 6 * t.len(),
        Meta::Texts(ts) => 2 + ts.iter().map(|t| 3 + 6 * t.len()).sum::<usize>(),
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

fn f32_at(b: &[u8], at: usize) -> Option<f32> {
    Some(f32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The network a binary file describes (`None` when the header or a descriptor cannot
/// make one: the core's reader then says what is wrong).
fn shape_of_bin(b: &[u8]) -> Option<Result<Net, NetError>> {
    let layers = u16::from_le_bytes(b.get(6..8)?.try_into().ok()?) as usize;
    let d = |k: usize| 12 + 20 * k;
    if b.len() < d(layers) || layers == 0 {
        return None;
    }
    // Layer 0 is the scaler (normalization, code 4).
    if b[d(0)] != LayerKind::Normalization.names().code {
        return None;
    }
    let inputs = u32_at(b, d(0) + 4)?;
    let mut specs = Vec::with_capacity(layers - 1);
    for k in 1..layers {
        let at = d(k);
        let (kind, act) = (b[at], b[at + 1]);
        let (outputs, a, c) = (u32_at(b, at + 8)?, f32_at(b, at + 12)?, f32_at(b, at + 16)?);
        specs.push(match LayerKind::by_code(kind)?.file {
            "dense" => LayerSpec::Dense { units: outputs, activation: Activation::from_code(act, a)? },
            "batch_norm" => LayerSpec::BatchNorm { momentum: a, epsilon: c },
            "dropout" => LayerSpec::Dropout { rate: a },
            "residual" => LayerSpec::Residual { layers: u16::from_le_bytes([b[at + 2], b[at + 3]]) as usize },
            _ => return None,
        });
    }
    Some(Net::new(inputs, &specs))
}

/// The network a JSON file describes (`None` when it cannot make one: the core's reader
/// then says what is wrong, with its position).
fn shape_of_json(b: &[u8]) -> Option<Result<Net, NetError>> {
    let b = b.strip_prefix(tinymlp::io::BOM).unwrap_or(b);
    let doc: serde_json::Value = serde_json::from_slice(b).ok()?;
    let layers = doc.get("layers")?.as_array()?;
    let num = |l: &serde_json::Value, k: &str| l.get(k).and_then(serde_json::Value::as_f64);
    let int =
        |l: &serde_json::Value, k: &str| l.get(k).and_then(serde_json::Value::as_u64).map(|v| v as usize);
    let inputs = match doc.get("scaler").and_then(|s| s.get("mean")).and_then(serde_json::Value::as_array) {
        Some(mean) => mean.len(),
        None => {
            let first = layers.first()?;
            int(first, "inputs").or_else(|| int(first, "units"))?
        }
    };
    let mut specs = Vec::with_capacity(layers.len());
    for l in layers {
        specs.push(match l.get("kind")?.as_str()? {
            "dense" => {
                let alpha = num(l, "alpha").map(|a| a as f32);
                LayerSpec::Dense {
                    units: int(l, "units")?,
                    activation: Activation::from_name(l.get("activation")?.as_str()?, alpha)?,
                }
            }
            "batch_norm" => LayerSpec::BatchNorm {
                momentum: num(l, "momentum").unwrap_or(0.99) as f32,
                epsilon: num(l, "epsilon").unwrap_or(1e-3) as f32,
            },
            "dropout" => LayerSpec::Dropout { rate: num(l, "rate").unwrap_or(0.0) as f32 },
            "residual" => LayerSpec::Residual { layers: int(l, "layers")? },
            _ => return None,
        });
    }
    Some(Net::new(inputs, &specs))
}
