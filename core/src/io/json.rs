//! The JSON model format: written and read by the same `no_std`, allocation-free code on
//! the host and on the device (`serde-json-core`). The format is described in the
//! repository's `docs/model-files.md`.

use super::{BlockFault, ModelError, Name, Shape};
use crate::layers::{Activation, Layer, LayerInfo, LayerKind, Tensor, TensorMut};
use core::cell::Cell;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeSeq, SerializeStruct, Serializer};

/// The `format` field of every tinymlp JSON model.
pub const FORMAT: &str = "tinymlp";
/// The format version this code writes and reads.
pub const VERSION: u32 = 1;
/// Deepest JSON nesting accepted (the format itself needs 4; metadata may use a few more).
pub const MAX_DEPTH: usize = 16;

/// The largest JSON file accepted for model `M`: 48 bytes per stored value (room for
/// float64 digits and pretty-printing) plus 64 KiB for names and metadata.
pub const fn max_json_len<M: Layer>() -> usize {
    (M::TRAINABLE + M::NON_TRAINABLE) * 48 + 65_536
}

/// [`max_json_len`] of `model`, counted from its description (for a model whose shape is
/// chosen at run time as well).
pub fn model_max_json_len<M: Layer + ?Sized>(model: &M) -> usize {
    super::binary::counts(model).1.saturating_mul(48).saturating_add(65_536)
}

/// A metadata value: training figures and provenance written with the model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Meta<'a> {
    /// An integer (seed, epochs).
    Int(i64),
    /// A number (accuracy, loss).
    Float(f64),
    /// Text (model name, tool version).
    Text(&'a str),
    /// A list of texts (class names, feature names), written as a JSON array.
    Texts(&'a [&'a str]),
}

impl Serialize for Meta<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Meta::Int(v) => s.serialize_i64(v),
            Meta::Float(v) => s.serialize_f64(v),
            Meta::Text(v) => s.serialize_str(v),
            Meta::Texts(v) => v.serialize(s),
        }
    }
}

/// Writes `model` as JSON into `buf` and returns the number of bytes written. Parameters
/// are printed in the shortest form that reads back as the same `f32`, so a round trip is
/// bit-exact. Refuses non-finite parameters (JSON cannot hold them).
///
/// ```
/// use tinymlp::io::{read_json, write_json};
/// use tinymlp::{Activation, Dense};
/// let a = Dense::<2, 1>::from_parts([[0.1, -2.5e-8]], [3.0], Activation::Sigmoid);
/// let mut buf = [0u8; 512];
/// let n = write_json(&a, &[], &mut buf).unwrap();
/// let mut b = Dense::<2, 1>::new(Activation::Sigmoid);
/// read_json(&buf[..n], &mut b).unwrap();
/// assert_eq!(a, b);
/// ```
pub fn write_json<M: Layer>(
    model: &M,
    metadata: &[(&str, Meta<'_>)],
    buf: &mut [u8],
) -> Result<usize, ModelError> {
    let mut bad = None;
    let mut index = 0;
    model.visit(&mut |_, ts| {
        for t in ts {
            if let (None, Some(i)) = (bad, t.data.iter().position(|v| !v.is_finite())) {
                bad = Some(ModelError::NotFinite { layer: index, tensor: t.name, index: i });
            }
        }
        index += 1;
    });
    if let Some(e) = bad {
        return Err(e);
    }
    serde_json_core::to_slice(&Doc { model, metadata }, buf).map_err(|_| ModelError::BufferTooSmall)
}

struct Doc<'a, M> {
    model: &'a M,
    metadata: &'a [(&'a str, Meta<'a>)],
}

impl<M: Layer> Serialize for Doc<'_, M> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // A Normalization first is the input scaler, written apart; any other is a layer.
        let (mut scaler, mut first) = (None, true);
        self.model.visit(&mut |info, ts| {
            if core::mem::take(&mut first) && info.kind == LayerKind::Normalization {
                scaler = Some((ts[0].data, ts[1].data));
            }
        });
        let mut st = s.serialize_struct("Model", 5)?;
        st.serialize_field("format", FORMAT)?;
        st.serialize_field("version", &VERSION)?;
        if let Some((mean, scale)) = scaler {
            st.serialize_field("scaler", &ScalerSer { mean, scale })?;
        }
        st.serialize_field("layers", &LayersSer(self.model))?;
        if !self.metadata.is_empty() {
            st.serialize_field("metadata", &MetaSer(self.metadata))?;
        }
        st.end()
    }
}

