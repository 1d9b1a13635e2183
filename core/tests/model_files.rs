//! Model files: bit-exact round trips, a file written by hand, every error, and random
//! mutations of valid files.

use tinymlp::io::*;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::zoo::{SeedMlp, seed_mlp};
use tinymlp::*;

type Small = Sequential![Normalization<2>, Dense<2, 2>, BatchNorm<2>, Dropout<2>, Dense<2, 1>];

fn small() -> Small {
    sequential![
        Normalization::new(),
        Dense::new(Activation::Relu),
        BatchNorm::new(),
        Dropout::new(0.5),
        Dense::new(Activation::Sigmoid)
    ]
}

/// A trained seed MLP: values with every kind of digit pattern.
fn trained() -> SeedMlp {
    let mut rng = Xoshiro128PlusPlus::new(5);
    let mut m = seed_mlp();
    m.init(Init::GlorotUniform, &mut rng);
    m.head.adapt(&[[0.3, -1.7], [2.2, 0.4], [-0.9, 1.1]]);
    let mut trainer = Box::new(Trainer::<SeedMlp, 8>::new(Loss::BinaryCrossEntropy));
    let mut opt = Adam::<SeedMlp>::new(0.01);
    let x = [[0.1, 0.2], [1.0, -1.0], [-0.5, 0.3], [2.0, 0.1]];
    let t = [[0.0], [1.0], [0.0], [1.0]];
    for _ in 0..5 {
        trainer.step(&mut m, &mut opt, &x, &t, &mut rng).unwrap();
    }
    m
}

fn bits<M: Layer>(m: &M) -> Vec<u32> {
    let mut v = Vec::new();
    m.tensors(&mut |_, d| v.extend(d.iter().map(|f| f.to_bits())));
    v
}

fn json_of<M: Layer>(m: &M) -> Vec<u8> {
    let mut buf = vec![0u8; max_json_len::<M>()];
    let n = write_json(m, &[("seed", Meta::Int(5)), ("note", Meta::Text("a \"quoted\" note"))], &mut buf)
        .unwrap();
    buf.truncate(n);
    buf
}

fn bin_of<M: Layer>(m: &M) -> Vec<u8> {
    let mut buf = vec![0u8; bin_len::<M>()];
    let n = write_bin(m, &mut buf).unwrap();
    assert_eq!(n, bin_len::<M>());
    buf
}

#[test]
fn json_round_trip_is_bit_exact() {
    let m = trained();
    let text = json_of(&m);
    let mut back = seed_mlp();
    let info = read_json(&text, &mut back).unwrap();
    assert!(info.scaler);
    assert_eq!(bits(&m), bits(&back));
    assert_eq!(m, back);
    // Extreme values survive too.
    let mut d = Dense::<3, 1>::from_parts([[f32::MIN_POSITIVE, f32::MAX, -1e-45]], [0.1], Activation::Linear);
    d.bias[0] = 1.0 / 3.0;
    let mut e = Dense::<3, 1>::new(Activation::Linear);
    read_json(&json_of(&d), &mut e).unwrap();
    assert_eq!(bits(&d), bits(&e));
}

#[test]
fn binary_round_trip_is_bit_exact() {
    let m = trained();
    let bytes = bin_of(&m);
    let mut back = seed_mlp();
    read_bin(&bytes, &mut back).unwrap();
    assert_eq!(m, back);
    // Unaligned storage (as from `include_bytes!` at any offset) reads the same.
    let mut shifted = vec![0u8; 1];
    shifted.extend_from_slice(&bytes);
    let mut again = seed_mlp();
    read_bin(&shifted[1..], &mut again).unwrap();
    assert_eq!(m, again);
}

