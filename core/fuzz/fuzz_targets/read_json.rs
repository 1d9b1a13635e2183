//! Any bytes given to the JSON model reader: an error or a valid model, never a panic, and
//! the model untouched on error; an accepted file holds only finite values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinymlp::Layer;
use tinymlp::io::read_json;
use tinymlp::zoo::seed_mlp;

fuzz_target!(|data: &[u8]| {
    let mut m = Box::new(seed_mlp());
    match read_json(data, &mut *m) {
        Ok(_) => m.tensors(&mut |_, v| assert!(v.iter().all(|x| x.is_finite()))),
        Err(_) => assert_eq!(*m, seed_mlp()),
    }
});