struct ScalerSer<'a> {
    mean: &'a [f32],
    scale: &'a [f32],
}

impl Serialize for ScalerSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Scaler", 2)?;
        st.serialize_field("mean", self.mean)?;
        st.serialize_field("scale", self.scale)?;
        st.end()
    }
}

struct MetaSer<'a>(&'a [(&'a str, Meta<'a>)]);

impl Serialize for MetaSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

struct LayersSer<'a, M>(&'a M);

impl<M: Layer> Serialize for LayersSer<'_, M> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = Some(s.serialize_seq(None)?);
        let (mut err, mut first) = (None, true);
        self.0.visit(&mut |info, ts| {
            let scaler = core::mem::take(&mut first) && info.kind == LayerKind::Normalization;
            if scaler || err.is_some() {
                return;
            }
            if let Some(sq) = seq.as_mut()
                && let Err(e) = sq.serialize_element(&LayerSer { info, tensors: ts })
            {
                err = Some(e);
            }
        });
        match (err, seq) {
            (Some(e), _) => Err(e),
            (None, Some(sq)) => sq.end(),
            (None, None) => Err(ser::Error::custom("unreachable")),
        }
    }
}

struct LayerSer<'a, 'b> {
    info: &'a LayerInfo,
    tensors: &'a [Tensor<'b>],
}

impl Serialize for LayerSer<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Layer", 8)?;
        st.serialize_field("kind", self.info.kind.names().file)?;
        match self.info.kind {
            LayerKind::Dense(a) => {
                st.serialize_field("inputs", &(self.info.inputs as u32))?;
                st.serialize_field("units", &(self.info.outputs as u32))?;
                st.serialize_field("activation", a.name())?;
                if let Some(alpha) = a.alpha() {
                    st.serialize_field("alpha", &alpha)?;
                }
            }
            LayerKind::BatchNorm { momentum, epsilon } => {
                st.serialize_field("units", &(self.info.outputs as u32))?;
                st.serialize_field("momentum", &momentum)?;
                st.serialize_field("epsilon", &epsilon)?;
            }
            LayerKind::Dropout { rate } => {
                st.serialize_field("units", &(self.info.outputs as u32))?;
                st.serialize_field("rate", &rate)?;
            }
            LayerKind::Normalization => st.serialize_field("units", &(self.info.outputs as u32))?,
            LayerKind::Residual { layers } => {
                st.serialize_field("units", &(self.info.outputs as u32))?;
                st.serialize_field("layers", &layers)?;
            }
        }
        for t in self.tensors {
            st.serialize_field(t.name, &TensorSer(t))?;
        }
        st.end()
    }
}

struct TensorSer<'a, 'b>(&'a Tensor<'b>);

impl Serialize for TensorSer<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        if !t.matrix {
            return t.data.serialize(s);
        }
        let mut seq = s.serialize_seq(Some(t.rows))?;
        for row in t.data.chunks(t.cols.max(1)) {
            seq.serialize_element(row)?;
        }
        seq.end()
    }
}

/// Summary of a JSON file that was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonInfo {
    /// Bytes of JSON consumed (trailing whitespace included).
    pub len: usize,
    /// Whether the file had an input scaler.
    pub scaler: bool,
}

/// Reads a JSON model file into `model`, whose compiled type must have the file's
/// architecture. The file is checked completely before anything is written, so on any
/// error `model` is unchanged. Unknown top-level `metadata` is skipped; every other field
/// must be known.
pub fn read_json<M: Layer>(bytes: &[u8], model: &mut M) -> Result<JsonInfo, ModelError> {
    super::fixed_check::refuse_fixed(model)?;
    let max = model_max_json_len(model);
    if bytes.len() > max {
        return Err(ModelError::TooLarge { len: bytes.len(), max });
    }
    // A UTF-8 byte-order mark (some editors write one) is skipped, as RFC 8259 allows.
    let skip = if bytes.starts_with(super::BOM) { super::BOM.len() } else { 0 };
    let shift = |e: ModelError| match e {
        ModelError::Json { offset, what } => ModelError::Json { offset: offset + skip, what },
        ModelError::TooDeep { offset, max } => ModelError::TooDeep { offset: offset + skip, max },
        ModelError::TrailingData { offset } => ModelError::TrailingData { offset: offset + skip },
        e => e,
    };
    let body = &bytes[skip..];
    super::check_json(body, MAX_DEPTH).map_err(shift)?;
    parse(body, model, false).map_err(shift)?;
    let mut info = parse(body, model, true).map_err(shift)?;
    info.len += skip;
    if !info.scaler {
        // A file without a scaler means unscaled inputs: the identity.
        let mut first = true;
        model.visit_mut(&mut |layer, ts| {
            if core::mem::take(&mut first) && layer.kind == LayerKind::Normalization {
                ts[0].data.fill(0.0);
                ts[1].data.fill(1.0);
            }
        });
    }
    Ok(info)
}

