//! The request/response messages between the host and the firmware, framed and checked.
//!
//! A frame on the wire is `COBS(payload ‖ CRC-32(payload))` followed by one zero byte.
//! A payload starts with a kind byte and a sequence number (echoed in the response):
//!
//! | kind | direction | body |
//! |---|---|---|
//! | `0x01` infer | host → device | model id (u32), then the raw input values (f32 each) |
//! | `0x02` info | host → device | — |
//! | `0x03` exit | host → device | exit code (u8) |
//! | `0x04` bench | host → device | repetitions (u32) |
//! | `0x05` train | host → device | model id (u32), learning rate (f32), the raw inputs then the targets (f32 each) |
//! | `0x06` fetch | host → device | offset (u32) into the model's binary file |
//! | `0x07` save | host → device | — (keep the running model in the flash store) |
//! | `0x08` cut | host → device | flash operations (u32) after which the next save "loses power" (resets) |
//! | `0x09` status | host → device | — |
//! | `0x81` output | device → host | class (u8), then the outputs (f32 each, as bits) |
//! | `0x82` info | device → host | model id, inputs, outputs, trainable, non-trainable, stack used, stack size (u32 each) |
//! | `0x84` bench | device → host | repetitions, SysTick ticks of the forward passes, SysTick ticks of an empty loop of as many repetitions, core clock in Hz, then the ticks of each dense layer's `W·x + b` over the repetitions, the timing's own cost subtracted (u32 each) |
//! | `0x85` trained | device → host | the step's loss (f32), steps so far, SysTick ticks of the step (u32 each) |
//! | `0x87` stored | device → host | newest valid slot, its sequence number and model id, the running model's id, whether a store exists (u32 each) |
//! | `0x86` chunk | device → host | total length (u32), then up to 192 bytes of the model's binary file |
//! | `0xE0` error | device → host | [`ErrorCode`] (u8), detail (u32) |
//!
//! All integers and floats are little-endian.

use super::cobs::{self, CobsError};
use crate::io::crc32;
use core::fmt;

/// The largest payload (kind, sequence, body, CRC) either side sends.
pub const MAX_PAYLOAD: usize = 256;
/// The largest encoded frame, delimiter excluded.
pub const MAX_FRAME: usize = cobs::max_encoded_len(MAX_PAYLOAD);

/// Message kinds.
pub mod kind {
    /// Run inference.
    pub const INFER: u8 = 0x01;
    /// Ask for the model and memory figures.
    pub const INFO: u8 = 0x02;
    /// Stop the device (exits QEMU).
    pub const EXIT: u8 = 0x03;
    /// Time inference on the device.
    pub const BENCH: u8 = 0x04;
    /// Timing result.
    pub const BENCH_REPLY: u8 = 0x84;
    /// One training step on one labelled sample.
    pub const TRAIN: u8 = 0x05;
    /// Ask for a piece of the model's binary file (as it is now, after training).
    pub const FETCH: u8 = 0x06;
    /// Result of a training step.
    pub const TRAINED: u8 = 0x85;
    /// A piece of the model's binary file.
    pub const CHUNK: u8 = 0x86;
    /// Keep the running model in the flash store.
    pub const SAVE: u8 = 0x07;
    /// Arm a power cut for the next save.
    pub const CUT: u8 = 0x08;
    /// Ask for the store's state.
    pub const STATUS: u8 = 0x09;
    /// The store's state.
    pub const STORED: u8 = 0x87;
    /// Inference result.
    pub const OUTPUT: u8 = 0x81;
    /// Model and memory figures.
    pub const INFO_REPLY: u8 = 0x82;
    /// A refused request.
    pub const ERROR: u8 = 0xE0;
}

/// Why a frame was refused. The device answers each with an error reply and keeps serving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FrameError {
    /// More bytes than [`MAX_FRAME`] before the delimiter.
    Oversized,
    /// The COBS encoding is broken.
    BadCobs,
    /// Shorter than a kind, a sequence number and a CRC.
    Truncated,
    /// The CRC-32 does not match the contents.
    BadChecksum,
    /// A kind byte this side does not know.
    UnknownKind(u8),
    /// The body length does not fit the kind.
    BadLength(u8),
    /// The output buffer is too small.
    Overflow,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Oversized => write!(f, "frame longer than {MAX_FRAME} bytes"),
            FrameError::BadCobs => f.write_str("malformed COBS encoding"),
            FrameError::Truncated => f.write_str("frame too short"),
            FrameError::BadChecksum => f.write_str("CRC-32 mismatch"),
            FrameError::UnknownKind(k) => write!(f, "unknown message kind {k:#04x}"),
            FrameError::BadLength(k) => write!(f, "wrong body length for message kind {k:#04x}"),
            FrameError::Overflow => f.write_str("output buffer too small"),
        }
    }
}

