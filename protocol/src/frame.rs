//! Frames: a message encoded by postcard, its CRC-32, COBS, a zero delimiter.

use crate::message::Message;
use core::fmt;
use crc::{CRC_32_ISO_HDLC, Crc, Digest};
use postcard::ser_flavors::{Cobs, Flavor, Slice};
use serde::Serialize;

/// The CRC of the frames: CRC-32/ISO-HDLC (zlib's, PNG's and Ethernet's; the model files use
/// the same one), stored little-endian after the message. With the `crc` crate's 1 KiB
/// table: its bit-by-bit variant (`NoTable`) saves about 1 KiB of flash at opt-level "s"
/// but costs about as much at opt-level 3, where its loop is unrolled.
static CRC: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);

/// The longest payload (encoded message and CRC) that always fits in a frame.
pub const MAX_PAYLOAD: usize = 256;
/// The longest frame, delimiter excluded: the most [`FrameReader`] accepts and
/// [`encode`] writes (`MAX_FRAME + 1` bytes with the delimiter).
pub const MAX_FRAME: usize = frame_len(MAX_PAYLOAD);

/// The longest frame (delimiter excluded) a payload of `payload` bytes (message and CRC)
/// makes: the capacity of a [`FrameReader`] for longer messages than [`MAX_PAYLOAD`]
/// (a model with many inputs), which [`encode_long`] writes.
pub const fn frame_len(payload: usize) -> usize {
    cobs::max_encoding_length(payload)
}

/// Why a received frame was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum FrameError {
    /// More bytes than the reader holds came before the delimiter.
    Oversized,
    /// The COBS encoding is broken (or the frame is empty).
    BadCobs,
    /// Shorter than a CRC.
    Truncated,
    /// The CRC-32 does not match the contents.
    BadCrc,
    /// The CRC matches but the kind is not one this side knows.
    UnknownKind {
        /// The kind (the variant index the frame starts with).
        kind: u32,
        /// The sequence number after it.
        seq: u8,
    },
    /// The CRC matches but the message does not decode (a wrong length or value for its
    /// kind, or bytes left over).
    Undecodable {
        /// The sequence number, when the frame has one (else 0).
        seq: u8,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Oversized => f.write_str("frame longer than the reader's buffer"),
            FrameError::BadCobs => f.write_str("malformed COBS encoding"),
            FrameError::Truncated => f.write_str("frame too short to hold a CRC"),
            FrameError::BadCrc => f.write_str("CRC-32 mismatch"),
            FrameError::UnknownKind { kind, seq } => {
                write!(f, "unknown message kind {kind} (sequence {seq})")
            }
            FrameError::Undecodable { seq } => write!(f, "message does not decode (sequence {seq})"),
        }
    }
}

impl core::error::Error for FrameError {}

/// The message does not fit in the output buffer, or makes a frame longer than
/// [`MAX_FRAME`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Overflow;

impl fmt::Display for Overflow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("message too long for the frame buffer")
    }
}

impl core::error::Error for Overflow {}

/// The framing flavor: postcard's bytes (or a raw payload's) go through the CRC and COBS
/// (postcard's flavor) into the output; finishing appends the CRC and the delimiter.
///
/// postcard's own CRC flavor (`CrcModifier`, feature `use-crc`) does the same, but its push
/// is always inlined, so that the CRC update is copied into the serialisation of every
/// field of every response: about 3 KiB more of the firmware's flash at opt-level 3 than
/// this flavor, whose push is one function.
struct Framer<'b> {
    cobs: Cobs<Slice<'b>>,
    crc: Digest<'static, u32>,
}

impl<'b> Framer<'b> {
    /// Frames into `out`, at most `limit` bytes of it.
    fn new(out: &'b mut [u8], limit: usize) -> Result<Self, Overflow> {
        let len = out.len().min(limit);
        let cobs = Cobs::try_new(Slice::new(&mut out[..len])).map_err(|_| Overflow)?;
        Ok(Self { cobs, crc: CRC.digest() })
    }
}

impl<'b> Flavor for Framer<'b> {
    type Output = &'b mut [u8];

    #[inline(never)]
    fn try_push(&mut self, byte: u8) -> postcard::Result<()> {
        self.crc.update(&[byte]);
        self.cobs.try_push(byte)
    }

    fn finalize(mut self) -> postcard::Result<&'b mut [u8]> {
        for byte in self.crc.finalize().to_le_bytes() {
            self.cobs.try_push(byte)?;
        }
        self.cobs.finalize()
    }
}

/// Encodes `message` as a whole frame, delimiter included, into `out`; returns the bytes to
/// send (at most `MAX_FRAME + 1`).
pub fn encode<'b, T: Serialize + ?Sized>(message: &T, out: &'b mut [u8]) -> Result<&'b mut [u8], Overflow> {
    postcard::serialize_with_flavor(message, Framer::new(out, MAX_FRAME + 1)?).map_err(|_| Overflow)
}

/// [`encode`] for frames longer than [`MAX_FRAME`], up to the length of `out`: the
/// messages of a model whose rows do not fit [`MAX_PAYLOAD`], for a reader built to hold
/// them (`FrameReader<N>` with `N` from [`frame_len`]).
pub fn encode_long<'b, T: Serialize + ?Sized>(
    message: &T,
    out: &'b mut [u8],
) -> Result<&'b mut [u8], Overflow> {
    let limit = out.len();
    postcard::serialize_with_flavor(message, Framer::new(out, limit)?).map_err(|_| Overflow)
}

