//! Model files with residual blocks read into a [`Net`]: the blocks from the file, and a
//! typed error, with the marker's position, for a block that fits no network.

use tinymlp::Activation::*;
use tinymlp::io::{BlockFault, ModelError, crc32};
use tinymlp::prelude::*;
use tinymlp::{Dense, Normalization, Residual, Sequential, sequential};
use tinymlp_net::{LayerSpec, MAX_NESTING, Net, NetError};

type Typed =
    Sequential![Normalization<2>, Dense<2, 4>, Residual<Sequential![Dense<4, 4>, Dense<4, 4>]>, Dense<4, 1>];

fn typed() -> Typed {
    let mut m: Typed = sequential![
        Normalization::new(),
        Dense::new(Relu),
        Residual::new(sequential![Dense::new(Tanh), Dense::new(Linear)]),
        Dense::new(Sigmoid)
    ];
    m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(4));
    m
}

fn bin<M: Layer>(m: &M) -> Vec<u8> {
    let mut buf = vec![0u8; tinymlp::io::model_bin_len(m)];
    let n = tinymlp::io::write_bin(m, &mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn json<M: Layer>(m: &M) -> String {
    let mut buf = vec![0u8; tinymlp::io::model_max_json_len(m)];
    let n = tinymlp::io::write_json(m, &[], &mut buf).unwrap();
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

fn reseal(mut b: Vec<u8>) -> Vec<u8> {
    let n = b.len() - 4;
    let c = crc32(&b[..n]);
    b[n..].copy_from_slice(&c.to_le_bytes());
    b
}

#[test]
fn a_file_with_blocks_reads_into_a_net_with_them() {
    let m = typed();
    for bytes in [bin(&m), json(&m).into_bytes()] {
        let net = Net::read(&bytes).unwrap();
        assert_eq!(
            net.specs(),
            [
                LayerSpec::Dense { units: 4, activation: Relu },
                LayerSpec::Residual { layers: 2 },
                LayerSpec::Dense { units: 4, activation: Tanh },
                LayerSpec::Dense { units: 4, activation: Linear },
                LayerSpec::Dense { units: 1, activation: Sigmoid },
            ]
        );
        assert_eq!(bin(&net), bin(&m));
        assert_eq!(net.id().unwrap(), tinymlp::io::model_id(&m).unwrap());
        let mut y = [0.0];
        m.forward(&[0.7, -0.2], &mut y);
        assert_eq!(net.predict(&[0.7, -0.2])[0].to_bits(), y[0].to_bits());
    }
}

#[test]
fn malformed_blocks_are_typed_errors_with_their_position() {
    let m = typed();
    let marker = 12 + 20 * 2; // the scaler, the first dense layer, then the marker
    let with_count = |n: u16| {
        let mut b = bin(&m);
        b[marker + 2..marker + 4].copy_from_slice(&n.to_le_bytes());
        reseal(b)
    };
    let block = |fault| Err(ModelError::Block { layer: 2, offset: Some(marker), fault });
    // Announces 3 layers: the last dense layer 4→1 closes it, and 1 ≠ 4.
    assert_eq!(Net::read(&with_count(3)), block(BlockFault::Width { block: 4, inner: 1 }));
    assert_eq!(Net::read(&with_count(4)), block(BlockFault::Unclosed { announced: 4, left: 3 }));
    assert_eq!(Net::read(&with_count(0)), block(BlockFault::Empty));
    let e = Net::read(&with_count(4)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "layer 2: the residual block holds 4 layers but only 3 follow it (descriptor at byte 52)"
    );
    // JSON: the same faults, without a byte offset.
    let text = json(&m).replacen(r#""layers":2"#, r#""layers":9"#, 1);
    let fault = BlockFault::Unclosed { announced: 9, left: 3 };
    assert_eq!(Net::read(text.as_bytes()), Err(ModelError::Block { layer: 2, offset: None, fault }));
    // A width that the marker states and its layers do not keep is the core's architecture
    // error at the marker.
    let mut b = bin(&m);
    b[marker + 4..marker + 12].copy_from_slice(&[5, 0, 0, 0, 5, 0, 0, 0]);
    assert!(matches!(Net::read(&reseal(b)), Err(ModelError::Architecture { layer: 2, .. })));
}

#[test]
fn blocks_nest_as_deep_as_supported_and_not_across() {
    let dense = LayerSpec::Dense { units: 3, activation: Tanh };
    // MAX_NESTING blocks, each around the next ones and one dense layer.
    let deep = |depth: usize| {
        let mut specs: Vec<LayerSpec> =
            (0..depth).map(|d| LayerSpec::Residual { layers: 2 * (depth - d) - 1 }).collect();
        specs.extend(std::iter::repeat_n(dense, depth));
        specs
    };
    let net = Net::new(3, &deep(MAX_NESTING)).unwrap();
    assert_eq!(Net::read(&net.to_bin().unwrap()).unwrap(), net);
    let e = Net::new(3, &deep(MAX_NESTING + 1)).unwrap_err();
    assert_eq!(
        e,
        NetError::Block { layer: MAX_NESTING + 1, fault: BlockFault::TooDeep { max: MAX_NESTING } }
    );
    // An inner block that reaches past the outer one.
    let specs = [LayerSpec::Residual { layers: 2 }, dense, LayerSpec::Residual { layers: 2 }, dense, dense];
    assert_eq!(Net::new(3, &specs), Err(NetError::Block { layer: 3, fault: BlockFault::Overlap }));
    // A block that changes its width.
    let specs = [LayerSpec::Residual { layers: 1 }, LayerSpec::Dense { units: 2, activation: Tanh }];
    let fault = BlockFault::Width { block: 3, inner: 2 };
    assert_eq!(Net::new(3, &specs), Err(NetError::Block { layer: 1, fault }));
}