#[test]
fn a_normalization_inside_the_network_is_a_layer_of_the_file() {
    // A scaler first (written as the file's `scaler`), and a Normalization after a dense
    // layer (written in place among the layers): both round-trip, bit for bit.
    type Inner = Sequential![Normalization<2>, Dense<2, 3>, Normalization<3>, Dense<3, 1>];
    let mut m: Inner = sequential![
        Normalization::new(),
        Dense::new(Activation::Tanh),
        Normalization::new(),
        Dense::new(Activation::Sigmoid)
    ];
    m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(2));
    m.head.adapt(&[[0.5, -1.0], [1.5, 2.0], [-0.25, 0.75]]);
    m.tail.tail.head.adapt(&[[0.1, 0.2, 0.3], [1.0, -2.0, 0.5], [0.7, 0.0, -0.4]]);
    let text = json_of(&m);
    let doc = std::str::from_utf8(&text).unwrap();
    assert!(doc.contains("\"scaler\""), "{doc}");
    assert!(doc.contains("\"kind\":\"normalization\""), "{doc}");
    let mut back: Inner = sequential![
        Normalization::new(),
        Dense::new(Activation::Tanh),
        Normalization::new(),
        Dense::new(Activation::Sigmoid)
    ];
    read_json(&text, &mut back).unwrap();
    assert_eq!(bits(&back), bits(&m));
    // Without a leading scaler, the inner Normalization is still a layer.
    type NoScaler = Sequential![Dense<2, 3>, Normalization<3>, Dense<3, 1>];
    let n: NoScaler = sequential![m.tail.head.clone(), m.tail.tail.head.clone(), m.tail.tail.tail.clone()];
    let text = json_of(&n);
    assert!(!std::str::from_utf8(&text).unwrap().contains("\"scaler\""));
    let mut back: NoScaler =
        sequential![Dense::new(Activation::Tanh), Normalization::new(), Dense::new(Activation::Sigmoid)];
    read_json(&text, &mut back).unwrap();
    assert_eq!(bits(&back), bits(&n));
}

#[test]
fn reads_a_file_written_by_hand() {
    let text = include_bytes!("data/handwritten.json");
    let mut m = small();
    read_json(text, &mut m).unwrap();
    // x = (3, 3) → scaled (1, 1) → dense relu (3.5, 0) → batch norm
    // (2·(3.5 − 0.5)/√4 + 0.1, 1·0/√1 + 0) = (3.1, 0) → dense 3.1 → sigmoid(3.1)
    // = 0.95689274 (1/(1 + e^−3.1), computed in f64).
    let mut y = [0.0];
    m.forward(&[3.0, 3.0], &mut y);
    assert!((f64::from(y[0]) - 0.956_892_745).abs() < 1e-6, "{}", y[0]);
    assert_eq!(m.tail.tail.tail.head.rate(), 0.5);
}

fn json_err<M: Layer>(text: &str, mut m: M) -> ModelError {
    read_json(text.as_bytes(), &mut m).unwrap_err()
}

fn handwritten() -> String {
    String::from_utf8(include_bytes!("data/handwritten.json").to_vec()).unwrap()
}

#[test]
fn json_errors_are_distinct_and_explained() {
    let good = handwritten();
    let cases: Vec<(String, &str)> = vec![
        (good[..good.len() / 2].to_string(), "malformed JSON"),
        (good.replace("\"tinymlp\"", "\"keras\""), "not a tinymlp model file"),
        (good.replace("\"version\": 1", "\"version\": 7"), "format version 7 is not supported"),
        (
            good.replace("\"units\": 1", "\"units\": 3"),
            "layer 4 is Dense<2, 3> in the file and Dense<2, 1> in the program",
        ),
        (good.replace("[1.0, 2.0]", "[1.0, 2.0, 3.0]"), "layer 1: weight should be 2×2 values, found 1×3"),
        (good.replace("[1, -1]", "[1, null]"), "layer 4: weight[1] is NaN, infinite or out of the f32 range"),
        (good.replace("[1, -1]", "[1, 1e39]"), "layer 4: weight[1] is NaN"),
        (
            good.replace("\"relu\"", "\"tanh\""),
            "layer 1 has activation tanh in the file and relu in the program",
        ),
        (good.replace("\"relu\"", "\"swish\""), "layer 1: unknown activation \"swish\""),
        (good.replace("\"rate\": 0.5", "\"rate\": 1.5"), "layer 3: rate = 1.5 is out of its valid range"),
        (good.replace("3.999", "-1"), "layer 2: moving_variance = -1 is out of its valid range"),
        (
            good.replace("\"scale\": [2.0, 4.0]", "\"scale\": [0, 4.0]"),
            "layer 0: scale = 0 is out of its valid range",
        ),
        (good.replace("\"bias\": [0], ", ""), "layer 4: missing field \"bias\""),
        (good.replace("\"momentum\"", "\"momentumm\""), "layer 2: unknown field \"momentumm\""),
        (
            good.replace("\"kind\": \"dropout\"", "\"kind\": \"conv2d\""),
            "layer 3: unknown layer kind \"conv2d\"",
        ),
        (
            good.replace("\"epsilon\": 0.001,", "\"epsilon\": 0.001, \"epsilon\": 0.002,"),
            "layer 2: field \"epsilon\" appears twice",
        ),
        (format!("{good} garbage"), "unexpected data after the model"),
        (good.replace("\"metadata\"", "\"extra\""), "unknown field \"extra\""),
        (
            good.replace("{\"kind\": \"dropout\", \"units\": 2, \"rate\": 0.5},", ""),
            "layer 3 is Dense<2, 1> in the file and Dropout<2> in the program",
        ),
        (
            good.replace("[[1, -1]]}", "[[1, -1]]}, {\"kind\": \"dropout\", \"units\": 1, \"rate\": 0.1}"),
            "the file has 6 layers, the program's model 5 (the input scaler counted)",
        ),
    ];
    let mut seen = std::collections::HashSet::new();
    for (text, want) in cases {
        let e = json_err(&text, small());
        let msg = e.to_string();
        assert!(msg.contains(want), "expected {want:?}, got {msg:?}");
        seen.insert(std::mem::discriminant(&e));
    }
    assert!(seen.len() >= 12, "distinct error kinds: {}", seen.len());
    // Deep nesting is refused before parsing; so is a file larger than the model allows.
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(matches!(json_err(&deep, small()), ModelError::TooDeep { max: 16, .. }));
    let huge = format!("{good}{}", " ".repeat(max_json_len::<Small>()));
    assert!(matches!(json_err(&huge, small()), ModelError::TooLarge { .. }));
    // A file for another program.
    let e = json_err(&String::from_utf8(json_of(&trained())).unwrap(), small());
    assert!(matches!(e, ModelError::Architecture { layer: 1, .. }), "{e}");
}

