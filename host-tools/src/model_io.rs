//! Reading and writing the tutorial's models as files, and exporting them as Rust source.

use crate::train::{ModelKind, Trained};
use std::path::Path;
use tinymlp::Train;
use tinymlp::io::{Meta, ModelError, bin_len, max_json_len, read_bin, read_json, write_bin, write_json};
use tinymlp::zoo::{self, perceptron, seed_mlp};

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

/// Reads a model file (JSON or binary, by its contents) as whichever architecture it holds,
/// with the loader `firmware/build.rs` uses too ([`tinymlp::zoo::read_tutorial`]): every
/// file the firmware builds with loads here.
pub fn load(path: &Path) -> Result<Trained, ModelFileError> {
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
    std::fs::write(path, bytes).map_err(|source| ModelFileError::Io { path: p, source })
}

/// Rust source declaring the model's type as `Model` and its parameters as a `const`
/// `MODEL` (see [`tinymlp::io::write_rust`]).
pub fn rust_source<M: Train>(model: &M, source: &str) -> String {
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
            let loaded = load(&path).unwrap();
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
        assert!(matches!(load(&default).unwrap(), Trained::Mlp(_)));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.bin");
        save(&Trained::Perceptron(Box::new(perceptron())), &path, FileFormat::Bin, &[], "test").unwrap();
        assert!(matches!(load(&path).unwrap(), Trained::Perceptron(_)));
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
        let e = load(&path).unwrap_err();
        let ModelFileError::UnknownArchitecture { tried, .. } = &e else { panic!("{e}") };
        let names: Vec<&str> = tried.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["seed MLP", "plain MLP", "perceptron"]);
        let text = e.to_string();
        assert!(text.contains("other.json: not one of the tutorial's models (as the seed MLP: "), "{text}");
        assert!(text.contains("; as the plain MLP: ") && text.contains("; as the perceptron: "), "{text}");
    }
}
