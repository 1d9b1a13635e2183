//! Reading and writing models as files, and exporting them as Rust source.
//!
//! [`load`] reads any model file (JSON or binary) as a [`Model`]: the network
//! ([`tinymlp_net::Net`], any architecture) with what its JSON metadata says about the data
//! (task, class names, feature names, label column). The tutorial's typed models
//! ([`Trained`]) keep their own loader, [`load_tutorial`].

use crate::table::Task;
use crate::train::{ModelKind, Trained};
use std::path::Path;
use tinymlp::Train;
use tinymlp::io::{Meta, ModelError, bin_len, max_json_len, read_bin, read_json, write_bin, write_json};
use tinymlp::zoo::{self, perceptron, seed_mlp};
use tinymlp_net::Net;

/// Why a model file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ModelFileError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a valid model of the kind it claims.
    #[error("{path}: {source}")]
    Model {
        /// The file.
        path: String,
        /// What is wrong.
        source: ModelError,
    },
    /// The metadata contradicts the network.
    #[error("{path}: {message}")]
    Metadata {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The file is valid but describes none of the architectures the firmware builds with.
    #[error("{path}: not one of the tutorial's models ({})", tried.iter().map(|(name, e)| format!("as the {name}: {e}")).collect::<Vec<_>>().join("; "))]
    UnknownArchitecture {
        /// The file.
        path: String,
        /// Each architecture tried, and why the file is not one.
        tried: Vec<(&'static str, ModelError)>,
    },
}

/// The file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    /// The JSON model format.
    Json,
    /// The binary format for flash.
    Bin,
    /// Rust source with `const` parameters.
    Rust,
}

impl FileFormat {
    /// The format of a file, by its contents (binary magic) or extension.
    pub fn detect(path: &Path, bytes: &[u8]) -> Self {
        if bytes.starts_with(&tinymlp::io::MAGIC) {
            FileFormat::Bin
        } else if path.extension().is_some_and(|e| e == "rs") {
            FileFormat::Rust
        } else {
            FileFormat::Json
        }
    }
}

fn load_into<M: Train>(bytes: &[u8], format: FileFormat, model: &mut M) -> Result<(), ModelError> {
    match format {
        FileFormat::Bin => read_bin(bytes, model),
        _ => read_json(bytes, model).map(|_| ()),
    }
}

/// Reads a model file (JSON or binary, by its contents) as one of the tutorial's typed
/// architectures, with the loader the firmware's build (`firmware/build-support`) uses too
/// ([`tinymlp::zoo::read_tutorial`]).
pub fn load_tutorial(path: &Path) -> Result<Trained, ModelFileError> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ModelFileError::Io { path: p.clone(), source })?;
    let format = FileFormat::detect(path, &bytes);
    if format == FileFormat::Rust {
        return Err(ModelFileError::Model { path: p, source: ModelError::WrongFormat });
    }
    let why = match zoo::read_tutorial(&bytes) {
        Ok(zoo::Tutorial::Seed(m)) => return Ok(Trained::Mlp(Box::new(m))),
        Ok(zoo::Tutorial::Plain(m)) => return Ok(Trained::Plain(Box::new(m))),
        Ok(zoo::Tutorial::Perceptron(m)) => return Ok(Trained::Perceptron(Box::new(m))),
        Err(why) => why,
    };
    let tried: Vec<(&'static str, ModelError)> = zoo::TUTORIAL_ARCHITECTURES.into_iter().zip(why).collect();
    // Errors about the file itself are the same whichever model is tried; a file that fits
    // one model's layers but fails later gets that model's error.
    let about_the_file = |e: &ModelError| {
        !matches!(
            e,
            ModelError::Architecture { .. } | ModelError::LayerCount { .. } | ModelError::Activation { .. }
        )
    };
    let mut fitting = tried.iter().filter(|(_, e)| about_the_file(e));
    match (fitting.next(), fitting.next()) {
        (Some((_, e)), None) => return Err(ModelFileError::Model { path: p, source: *e }),
        (Some((_, e)), Some(_)) if tried.iter().all(|(_, other)| other == e) => {
            return Err(ModelFileError::Model { path: p, source: *e });
        }
        _ => {}
    }
    Err(ModelFileError::UnknownArchitecture { path: p, tried })
}