fn parse<M: Layer>(bytes: &[u8], model: &mut M, write: bool) -> Result<JsonInfo, ModelError> {
    let err = Cell::new(None);
    let mut de = serde_json_core::de::Deserializer::new(bytes, None);
    let seed = DocSeed { model, write, err: &err };
    let result = seed.deserialize(&mut de);
    if let Some(e) = err.get() {
        return Err(e);
    }
    let scaler = result.map_err(ModelError::Syntax)?;
    let len = de.end().map_err(|e| match e {
        serde_json_core::de::Error::TrailingCharacters => {
            ModelError::TrailingData { offset: trailing_offset(bytes) }
        }
        other => ModelError::Syntax(other),
    })?;
    Ok(JsonInfo { len, scaler })
}

/// Offset of the first non-whitespace byte after the top-level value (for the error).
fn trailing_offset(bytes: &[u8]) -> usize {
    let mut i = bytes.len();
    // the end of the top-level value: where its brackets balance
    let (mut depth, mut in_str, mut esc) = (0i32, false, false);
    for (k, &b) in bytes.iter().enumerate() {
        if in_str {
            match (esc, b) {
                (true, _) => esc = false,
                (false, b'\\') => esc = true,
                (false, b'"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_str = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    i = k + 1;
                    break;
                }
            }
            _ => {}
        }
    }
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

type Slot<'e> = &'e Cell<Option<ModelError>>;

/// Records the first error and returns a serde error that stops the parser.
fn fail<E: de::Error>(slot: Slot<'_>, e: ModelError) -> E {
    if slot.get().is_none() {
        slot.set(Some(e));
    }
    E::custom("model error")
}

struct DocSeed<'m, 'e, M> {
    model: &'m mut M,
    write: bool,
    err: Slot<'e>,
}

impl<'de, M: Layer> DeserializeSeed<'de> for DocSeed<'_, '_, M> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, M: Layer> Visitor<'de> for DocSeed<'_, '_, M> {
    type Value = bool;
    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a tinymlp model object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let err = self.err;
        let (mut format, mut version, mut scaler, mut layers, mut metadata) =
            (false, false, false, false, false);
        // The program's layers, and whether the first is a scaler.
        let mut program_layers = 0;
        let mut has_norm = false;
        self.model.visit(&mut |info, _| {
            if info.kind == LayerKind::Normalization && program_layers == 0 {
                has_norm = true;
            }
            program_layers += 1;
        });
        while let Some(key) = map.next_key::<&str>()? {
            let dup = |seen: &mut bool, field: &'static str| -> Result<(), A::Error> {
                if core::mem::replace(seen, true) {
                    Err(fail(err, ModelError::Duplicate { layer: None, field }))
                } else {
                    Ok(())
                }
            };
            match key {
                "format" => {
                    dup(&mut format, "format")?;
                    let v: &str = map.next_value()?;
                    if v != FORMAT {
                        return Err(fail(err, ModelError::WrongFormat));
                    }
                }
                "version" => {
                    dup(&mut version, "version")?;
                    let v: u32 = map.next_value()?;
                    if v != VERSION {
                        return Err(fail(
                            err,
                            ModelError::UnsupportedVersion { found: v, supported: VERSION },
                        ));
                    }
                }
                "scaler" => {
                    dup(&mut scaler, "scaler")?;
                    if !has_norm {
                        return Err(fail(err, ModelError::UnexpectedScaler));
                    }
                    map.next_value_seed(ScalerSeed { model: &mut *self.model, write: self.write, err })?;
                }
                "layers" => {
                    dup(&mut layers, "layers")?;
                    let offset = usize::from(has_norm);
                    map.next_value_seed(LayersSeed {
                        model: &mut *self.model,
                        write: self.write,
                        err,
                        offset,
                        program: program_layers,
                    })?;
                }
                "metadata" => {
                    dup(&mut metadata, "metadata")?;
                    map.next_value::<IgnoredAny>()?;
                }
                other => {
                    return Err(fail(
                        err,
                        ModelError::Unknown { layer: None, what: "field", name: Name::new(other) },
                    ));
                }
            }
        }
        for (seen, field) in [(format, "format"), (version, "version"), (layers, "layers")] {
            if !seen {
                return Err(fail(err, ModelError::Missing { layer: None, field }));
            }
        }
        Ok(scaler)
    }
}