impl core::error::Error for FrameError {}

/// Error codes of an error reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ErrorCode {
    /// Broken COBS, CRC or length (detail: 0).
    BadFrame = 1,
    /// Unknown kind (detail: the kind).
    UnknownKind = 2,
    /// The request names another model (detail: this device's model id).
    WrongModel = 3,
    /// An input is NaN or infinite (detail: its index).
    NonFinite = 4,
    /// The frame was too long (detail: the limit).
    Oversized = 5,
    /// Wrong number of input values (detail: the number expected).
    BadInputs = 6,
}

impl ErrorCode {
    /// The code of a byte.
    pub fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            1 => ErrorCode::BadFrame,
            2 => ErrorCode::UnknownKind,
            3 => ErrorCode::WrongModel,
            4 => ErrorCode::NonFinite,
            5 => ErrorCode::Oversized,
            6 => ErrorCode::BadInputs,
            _ => return None,
        })
    }
}

/// Frames `payload` (appends its CRC-32, COBS-encodes, adds the zero delimiter) into `out`;
/// returns the number of bytes to send.
pub fn encode_frame(payload: &[u8], out: &mut [u8]) -> Result<usize, FrameError> {
    let mut tmp = [0u8; MAX_PAYLOAD];
    let n = payload.len();
    if n + 4 > MAX_PAYLOAD {
        return Err(FrameError::Overflow);
    }
    tmp[..n].copy_from_slice(payload);
    tmp[n..n + 4].copy_from_slice(&crc32(payload).to_le_bytes());
    let m = cobs::encode(&tmp[..n + 4], out).map_err(|_| FrameError::Overflow)?;
    if m >= out.len() {
        return Err(FrameError::Overflow);
    }
    out[m] = 0;
    Ok(m + 1)
}

/// Decodes a received frame (without its delimiter) in place and checks its CRC; returns
/// the payload (kind, sequence, body).
pub fn decode_frame(frame: &mut [u8]) -> Result<&[u8], FrameError> {
    let n = cobs::decode_in_place(frame).map_err(|e| match e {
        CobsError::Overflow | CobsError::Malformed => FrameError::BadCobs,
    })?;
    if n < 6 {
        return Err(FrameError::Truncated);
    }
    let (payload, crc) = frame[..n].split_at(n - 4);
    if crc32(payload).to_le_bytes() != crc {
        return Err(FrameError::BadChecksum);
    }
    Ok(payload)
}

/// Splits a stream of bytes into frames at zero bytes, with a buffer of [`MAX_FRAME`].
#[derive(Debug)]
pub struct FrameReader {
    buf: [u8; MAX_FRAME],
    len: usize,
    overflowed: bool,
}

impl Default for FrameReader {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameReader {
    /// An empty reader.
    pub const fn new() -> Self {
        Self { buf: [0; MAX_FRAME], len: 0, overflowed: false }
    }

