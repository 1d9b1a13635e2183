//! Residual blocks in model files: the marker descriptor, bit-exact round trips in both
//! formats, and the typed errors of a file whose blocks differ from the program's.

use tinymlp::io::*;
use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::*;

/// Two blocks, one nested in the other: markers at layers 1 and 3.
type Nested =
    Sequential![Dense<2, 4>, Residual<Sequential![Dense<4, 4>, Residual<Dense<4, 4>>]>, Dense<4, 1>];
/// The same layers without the skips.
type Plain = Sequential![Dense<2, 4>, Dense<4, 4>, Dense<4, 4>, Dense<4, 1>];
/// The same layers, the inner block around both inner layers.
type Other = Sequential![Dense<2, 4>, Residual<Sequential![Dense<4, 4>, Dense<4, 4>]>, Dense<4, 1>];

fn nested() -> Nested {
    let (r, t) = (Activation::Relu, Activation::Tanh);
    let mut m: Nested = sequential![
        Dense::new(r),
        Residual::new(sequential![Dense::new(t), Residual::new(Dense::new(r))]),
        Dense::new(Activation::Sigmoid)
    ];
    m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(3));
    m
}

fn bits<M: Layer>(m: &M) -> Vec<u32> {
    let mut v = Vec::new();
    m.tensors(&mut |_, d| v.extend(d.iter().map(|f| f.to_bits())));
    v
}

