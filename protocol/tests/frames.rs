//! Every message kind round-trips through a frame; corrupted, truncated, oversized and
//! garbled frames are refused with the right error, and the reader reads on after them.

use proptest::prelude::*;
use tinymlp_protocol::{
    ErrorCode, FrameError, FrameReader, MAX_FRAME, Message, Request, Response, decode, decode_frame, encode,
    encode_payload, parse,
};

/// Feeds `bytes` to `reader`; the result of each delimiter (a checked payload, or the
/// error), in order.
fn read_all(reader: &mut FrameReader, bytes: &[u8]) -> Vec<Result<Vec<u8>, FrameError>> {
    let mut out = Vec::new();
    for &b in bytes {
        if let Some(frame) = reader.push(b) {
            out.push(frame.and_then(|f| decode_frame(f).map(<[u8]>::to_vec)));
        }
    }
    out
}

fn wire<'a, T: Message<'a>>(message: &T) -> Vec<u8> {
    let mut buf = [0u8; MAX_FRAME + 1];
    encode(message, &mut buf).unwrap().to_vec()
}

fn round_trip_request(r: Request<'_>) {
    let mut w = wire(&r);
    assert_eq!(w.iter().position(|&b| b == 0), Some(w.len() - 1), "{r:?}: one zero, at the end");
    let n = w.len() - 1;
    assert_eq!(decode::<Request>(&mut w[..n]), Ok(r));
    assert_eq!(r.kind(), u32::from(w_kind(&r)));
}

fn round_trip_response(r: Response<'_>) {
    let mut w = wire(&r);
    assert_eq!(w.iter().position(|&b| b == 0), Some(w.len() - 1), "{r:?}: one zero, at the end");
    let n = w.len() - 1;
    assert_eq!(decode::<Response>(&mut w[..n]), Ok(r));
    assert_eq!(r.kind(), u32::from(w_kind(&r)));
}

/// The first byte of the encoded message: its kind (all kinds are below 128, one byte).
fn w_kind<'a, T: Message<'a>>(message: &T) -> u8 {
    let mut w = wire(message);
    let n = w.len() - 1;
    let payload = decode_frame(&mut w[..n]).unwrap();
    assert_eq!(payload[1], message.seq(), "the sequence number follows the kind");
    payload[0]
}

const INPUTS: [u8; 8] = [0, 0, 0xC0, 0x3F, 0, 0, 0x80, 0xBE];

#[test]
fn every_request_kind_round_trips() {
    let all = [
        Request::Infer { seq: 1, model_id: 0xDEAD_BEEF, inputs: &INPUTS },
        Request::Info { seq: 2 },
        Request::Exit { seq: 3, code: 7 },
        Request::Bench { seq: 4, reps: 1000 },
        Request::Train { seq: 5, model_id: 9, lr: 0.01, values: &INPUTS },
        Request::Fetch { seq: 6, offset: 192 },
        Request::Save { seq: 7 },
        Request::Cut { seq: 8, ops: 3 },
        Request::Status { seq: 9 },
        Request::Confirm { seq: 10 },
        Request::Reset { seq: 11 },
    ];
    for (i, r) in all.into_iter().enumerate() {
        assert_eq!(r.kind(), i as u32);
        round_trip_request(r);
    }
    assert_eq!(all.len() as u32, Request::KINDS);
}

#[test]
fn every_response_kind_round_trips() {
    let all = [
        Response::Output { seq: 1, class: 1, outputs: &INPUTS[..4] },
        Response::Info {
            seq: 2,
            model_id: 0xDEAD_BEEF,
            inputs: 2,
            outputs: 1,
            trainable: 97,
            non_trainable: 0,
            stack_used: 1234,
            stack_size: 4096,
        },
        Response::Bench { seq: 3, reps: 1000, passes: 5, empty: 6, clock_hz: 25_000_000, layers: &INPUTS },
        Response::Trained { seq: 4, loss: 0.5, steps: 7, ticks: 12_345 },
        Response::Stored {
            seq: 5,
            slot: u32::MAX,
            generation: u32::MAX,
            stored_model_id: u32::MAX,
            running_model_id: 42,
            present: true,
        },
        Response::Chunk { seq: 6, total: 13_000, bytes: &[0; 192] },
        Response::Error { seq: 7, code: ErrorCode::WrongModel, detail: 42 },
    ];
    for (i, r) in all.into_iter().enumerate() {
        assert_eq!(r.kind(), i as u32);
        round_trip_response(r);
    }
    assert_eq!(all.len() as u32, Response::KINDS);
    for code in [
        ErrorCode::BadFrame,
        ErrorCode::UnknownKind,
        ErrorCode::WrongModel,
        ErrorCode::NonFinite,
        ErrorCode::Oversized,
        ErrorCode::BadInputs,
    ] {
        round_trip_response(Response::Error { seq: 0, code, detail: u32::MAX });
    }
}