    /// Adds one byte. At a delimiter, returns the frame collected since the previous one
    /// (`Err(Oversized)` if it was too long); empty frames are skipped.
    pub fn push(&mut self, byte: u8) -> Option<Result<&mut [u8], FrameError>> {
        if byte != 0 {
            if self.len < MAX_FRAME {
                self.buf[self.len] = byte;
                self.len += 1;
            } else {
                self.overflowed = true;
            }
            return None;
        }
        let (len, over) = (self.len, self.overflowed);
        self.len = 0;
        self.overflowed = false;
        if over {
            return Some(Err(FrameError::Oversized));
        }
        if len == 0 {
            return None;
        }
        Some(Ok(&mut self.buf[..len]))
    }
}

/// A request, parsed from a checked payload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Request<'a> {
    /// Run inference on the raw inputs (f32 little-endian, 4 bytes each).
    Infer {
        /// Sequence number.
        seq: u8,
        /// The model the host expects.
        model_id: u32,
        /// The input values' bytes.
        inputs: &'a [u8],
    },
    /// Ask for figures.
    Info {
        /// Sequence number.
        seq: u8,
    },
    /// Stop with an exit code.
    Exit {
        /// Sequence number.
        seq: u8,
        /// Exit status.
        code: u8,
    },
    /// Time `reps` forward passes with the core's cycle timer (SysTick).
    Bench {
        /// Sequence number.
        seq: u8,
        /// Forward passes to time.
        reps: u32,
    },
    /// One SGD step on one labelled sample.
    Train {
        /// Sequence number.
        seq: u8,
        /// The model the host expects.
        model_id: u32,
        /// Learning rate.
        lr: f32,
        /// The inputs' then the targets' bytes (f32 little-endian each).
        values: &'a [u8],
    },
    /// A piece of the model's binary file, from `offset`.
    Fetch {
        /// Sequence number.
        seq: u8,
        /// Byte offset into the file.
        offset: u32,
    },
    /// Keep the running model in the flash store.
    Save {
        /// Sequence number.
        seq: u8,
    },
    /// Reset the device in the middle of the next save, after `ops` flash operations.
    Cut {
        /// Sequence number.
        seq: u8,
        /// Flash writes and erases to let through.
        ops: u32,
    },
    /// Ask for the store's state.
    Status {
        /// Sequence number.
        seq: u8,
    },
}

impl<'a> Request<'a> {
    /// Parses a payload from [`decode_frame`].
    pub fn parse(p: &'a [u8]) -> Result<Self, FrameError> {
        let [k, seq, body @ ..] = p else { return Err(FrameError::Truncated) };
        let (k, seq) = (*k, *seq);
        match k {
            kind::INFER if body.len() >= 4 && body.len() % 4 == 0 => Ok(Request::Infer {
                seq,
                model_id: u32::from_le_bytes([body[0], body[1], body[2], body[3]]),
                inputs: &body[4..],
            }),
            kind::INFO if body.is_empty() => Ok(Request::Info { seq }),
            kind::EXIT if body.len() == 1 => Ok(Request::Exit { seq, code: body[0] }),
            kind::BENCH if body.len() == 4 => {
                Ok(Request::Bench { seq, reps: u32::from_le_bytes([body[0], body[1], body[2], body[3]]) })
            }
            kind::TRAIN if body.len() >= 8 && body.len() % 4 == 0 => Ok(Request::Train {
                seq,
                model_id: u32::from_le_bytes([body[0], body[1], body[2], body[3]]),
                lr: f32::from_le_bytes([body[4], body[5], body[6], body[7]]),
                values: &body[8..],
            }),
            kind::FETCH if body.len() == 4 => {
                Ok(Request::Fetch { seq, offset: u32::from_le_bytes([body[0], body[1], body[2], body[3]]) })
            }
            kind::SAVE if body.is_empty() => Ok(Request::Save { seq }),
            kind::STATUS if body.is_empty() => Ok(Request::Status { seq }),
            kind::CUT if body.len() == 4 => {
                Ok(Request::Cut { seq, ops: u32::from_le_bytes([body[0], body[1], body[2], body[3]]) })
            }
            kind::INFER
            | kind::INFO
            | kind::EXIT
            | kind::BENCH
            | kind::TRAIN
            | kind::FETCH
            | kind::SAVE
            | kind::CUT
            | kind::STATUS => Err(FrameError::BadLength(k)),
            other => Err(FrameError::UnknownKind(other)),
        }
    }

    /// Writes the payload of this request into `out`; returns its length.
    pub fn write(&self, out: &mut [u8]) -> Result<usize, FrameError> {
        let mut w = Writer { out, at: 0 };
        match *self {
            Request::Infer { seq, model_id, inputs } => {
                w.bytes(&[kind::INFER, seq])?;
                w.bytes(&model_id.to_le_bytes())?;
                w.bytes(inputs)?;
            }
            Request::Info { seq } => w.bytes(&[kind::INFO, seq])?,
            Request::Exit { seq, code } => w.bytes(&[kind::EXIT, seq, code])?,
            Request::Bench { seq, reps } => {
                w.bytes(&[kind::BENCH, seq])?;
                w.bytes(&reps.to_le_bytes())?;
            }
            Request::Train { seq, model_id, lr, values } => {
                w.bytes(&[kind::TRAIN, seq])?;
                w.bytes(&model_id.to_le_bytes())?;
                w.bytes(&lr.to_le_bytes())?;
                w.bytes(values)?;
            }
            Request::Fetch { seq, offset } => {
                w.bytes(&[kind::FETCH, seq])?;
                w.bytes(&offset.to_le_bytes())?;
            }
            Request::Save { seq } => w.bytes(&[kind::SAVE, seq])?,
            Request::Status { seq } => w.bytes(&[kind::STATUS, seq])?,
            Request::Cut { seq, ops } => {
                w.bytes(&[kind::CUT, seq])?;
                w.bytes(&ops.to_le_bytes())?;
            }
        }
        Ok(w.at)
    }
}

