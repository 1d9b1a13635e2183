//! The application: serves inference requests over a serial port. Generic over the
//! embedded-io / embedded-hal traits, so it runs unchanged on any board.

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::OutputPin;
use embedded_io::{Read, Write};
#[cfg(not(feature = "finetune-adam"))]
#[cfg(feature = "finetune")]
use tinymlp::Sgd;
use tinymlp::Train;
use tinymlp::numeric::{Signal, Zero};
#[cfg(feature = "finetune")]
use tinymlp::{Loss, StepError, Trainer, Xoshiro128PlusPlus, layers::Mode};
use tinymlp_protocol::{
    ErrorCode, FrameError, FrameReader, MAX_BENCH_REPS, MAX_CUT_OPS, Message, Request, Response, encode_long,
    frame_len, read_f32s, write_f32s,
};

#[cfg(feature = "finetune")]
/// What fine-tuning on the device keeps: one-sample steps (BatchNorm's statistics frozen,
/// dropout active with this generator), and the count of steps.
pub struct Tuner<M: Train> {
    trainer: Trainer<M, 1, crate::kernel::Device>,
    #[cfg(feature = "finetune-adam")]
    adam: tinymlp::Adam<M>,
    rng: Xoshiro128PlusPlus,
    steps: u32,
    loss: Loss,
}

#[cfg(feature = "finetune")]
impl<M: Train> Tuner<M> {
    /// Ready to train with `loss` (the model's: see `model::LOSS`); the generator starts
    /// from seed 0, as the host's mirror does.
    pub const fn new(loss: Loss) -> Self {
        Self {
            trainer: Trainer::new(loss).with_mode(Mode::FrozenStatistics),
            #[cfg(feature = "finetune-adam")]
            adam: tinymlp::Adam::new(0.001),
            rng: Xoshiro128PlusPlus::new(0),
            steps: 0,
            loss,
        }
    }
}

/// Where the firmware keeps fine-tuned models across resets (a board without one uses
/// [`NoStore`]). The micro:bit serves from flash and never loads.
#[allow(dead_code)]
pub trait Store<M> {
    /// Loads the newest valid model into `model`; its sequence number, or `None`.
    fn load(&mut self, model: &mut M) -> Option<u32>;
    /// Keeps `model` as the newest: slot, sequence number, model id.
    fn save(&mut self, model: &M) -> Option<[u32; 3]>;
    /// The newest valid model: slot, sequence number, model id.
    fn newest(&mut self) -> Option<[u32; 3]>;
    /// Confirms the model the boot loaded on trial; `false` when there is none.
    fn confirm(&mut self) -> bool;
    /// Resets the core during the next save, after `ops` flash operations (power-cut tests).
    fn arm_cut(&mut self, ops: u32);
    /// Whether there is a store at all.
    fn present(&self) -> bool {
        true
    }
}

/// No store: saves are refused (the boards without one; the MPS2 boards have one).
#[allow(dead_code)]
pub struct NoStore;

impl<M> Store<M> for NoStore {
    fn load(&mut self, _: &mut M) -> Option<u32> {
        None
    }
    fn save(&mut self, _: &M) -> Option<[u32; 3]> {
        None
    }
    fn newest(&mut self) -> Option<[u32; 3]> {
        None
    }
    fn confirm(&mut self) -> bool {
        false
    }
    fn arm_cut(&mut self, _: u32) {}
    fn present(&self) -> bool {
        false
    }
}

/// The model the firmware serves: in flash (inference only) or in RAM with its tuner.
/// A board uses one of the two (the micro:bit the first), so the other is never built.
#[allow(dead_code)]
pub enum Served<'a, M: Train> {
    /// Weights in flash: inference only.
    Flash(&'a M),
    /// Weights in RAM: inference and fine-tuning.
    #[cfg(feature = "finetune")]
    Ram(&'a mut M, &'a mut Tuner<M>),
}

impl<M: Train> Served<'_, M> {
    fn model(&self) -> &M {
        match self {
            Served::Flash(m) => m,
            #[cfg(feature = "finetune")]
            Served::Ram(m, _) => m,
        }
    }
}

