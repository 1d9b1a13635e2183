//! The serial protocol's frames under any bytes: the reader and the decoders give errors,
//! never a panic; whatever decodes is encoded again into a frame that decodes to the same
//! message; any payload framed comes back as it was; and after any garbage, a delimiter and
//! a valid frame, the reader reads that frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tinymlp_protocol::{
    FrameReader, MAX_FRAME, Message, Request, Response, decode, decode_frame, encode, encode_payload, parse,
};

/// `message` goes through a frame (decoded in `scratch`) and comes back the same (compared by
/// its encoding: a NaN learning rate or loss is not equal to itself).
fn round_trips<'a, T: Message<'a>>(message: &T, scratch: &'a mut [u8; MAX_FRAME + 1]) {
    let mut wire = [0u8; MAX_FRAME + 1];
    let Ok(frame) = encode(message, &mut wire) else { return }; // too long for a frame
    let n = frame.len() - 1;
    assert_eq!(frame.iter().position(|&b| b == 0), Some(n), "one zero, at the end");
    scratch[..=n].copy_from_slice(frame);
    let back: T = decode(&mut scratch[..n]).expect("a frame just encoded decodes");
    let mut again = [0u8; MAX_FRAME + 1];
    assert_eq!(encode(&back, &mut again).unwrap(), &wire[..=n]);
}

fuzz_target!(|data: &[u8]| {
    // The bytes as a stream from the serial line.
    let mut scratch = [0u8; MAX_FRAME + 1];
    let mut reader = FrameReader::new();
    for &b in data {
        if let Some(Ok(frame)) = reader.push(b) {
            assert!(frame.len() <= MAX_FRAME && !frame.contains(&0));
            let mut copy = frame.to_vec();
            if let Ok(r) = decode::<Request>(frame) {
                round_trips(&r, &mut scratch);
            }
            if let Ok(r) = decode::<Response>(&mut copy) {
                round_trips(&r, &mut scratch);
            }
        }
    }

    // The bytes as a payload whose CRC is right.
    if let Ok(r) = parse::<Request>(data) {
        round_trips(&r, &mut scratch);
    }
    if let Ok(r) = parse::<Response>(data) {
        round_trips(&r, &mut scratch);
    }
    let mut wire = [0u8; MAX_FRAME + 1];
    if let Ok(frame) = encode_payload(data, &mut wire) {
        let n = frame.len() - 1;
        assert_eq!(decode_frame(&mut frame[..n]), Ok(data));
    }

    // The bytes as garbage before a valid frame: the frame is read all the same.
    let request = Request::Infer { seq: 7, model_id: 0xC0FFEE, inputs: &[0, 0, 128, 63] };
    let mut wire = [0u8; MAX_FRAME + 1];
    let frame = encode(&request, &mut wire).unwrap();
    let mut reader = FrameReader::new();
    for &b in data {
        let _ = reader.push(b);
    }
    let _ = reader.push(0);
    let mut got = None;
    for &b in frame.iter() {
        if let Some(r) = reader.read::<Request>(b) {
            got = Some(r.map(|r| r == request));
        }
    }
    assert_eq!(got, Some(Ok(true)));
});