#[test]
fn the_wire_format_is_the_documented_one() {
    // Exit: kind 2, seq, code; then the CRC-32 of those three bytes, little-endian.
    let mut w = wire(&Request::Exit { seq: 5, code: 1 });
    let n = w.len() - 1;
    let payload = decode_frame(&mut w[..n]).unwrap().to_vec();
    assert_eq!(payload, [2, 5, 1]);
    // Fetch: the offset 300 as a varint (0b10_0101100 → 0xAC, 0x02).
    let mut w = wire(&Request::Fetch { seq: 1, offset: 300 });
    let n = w.len() - 1;
    assert_eq!(decode_frame(&mut w[..n]).unwrap(), [5, 1, 0xAC, 0x02]);
    // Infer: bytes as their length, then the bytes.
    let mut w = wire(&Request::Infer { seq: 1, model_id: 1, inputs: &[9, 8, 7, 6] });
    let n = w.len() - 1;
    assert_eq!(decode_frame(&mut w[..n]).unwrap(), [0, 1, 1, 4, 9, 8, 7, 6]);
    // The CRC is zlib's: the check value of "123456789" is 0xCBF43926.
    let mut buf = [0u8; 32];
    let framed = encode_payload(b"123456789", &mut buf).unwrap().to_vec();
    let mut expected = b"123456789".to_vec();
    expected.extend_from_slice(&0xCBF4_3926u32.to_le_bytes());
    let mut f = framed[..framed.len() - 1].to_vec();
    let n = cobs_len(&mut f);
    assert_eq!(&f[..n], &expected[..]);
}

/// Undoes COBS without checking anything (to look inside a frame).
fn cobs_len(frame: &mut [u8]) -> usize {
    let mut out = Vec::new();
    let mut i = 0;
    while i < frame.len() {
        let code = frame[i] as usize;
        out.extend_from_slice(&frame[i + 1..i + code]);
        i += code;
        if code != 0xFF && i < frame.len() {
            out.push(0);
        }
    }
    frame[..out.len()].copy_from_slice(&out);
    out.len()
}

#[test]
fn a_corrupted_byte_is_a_crc_error() {
    let w = wire(&Request::Train { seq: 3, model_id: 0x1234_5678, lr: 0.25, values: &INPUTS });
    let n = w.len() - 1;
    for i in 0..n {
        for flip in [0x01u8, 0x10, 0x80] {
            let mut f = w[..n].to_vec();
            f[i] ^= flip;
            if f[i] == 0 {
                continue; // a zero is a delimiter: the reader would have split the frame there
            }
            let got = decode::<Request>(&mut f);
            assert!(
                matches!(got, Err(FrameError::BadCrc | FrameError::BadCobs)),
                "byte {i} ^ {flip:#x}: {got:?}"
            );
            if i > 0 {
                // Only the COBS code bytes can break the encoding; a data byte breaks the CRC.
                let code_bytes = cobs_code_positions(&w[..n]);
                if !code_bytes.contains(&i) {
                    assert_eq!(got, Err(FrameError::BadCrc), "byte {i} ^ {flip:#x}");
                }
            }
        }
    }
}

fn cobs_code_positions(frame: &[u8]) -> Vec<usize> {
    let mut at = Vec::new();
    let mut i = 0;
    while i < frame.len() {
        at.push(i);
        i += frame[i] as usize;
    }
    at
}