/// The answer to one request, and whether to stop afterwards.
enum Outcome {
    Reply,
    Exit(u8),
    Reset,
}

/// The longest frame the firmware reads and writes: the protocol's `MAX_FRAME`, or longer
/// when the model's rows need it (`FRAME_PAYLOAD`, from `build.rs`).
const FRAME: usize = frame_len(crate::model::FRAME_PAYLOAD);

/// Bytes of the values a reply carries (outputs, a piece of the model file, the layers'
/// timings): what always fits in a frame next to the longest reply's other fields (the
/// bench reply: kind, sequence number, four u32 varints, the length and the CRC).
const SCRATCH: usize = crate::model::FRAME_PAYLOAD - 28;

/// Serves requests until an exit request; returns its exit code. Every malformed or
/// refused frame gets an error reply, and the next request is served.
pub fn serve<M, S, P, D>(
    model: &mut Served<'_, M>,
    model_id: u32,
    serial: &mut S,
    led: &mut P,
    delay: &mut D,
    cycles: &mut crate::board::Cycles,
    store: &mut dyn Store<M>,
) -> u8
where
    M: Train + Clone,
    M::Grads: Clone,
    S: Read + Write,
    P: OutputPin,
    D: DelayNs,
{
    let mut reader = FrameReader::<FRAME>::with_capacity();
    let mut byte = [0u8; 1];
    let mut served = 0u32;
    loop {
        if serial.read(&mut byte).unwrap_or(0) == 0 {
            continue;
        }
        let Some(request) = reader.read::<Request>(byte[0]) else { continue };
        let mut scratch = [0u8; SCRATCH];
        let (reply, outcome) = match request {
            Ok(request) => handle(model, model_id, request, &mut scratch, led, cycles, store),
            Err(e) => {
                defmt::warn!("refused frame: {}", e);
                refused(e)
            }
        };
        let mut wire = [0u8; FRAME + 1];
        match encode_long(&reply, &mut wire) {
            Ok(bytes) => {
                let _ = serial.write_all(bytes);
                let _ = serial.flush();
            }
            // Not reached: SCRATCH keeps every reply within a frame.
            Err(e) => defmt::error!("reply not sent: {}", e),
        }
        served += 1;
        if let Outcome::Reset = outcome {
            defmt::info!("served {} requests; resetting", served);
            delay.delay_ms(1);
            cortex_m::peripheral::SCB::sys_reset();
        }
        if let Outcome::Exit(code) = outcome {
            defmt::info!("served {} requests; exiting with {}", served, code);
            delay.delay_ms(1);
            return code;
        }
    }
}

/// A refusal: the error reply to request `seq`.
fn error(seq: u8, code: ErrorCode, detail: u32) -> (Response<'static>, Outcome) {
    (Response::Error { seq, code, detail }, Outcome::Reply)
}

/// The error reply to a frame that could not be read: sequence number 0, or the frame's own
/// when only its contents are wrong.
fn refused(e: FrameError) -> (Response<'static>, Outcome) {
    match e {
        FrameError::Oversized => error(0, ErrorCode::Oversized, FRAME as u32),
        FrameError::UnknownKind { kind, seq } => error(seq, ErrorCode::UnknownKind, kind),
        FrameError::Undecodable { seq } => error(seq, ErrorCode::BadFrame, 0),
        FrameError::BadCobs | FrameError::Truncated | FrameError::BadCrc => error(0, ErrorCode::BadFrame, 0),
    }
}