struct ScalerSeed<'m, 'e, M> {
    model: &'m mut M,
    write: bool,
    err: Slot<'e>,
}

impl<'de, M: Layer> DeserializeSeed<'de> for ScalerSeed<'_, '_, M> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, M: Layer> Visitor<'de> for ScalerSeed<'_, '_, M> {
    type Value = ();
    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a scaler object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut result = Ok(());
        let mut done = false;
        let (write, err) = (self.write, self.err);
        self.model.visit_mut(&mut |info, ts| {
            if done || info.kind != LayerKind::Normalization {
                return;
            }
            done = true;
            result = read_fields(&mut map, 0, true, info, ts, write, err);
        });
        result
    }
}

struct LayersSeed<'m, 'e, M> {
    model: &'m mut M,
    write: bool,
    err: Slot<'e>,
    offset: usize,
    program: usize,
}

impl<'de, M: Layer> DeserializeSeed<'de> for LayersSeed<'_, '_, M> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, M: Layer> Visitor<'de> for LayersSeed<'_, '_, M> {
    type Value = ();
    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("an array of layers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (write, err, offset, program) = (self.write, self.err, self.offset, self.program);
        let mut result: Result<(), A::Error> = Ok(());
        let mut index = 0;
        let mut ended = None;
        self.model.visit_mut(&mut |info, ts| {
            if info.kind == LayerKind::Normalization && index == 0 && offset == 1 {
                index += 1;
                return;
            }
            if result.is_err() || ended.is_some() {
                return;
            }
            match seq.next_element_seed(LayerSeed { layer: index, info, tensors: ts, write, err }) {
                Ok(Some(())) => {}
                Ok(None) => ended = Some(index),
                Err(e) => result = Err(e),
            }
            index += 1;
        });
        result?;
        if let Some(found) = ended {
            return Err(fail(err, ModelError::LayerCount { file: found, program }));
        }
        let mut extra = 0;
        while seq.next_element::<IgnoredAny>()?.is_some() {
            extra += 1;
        }
        if extra > 0 {
            return Err(fail(err, ModelError::LayerCount { file: program + extra, program }));
        }
        Ok(())
    }
}

struct LayerSeed<'a, 'b, 'e> {
    layer: usize,
    info: &'a mut LayerInfo,
    tensors: &'a mut [TensorMut<'b>],
    write: bool,
    err: Slot<'e>,
}

impl<'de> DeserializeSeed<'de> for LayerSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for LayerSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a layer object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        read_fields(&mut map, self.layer, false, self.info, self.tensors, self.write, self.err)
    }
}

/// Fields of one layer (or of the scaler) as they were found.
#[derive(Default)]
struct Found<'de> {
    kind: Option<&'de str>,
    inputs: Option<u32>,
    units: Option<u32>,
    activation: Option<&'de str>,
    alpha: Option<f32>,
    momentum: Option<f32>,
    epsilon: Option<f32>,
    rate: Option<f32>,
    layers: Option<u32>,
}