/// Reads a model file that must hold a model of the given kind.
pub fn load_kind(path: &Path, kind: ModelKind) -> Result<Trained, ModelFileError> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ModelFileError::Io { path: p.clone(), source })?;
    let format = FileFormat::detect(path, &bytes);
    let result = match kind {
        ModelKind::Mlp => {
            let mut m = Box::new(seed_mlp());
            load_into(&bytes, format, &mut *m).map(|_| Trained::Mlp(m))
        }
        ModelKind::Perceptron => {
            let mut m = Box::new(perceptron());
            load_into(&bytes, format, &mut *m).map(|_| Trained::Perceptron(m))
        }
    };
    result.map_err(|source| ModelFileError::Model { path: p, source })
}

fn json_bytes<M: Train>(m: &M, meta: &[(&str, Meta<'_>)]) -> Result<Vec<u8>, ModelError> {
    let mut buf = vec![0u8; max_json_len::<M>()];
    let n = write_json(m, meta, &mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

fn bin_bytes<M: Train>(m: &M) -> Result<Vec<u8>, ModelError> {
    let mut buf = vec![0u8; bin_len::<M>()];
    let n = write_bin(m, &mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

/// The model in the given format, as bytes. `source` names the original file in generated
/// Rust source.
pub fn encode(
    model: &Trained,
    format: FileFormat,
    meta: &[(&str, Meta<'_>)],
    source: &str,
) -> Result<Vec<u8>, ModelError> {
    fn encode_one<M: Train>(
        m: &M,
        format: FileFormat,
        meta: &[(&str, Meta<'_>)],
        source: &str,
    ) -> Result<Vec<u8>, ModelError> {
        match format {
            FileFormat::Json => json_bytes(m, meta),
            FileFormat::Bin => bin_bytes(m),
            FileFormat::Rust => Ok(rust_source(m, source).into_bytes()),
        }
    }
    match model {
        Trained::Mlp(m) => encode_one(&**m, format, meta, source),
        Trained::Plain(m) => encode_one(&**m, format, meta, source),
        Trained::Perceptron(m) => encode_one(&**m, format, meta, source),
    }
}

/// Writes the model to `path` in the given format (`source` names where the model came
/// from, in generated Rust source).
pub fn save(
    model: &Trained,
    path: &Path,
    format: FileFormat,
    meta: &[(&str, Meta<'_>)],
    source: &str,
) -> Result<(), ModelFileError> {
    let p = path.display().to_string();
    let bytes = encode(model, format, meta, source)
        .map_err(|source| ModelFileError::Model { path: p.clone(), source })?;
    crate::report::write_atomic(path, &bytes).map_err(|source| ModelFileError::Io { path: p, source })
}

/// Rust source declaring the model's type as `Model` and its parameters as a `const`
/// `MODEL` (see [`tinymlp::io::write_rust`]).
pub fn rust_source<M: Train>(model: &M, source: &str) -> String {
    let mut s = String::new();
    tinymlp::io::write_rust(model, source, &mut s).expect("writing to a String cannot fail");
    s
}

/// A model file's network and what its metadata says about the data it was trained on.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    /// The network, input scaler included.
    pub net: Net,
    /// Binary or multiclass classification, or regression.
    pub task: Task,
    /// The class names, in the order of the outputs (for a binary model: the class of
    /// output ≤ 0.5, then the class of output > 0.5); empty for a regression.
    pub classes: Vec<String>,
    /// The feature columns, in the order of the inputs.
    pub features: Vec<String>,
    /// The label column.
    pub label: String,
    /// The rest of the metadata (seed, epochs, test figures, tool), as the file has it.
    pub other: Vec<(String, serde_json::Value)>,
}

/// Metadata keys that [`Model`] reads into its own fields.
pub const MODEL_KEYS: [&str; 4] = ["task", "classes", "features", "label"];

impl Model {
    /// A model with the default description of `net`: the task from its output layer (one
    /// sigmoid output: binary, classes `0` and `1`; softmax: K classes `0`…`K−1`; anything
    /// else: regression), features `x0`…, label `label`.
    pub fn describe(net: Net) -> Self {
        let task = default_task(&net);
        let classes = default_classes(task, net.outputs());
        let features = (0..net.inputs()).map(|j| format!("x{j}")).collect();
        Model { net, task, classes, features, label: "label".into(), other: Vec::new() }
    }

    /// One row through the model.
    pub fn predict(&self, x: &[f32]) -> Vec<f32> {
        self.net.predict(x)
    }

    /// The model id (CRC-32 of the binary form, what the firmware reports).
    pub fn id(&self) -> Result<u32, ModelError> {
        self.net.id()
    }

    /// The metadata to write with the model: `task`, `classes`, `features`, `label`, then
    /// `extra` (which replaces keys of [`Model::other`] of the same name), then the rest of
    /// `other`.
    pub fn metadata(&self, extra: &[(&str, serde_json::Value)]) -> Vec<(String, serde_json::Value)> {
        use serde_json::Value;
        let texts = |v: &[String]| Value::Array(v.iter().map(|s| Value::String(s.clone())).collect());
        let mut m = vec![
            ("task".to_string(), Value::String(self.task.name().into())),
            ("classes".to_string(), texts(&self.classes)),
            ("features".to_string(), texts(&self.features)),
            ("label".to_string(), Value::String(self.label.clone())),
        ];
        m.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
        for (k, v) in &self.other {
            if !m.iter().any(|(have, _)| have == k) {
                m.push((k.clone(), v.clone()));
            }
        }
        m
    }

    /// The model in `format` with `metadata` (JSON only); `source` names the model in Rust
    /// source.
    pub fn encode(
        &self,
        format: FileFormat,
        metadata: &[(String, serde_json::Value)],
        source: &str,
    ) -> Result<Vec<u8>, ModelError> {
        match format {
            FileFormat::Json => {
                let owned: Vec<(String, OwnedMeta)> =
                    metadata.iter().filter_map(|(k, v)| OwnedMeta::of(v).map(|m| (k.clone(), m))).collect();
                let strs: Vec<Vec<&str>> = owned
                    .iter()
                    .map(|(_, m)| match m {
                        OwnedMeta::Texts(v) => v.iter().map(String::as_str).collect(),
                        _ => Vec::new(),
                    })
                    .collect();
                let meta: Vec<(&str, Meta<'_>)> = owned
                    .iter()
                    .zip(&strs)
                    .map(|((k, m), s)| {
                        (
                            k.as_str(),
                            match m {
                                OwnedMeta::Int(v) => Meta::Int(*v),
                                OwnedMeta::Float(v) => Meta::Float(*v),
                                OwnedMeta::Text(v) => Meta::Text(v),
                                OwnedMeta::Texts(_) => Meta::Texts(s),
                            },
                        )
                    })
                    .collect();
                self.net.to_json(&meta)
            }
            FileFormat::Bin => self.net.to_bin(),
            FileFormat::Rust => Ok(rust_source_of(&self.net, source).into_bytes()),
        }
    }

    /// Writes the model to `path` (see [`Model::encode`]).
    pub fn save(
        &self,
        path: &Path,
        format: FileFormat,
        metadata: &[(String, serde_json::Value)],
        source: &str,
    ) -> Result<(), ModelFileError> {
        let p = path.display().to_string();
        let bytes = self
            .encode(format, metadata, source)
            .map_err(|source| ModelFileError::Model { path: p.clone(), source })?;
        crate::report::write_atomic(path, &bytes).map_err(|source| ModelFileError::Io { path: p, source })
    }
}

/// A metadata value owned, for writing.
enum OwnedMeta {
    Int(i64),
    Float(f64),
    Text(String),
    Texts(Vec<String>),
}

impl OwnedMeta {
    fn of(v: &serde_json::Value) -> Option<Self> {
        use serde_json::Value;
        match v {
            Value::Number(n) => n.as_i64().map(OwnedMeta::Int).or_else(|| n.as_f64().map(OwnedMeta::Float)),
            Value::String(s) => Some(OwnedMeta::Text(s.clone())),
            Value::Bool(b) => Some(OwnedMeta::Text(b.to_string())),
            Value::Array(a) => a
                .iter()
                .map(|x| x.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .map(OwnedMeta::Texts),
            _ => None,
        }
    }
}

fn default_task(net: &Net) -> Task {
    use tinymlp::Layer;
    match (net.output_activation(), net.outputs()) {
        (Some(tinymlp::Activation::Sigmoid), 1) => Task::Binary,
        (Some(tinymlp::Activation::Softmax), k) if k >= 2 => Task::Multiclass,
        _ => Task::Regression,
    }
}

fn default_classes(task: Task, outputs: usize) -> Vec<String> {
    match task {
        Task::Binary => vec!["0".into(), "1".into()],
        Task::Multiclass => (0..outputs).map(|k| k.to_string()).collect(),
        Task::Regression => Vec::new(),
    }
}

/// Reads a model file of any architecture (JSON or binary, by its contents), with its
/// metadata: `task`, `classes`, `features` and `label` when the file has them (JSON), the
/// defaults of [`Model::describe`] otherwise. Metadata that contradicts the network (a
/// class count that is not its outputs, a feature count that is not its inputs) is an
/// error.
pub fn load(path: &Path) -> Result<Model, ModelFileError> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ModelFileError::Io { path: p.clone(), source })?;
    if FileFormat::detect(path, &bytes) == FileFormat::Rust {
        return Err(ModelFileError::Model { path: p, source: ModelError::WrongFormat });
    }
    let net = Net::read(&bytes).map_err(|source| ModelFileError::Model { path: p.clone(), source })?;
    let mut model = Model::describe(net);
    if bytes.starts_with(&tinymlp::io::MAGIC) {
        return Ok(model);
    }
    let bad = |message: String| ModelFileError::Metadata { path: p.clone(), message };
    let doc: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| bad(format!("malformed JSON: {e}")))?;
    let Some(meta) = doc.get("metadata").and_then(|m| m.as_object()) else { return Ok(model) };
    let texts = |key: &str| -> Result<Option<Vec<String>>, ModelFileError> {
        match meta.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_array()
                .and_then(|a| a.iter().map(|x| x.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>())
                .map(Some)
                .ok_or_else(|| bad(format!("metadata `{key}` must be an array of strings"))),
        }
    };
    if let Some(t) = meta.get("task") {
        let name = t.as_str().unwrap_or("");
        model.task = Task::from_name(name).ok_or_else(|| {
            bad(format!("metadata `task` must be binary, multiclass or regression, not {t}"))
        })?;
        model.classes = default_classes(model.task, model.net.outputs());
    }
    let k = model.net.outputs();
    match model.task {
        Task::Binary if k != 1 => return Err(bad(format!("a binary model has 1 output, this one has {k}"))),
        Task::Multiclass if k < 2 => {
            return Err(bad(format!("a multiclass model has 2 or more outputs, this one has {k}")));
        }
        _ => {}
    }
    if let Some(classes) = texts("classes")? {
        let want = match model.task {
            Task::Binary => 2,
            Task::Multiclass => k,
            Task::Regression => 0,
        };
        if classes.len() != want {
            return Err(bad(format!(
                "metadata `classes` names {} classes; a {} model with {k} outputs has {want}",
                classes.len(),
                model.task.name()
            )));
        }
        model.classes = classes;
    }
    if let Some(features) = texts("features")? {
        if features.len() != model.net.inputs() {
            return Err(bad(format!(
                "metadata `features` names {} columns; the model has {} inputs",
                features.len(),
                model.net.inputs()
            )));
        }
        model.features = features;
    }
    if let Some(l) = meta.get("label") {
        model.label = l.as_str().ok_or_else(|| bad("metadata `label` must be a string".into()))?.to_owned();
    }
    model.other = meta
        .iter()
        .filter(|(k, _)| !MODEL_KEYS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(model)
}

/// An int8 model file's network ([`tinymlp_net::QNet`]) and what its metadata says about
/// the data, as [`Model`] for `f32` models.
#[derive(Clone, Debug, PartialEq)]
pub struct QModel {
    /// The int8 network.
    pub net: tinymlp_net::QNet,
    /// Binary or multiclass classification, or regression.
    pub task: Task,
    /// The class names, in the order of the outputs (as [`Model::classes`]).
    pub classes: Vec<String>,
    /// The feature columns, in the order of the inputs.
    pub features: Vec<String>,
    /// The label column.
    pub label: String,
    /// The whole metadata object, as the file has it.
    pub metadata: serde_json::Map<String, serde_json::Value>,
}

/// Reads `path` as an int8 model file: `Ok(None)` when the file is not one (its `format`
/// is not `tinymlp-int8`), so that the caller reads it as an `f32` model. The task is the
/// metadata's, else a sigmoid output of one value is binary, a softmax output multiclass,
/// anything else a regression; features, classes and label as [`load`] reads them.
pub fn load_int8(path: &Path) -> Result<Option<QModel>, ModelFileError> {
    use tinymlp_net::{QLayerSpec, QNet};
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ModelFileError::Io { path: p.clone(), source })?;
    if !QNet::is_qnet_file(&bytes) {
        return Ok(None);
    }
    let bad = |message: String| ModelFileError::Metadata { path: p.clone(), message };
    let net = QNet::read(&bytes).map_err(|e| bad(e.to_string()))?;
    let doc: serde_json::Value =
        serde_json::from_slice(bytes.strip_prefix(tinymlp::io::BOM).unwrap_or(&bytes))
            .map_err(|e| bad(format!("malformed JSON: {e}")))?;
    let metadata = doc.get("metadata").and_then(|m| m.as_object()).cloned().unwrap_or_default();
    let k = net.outputs();
    let task = match metadata.get("task") {
        Some(t) => Task::from_name(t.as_str().unwrap_or("")).ok_or_else(|| {
            bad(format!("metadata `task` must be binary, multiclass or regression, not {t}"))
        })?,
        None => match net.specs().last() {
            Some(QLayerSpec::Sigmoid { .. }) if k == 1 => Task::Binary,
            Some(QLayerSpec::Softmax { .. }) if k >= 2 => Task::Multiclass,
            _ => Task::Regression,
        },
    };
    match task {
        Task::Binary if k != 1 => return Err(bad(format!("a binary model has 1 output, this one has {k}"))),
        Task::Multiclass if k < 2 => {
            return Err(bad(format!("a multiclass model has 2 or more outputs, this one has {k}")));
        }
        _ => {}
    }
    let texts = |key: &str| -> Result<Option<Vec<String>>, ModelFileError> {
        match metadata.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_array()
                .and_then(|a| a.iter().map(|x| x.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>())
                .map(Some)
                .ok_or_else(|| bad(format!("metadata `{key}` must be an array of strings"))),
        }
    };
    let classes = match texts("classes")? {
        Some(c) => c,
        None => default_classes(task, k),
    };
    let want = match task {
        Task::Binary => 2,
        Task::Multiclass => k,
        Task::Regression => 0,
    };
    if classes.len() != want {
        return Err(bad(format!(
            "metadata `classes` names {} classes; the model needs {want}",
            classes.len()
        )));
    }
    let features = texts("features")?.unwrap_or_else(|| (0..net.inputs()).map(|j| format!("x{j}")).collect());
    if features.len() != net.inputs() {
        return Err(bad(format!(
            "metadata `features` names {} columns; the model has {} inputs",
            features.len(),
            net.inputs()
        )));
    }
    let label = match metadata.get("label") {
        Some(l) => l.as_str().ok_or_else(|| bad("metadata `label` must be a string".into()))?.to_owned(),
        None => "label".into(),
    };
    Ok(Some(QModel { net, task, classes, features, label, metadata }))
}

/// Rust source declaring the network's type as `Model` and its parameters (see
/// [`tinymlp::io::write_rust`]).
pub fn rust_source_of<M: tinymlp::Layer>(model: &M, source: &str) -> String {
    let mut s = String::new();
    tinymlp::io::write_rust(model, source, &mut s).expect("writing to a String cannot fail");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use tinymlp::{Dense, Init, Train, Xoshiro128PlusPlus, sequential};

    fn trained_plain() -> Box<tinymlp::zoo::PlainMlp> {
        let mut m = Box::new(tinymlp::zoo::plain_mlp());
        m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(3));
        m.head.adapt(&[[0.0, 1.0], [2.0, -1.0], [1.0, 0.5]]);
        m
    }

    /// The plain MLP, which the firmware builds with, loads from both formats as itself.
    #[test]
    fn loads_the_plain_mlp_like_the_firmware_build() {
        let dir = tempfile::tempdir().unwrap();
        let plain = Trained::Plain(trained_plain());
        for (format, name) in [(FileFormat::Json, "plain.json"), (FileFormat::Bin, "plain.bin")] {
            let path = dir.path().join(name);
            save(&plain, &path, format, &[], "test").unwrap();
            let loaded = load_tutorial(&path).unwrap();
            assert!(matches!(loaded, Trained::Plain(_)), "{name}: {loaded:?}");
            assert_eq!(loaded.model_id(), plain.model_id(), "{name}");
            for x in [[0.3, -0.2], [1.5, 0.7]] {
                assert_eq!(loaded.predict(&x).to_bits(), plain.predict(&x).to_bits(), "{name}");
            }
        }
    }

    #[test]
    fn loads_the_firmwares_default_model_and_the_trained_kinds() {
        let default = Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware/models/moons-mlp.json");
        assert!(matches!(load_tutorial(&default).unwrap(), Trained::Mlp(_)));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.bin");
        save(&Trained::Perceptron(Box::new(perceptron())), &path, FileFormat::Bin, &[], "test").unwrap();
        assert!(matches!(load_tutorial(&path).unwrap(), Trained::Perceptron(_)));
    }

    #[test]
    fn another_architecture_is_refused_with_each_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.json");
        let other = sequential![
            Dense::<2, 3>::new(tinymlp::Activation::Relu),
            Dense::<3, 1>::new(tinymlp::Activation::Sigmoid)
        ];
        std::fs::write(&path, json_bytes(&other, &[]).unwrap()).unwrap();
        let e = load_tutorial(&path).unwrap_err();
        let ModelFileError::UnknownArchitecture { tried, .. } = &e else { panic!("{e}") };
        let names: Vec<&str> = tried.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["seed MLP", "plain MLP", "perceptron"]);
        let text = e.to_string();
        assert!(text.contains("other.json: not one of the tutorial's models (as the seed MLP: "), "{text}");
        assert!(text.contains("; as the plain MLP: ") && text.contains("; as the perceptron: "), "{text}");
    }

    #[test]
    fn any_model_file_loads_with_its_metadata() {
        use serde_json::json;
        use tinymlp_net::LayerSpec;
        let dir = tempfile::tempdir().unwrap();
        let mut net = Net::new(
            3,
            &[
                LayerSpec::Dense { units: 5, activation: tinymlp::Activation::Tanh },
                LayerSpec::Dense { units: 4, activation: tinymlp::Activation::Softmax },
            ],
        )
        .unwrap();
        net.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(1));
        let bare = Model::describe(net.clone());
        assert_eq!(
            (bare.task, bare.classes.len(), bare.features.clone()),
            (Task::Multiclass, 4, vec!["x0".to_string(), "x1".into(), "x2".into()])
        );
        let model = Model {
            classes: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            features: vec!["p".into(), "q".into(), "r".into()],
            label: "kind".into(),
            ..bare.clone()
        };
        let path = dir.path().join("m.json");
        model.save(&path, FileFormat::Json, &model.metadata(&[("seed", json!(7))]), "test").unwrap();
        let loaded = load(&path).unwrap();
        assert_eq!(loaded.other, vec![("seed".to_string(), json!(7))]);
        assert_eq!(Model { other: Vec::new(), ..loaded }, model);
        // The binary form: the network, the default description.
        let bin = dir.path().join("m.bin");
        model.save(&bin, FileFormat::Bin, &[], "test").unwrap();
        assert_eq!(load(&bin).unwrap(), bare);
        // Metadata that contradicts the network.
        let bad = |meta: &[(&str, serde_json::Value)], want: &str| {
            let m: Vec<(String, serde_json::Value)> =
                meta.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
            model.save(&path, FileFormat::Json, &m, "test").unwrap();
            let e = load(&path).unwrap_err().to_string();
            assert!(e.starts_with(&format!("{}: ", path.display())) && e.contains(want), "{e}");
        };
        bad(
            &[("classes", json!(["a", "b"]))],
            "metadata `classes` names 2 classes; a multiclass model with 4 outputs has 4",
        );
        bad(&[("features", json!(["p"]))], "metadata `features` names 1 columns; the model has 3 inputs");
        bad(&[("task", json!("binary"))], "a binary model has 1 output, this one has 4");
        bad(&[("task", json!("ranking"))], "metadata `task` must be binary, multiclass or regression");
    }
}
