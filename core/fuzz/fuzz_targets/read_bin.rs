//! Any bytes given to the binary model reader: an error or a valid model, never a panic,
//! and the model untouched on error. Half of the inputs get a valid CRC, so the fuzzer
//! reaches the structural checks behind it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinymlp::Layer;
use tinymlp::zoo::seed_mlp;

fuzz_target!(|data: &[u8]| {
    let mut bytes = data.to_vec();
    if bytes.first().is_some_and(|b| b & 1 == 1) && bytes.len() >= 4 {
        let n = bytes.len() - 4;
        let crc = tinymlp::format::crc32(&bytes[..n]);
        bytes[n..].copy_from_slice(&crc.to_le_bytes());
    }
    let mut m = seed_mlp();
    match tinymlp::format::read_bin(&bytes, &mut m) {
        Ok(()) => m.tensors(&mut |_, v| assert!(v.iter().all(|x| x.is_finite()))),
        Err(_) => assert_eq!(m, seed_mlp()),
    }
});
