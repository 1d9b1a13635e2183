//! The serial protocol between the tinymlp host tools and the firmware: typed requests and
//! responses, encoded by [postcard](https://docs.rs/postcard), checked by a CRC-32 and
//! framed by COBS. `no_std`, no allocation: the firmware and the host use the same code.
//!
//! ```
//! use tinymlp_protocol::{FrameReader, MAX_FRAME, Request, encode, write_f32s};
//!
//! // The host: a request for inference on two inputs, as bytes for the serial line.
//! let mut inputs = [0u8; 8];
//! write_f32s(&[0.5, -1.25], &mut inputs);
//! let request = Request::Infer { seq: 7, model_id: 0xC0FFEE, inputs: &inputs };
//! let mut wire = [0u8; MAX_FRAME + 1];
//! let bytes = encode(&request, &mut wire).unwrap();
//! assert_eq!(bytes.last(), Some(&0)); // the delimiter, the only zero byte
//!
//! // The device: reads the bytes one by one; the delimiter completes the request.
//! let mut reader = FrameReader::new();
//! let (last, rest) = bytes.split_last().unwrap();
//! for &b in rest {
//!     assert!(reader.push(b).is_none());
//! }
//! let received: Request = reader.read(*last).unwrap().unwrap();
//! assert_eq!(received, request);
//! ```
//!
//! # Wire format
//!
//! A frame on the wire is `COBS(message ‖ CRC-32(message))` followed by one zero byte, the
//! delimiter: COBS (Consistent Overhead Byte Stuffing) removes every zero from the rest,
//! so a reader finds frames by their delimiters and a lost or garbled byte costs one frame,
//! never the ones after it. The CRC is CRC-32/ISO-HDLC (zlib's), little-endian. A frame
//! is at most [`MAX_FRAME`] bytes before its delimiter; [`MAX_PAYLOAD`] bytes of message
//! and CRC always fit. A firmware whose model's rows make longer messages reads them with
//! a `FrameReader<N>` sized by [`frame_len`], and the host writes them with [`encode_long`].
//!
//! The message is a [`Request`] (host to device) or a [`Response`] (device to host) in
//! postcard's encoding: the variant's index as a varint, then the fields in order —
//! `u8` and `bool` one byte, `u32` a varint (7 bits a byte, least significant first, the
//! high bit set on all bytes but the last), `f32` four bytes little-endian, byte slices
//! their length as a varint then the bytes, [`ErrorCode`] its index as a varint. Every
//! message's first field is the sequence number, which the answer echoes.
//!
//! | kind | request | fields after `seq` | answered by |
//! |---|---|---|---|
//! | 0 | [`Infer`](Request::Infer) | `model_id`, `inputs` (f32 little-endian each) | `Output` |
//! | 1 | [`Info`](Request::Info) | — | `Info` |
//! | 2 | [`Exit`](Request::Exit) | `code` (u8) | `Info` (model id, zeros), then the device stops |
//! | 3 | [`Bench`](Request::Bench) | `reps` (at most [`MAX_BENCH_REPS`]) | `Bench` |
//! | 4 | [`Train`](Request::Train) | `model_id`, `lr` (f32), `values` (inputs then targets, f32 each) | `Trained` |
//! | 5 | [`Fetch`](Request::Fetch) | `offset` into the model's binary file | `Chunk` |
//! | 6 | [`Save`](Request::Save) | — | `Stored` |
//! | 7 | [`Cut`](Request::Cut) | `ops`: flash operations before the next save "loses power" | `Stored` |
//! | 8 | [`Status`](Request::Status) | — | `Stored` |
//! | 9 | [`Confirm`](Request::Confirm) | — | `Stored` |
//! | 10 | [`Reset`](Request::Reset) | — | `Info`, then the reset |
//!
//! | kind | response | fields after `seq` |
//! |---|---|---|
//! | 0 | [`Output`](Response::Output) | `class` (u8), `outputs` (f32 each) |
//! | 1 | [`Info`](Response::Info) | `model_id`, `inputs`, `outputs`, `trainable`, `non_trainable`, `stack_used`, `stack_size` |
//! | 2 | [`Bench`](Response::Bench) | `reps`, `passes`, `empty`, `clock_hz`, `layers` (u32 little-endian each) |
//! | 3 | [`Trained`](Response::Trained) | `loss` (f32), `steps`, `ticks` |
//! | 4 | [`Stored`](Response::Stored) | `slot`, `generation`, `stored_model_id`, `running_model_id`, `present` (bool) |
//! | 5 | [`Chunk`](Response::Chunk) | `total`, `bytes` |
//! | 6 | [`Error`](Response::Error) | `code` ([`ErrorCode`]), `detail` |
//!
//! The device answers every frame: a broken one ([`FrameError`]) with an
//! [`Error`](Response::Error) reply of sequence number 0 (or the frame's own, when only
//! its contents are wrong), and then serves the next.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod frame;
mod message;

pub use frame::{
    FrameError, FrameReader, MAX_FRAME, MAX_PAYLOAD, Overflow, decode, decode_frame, encode, encode_long,
    encode_payload, frame_len, parse,
};
pub use message::{ErrorCode, Message, Request, Response};

/// The most forward passes one [`Request::Bench`] may ask for; more get an
/// [`ErrorCode::OutOfRange`] reply whose detail is this limit. The firmware serves nothing
/// else while it times: at this limit the seed MLP keeps the slowest board (the micro:bit,
/// about 758,000 instructions per pass at 16 MHz) busy for about 8 minutes.
pub const MAX_BENCH_REPS: u32 = 10_000;

/// The most flash operations a [`Request::Cut`] may let through before its reset; more get
/// an [`ErrorCode::OutOfRange`] reply whose detail is this limit.
pub const MAX_CUT_OPS: u32 = 1 << 20;

/// The largest learning rate a [`Request::Train`] may carry: it must be finite, above 0 and
/// at most this. Another gets an [`ErrorCode::OutOfRange`] reply whose detail is the
/// learning rate's index (after the inputs and the targets).
pub const MAX_LEARNING_RATE: f32 = 10.0;

/// How far a cross-entropy target may stray from `[0, 1]` (rounding), and a categorical
/// cross-entropy's targets' sum from 1: a [`Request::Train`] beyond gets an
/// [`ErrorCode::OutOfRange`] reply whose detail is the target's index (the first target of
/// a row whose sum is wrong).
pub const TARGET_TOLERANCE: f32 = 1e-3;

/// Reads little-endian f32 values (4 bytes each, as in [`Request::Infer`]'s inputs) from
/// `bytes` into `out`, as many as the shorter of the two holds.
pub fn read_f32s(bytes: &[u8], out: &mut [f32]) {
    for (v, c) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    }
}

/// Writes f32 values as little-endian bytes (4 each) into `out`, as many as the shorter of
/// the two holds.
pub fn write_f32s(values: &[f32], out: &mut [u8]) {
    for (v, c) in values.iter().zip(out.chunks_exact_mut(4)) {
        c.copy_from_slice(&v.to_le_bytes());
    }
}