/// A response, parsed from a checked payload.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Response<'a> {
    /// Inference result.
    Output {
        /// Sequence number of the request.
        seq: u8,
        /// Predicted class.
        class: u8,
        /// The outputs' bytes (f32 little-endian each).
        outputs: &'a [u8],
    },
    /// Figures.
    Info {
        /// Sequence number of the request.
        seq: u8,
        /// Model id, inputs, outputs, trainable, non-trainable, stack used, stack size.
        values: [u32; 7],
    },
    /// The result of a training step.
    Trained {
        /// Sequence number of the request.
        seq: u8,
        /// The step's loss.
        loss: f32,
        /// Training steps taken since boot.
        steps: u32,
        /// Core clock ticks the step took (instructions under QEMU's `-icount`).
        ticks: u32,
    },
    /// A piece of the model's binary file.
    Chunk {
        /// Sequence number of the request.
        seq: u8,
        /// Length of the whole file.
        total: u32,
        /// The bytes.
        bytes: &'a [u8],
    },
    /// The store's state: newest valid slot, its sequence number, its model id, the running
    /// model's id, and 1 when the board has a store (0 otherwise).
    Stored {
        /// Sequence number of the request.
        seq: u8,
        /// The five values.
        values: [u32; 5],
    },
    /// Timing of forward passes.
    Bench {
        /// Sequence number of the request.
        seq: u8,
        /// Repetitions, ticks of the passes, ticks of the empty loop, core clock (Hz).
        values: [u32; 4],
        /// The ticks of each dense layer's `W·x + b` over the repetitions, each measured on
        /// its own, the timing's own cost subtracted: u32 little-endian each.
        layers: &'a [u8],
    },
    /// A refused request.
    Error {
        /// Sequence number of the request (0 when the frame could not be read).
        seq: u8,
        /// What was wrong.
        code: ErrorCode,
        /// A number that explains it (see [`ErrorCode`]).
        detail: u32,
    },
}

impl<'a> Response<'a> {
    /// Parses a payload from [`decode_frame`].
    pub fn parse(p: &'a [u8]) -> Result<Self, FrameError> {
        let [k, seq, body @ ..] = p else { return Err(FrameError::Truncated) };
        let (k, seq) = (*k, *seq);
        match k {
            kind::OUTPUT if !body.is_empty() && (body.len() - 1) % 4 == 0 => {
                Ok(Response::Output { seq, class: body[0], outputs: &body[1..] })
            }
            kind::INFO_REPLY if body.len() == 28 => Ok(Response::Info {
                seq,
                values: core::array::from_fn(|i| {
                    u32::from_le_bytes([body[4 * i], body[4 * i + 1], body[4 * i + 2], body[4 * i + 3]])
                }),
            }),
            kind::TRAINED if body.len() == 12 => Ok(Response::Trained {
                seq,
                loss: f32::from_le_bytes([body[0], body[1], body[2], body[3]]),
                steps: u32::from_le_bytes([body[4], body[5], body[6], body[7]]),
                ticks: u32::from_le_bytes([body[8], body[9], body[10], body[11]]),
            }),
            kind::CHUNK if body.len() >= 4 => Ok(Response::Chunk {
                seq,
                total: u32::from_le_bytes([body[0], body[1], body[2], body[3]]),
                bytes: &body[4..],
            }),
            kind::STORED if body.len() == 20 => Ok(Response::Stored {
                seq,
                values: core::array::from_fn(|i| {
                    u32::from_le_bytes([body[4 * i], body[4 * i + 1], body[4 * i + 2], body[4 * i + 3]])
                }),
            }),
            kind::BENCH_REPLY if body.len() >= 16 && body.len() % 4 == 0 => Ok(Response::Bench {
                seq,
                values: core::array::from_fn(|i| {
                    u32::from_le_bytes([body[4 * i], body[4 * i + 1], body[4 * i + 2], body[4 * i + 3]])
                }),
                layers: &body[16..],
            }),
            kind::ERROR if body.len() == 5 => Ok(Response::Error {
                seq,
                code: ErrorCode::from_u8(body[0]).ok_or(FrameError::BadLength(k))?,
                detail: u32::from_le_bytes([body[1], body[2], body[3], body[4]]),
            }),
            kind::OUTPUT
            | kind::INFO_REPLY
            | kind::BENCH_REPLY
            | kind::TRAINED
            | kind::CHUNK
            | kind::STORED
            | kind::ERROR => Err(FrameError::BadLength(k)),
            other => Err(FrameError::UnknownKind(other)),
        }
    }