fn json_of<M: Layer>(m: &M) -> Vec<u8> {
    let mut buf = vec![0u8; max_json_len::<M>()];
    let n = write_json(m, &[], &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn bin_of<M: Layer>(m: &M) -> Vec<u8> {
    let mut buf = vec![0u8; bin_len::<M>()];
    assert_eq!(write_bin(m, &mut buf).unwrap(), bin_len::<M>());
    buf
}

fn reseal(mut b: Vec<u8>) -> Vec<u8> {
    let n = b.len() - 4;
    let c = crc32(&b[..n]);
    b[n..].copy_from_slice(&c.to_le_bytes());
    b
}

#[test]
fn a_block_is_a_marker_followed_by_its_layers() {
    let m = nested();
    assert_eq!(<Nested as Layer>::LAYERS, 6);
    let mut kinds = Vec::new();
    m.describe(&mut |i| kinds.push((i.kind.names().file, i.inputs, i.outputs, i.trainable)));
    assert_eq!(
        kinds,
        [
            ("dense", 2, 4, 12),
            ("residual", 4, 4, 0),
            ("dense", 4, 4, 20),
            ("residual", 4, 4, 0),
            ("dense", 4, 4, 20),
            ("dense", 4, 1, 5)
        ]
    );
    let b = bin_of(&m);
    assert_eq!(u16::from_le_bytes([b[6], b[7]]), 6);
    let d = |k: usize| &b[12 + 20 * k..12 + 20 * (k + 1)];
    // kind 5, no activation, 3 then 1 layers inside, width 4 in and out, no options.
    assert_eq!(d(1), [5, 0, 3, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(d(3), [5, 0, 1, 0, 4, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let text = String::from_utf8(json_of(&m)).unwrap();
    assert!(text.contains(r#"{"kind":"residual","units":4,"layers":3}"#), "{text}");
    assert!(text.contains(r#"{"kind":"residual","units":4,"layers":1}"#), "{text}");
}

#[test]
fn round_trips_are_bit_exact() {
    let m = nested();
    let mut a: Nested = sequential![
        Dense::new(Activation::Relu),
        Residual::new(sequential![Dense::new(Activation::Tanh), Residual::new(Dense::new(Activation::Relu))]),
        Dense::new(Activation::Sigmoid)
    ];
    let mut b = a.clone();
    read_json(&json_of(&m), &mut a).unwrap();
    read_bin(&bin_of(&m), &mut b).unwrap();
    assert_eq!(bits(&a), bits(&m));
    assert_eq!(bits(&b), bits(&m));
    assert_eq!(json_of(&a), json_of(&m));
    assert_eq!(bin_of(&b), bin_of(&m));
    // The skips are in the model read back: its outputs are the original's.
    let (mut y, mut z) = ([0.0], [0.0]);
    m.forward(&[0.3, -1.2], &mut y);
    b.forward(&[0.3, -1.2], &mut z);
    assert_eq!(y[0].to_bits(), z[0].to_bits());
}

#[test]
fn the_skips_change_the_file_and_the_id() {
    let m = nested();
    let mut plain: Plain = sequential![
        Dense::new(Activation::Relu),
        Dense::new(Activation::Tanh),
        Dense::new(Activation::Relu),
        Dense::new(Activation::Sigmoid)
    ];
    let mut values = bits(&m).into_iter();
    plain.visit_mut(&mut |_, ts| {
        for t in ts {
            for v in t.data.iter_mut() {
                *v = f32::from_bits(values.next().unwrap());
            }
        }
    });
    assert_eq!(bits(&plain), bits(&m));
    assert_ne!(model_id(&plain).unwrap(), model_id(&m).unwrap());
    // A file with blocks does not load into the same layers without them, nor back.
    let mut p = plain.clone();
    assert_eq!(read_bin(&bin_of(&m), &mut p), Err(ModelError::LayerCount { file: 6, program: 4 }));
    // JSON is read layer by layer: the first difference is the marker at layer 1.
    let e = read_json(&json_of(&m), &mut p).unwrap_err();
    assert_eq!(e.to_string(), "layer 1 is Residual<4> in the file and Dense<4, 4> in the program");
    let mut n = nested();
    assert_eq!(read_bin(&bin_of(&plain), &mut n), Err(ModelError::LayerCount { file: 4, program: 6 }));
}

#[test]
fn another_block_structure_is_a_typed_error() {
    let m = nested();
    let mut other: Other = sequential![
        Dense::new(Activation::Relu),
        Residual::new(sequential![Dense::new(Activation::Tanh), Dense::new(Activation::Relu)]),
        Dense::new(Activation::Sigmoid)
    ];
    let before = bits(&other);
    // The file has 6 descriptors, this program 5.
    assert_eq!(read_bin(&bin_of(&m), &mut other), Err(ModelError::LayerCount { file: 6, program: 5 }));
    // The block's count in the file differs from the program's: named at the marker.
    let mut b = bin_of(&m);
    b[12 + 20 + 2] = 2;
    let e = read_bin(&reseal(b), &mut nested()).unwrap_err();
    let fault = BlockFault::Count { file: 2, program: 3 };
    assert_eq!(e, ModelError::Block { layer: 1, offset: Some(32), fault });
    assert_eq!(
        e.to_string(),
        "layer 1: the residual block holds 2 layers in the file and 3 in the program (descriptor at byte 32)"
    );
    let text = String::from_utf8(json_of(&m)).unwrap().replacen(r#""layers":3"#, r#""layers":4"#, 1);
    let e = read_json(text.as_bytes(), &mut nested()).unwrap_err();
    let fault = BlockFault::Count { file: 4, program: 3 };
    assert_eq!(e, ModelError::Block { layer: 1, offset: None, fault });
    // A marker where the program has a dense layer: an architecture error at that layer.
    let mut b = bin_of(&m);
    b[12 + 20 * 3..12 + 20 * 4].copy_from_slice(&bin_of(&m)[12 + 20 * 2..12 + 20 * 3]);
    let e = read_bin(&reseal(b), &mut nested()).unwrap_err();
    assert!(matches!(e, ModelError::Architecture { layer: 3, .. }), "{e:?}");
    // Missing count, bytes the format says are zero.
    let text = String::from_utf8(json_of(&m)).unwrap().replacen(r#","layers":3"#, "", 1);
    let e = read_json(text.as_bytes(), &mut nested()).unwrap_err();
    assert_eq!(e, ModelError::Missing { layer: Some(1), field: "layers" });
    for byte in [1, 12, 16, 19] {
        let mut b = bin_of(&m);
        b[12 + 20 + byte] = 1;
        let e = read_bin(&reseal(b), &mut nested()).unwrap_err();
        assert_eq!(e, ModelError::NonZero { layer: 1, offset: 32 + byte }, "byte {byte}");
    }
    assert_eq!(bits(&other), before);
}

#[test]
fn rust_source_nests_the_blocks() {
    let mut text = String::new();
    write_rust(&nested(), "m.json", &mut text).unwrap();
    assert!(
        text.contains(
            "tinymlp::Sequential![Dense<2, 4, K>, Residual<tinymlp::Sequential![Dense<4, 4, K>, \
             Residual<tinymlp::Sequential![Dense<4, 4, K>]>]>, Dense<4, 1, K>];"
        ),
        "{text}"
    );
    assert_eq!(text.matches("Residual::new(tinymlp::sequential![").count(), 2);
    assert_eq!(text.matches("    ]),\n").count(), 2);
}

#[test]
fn the_summary_shows_the_block() {
    let text = Summary(&nested()).to_string();
    assert!(text.contains("residual_1 (Residual of 3)"), "{text}");
    assert!(text.contains("residual_3 (Residual of 1)"), "{text}");
    assert!(text.contains("Total params: 57"), "{text}");
}