fn read_fields<'de, A: MapAccess<'de>>(
    map: &mut A,
    layer: usize,
    scaler: bool,
    info: &mut LayerInfo,
    tensors: &mut [TensorMut<'_>],
    write: bool,
    err: Slot<'_>,
) -> Result<(), A::Error> {
    let mut found = Found::default();
    let mut seen_tensors = [false; 8];
    let mut shape_error: Option<ModelError> = None;
    let mut unknown: Option<Name> = None;
    let at = Some(layer);
    while let Some(key) = map.next_key::<&str>()? {
        macro_rules! once {
            ($slot:expr, $name:literal) => {{
                if $slot.is_some() {
                    return Err(fail(err, ModelError::Duplicate { layer: at, field: $name }));
                }
                $slot = Some(map.next_value()?);
            }};
        }
        match key {
            "kind" if !scaler => once!(found.kind, "kind"),
            "inputs" if !scaler => once!(found.inputs, "inputs"),
            "units" if !scaler => once!(found.units, "units"),
            "activation" if !scaler => once!(found.activation, "activation"),
            "alpha" if !scaler => once!(found.alpha, "alpha"),
            "momentum" if !scaler => once!(found.momentum, "momentum"),
            "epsilon" if !scaler => once!(found.epsilon, "epsilon"),
            "rate" if !scaler => once!(found.rate, "rate"),
            "layers" if !scaler => once!(found.layers, "layers"),
            name => {
                let Some(i) = tensors.iter().position(|t| t.name == name) else {
                    // Reported after the architecture check, which explains it better
                    // when the file's layer is of another kind.
                    unknown.get_or_insert(Name::new(name));
                    map.next_value::<IgnoredAny>()?;
                    continue;
                };
                if core::mem::replace(&mut seen_tensors[i], true) {
                    return Err(fail(err, ModelError::Duplicate { layer: at, field: tensors[i].name }));
                }
                let t = &mut tensors[i];
                let seed = TensorSeed {
                    layer,
                    name: t.name,
                    matrix: t.matrix,
                    rows: t.rows,
                    cols: t.cols,
                    data: &mut *t.data,
                    write,
                    err,
                };
                if let Some(e) = map.next_value_seed(seed)? {
                    shape_error.get_or_insert(e);
                }
            }
        }
    }
    // Architecture first: it explains a tensor of the wrong size better than the tensor.
    if !scaler {
        let program = Shape { kind: info.kind.names().rust, inputs: info.inputs, outputs: info.outputs };
        let Some(kind) = found.kind else {
            return Err(fail(err, ModelError::Missing { layer: at, field: "kind" }));
        };
        let Some(file_kind) = LayerKind::by_file_name(kind).map(|k| k.rust) else {
            return Err(fail(
                err,
                ModelError::Unknown { layer: at, what: "layer kind", name: Name::new(kind) },
            ));
        };
        let is_dense = file_kind == "Dense";
        let units = found.units.map(|u| u as usize);
        let inputs = if is_dense { found.inputs.map(|u| u as usize) } else { units };
        let file = Shape { kind: file_kind, inputs: inputs.unwrap_or(0), outputs: units.unwrap_or(0) };
        if file.kind != program.kind
            || (inputs.is_some() && file.inputs != program.inputs)
            || (units.is_some() && file.outputs != program.outputs)
        {
            return Err(fail(err, ModelError::Architecture { layer, file, program }));
        }
        if units.is_none() {
            return Err(fail(err, ModelError::Missing { layer: at, field: "units" }));
        }
        if is_dense && inputs.is_none() {
            return Err(fail(err, ModelError::Missing { layer: at, field: "inputs" }));
        }
        if let Some(name) = unknown.take() {
            return Err(fail(err, ModelError::Unknown { layer: at, what: "field", name }));
        }
        let finite = |field: &'static str, v: Option<f32>| match v {
            Some(x) if !x.is_finite() => {
                Err(fail::<A::Error>(err, ModelError::NotFinite { layer, tensor: field, index: 0 }))
            }
            _ => Ok(()),
        };
        finite("alpha", found.alpha)?;
        finite("momentum", found.momentum)?;
        finite("epsilon", found.epsilon)?;
        finite("rate", found.rate)?;
        match &mut info.kind {
            LayerKind::Dense(program_act) => {
                let Some(name) = found.activation else {
                    return Err(fail(err, ModelError::Missing { layer: at, field: "activation" }));
                };
                let Some(a) = Activation::from_name(name, found.alpha) else {
                    return Err(fail(
                        err,
                        ModelError::Unknown { layer: at, what: "activation", name: Name::new(name) },
                    ));
                };
                if a != *program_act {
                    return Err(fail(
                        err,
                        ModelError::Activation { layer, file: Name::new(name), program: program_act.name() },
                    ));
                }
            }
            LayerKind::BatchNorm { momentum, epsilon } => {
                let m = found
                    .momentum
                    .ok_or_else(|| fail(err, ModelError::Missing { layer: at, field: "momentum" }))?;
                let e = found
                    .epsilon
                    .ok_or_else(|| fail(err, ModelError::Missing { layer: at, field: "epsilon" }))?;
                if !(0.0..=1.0).contains(&m) {
                    return Err(fail(err, ModelError::OutOfRange { layer, field: "momentum", value: m }));
                }
                if e <= 0.0 {
                    return Err(fail(err, ModelError::OutOfRange { layer, field: "epsilon", value: e }));
                }
                if write {
                    (*momentum, *epsilon) = (m, e);
                }
            }
            LayerKind::Dropout { rate } => {
                let r =
                    found.rate.ok_or_else(|| fail(err, ModelError::Missing { layer: at, field: "rate" }))?;
                if !(0.0..1.0).contains(&r) {
                    return Err(fail(err, ModelError::OutOfRange { layer, field: "rate", value: r }));
                }
                if write {
                    *rate = r;
                }
            }
            LayerKind::Normalization => {}
            LayerKind::Residual { layers } => {
                let n = found
                    .layers
                    .ok_or_else(|| fail(err, ModelError::Missing { layer: at, field: "layers" }))?;
                if n != u32::from(*layers) {
                    let fault = BlockFault::Count { file: n as usize, program: usize::from(*layers) };
                    return Err(fail(err, ModelError::Block { layer, offset: None, fault }));
                }
            }
        }
    }
    if let Some(name) = unknown {
        return Err(fail(err, ModelError::Unknown { layer: at, what: "field", name }));
    }
    if let Some(e) = shape_error {
        return Err(fail(err, e));
    }
    if let Some(i) = seen_tensors[..tensors.len()].iter().position(|s| !s) {
        return Err(fail(err, ModelError::Missing { layer: at, field: tensors[i].name }));
    }
    Ok(())
}