#[test]
fn truncated_frames_are_refused() {
    let w = wire(&Request::Bench { seq: 4, reps: 100_000 });
    let n = w.len() - 1;
    for cut in 1..n {
        let mut f = w[..cut].to_vec();
        let got = decode::<Request>(&mut f);
        assert!(
            matches!(got, Err(FrameError::BadCobs | FrameError::BadCrc | FrameError::Truncated)),
            "{cut} bytes: {got:?}"
        );
    }
    assert_eq!(decode::<Request>(&mut []), Err(FrameError::BadCobs));
    assert_eq!(decode::<Request>(&mut [0x03, 0x11, 0x22]), Err(FrameError::Truncated));
}

#[test]
fn contents_that_do_not_decode_keep_their_sequence_number() {
    let mut buf = [0u8; 64];
    // An unknown kind.
    let f = encode_payload(&[0x42, 9, 1, 2], &mut buf).unwrap();
    let n = f.len() - 1;
    assert_eq!(decode::<Request>(&mut f[..n]), Err(FrameError::UnknownKind { kind: 0x42, seq: 9 }));
    // A known kind with too few bytes, and with bytes left over.
    assert_eq!(parse::<Request>(&[3, 9]), Err(FrameError::Undecodable { seq: 9 }));
    assert_eq!(parse::<Request>(&[1, 9, 0]), Err(FrameError::Undecodable { seq: 9 }));
    // An error code that does not exist.
    assert_eq!(parse::<Response>(&[6, 4, 99, 0]), Err(FrameError::Undecodable { seq: 4 }));
    // Nothing at all, a broken varint.
    assert_eq!(parse::<Request>(&[]), Err(FrameError::Undecodable { seq: 0 }));
    assert_eq!(parse::<Request>(&[0xFF; 6]), Err(FrameError::Undecodable { seq: 0 }));
}

#[test]
fn oversized_frames_are_refused_and_the_reader_reads_on() {
    let mut reader = FrameReader::new();
    let mut bytes = vec![0x55u8; MAX_FRAME + 40];
    bytes.push(0);
    bytes.extend(wire(&Request::Info { seq: 9 }));
    let got = read_all(&mut reader, &bytes);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0], Err(FrameError::Oversized));
    assert_eq!(parse::<Request>(got[1].as_ref().unwrap()), Ok(Request::Info { seq: 9 }));
    // A frame of exactly MAX_FRAME bytes fits; one more does not.
    for (len, fits) in [(MAX_FRAME, true), (MAX_FRAME + 1, false)] {
        let mut r = FrameReader::new();
        let mut bytes = vec![1u8; len];
        bytes.push(0);
        let got = read_all(&mut r, &bytes);
        assert_eq!(got[0] == Err(FrameError::Oversized), !fits, "{len} bytes");
    }
}

#[test]
fn messages_too_long_for_a_frame_are_not_encoded() {
    let big = [1u8; MAX_FRAME];
    let mut buf = [0u8; 2 * MAX_FRAME];
    assert!(encode(&Response::Chunk { seq: 1, total: 0, bytes: &big }, &mut buf).is_err());
    let mut tiny = [0u8; 4];
    assert!(encode(&Request::Info { seq: 1 }, &mut tiny).is_err());
    assert!(encode(&Request::Info { seq: 1 }, &mut []).is_err());
}

fn request() -> impl Strategy<Value = (u8, u8, u32, u32, f32, Vec<u8>)> {
    (
        0u8..9,
        any::<u8>(),
        any::<u32>(),
        any::<u32>(),
        any::<f32>(),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
}

fn make(kind: u8, seq: u8, a: u32, b: u32, lr: f32, bytes: &[u8]) -> Request<'_> {
    match kind {
        0 => Request::Infer { seq, model_id: a, inputs: bytes },
        1 => Request::Info { seq },
        2 => Request::Exit { seq, code: a as u8 },
        3 => Request::Bench { seq, reps: b },
        4 => Request::Train { seq, model_id: a, lr, values: bytes },
        5 => Request::Fetch { seq, offset: b },
        6 => Request::Save { seq },
        7 => Request::Cut { seq, ops: b },
        _ => Request::Status { seq },
    }
}

