//! Any byte stream given to the serial protocol's frame reader and parsers: errors, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinymlp::protocol::{FrameReader, Request, Response, decode_frame};

fuzz_target!(|data: &[u8]| {
    let mut reader = FrameReader::new();
    for &b in data {
        if let Some(Ok(frame)) = reader.push(b) {
            if let Ok(payload) = decode_frame(frame) {
                let _ = Request::parse(payload);
                let _ = Response::parse(payload);
            }
        }
    }
});