#[test]
fn architecture_errors_name_the_first_difference() {
    type Program = Sequential![Dense<2, 64>, Dense<64, 32>, Dense<32, 1>];
    type File = Sequential![Dense<2, 64>, Dense<64, 16>, Dense<16, 1>];
    let file: File = sequential![
        Dense::new(Activation::Relu),
        Dense::new(Activation::Relu),
        Dense::new(Activation::Sigmoid)
    ];
    let program: Program = sequential![
        Dense::new(Activation::Relu),
        Dense::new(Activation::Relu),
        Dense::new(Activation::Sigmoid)
    ];
    let msg = json_err(std::str::from_utf8(&json_of(&file)).unwrap(), program.clone()).to_string();
    assert_eq!(msg, "layer 1 is Dense<64, 16> in the file and Dense<64, 32> in the program");
    let mut p = program;
    let msg = read_bin(&bin_of(&file), &mut p).unwrap_err().to_string();
    assert_eq!(msg, "layer 1 is Dense<64, 16> in the file and Dense<64, 32> in the program");
}

#[test]
fn binary_errors_are_distinct_and_explained() {
    let m = trained();
    let good = bin_of(&m);
    let reseal = |mut b: Vec<u8>| {
        let n = b.len() - 4;
        let c = crc32(&b[..n]);
        b[n..].copy_from_slice(&c.to_le_bytes());
        b
    };
    let mut flipped = good.clone();
    flipped[100] ^= 0x10;
    let mut nan = good.clone();
    let first_value = 12 + 20 * 9;
    nan[first_value + 8..first_value + 12].copy_from_slice(&f32::NAN.to_le_bytes());
    let mut magic = good.clone();
    magic[0] = b'X';
    let mut version = good.clone();
    version[4] = 2;
    let mut act = good.clone();
    act[12 + 20 + 1] = 2; // layer 1: relu → tanh
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (good[..good.len() - 9].to_vec(), "the file is truncated"),
        (good[..5].to_vec(), "the file is truncated"),
        (magic, "not a tinymlp model file"),
        (version, "format version 2 is not supported"),
        (flipped, "the file is corrupt: CRC-32"),
        ([good.clone(), vec![0]].concat(), "unexpected data after the model"),
        (reseal(nan), "layer 0: scale[0] is NaN"),
        (reseal(act), "layer 1 has activation tanh in the file and relu in the program"),
    ];
    for (bytes, want) in cases {
        let mut target = seed_mlp();
        let before = target.clone();
        let msg = read_bin(&bytes, &mut target).unwrap_err().to_string();
        assert!(msg.contains(want), "expected {want:?}, got {msg:?}");
        assert_eq!(target, before, "model untouched on error");
    }
}

mod mutations {
    use super::*;
    use proptest::prelude::*;

    /// Applies one random edit: flip a bit, set a byte, delete or insert bytes, truncate.
    fn mutate(mut b: Vec<u8>, op: u8, pos: usize, val: u8, len: usize) -> Vec<u8> {
        let pos = pos % (b.len() + 1);
        match op % 5 {
            0 if pos < b.len() => b[pos] ^= 1 << (val % 8),
            1 if pos < b.len() => b[pos] = val,
            2 => {
                let end = (pos + len % 16).min(b.len());
                b.drain(pos..end);
            }
            3 => {
                for _ in 0..len % 16 {
                    b.insert(pos, val);
                }
            }
            _ => b.truncate(pos),
        }
        b
    }

