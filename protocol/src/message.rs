//! The messages: what the host asks ([`Request`]) and what the device answers ([`Response`]).

use serde::{Deserialize, Serialize};

/// A message of the protocol: a serde enum whose variants each start with the sequence
/// number, so that every encoded message starts with its kind (the variant's index, a
/// varint) and the sequence number (one byte).
pub trait Message<'a>: Serialize + Deserialize<'a> {
    /// The number of kinds (variants): kinds `0..KINDS` exist.
    const KINDS: u32;
    /// The kind of this message: its variant's index, the first value on the wire.
    fn kind(&self) -> u32;
    /// The sequence number.
    fn seq(&self) -> u8;
}

/// What the host asks the device. The device answers each request with one [`Response`]
/// carrying the same sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request<'a> {
    /// Run inference on one row. Answered by [`Response::Output`].
    Infer {
        /// Sequence number, echoed in the answer.
        seq: u8,
        /// The model the host expects (the CRC-32 of its binary file).
        model_id: u32,
        /// The input values, f32 little-endian, 4 bytes each (see [`crate::read_f32s`]).
        inputs: &'a [u8],
    },
    /// Ask for the model's and the memory's figures. Answered by [`Response::Info`].
    Info {
        /// Sequence number, echoed in the answer.
        seq: u8,
    },
    /// Stop the device with an exit code (QEMU exits with it). Answered by a
    /// [`Response::Info`] with the model id and zeros, before stopping.
    Exit {
        /// Sequence number, echoed in the answer.
        seq: u8,
        /// Exit status.
        code: u8,
    },
    /// Time `reps` forward passes with the core's cycle timer. Answered by
    /// [`Response::Bench`].
    Bench {
        /// Sequence number, echoed in the answer.
        seq: u8,
        /// Forward passes to time: at most [`crate::MAX_BENCH_REPS`].
        reps: u32,
    },
    /// One training step on one labelled sample. Answered by [`Response::Trained`].
    Train {
        /// Sequence number, echoed in the answer.
        seq: u8,
        /// The model the host expects.
        model_id: u32,
        /// Learning rate: finite, above 0, at most [`crate::MAX_LEARNING_RATE`].
        lr: f32,
        /// The inputs then the targets, f32 little-endian, 4 bytes each. All finite; the
        /// targets of a cross-entropy loss in `[0, 1]`, a categorical one's summing to 1
        /// (both within [`crate::TARGET_TOLERANCE`]).
        values: &'a [u8],
    },
    /// Ask for a piece of the model's binary file as it is now (after training), from
    /// `offset`. Answered by [`Response::Chunk`].
    Fetch {
        /// Sequence number, echoed in the answer.
        seq: u8,
        /// Byte offset into the file.
        offset: u32,
    },
    /// Keep the running model in the flash store. Answered by [`Response::Stored`].
    Save {
        /// Sequence number, echoed in the answer.
        seq: u8,
    },
    /// Reset the device in the middle of the next save, after `ops` flash operations
    /// (power-cut tests). Answered by [`Response::Stored`].
    Cut {
        /// Sequence number, echoed in the answer.
        seq: u8,
        /// Flash writes and erases to let through: at most [`crate::MAX_CUT_OPS`].
        ops: u32,
    },
    /// Ask for the flash store's state. Answered by [`Response::Stored`].
    Status {
        /// Sequence number, echoed in the answer.
        seq: u8,
    },
    /// Keep the model the device booted on trial: a saved model is loaded on trial at the
    /// next boot, and kept only once confirmed (a model tried and never confirmed is never
    /// loaded again; the device falls back to the previous one). Answered by
    /// [`Response::Stored`], or [`ErrorCode::NothingOnTrial`].
    Confirm {
        /// Sequence number, echoed in the answer.
        seq: u8,
    },
    /// Reset the device (it boots again from its store). Answered by [`Response::Stored`]
    /// before the reset.
    Reset {
        /// Sequence number, echoed in the answer.
        seq: u8,
    },
}

impl<'a> Message<'a> for Request<'a> {
    const KINDS: u32 = 11;

    fn kind(&self) -> u32 {
        match self {
            Request::Infer { .. } => 0,
            Request::Info { .. } => 1,
            Request::Exit { .. } => 2,
            Request::Bench { .. } => 3,
            Request::Train { .. } => 4,
            Request::Fetch { .. } => 5,
            Request::Save { .. } => 6,
            Request::Cut { .. } => 7,
            Request::Status { .. } => 8,
            Request::Confirm { .. } => 9,
            Request::Reset { .. } => 10,
        }
    }

    fn seq(&self) -> u8 {
        match *self {
            Request::Infer { seq, .. }
            | Request::Info { seq }
            | Request::Exit { seq, .. }
            | Request::Bench { seq, .. }
            | Request::Train { seq, .. }
            | Request::Fetch { seq, .. }
            | Request::Save { seq }
            | Request::Cut { seq, .. }
            | Request::Status { seq }
            | Request::Confirm { seq }
            | Request::Reset { seq } => seq,
        }
    }
}