/// Serves one request; the values of the reply are written in `scratch`.
fn handle<'s, M: Train<Grads: Clone> + Clone, P: OutputPin>(
    served: &mut Served<'_, M>,
    model_id: u32,
    request: Request<'_>,
    scratch: &'s mut [u8; SCRATCH],
    led: &mut P,
    cycles: &mut crate::board::Cycles,
    store: &mut dyn Store<M>,
) -> (Response<'s>, Outcome) {
    #[cfg(not(feature = "finetune"))]
    let _ = &store; // only the fine-tuning firmware has a store
    let model = served.model();
    match request {
        // Every count a request carries is bounded: the device stays responsive.
        Request::Bench { seq, reps } if reps > MAX_BENCH_REPS => {
            error(seq, ErrorCode::OutOfRange, MAX_BENCH_REPS)
        }
        Request::Cut { seq, ops } if ops > MAX_CUT_OPS => error(seq, ErrorCode::OutOfRange, MAX_CUT_OPS),
        Request::Infer { seq, model_id: wanted, inputs } => {
            if wanted != model_id {
                return error(seq, ErrorCode::WrongModel, model_id);
            }
            let n = <M::Input as Signal>::LEN;
            if inputs.len() != 4 * n {
                return error(seq, ErrorCode::BadInputs, n as u32);
            }
            let mut x = M::Input::ZERO;
            read_f32s(inputs, x.as_mut_slice());
            if let Some(i) = x.as_slice().iter().position(|v| !v.is_finite()) {
                return error(seq, ErrorCode::NonFinite, i as u32);
            }
            let mut y = M::Output::ZERO;
            model.forward(&x, &mut y);
            let ys = y.as_slice();
            // Huge finite weights can overflow: a non-finite output is no result.
            if let Some(i) = ys.iter().position(|v| !v.is_finite()) {
                return error(seq, ErrorCode::NonFiniteOutput, i as u32);
            }
            let class =
                if ys.len() == 1 { u8::from(ys[0] > 0.5) } else { tinymlp::eval::metrics::argmax(ys) as u8 };
            let _ = if class == 1 { led.set_high() } else { led.set_low() };
            let k = (4 * ys.len()).min(scratch.len());
            write_f32s(ys, &mut scratch[..k]);
            (Response::Output { seq, class, outputs: &scratch[..k] }, Outcome::Reply)
        }
        Request::Info { seq } => {
            let (stack_used, stack_size) = crate::stack::high_water();
            let info = Response::Info {
                seq,
                model_id,
                inputs: <M::Input as Signal>::LEN as u32,
                outputs: <M::Output as Signal>::LEN as u32,
                trainable: M::TRAINABLE as u32,
                non_trainable: M::NON_TRAINABLE as u32,
                stack_used,
                stack_size,
            };
            (info, Outcome::Reply)
        }
        #[cfg(feature = "finetune")]
        Request::Train { seq, model_id: wanted, lr, values } => {
            let (n, k) = (<M::Input as Signal>::LEN, <M::Output as Signal>::LEN);
            let Served::Ram(model, tuner) = served else {
                return error(seq, ErrorCode::UnknownKind, request.kind());
            };
            if wanted != model_id {
                return error(seq, ErrorCode::WrongModel, model_id);
            }
            if values.len() != 4 * (n + k) {
                return error(seq, ErrorCode::BadInputs, (n + k) as u32);
            }
            let (mut x, mut t) = (M::Input::ZERO, M::Output::ZERO);
            read_f32s(&values[..4 * n], x.as_mut_slice());
            read_f32s(&values[4 * n..], t.as_mut_slice());
            let bad = x.as_slice().iter().chain(t.as_slice()).position(|v| !v.is_finite());
            if let Some(i) = bad.or((!lr.is_finite()).then_some(n + k)) {
                return error(seq, ErrorCode::NonFinite, i as u32);
            }
            if !(lr > 0.0 && lr <= tinymlp_protocol::MAX_LEARNING_RATE) {
                return error(seq, ErrorCode::OutOfRange, (n + k) as u32);
            }
            if let Some(i) = bad_target(tuner.loss, t.as_slice()) {
                return error(seq, ErrorCode::OutOfRange, (n + i) as u32);
            }
            let start = cycles.now();
            // A step that makes its row's loss explode is taken back whole (a copy of the
            // model and the optimiser's state on the stack while it runs).
            let guard = tinymlp::LossGuard::DEFAULT;
            #[cfg(feature = "finetune-adam")]
            let result = {
                tinymlp::Optimizer::<M>::set_learning_rate(&mut tuner.adam, lr);
                tuner.trainer.step_guarded(*model, &mut tuner.adam, &[x], &[t], &mut tuner.rng, guard)
            };
            #[cfg(not(feature = "finetune-adam"))]
            let result =
                tuner.trainer.step_guarded(*model, &mut Sgd::new(lr), &[x], &[t], &mut tuner.rng, guard);
            let ticks = cycles.since(start);
            match result {
                Ok(loss) => {
                    tuner.steps += 1;
                    (Response::Trained { seq, loss, steps: tuner.steps, ticks }, Outcome::Reply)
                }
                Err(StepError::LossExploded { after, .. }) => {
                    error(seq, ErrorCode::LossExploded, after.to_bits())
                }
                Err(_) => error(seq, ErrorCode::NonFinite, (n + k + 1) as u32),
            }
        }
        #[cfg(not(feature = "finetune"))]
        Request::Train { seq, .. } => error(seq, ErrorCode::UnknownKind, request.kind()),
        #[cfg(feature = "finetune")]
        Request::Fetch { seq, offset } => {
            let (total, len) = file_window(model, offset as usize, &mut scratch[..CHUNK]);
            (Response::Chunk { seq, total: total as u32, bytes: &scratch[..len] }, Outcome::Reply)
        }
        #[cfg(not(feature = "finetune"))]
        Request::Fetch { seq, .. } => error(seq, ErrorCode::UnknownKind, request.kind()),
        #[cfg(feature = "finetune")]
        Request::Save { .. } | Request::Cut { .. } | Request::Status { .. } | Request::Confirm { .. } => {
            store_request(&request, served, store)
        }
        #[cfg(not(feature = "finetune"))]
        Request::Save { seq }
        | Request::Cut { seq, .. }
        | Request::Status { seq }
        | Request::Confirm { seq } => error(seq, ErrorCode::UnknownKind, request.kind()),
        Request::Reset { seq } => {
            let (stack_used, stack_size) = crate::stack::high_water();
            let info = Response::Info {
                seq,
                model_id,
                inputs: 0,
                outputs: 0,
                trainable: 0,
                non_trainable: 0,
                stack_used,
                stack_size,
            };
            (info, Outcome::Reset)
        }
        Request::Bench { seq, reps } => {
            let (passes, empty) = bench(model, reps, cycles);
            #[cfg(feature = "profile")]
            let layers = {
                let profile = crate::profile::dense_layers(reps);
                for (b, t) in scratch.chunks_exact_mut(4).zip(&profile.ticks[..profile.layers]) {
                    b.copy_from_slice(&t.to_le_bytes());
                }
                &scratch[..4 * profile.layers]
            };
            #[cfg(not(feature = "profile"))]
            let layers = &[];
            let clock_hz = crate::board::clock_hz();
            (Response::Bench { seq, reps, passes, empty, clock_hz, layers }, Outcome::Reply)
        }
        Request::Exit { seq, code } => {
            let info = Response::Info {
                seq,
                model_id,
                inputs: 0,
                outputs: 0,
                trainable: 0,
                non_trainable: 0,
                stack_used: 0,
                stack_size: 0,
            };
            (info, Outcome::Exit(code))
        }
    }
}

