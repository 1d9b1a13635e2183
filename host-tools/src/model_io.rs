//! Reading and writing the tutorial's models as files, and exporting them as Rust source.

use crate::train::{ModelKind, Trained};
use std::path::Path;
use tinymlp::Layer;
use tinymlp::format::{Meta, ModelError, bin_len, max_json_len, read_bin, read_json, write_bin, write_json};
use tinymlp::zoo::{perceptron, seed_mlp};

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
    /// The file is valid but describes a model this tool does not train.
    #[error("{path}: not one of the tutorial's models (as the MLP: {mlp}; as the perceptron: {perceptron})")]
    UnknownArchitecture {
        /// The file.
        path: String,
        /// Why it is not the MLP.
        mlp: Box<ModelError>,
        /// Why it is not the perceptron.
        perceptron: Box<ModelError>,
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
        if bytes.starts_with(&tinymlp::format::MAGIC) {
            FileFormat::Bin
        } else if path.extension().is_some_and(|e| e == "rs") {
            FileFormat::Rust
        } else {
            FileFormat::Json
        }
    }
}

fn load_into<M: Layer>(bytes: &[u8], format: FileFormat, model: &mut M) -> Result<(), ModelError> {
    match format {
        FileFormat::Bin => read_bin(bytes, model),
        _ => read_json(bytes, model).map(|_| ()),
    }
}

/// Reads a model file (JSON or binary, by its contents) as whichever of the tutorial's
/// models it holds.
pub fn load(path: &Path) -> Result<Trained, ModelFileError> {
    let p = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ModelFileError::Io { path: p.clone(), source })?;
    let format = FileFormat::detect(path, &bytes);
    if format == FileFormat::Rust {
        return Err(ModelFileError::Model { path: p, source: ModelError::WrongFormat });
    }
    let mut mlp = Box::new(seed_mlp());
    let mlp_err = match load_into(&bytes, format, &mut *mlp) {
        Ok(()) => return Ok(Trained::Mlp(mlp)),
        Err(e) => e,
    };
    let mut per = Box::new(perceptron());
    let per_err = match load_into(&bytes, format, &mut *per) {
        Ok(()) => return Ok(Trained::Perceptron(per)),
        Err(e) => e,
    };
    // Errors about the file itself are the same whichever model is tried.
    let structural = |e: &ModelError| {
        !matches!(
            e,
            ModelError::Architecture { .. } | ModelError::LayerCount { .. } | ModelError::Activation { .. }
        )
    };
    if structural(&mlp_err) && mlp_err == per_err {
        return Err(ModelFileError::Model { path: p, source: mlp_err });
    }
    // A file that fits one model's layer count but fails later: report that model's error.
    match (structural(&mlp_err), structural(&per_err)) {
        (true, false) => Err(ModelFileError::Model { path: p, source: mlp_err }),
        (false, true) => Err(ModelFileError::Model { path: p, source: per_err }),
        _ => Err(ModelFileError::UnknownArchitecture {
            path: p,
            mlp: Box::new(mlp_err),
            perceptron: Box::new(per_err),
        }),
    }
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

fn json_bytes<M: Layer>(m: &M, meta: &[(&str, Meta<'_>)]) -> Result<Vec<u8>, ModelError> {
    let mut buf = vec![0u8; max_json_len::<M>()];
    let n = write_json(m, meta, &mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

fn bin_bytes<M: Layer>(m: &M) -> Result<Vec<u8>, ModelError> {
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
    match (model, format) {
        (Trained::Mlp(m), FileFormat::Json) => json_bytes(&**m, meta),
        (Trained::Perceptron(m), FileFormat::Json) => json_bytes(&**m, meta),
        (Trained::Mlp(m), FileFormat::Bin) => bin_bytes(&**m),
        (Trained::Perceptron(m), FileFormat::Bin) => bin_bytes(&**m),
        (Trained::Mlp(m), FileFormat::Rust) => Ok(rust_source(&**m, source).into_bytes()),
        (Trained::Perceptron(m), FileFormat::Rust) => Ok(rust_source(&**m, source).into_bytes()),
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
    std::fs::write(path, bytes).map_err(|source| ModelFileError::Io { path: p, source })
}

/// Rust source declaring the model's type as `Model` and its parameters as a `const`
/// `MODEL` (see [`tinymlp::format::write_rust`]).
pub fn rust_source<M: Layer>(model: &M, source: &str) -> String {
    let mut s = String::new();
    tinymlp::format::write_rust(model, source, &mut s).expect("writing to a String cannot fail");
    s
}