    fn check<M: Layer + Clone + PartialEq + std::fmt::Debug>(
        result: Result<(), ModelError>,
        before: &M,
        after: &M,
    ) -> Result<(), TestCaseError> {
        match result {
            Ok(()) => {
                let mut finite = true;
                after.tensors(&mut |_, d| finite &= d.iter().all(|v| v.is_finite()));
                prop_assert!(finite, "a model read without error has only finite values");
            }
            Err(e) => {
                prop_assert!(!e.to_string().is_empty());
                prop_assert_eq!(before, after, "model untouched on error {}", e);
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1500))]

        #[test]
        fn mutated_json_never_panics(ops in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>(), any::<usize>()), 1..4)) {
            let mut text = handwritten().into_bytes();
            for (op, pos, val, len) in ops {
                text = mutate(text, op, pos, val, len);
            }
            let before = small();
            let mut after = small();
            check(read_json(&text, &mut after).map(|_| ()), &before, &after)?;
        }

        #[test]
        fn mutated_binary_never_panics(ops in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<u8>(), any::<usize>()), 1..4), reseal in any::<bool>()) {
            let mut m = small();
            read_json(handwritten().as_bytes(), &mut m).unwrap();
            let mut bytes = bin_of(&m);
            for (op, pos, val, len) in ops {
                bytes = mutate(bytes, op, pos, val, len);
            }
            if reseal && bytes.len() >= 4 {
                // a valid checksum over corrupted contents: the structural checks must hold
                let n = bytes.len() - 4;
                let c = crc32(&bytes[..n]);
                bytes[n..].copy_from_slice(&c.to_le_bytes());
            }
            let before = small();
            let mut after = small();
            check(read_bin(&bytes, &mut after), &before, &after)?;
        }
    }
}

#[test]
fn model_ids_tell_models_apart_and_match_the_stored_crc() {
    let (a, b) = (trained(), seed_mlp());
    assert_ne!(model_id(&a).unwrap(), model_id(&b).unwrap());
    let bytes = bin_of(&a);
    assert_eq!(model_id(&a).unwrap().to_le_bytes(), bytes[bytes.len() - 4..]);
    let mut nan = small();
    nan.tail.head.bias[0] = f32::NAN;
    assert!(matches!(model_id(&nan), Err(ModelError::NotFinite { layer: 1, tensor: "bias", index: 0 })));
}

/// Every bit of every layer descriptor flipped, the CRC recomputed: a file the reader
/// accepts is exactly the file of the model it loads (no ignored byte lets two files be
/// one model), and every other is refused with an error.
#[test]
fn every_descriptor_bit_matters() {
    let m = trained();
    let good = bin_of(&m);
    let layers = <SeedMlp as Layer>::LAYERS;
    let (mut accepted, mut refused) = (0, 0);
    for byte in 12..12 + 20 * layers {
        for bit in 0..8 {
            let mut f = good.clone();
            f[byte] ^= 1 << bit;
            let body = f.len() - 4;
            let crc = crc32(&f[..body]);
            f[body..].copy_from_slice(&crc.to_le_bytes());
            let mut loaded = seed_mlp();
            match read_bin(&f, &mut loaded) {
                Ok(()) => {
                    accepted += 1;
                    assert_eq!(
                        bin_of(&loaded),
                        f,
                        "byte {byte} bit {bit}: accepted, but not this model's file"
                    );
                }
                Err(_) => refused += 1,
            }
        }
    }
    // Only the option floats (momentum, epsilon, rate) take other valid values.
    assert!(refused > accepted, "{accepted} accepted, {refused} refused");
}

/// Numbers outside JSON's grammar are refused at their byte; a byte-order mark is skipped.
#[test]
fn json_numbers_follow_the_grammar_and_errors_give_the_offset() {
    let text = handwritten();
    let at = text.find("0.5").expect("the handwritten file has 0.5");
    for bad in [".5", "+0.5", "00.5", "0.", "-", "1e", "-.5"] {
        let mut t = text.clone();
        t.replace_range(at..at + 3, bad);
        let err = json_err(&t, small());
        assert!(
            matches!(err, ModelError::Json { offset, .. } if offset == at),
            "{bad}: {err:?} (expected an error at byte {at})"
        );
        assert!(err.to_string().contains(&format!("byte {at}")), "{err}");
    }
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend_from_slice(text.as_bytes());
    let (mut a, mut b) = (small(), small());
    read_json(text.as_bytes(), &mut a).unwrap();
    read_json(&with_bom, &mut b).unwrap();
    assert_eq!(bits(&a), bits(&b));
    let err = json_err(&format!("{text} x"), small());
    assert!(matches!(err, ModelError::TrailingData { offset } if offset == text.len() + 1), "{err:?}");
}