/// The index of the first target `loss` cannot take, if any: a cross-entropy's targets lie
/// in `[0, 1]`, a categorical one's sum to 1 (within the protocol's `TARGET_TOLERANCE`; the
/// first target's index when the sum is wrong); mean squared error takes any finite target.
#[cfg(feature = "finetune")]
fn bad_target(loss: Loss, t: &[f32]) -> Option<usize> {
    let tol = tinymlp_protocol::TARGET_TOLERANCE;
    match loss {
        Loss::MeanSquaredError => None,
        Loss::BinaryCrossEntropy | Loss::CategoricalCrossEntropy => {
            if let Some(i) = t.iter().position(|&v| !(-tol..=1.0 + tol).contains(&v)) {
                return Some(i);
            }
            let sum: f32 = t.iter().sum();
            (loss == Loss::CategoricalCrossEntropy && (sum - 1.0).abs() > tol).then_some(0)
        }
    }
}

/// Ticks of `reps` forward passes of one fixed row, and of `reps` empty measurements (the
/// cost of reading the timer), each pass timed on its own so that the 24-bit counter cannot
/// wrap within one measurement.
fn bench<M: Train>(model: &M, reps: u32, cycles: &mut crate::board::Cycles) -> (u32, u32) {
    let mut x = M::Input::ZERO;
    for (i, v) in x.as_mut_slice().iter_mut().enumerate() {
        *v = 0.5 - 0.25 * i as f32;
    }
    let mut y = M::Output::ZERO;
    let (mut passes, mut empty) = (0u32, 0u32);
    for _ in 0..reps {
        let t = cycles.now();
        model.forward(core::hint::black_box(&x), &mut y);
        core::hint::black_box(&y);
        passes = passes.wrapping_add(cycles.since(t));
        let t = cycles.now();
        core::hint::black_box(&y);
        empty = empty.wrapping_add(cycles.since(t));
    }
    (passes, empty)
}