/// Frames a payload as it is (its CRC, COBS, the delimiter) into `out`; returns the bytes to
/// send. For tests and tools that need frames no [`Request`](crate::Request) or
/// [`Response`](crate::Response) makes, such as an unknown kind.
pub fn encode_payload<'b>(payload: &[u8], out: &'b mut [u8]) -> Result<&'b mut [u8], Overflow> {
    let mut framer = Framer::new(out, MAX_FRAME + 1)?;
    for &b in payload {
        framer.try_push(b).map_err(|_| Overflow)?;
    }
    framer.finalize().map_err(|_| Overflow)
}

/// Undoes the COBS encoding of a received frame (without its delimiter, as
/// [`FrameReader::push`] gives it) in place and checks its CRC; returns the payload, the
/// encoded message without its CRC.
pub fn decode_frame(frame: &mut [u8]) -> Result<&[u8], FrameError> {
    let n = cobs::decode_in_place(frame).map_err(|_| FrameError::BadCobs)?;
    let Some(split) = n.checked_sub(4) else { return Err(FrameError::Truncated) };
    let (payload, crc) = frame[..n].split_at(split);
    if CRC.checksum(payload).to_le_bytes() != crc {
        return Err(FrameError::BadCrc);
    }
    Ok(payload)
}

/// Decodes a checked payload (from [`decode_frame`]) into a message; all its bytes must be
/// used.
pub fn parse<'a, T: Message<'a>>(payload: &'a [u8]) -> Result<T, FrameError> {
    if let Ok((message, [])) = postcard::take_from_bytes::<T>(payload) {
        return Ok(message);
    }
    // Say what the frame was, so that the error reply can carry its sequence number: every
    // message starts with its kind (a varint) and its sequence number (a byte).
    let Ok((kind, rest)) = postcard::take_from_bytes::<u32>(payload) else {
        return Err(FrameError::Undecodable { seq: 0 });
    };
    let seq = rest.first().copied().unwrap_or(0);
    Err(if kind >= T::KINDS {
        FrameError::UnknownKind { kind, seq }
    } else {
        FrameError::Undecodable { seq }
    })
}

/// [`decode_frame`] then [`parse`]: a received frame (without its delimiter) to a message.
pub fn decode<'a, T: Message<'a>>(frame: &'a mut [u8]) -> Result<T, FrameError> {
    parse(decode_frame(frame)?)
}

/// Splits bytes from a serial line into frames at the zero delimiters, in a buffer of
/// `N` bytes, [`MAX_FRAME`] unless chosen otherwise (its size is known at compile time: a
/// reader can live in a `static` or on the stack; [`FrameReader::with_capacity`] makes a
/// longer one). A frame longer than that is refused ([`FrameError::Oversized`]) and its bytes
/// dropped up to the next delimiter, where reading starts afresh; so does it after any
/// other broken frame. Empty frames (two delimiters in a row) are skipped, so a sender can
/// start with a delimiter to end whatever noise came before.
///
/// postcard's `CobsAccumulator` does the same accumulating but decodes the message
/// straight away: it cannot check the CRC before decoding, nor tell a broken COBS
/// encoding from a bad CRC or an undecodable message, which the replies tell apart.
#[derive(Clone, Debug)]
pub struct FrameReader<const N: usize = MAX_FRAME> {
    buf: [u8; N],
    len: usize,
    overflowed: bool,
}

impl Default for FrameReader {
    fn default() -> Self {
        Self::new()
    }
}

impl FrameReader {
    /// An empty reader of frames up to [`MAX_FRAME`] bytes.
    pub const fn new() -> Self {
        Self::with_capacity()
    }
}

impl<const N: usize> FrameReader<N> {
    /// An empty reader of frames up to `N` bytes (see [`frame_len`]).
    pub const fn with_capacity() -> Self {
        Self { buf: [0; N], len: 0, overflowed: false }
    }

    /// Forgets the bytes of the frame read so far.
    pub fn clear(&mut self) {
        self.len = 0;
        self.overflowed = false;
    }

    /// Adds one byte. At a delimiter, returns the frame collected since the previous one,
    /// still COBS-encoded (for [`decode_frame`] or [`decode`]), or
    /// `Err(`[`FrameError::Oversized`]`)` when it did not fit.
    pub fn push(&mut self, byte: u8) -> Option<Result<&mut [u8], FrameError>> {
        if byte != 0 {
            match self.buf.get_mut(self.len) {
                Some(slot) => {
                    *slot = byte;
                    self.len += 1;
                }
                None => self.overflowed = true,
            }
            return None;
        }
        let (len, overflowed) = (self.len, self.overflowed);
        self.clear();
        if overflowed {
            return Some(Err(FrameError::Oversized));
        }
        if len == 0 {
            return None;
        }
        Some(Ok(&mut self.buf[..len]))
    }

    /// Adds one byte; at a delimiter, returns the message of the frame it ends, decoded and
    /// checked, or why the frame was refused.
    pub fn read<'a, T: Message<'a>>(&'a mut self, byte: u8) -> Option<Result<T, FrameError>> {
        Some(self.push(byte)?.and_then(decode))
    }
}