    /// Writes the payload of this response into `out`; returns its length.
    pub fn write(&self, out: &mut [u8]) -> Result<usize, FrameError> {
        let mut w = Writer { out, at: 0 };
        match *self {
            Response::Output { seq, class, outputs } => {
                w.bytes(&[kind::OUTPUT, seq, class])?;
                w.bytes(outputs)?;
            }
            Response::Info { seq, values } => {
                w.bytes(&[kind::INFO_REPLY, seq])?;
                for v in values {
                    w.bytes(&v.to_le_bytes())?;
                }
            }
            Response::Trained { seq, loss, steps, ticks } => {
                w.bytes(&[kind::TRAINED, seq])?;
                w.bytes(&loss.to_le_bytes())?;
                w.bytes(&steps.to_le_bytes())?;
                w.bytes(&ticks.to_le_bytes())?;
            }
            Response::Chunk { seq, total, bytes } => {
                w.bytes(&[kind::CHUNK, seq])?;
                w.bytes(&total.to_le_bytes())?;
                w.bytes(bytes)?;
            }
            Response::Stored { seq, values } => {
                w.bytes(&[kind::STORED, seq])?;
                for v in values {
                    w.bytes(&v.to_le_bytes())?;
                }
            }
            Response::Bench { seq, values, layers } => {
                w.bytes(&[kind::BENCH_REPLY, seq])?;
                for v in values {
                    w.bytes(&v.to_le_bytes())?;
                }
                w.bytes(layers)?;
            }
            Response::Error { seq, code, detail } => {
                w.bytes(&[kind::ERROR, seq, code as u8])?;
                w.bytes(&detail.to_le_bytes())?;
            }
        }
        Ok(w.at)
    }
}

struct Writer<'o> {
    out: &'o mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn bytes(&mut self, b: &[u8]) -> Result<(), FrameError> {
        let end = self.at + b.len();
        if end > self.out.len() {
            return Err(FrameError::Overflow);
        }
        self.out[self.at..end].copy_from_slice(b);
        self.at = end;
        Ok(())
    }
}

/// Reads little-endian f32 values from bytes into `out` (the shorter length).
pub fn read_f32s(bytes: &[u8], out: &mut [f32]) {
    for (v, c) in out.iter_mut().zip(bytes.chunks_exact(4)) {
        *v = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    }
}

