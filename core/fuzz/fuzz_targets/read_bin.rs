//! Any bytes given to the binary model reader: an error or a valid model, never a panic,
//! and the model untouched on error; an accepted file is exactly the file of the model it
//! loads.
//!
//! The first input byte steers the rest past the cheap checks, so that the fuzzer reaches
//! the structural ones behind them: bit 0 writes the magic and the version, bit 1 makes the
//! header's value count agree with the length, bit 2 recomputes the CRC.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinymlp::io::{MAGIC, bin_len, crc32, read_bin, write_bin};
use tinymlp::zoo::{SeedMlp, seed_mlp};

fuzz_target!(|data: &[u8]| {
    let Some((&steer, rest)) = data.split_first() else { return };
    let mut bytes = rest.to_vec();
    if steer & 1 == 1 && bytes.len() >= 6 {
        bytes[..4].copy_from_slice(&MAGIC);
        bytes[4..6].copy_from_slice(&1u16.to_le_bytes());
    }
    if steer & 2 == 2 && bytes.len() >= 12 {
        let layers = u16::from_le_bytes([bytes[6], bytes[7]]) as usize;
        let values = bytes.len().saturating_sub(12 + 20 * layers + 4) / 4;
        bytes[8..12].copy_from_slice(&(values as u32).to_le_bytes());
    }
    if steer & 4 == 4 && bytes.len() >= 4 {
        let n = bytes.len() - 4;
        let crc = crc32(&bytes[..n]);
        bytes[n..].copy_from_slice(&crc.to_le_bytes());
    }
    let mut m = Box::new(seed_mlp());
    match read_bin(&bytes, &mut *m) {
        Ok(()) => {
            let mut back = vec![0u8; bin_len::<SeedMlp>()];
            let n = write_bin(&*m, &mut back).expect("a model that was read is finite");
            assert_eq!(&back[..n], &bytes[..], "accepted, but not this model's file");
        }
        Err(_) => assert_eq!(*m, seed_mlp()),
    }
});