/// What the device answers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Response<'a> {
    /// The result of inference.
    Output {
        /// Sequence number of the request.
        seq: u8,
        /// The predicted class (for one output: 1 when it is above 0.5).
        class: u8,
        /// The outputs, f32 little-endian, 4 bytes each (see [`crate::read_f32s`]).
        outputs: &'a [u8],
    },
    /// The model's and the memory's figures.
    Info {
        /// Sequence number of the request.
        seq: u8,
        /// The model's id (the CRC-32 of its binary file).
        model_id: u32,
        /// Input values per row.
        inputs: u32,
        /// Output values per row.
        outputs: u32,
        /// Trainable parameters.
        trainable: u32,
        /// Non-trainable parameters (BatchNorm's statistics).
        non_trainable: u32,
        /// Bytes of stack used so far (high-water mark).
        stack_used: u32,
        /// Bytes of stack there are.
        stack_size: u32,
    },
    /// The timing of forward passes.
    Bench {
        /// Sequence number of the request.
        seq: u8,
        /// Forward passes timed.
        reps: u32,
        /// Timer ticks of the passes.
        passes: u32,
        /// Timer ticks of as many empty measurements (the timing's own cost).
        empty: u32,
        /// Core clock in Hz.
        clock_hz: u32,
        /// The ticks of each dense layer's `W·x + b` over the repetitions, each measured on
        /// its own, the timing's own cost subtracted: u32 little-endian, 4 bytes each (empty
        /// unless the firmware was built with its `profile` feature).
        layers: &'a [u8],
    },
    /// The result of a training step.
    Trained {
        /// Sequence number of the request.
        seq: u8,
        /// The step's loss.
        loss: f32,
        /// Training steps taken since boot.
        steps: u32,
        /// Timer ticks the step took (instructions under QEMU's `-icount`).
        ticks: u32,
    },
    /// The flash store's state, after a save, a cut or a status request.
    Stored {
        /// Sequence number of the request.
        seq: u8,
        /// The newest valid slot (`u32::MAX` when there is none).
        slot: u32,
        /// Its store sequence number, incremented by each save (`u32::MAX` when none).
        generation: u32,
        /// Its model's id (`u32::MAX` when none).
        stored_model_id: u32,
        /// The running model's id.
        running_model_id: u32,
        /// Whether the board has a store at all.
        present: bool,
    },
    /// A piece of the model's binary file.
    Chunk {
        /// Sequence number of the request.
        seq: u8,
        /// The whole file's length.
        total: u32,
        /// The bytes from the requested offset (empty past the end).
        bytes: &'a [u8],
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

impl<'a> Message<'a> for Response<'a> {
    const KINDS: u32 = 7;

    fn kind(&self) -> u32 {
        match self {
            Response::Output { .. } => 0,
            Response::Info { .. } => 1,
            Response::Bench { .. } => 2,
            Response::Trained { .. } => 3,
            Response::Stored { .. } => 4,
            Response::Chunk { .. } => 5,
            Response::Error { .. } => 6,
        }
    }

    fn seq(&self) -> u8 {
        match *self {
            Response::Output { seq, .. }
            | Response::Info { seq, .. }
            | Response::Bench { seq, .. }
            | Response::Trained { seq, .. }
            | Response::Stored { seq, .. }
            | Response::Chunk { seq, .. }
            | Response::Error { seq, .. } => seq,
        }
    }
}

/// Why a request was refused, in a [`Response::Error`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ErrorCode {
    /// A broken frame: bad COBS, bad CRC, too short, or a body that does not decode
    /// (detail: 0).
    BadFrame,
    /// A request kind this device does not serve (detail: the kind).
    UnknownKind,
    /// The request names another model (detail: this device's model id).
    WrongModel,
    /// A value is NaN or infinite (detail: its index; the learning rate comes after the
    /// inputs and targets, and a step whose result is not finite is one further).
    NonFinite,
    /// The frame was longer than the device reads (detail: the limit, [`crate::MAX_FRAME`]).
    Oversized,
    /// The wrong number of values (detail: the number expected).
    BadInputs,
    /// A count or a value beyond its documented limit: a bench request's repetitions
    /// (detail: [`crate::MAX_BENCH_REPS`]), a cut's operations ([`crate::MAX_CUT_OPS`]), a
    /// training request's learning rate or target (detail: its index, as for
    /// [`ErrorCode::NonFinite`]).
    OutOfRange,
    /// The model's output for this row is NaN or infinite (detail: the first such output's
    /// index). No result is sent as if it were one.
    NonFiniteOutput,
    /// A confirm request, but the device did not boot a model on trial (detail: 0).
    NothingOnTrial,
    /// The training step made the loss of its own row explode (more than tenfold, plus
    /// one: the core's `LossGuard::DEFAULT`) and was taken back whole: the model, the
    /// optimiser's state and the dropout generator are as before the request (detail: the
    /// loss after the step, as `f32` bits).
    LossExploded,
}