/// Reads one tensor: a flat array for a vector, an array of `rows` arrays of `cols` for a
/// matrix. Values are stored only when `write`; a wrong size is returned (not raised) so
/// that an architecture difference can be reported first.
struct TensorSeed<'a, 'e> {
    layer: usize,
    name: &'static str,
    matrix: bool,
    rows: usize,
    cols: usize,
    data: &'a mut [f32],
    write: bool,
    err: Slot<'e>,
}

impl<'de> DeserializeSeed<'de> for TensorSeed<'_, '_> {
    type Value = Option<ModelError>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for TensorSeed<'_, '_> {
    type Value = Option<ModelError>;
    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("an array of numbers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let shape = |found| ModelError::TensorShape {
            layer: self.layer,
            tensor: self.name,
            expected: (self.rows, self.cols),
            found,
        };
        if !self.matrix {
            let mut row = RowSeed {
                layer: self.layer,
                name: self.name,
                base: 0,
                data: self.data,
                write: self.write,
                err: self.err,
            };
            let n = row.read_elements(&mut seq)?;
            return Ok((n != self.cols).then(|| shape((1, n))));
        }
        let mut r = 0;
        let mut bad = None;
        loop {
            let start = (r * self.cols).min(self.data.len());
            let end = ((r + 1) * self.cols).min(self.data.len());
            let seed = RowSeed {
                layer: self.layer,
                name: self.name,
                base: start,
                data: &mut self.data[start..end],
                write: self.write,
                err: self.err,
            };
            match seq.next_element_seed(seed)? {
                None => break,
                Some(n) => {
                    if n != self.cols && bad.is_none() {
                        bad = Some(shape((r + 1, n)));
                    }
                }
            }
            r += 1;
        }
        Ok(bad.or_else(|| (r != self.rows).then(|| shape((r, self.cols)))))
    }
}

struct RowSeed<'a, 'e> {
    layer: usize,
    name: &'static str,
    base: usize,
    data: &'a mut [f32],
    write: bool,
    err: Slot<'e>,
}

impl RowSeed<'_, '_> {
    /// Reads numbers until the end of the array; returns how many there were.
    fn read_elements<'de, A: SeqAccess<'de>>(&mut self, seq: &mut A) -> Result<usize, A::Error> {
        let mut n = 0;
        while let Some(v) = seq.next_element::<Option<f32>>()? {
            match v {
                Some(x) if x.is_finite() => {
                    // Statistics that must be positive: checked on the file's value, in
                    // both passes (the model holds the old value until the second).
                    let negative = matches!(self.name, "moving_variance" | "scale") && x < 0.0;
                    if negative || (self.name == "scale" && x == 0.0) {
                        let e = ModelError::OutOfRange { layer: self.layer, field: self.name, value: x };
                        return Err(fail(self.err, e));
                    }
                    if self.write && n < self.data.len() {
                        self.data[n] = x;
                    }
                }
                _ => {
                    return Err(fail(
                        self.err,
                        ModelError::NotFinite { layer: self.layer, tensor: self.name, index: self.base + n },
                    ));
                }
            }
            n += 1;
        }
        Ok(n)
    }
}

impl<'de> DeserializeSeed<'de> for RowSeed<'_, '_> {
    type Value = usize;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_, '_> {
    type Value = usize;
    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("an array of numbers")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<usize, A::Error> {
        self.read_elements(&mut seq)
    }
}