/// Writes f32 values as little-endian bytes into `out` (the shorter length).
pub fn write_f32s(values: &[f32], out: &mut [u8]) {
    for (v, c) in values.iter().zip(out.chunks_exact_mut(4)) {
        c.copy_from_slice(&v.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_of(payload: &[u8]) -> ([u8; MAX_FRAME + 1], usize) {
        let mut out = [0u8; MAX_FRAME + 1];
        let n = encode_frame(payload, &mut out).unwrap();
        (out, n)
    }

    #[test]
    fn requests_and_responses_round_trip() {
        let mut inputs = [0u8; 8];
        write_f32s(&[1.5, -0.25], &mut inputs);
        let req = Request::Infer { seq: 7, model_id: 0xDEAD_BEEF, inputs: &inputs };
        let mut p = [0u8; 64];
        let n = req.write(&mut p).unwrap();
        let (mut f, m) = frame_of(&p[..n]);
        assert_eq!(f[m - 1], 0);
        assert!(!f[..m - 1].contains(&0));
        let payload = decode_frame(&mut f[..m - 1]).unwrap();
        assert_eq!(Request::parse(payload).unwrap(), req);
        let resp = Response::Error { seq: 7, code: ErrorCode::WrongModel, detail: 42 };
        let n = resp.write(&mut p).unwrap();
        assert_eq!(Response::parse(&p[..n]).unwrap(), resp);
        let info = Response::Info { seq: 1, values: [1, 2, 3, 4, 5, 6, 7] };
        let n = info.write(&mut p).unwrap();
        assert_eq!(Response::parse(&p[..n]).unwrap(), info);
        let bench = Request::Bench { seq: 2, reps: 1000 };
        let n = bench.write(&mut p).unwrap();
        assert_eq!(Request::parse(&p[..n]).unwrap(), bench);
        let train = Request::Train { seq: 3, model_id: 9, lr: 0.01, values: &[0, 0, 128, 63] };
        let n = train.write(&mut p).unwrap();
        assert_eq!(Request::parse(&p[..n]).unwrap(), train);
        let chunk = Response::Chunk { seq: 4, total: 13_000, bytes: &[1, 2, 3] };
        let n = chunk.write(&mut p).unwrap();
        assert_eq!(Response::parse(&p[..n]).unwrap(), chunk);
        let trained = Response::Trained { seq: 5, loss: 0.5, steps: 7, ticks: 12_345 };
        let n = trained.write(&mut p).unwrap();
        assert_eq!(Response::parse(&p[..n]).unwrap(), trained);
        let stored = Response::Stored { seq: 6, values: [1, 2, 3, 4, 1] };
        let n = stored.write(&mut p).unwrap();
        assert_eq!(Response::parse(&p[..n]).unwrap(), stored);
        assert_eq!(Request::parse(&[kind::CUT, 1, 7, 0, 0, 0]).unwrap(), Request::Cut { seq: 1, ops: 7 });
        assert_eq!(Response::parse(&[kind::TRAINED, 1, 0]), Err(FrameError::BadLength(kind::TRAINED)));
        let reply = Response::Bench { seq: 2, values: [1000, 5, 6, 25_000_000], layers: &[] };
        let n = reply.write(&mut p).unwrap();
        assert_eq!(Response::parse(&p[..n]).unwrap(), reply);
        let layers = [1, 0, 0, 0, 2, 0, 0, 0];
        let reply = Response::Bench { seq: 2, values: [1000, 5, 6, 25_000_000], layers: &layers };
        let n = reply.write(&mut p).unwrap();
        assert_eq!(Response::parse(&p[..n]).unwrap(), reply);
        assert_eq!(Response::parse(&p[..n - 1]), Err(FrameError::BadLength(kind::BENCH_REPLY)));
    }

    #[test]
    fn corrupt_frames_are_refused() {
        let (mut f, m) = frame_of(&[kind::INFO, 3]);
        f[2] ^= 0x40;
        assert_eq!(decode_frame(&mut f[..m - 1]), Err(FrameError::BadChecksum));
        let (mut f, m) = frame_of(&[kind::INFO, 3]);
        assert_eq!(decode_frame(&mut f[..m - 3]), Err(FrameError::BadCobs));
        assert_eq!(decode_frame(&mut [0x02, 0x01]), Err(FrameError::Truncated));
        assert_eq!(Request::parse(&[0x55, 0]), Err(FrameError::UnknownKind(0x55)));
        assert_eq!(Request::parse(&[kind::INFO]), Err(FrameError::Truncated));
        assert_eq!(Response::parse(&[]), Err(FrameError::Truncated));
        assert_eq!(Request::parse(&[kind::INFER, 0, 1, 2]), Err(FrameError::BadLength(kind::INFER)));
        let mut r = FrameReader::new();
        for _ in 0..MAX_FRAME + 5 {
            assert!(r.push(1).is_none());
        }
        assert_eq!(r.push(0).map(|x| x.map(|_| ())), Some(Err(FrameError::Oversized)));
        // the reader recovers for the next frame
        let (f, m) = frame_of(&[kind::INFO, 9]);
        let mut got = None;
        for &b in &f[..m] {
            if let Some(fr) = r.push(b) {
                got = Some(decode_frame(fr.unwrap()).map(|p| p.to_vec()));
            }
        }
        assert_eq!(got, Some(Ok(vec![kind::INFO, 9])));
    }
}