proptest! {
    #[test]
    fn requests_round_trip_through_the_reader((kind, seq, a, b, lr, bytes) in request()) {
        let r = make(kind, seq, a, b, lr, &bytes);
        let w = wire(&r);
        prop_assert!(w.len() <= MAX_FRAME + 1);
        let mut reader = FrameReader::new();
        let (last, rest) = w.split_last().unwrap();
        for &b in rest {
            prop_assert!(reader.push(b).is_none());
        }
        let got: Request = reader.read(*last).unwrap().unwrap();
        // NaN is not equal to itself: compare the encodings.
        prop_assert_eq!(wire(&got), w);
    }

    #[test]
    fn garbage_before_a_frame_costs_at_most_that_frame(
        garbage in proptest::collection::vec(any::<u8>(), 0..600),
        (kind, seq, a, b, lr, bytes) in request(),
    ) {
        // Garbage, a delimiter (a sender's resynchronisation), then a good frame: the
        // garbage gives errors or nothing, never a message, and the frame is read.
        let r = make(kind, seq, a, b, lr, &bytes);
        let mut stream = garbage.clone();
        stream.push(0);
        let w = wire(&r);
        stream.extend_from_slice(&w);
        let mut reader = FrameReader::new();
        let mut results = Vec::new();
        for &byte in &stream {
            if let Some(frame) = reader.push(byte) {
                results.push(frame.and_then(|f| decode_frame(f).map(<[u8]>::to_vec)));
            }
        }
        let (last, before) = results.split_last().unwrap();
        let mut expected = w.clone();
        expected.pop();
        let payload = decode_frame(&mut expected).unwrap().to_vec();
        prop_assert_eq!(last.as_ref().unwrap(), &payload);
        // Random garbage passes the CRC with a chance of 2^-32: treat a pass as a failure.
        for g in before {
            prop_assert!(g.is_err(), "garbage read as a frame: {:?}", g);
        }
    }

    #[test]
    fn any_bytes_give_errors_not_panics(bytes in proptest::collection::vec(any::<u8>(), 0..700)) {
        let mut reader = FrameReader::new();
        for &b in &bytes {
            if let Some(Ok(frame)) = reader.push(b) {
                let mut copy = frame.to_vec();
                let _ = decode::<Response>(frame);
                let _ = decode::<Request>(&mut copy);
            }
        }
        let _ = parse::<Request>(&bytes);
        let _ = parse::<Response>(&bytes);
    }
}

#[test]
fn the_fuzz_seeds_are_valid_frames() {
    let mut info = include_bytes!("../fuzz/corpus/frames/info").to_vec();
    let n = info.len() - 1;
    assert_eq!(decode::<Request>(&mut info[..n]), Ok(Request::Info { seq: 1 }));
    let mut infer = include_bytes!("../fuzz/corpus/frames/infer").to_vec();
    let n = infer.len() - 1;
    let mut inputs = [0u8; 8];
    tinymlp_protocol::write_f32s(&[0.5, -1.25], &mut inputs);
    assert_eq!(
        decode::<Request>(&mut infer[..n]),
        Ok(Request::Infer { seq: 2, model_id: 0xC0FFEE, inputs: &inputs })
    );
}

/// A row of 64 inputs makes a frame longer than `MAX_FRAME`: `encode` refuses it, the
/// default reader reports it oversized, and a reader sized by `frame_len` reads it whole.
#[test]
fn long_frames_need_a_reader_sized_for_them() {
    use tinymlp_protocol::{encode_long, frame_len, write_f32s};
    let values: Vec<f32> = (0..64).map(|i| i as f32 * 0.25 - 3.0).collect();
    let mut inputs = vec![0u8; 4 * values.len()];
    write_f32s(&values, &mut inputs);
    let request = Request::Infer { seq: 3, model_id: 0xDEAD_BEEF, inputs: &inputs };
    let mut short = [0u8; MAX_FRAME + 1];
    assert!(encode(&request, &mut short).is_err());
    let mut long = vec![0u8; frame_len(512) + 1];
    let bytes = encode_long(&request, &mut long).unwrap().to_vec();
    assert!(bytes.len() > MAX_FRAME + 1 && bytes.len() <= frame_len(512) + 1);
    assert_eq!(read_all(&mut FrameReader::new(), &bytes), vec![Err(FrameError::Oversized)]);
    let mut reader = FrameReader::<{ frame_len(512) }>::with_capacity();
    let (last, rest) = bytes.split_last().unwrap();
    for &b in rest {
        assert!(reader.push(b).is_none());
    }
    let received: Request = reader.read(*last).unwrap().unwrap();
    assert_eq!(received, request);
}