/// Bytes of the model file per chunk.
#[cfg(feature = "finetune")]
const CHUNK: usize = 192;

#[cfg(feature = "finetune")]
/// Copies the bytes `[offset, offset + window.len())` of the model's binary file (as the
/// model is now) into `window`; returns the file's length and the bytes copied. Streams the
/// file without a buffer for all of it.
fn file_window<M: Train>(model: &M, offset: usize, window: &mut [u8]) -> (usize, usize) {
    let total = tinymlp::io::bin_len::<M>();
    let mut at = 0usize;
    let mut copied = 0usize;
    let mut take = |bytes: &[u8]| {
        for &b in bytes {
            if at >= offset && at - offset < window.len() {
                window[at - offset] = b;
                copied += 1;
            }
            at += 1;
        }
    };
    if tinymlp::io::emit_bin(model, &mut take).is_ok() {
        let id = tinymlp::io::model_id(model).unwrap_or(0);
        take(&id.to_le_bytes());
    }
    (total, copied)
}

#[cfg(feature = "finetune")]
/// The store's state as a reply: newest slot, its sequence and model id (all `u32::MAX`
/// when there is none), the running model's id, whether a store exists.
fn stored<M: Train>(
    seq: u8,
    model: &M,
    slot: Option<[u32; 3]>,
    store: &mut dyn Store<M>,
) -> (Response<'static>, Outcome) {
    let [slot, generation, stored_model_id] = slot.unwrap_or([u32::MAX; 3]);
    let running_model_id = tinymlp::io::model_id(model).unwrap_or(0);
    let present = store.present();
    (Response::Stored { seq, slot, generation, stored_model_id, running_model_id, present }, Outcome::Reply)
}

/// The store's requests: save, arm a power cut, status.
#[cfg(feature = "finetune")]
fn store_request<M: Train>(
    request: &Request<'_>,
    served: &mut Served<'_, M>,
    store: &mut dyn Store<M>,
) -> (Response<'static>, Outcome) {
    match *request {
        Request::Save { seq } => {
            if !store.present() {
                return error(seq, ErrorCode::UnknownKind, request.kind());
            }
            let saved = store.save(served.model());
            stored(seq, served.model(), saved, store)
        }
        Request::Cut { seq, ops } => {
            store.arm_cut(ops);
            let newest = store.newest();
            stored(seq, served.model(), newest, store)
        }
        Request::Status { seq } => {
            let newest = store.newest();
            stored(seq, served.model(), newest, store)
        }
        Request::Confirm { seq } => {
            if !store.confirm() {
                return error(seq, ErrorCode::NothingOnTrial, 0);
            }
            let newest = store.newest();
            stored(seq, served.model(), newest, store)
        }
        other => error(other.seq(), ErrorCode::UnknownKind, other.kind()),
    }
}
