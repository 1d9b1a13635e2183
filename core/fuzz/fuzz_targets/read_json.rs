//! Any bytes given to the JSON model reader: an error or a valid model, never a panic, and
//! the model untouched on error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinymlp::Layer;
use tinymlp::zoo::seed_mlp;

fuzz_target!(|data: &[u8]| {
    let mut m = seed_mlp();
    match tinymlp::format::read_json(data, &mut m) {
        Ok(_) => m.tensors(&mut |_, v| assert!(v.iter().all(|x| x.is_finite()))),
        Err(_) => assert_eq!(m, seed_mlp()),
    }
});
