//! The application: serves inference requests over a serial port. Generic over the
//! embedded-io / embedded-hal traits, so it runs unchanged on any board.

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::OutputPin;
use embedded_io::{Read, Write};
#[cfg(not(feature = "finetune-adam"))]
#[cfg(feature = "finetune")]
use tinymlp::Sgd;
use tinymlp::protocol::{
    ErrorCode, FrameError, FrameReader, MAX_FRAME, MAX_PAYLOAD, Request, Response, decode_frame,
    encode_frame, read_f32s, write_f32s,
};
use tinymlp::{Layer, Signal, Zero};
#[cfg(feature = "finetune")]
use tinymlp::{Loss, Mode, Trainer, Xoshiro128PlusPlus};

#[cfg(feature = "finetune")]
/// What fine-tuning on the device keeps: one-sample steps (BatchNorm's statistics frozen,
/// dropout active with this generator), and the count of steps.
pub struct Tuner<M: Layer> {
    trainer: Trainer<M, 1>,
    #[cfg(feature = "finetune-adam")]
    adam: tinymlp::Adam<M>,
    rng: Xoshiro128PlusPlus,
    steps: u32,
}

#[cfg(feature = "finetune")]
impl<M: Layer> Tuner<M> {
    /// Ready to train; the generator starts from seed 0, as the host's mirror does.
    pub const fn new() -> Self {
        Self {
            trainer: Trainer::new(Loss::BinaryCrossEntropy).with_mode(Mode::FrozenStatistics),
            #[cfg(feature = "finetune-adam")]
            adam: tinymlp::Adam::new(0.001),
            rng: Xoshiro128PlusPlus::new(0),
            steps: 0,
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
    fn arm_cut(&mut self, _: u32) {}
    fn present(&self) -> bool {
        false
    }
}

/// The model the firmware serves: in flash (inference only) or in RAM with its tuner.
/// A board uses one of the two (the micro:bit the first), so the other is never built.
#[allow(dead_code)]
pub enum Served<'a, M: Layer> {
    /// Weights in flash: inference only.
    Flash(&'a M),
    /// Weights in RAM: inference and fine-tuning.
    #[cfg(feature = "finetune")]
    Ram(&'a mut M, &'a mut Tuner<M>),
}

impl<M: Layer> Served<'_, M> {
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
}

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
    M: Layer,
    S: Read + Write,
    P: OutputPin,
    D: DelayNs,
{
    let mut reader = FrameReader::new();
    let mut byte = [0u8; 1];
    let mut served = 0u32;
    loop {
        if serial.read(&mut byte).unwrap_or(0) == 0 {
            continue;
        }
        let Some(frame) = reader.push(byte[0]) else { continue };
        let mut reply = [0u8; MAX_PAYLOAD];
        let (len, outcome) = match frame.and_then(|f| decode_frame(f).map(|p| p as &[u8])) {
            Ok(payload) => handle(model, model_id, payload, &mut reply, led, cycles, store),
            Err(e) => {
                defmt::warn!("refused frame: {}", e);
                let (code, detail) = match e {
                    FrameError::Oversized => (ErrorCode::Oversized, MAX_FRAME as u32),
                    _ => (ErrorCode::BadFrame, 0),
                };
                (error(0, code, detail, &mut reply), Outcome::Reply)
            }
        };
        let mut wire = [0u8; MAX_FRAME + 1];
        if let Ok(n) = encode_frame(&reply[..len], &mut wire) {
            let _ = serial.write_all(&wire[..n]);
            let _ = serial.flush();
        }
        served += 1;
        if let Outcome::Exit(code) = outcome {
            defmt::info!("served {} requests; exiting with {}", served, code);
            delay.delay_ms(1);
            return code;
        }
    }
}

fn error(seq: u8, code: ErrorCode, detail: u32, out: &mut [u8]) -> usize {
    Response::Error { seq, code, detail }.write(out).unwrap_or(0)
}

fn handle<M: Layer, P: OutputPin>(
    served: &mut Served<'_, M>,
    model_id: u32,
    payload: &[u8],
    out: &mut [u8],
    led: &mut P,
    cycles: &mut crate::board::Cycles,
    store: &mut dyn Store<M>,
) -> (usize, Outcome) {
    #[cfg(not(feature = "finetune"))]
    let _ = &store; // only the fine-tuning firmware has a store
    let model = served.model();
    let request = match Request::parse(payload) {
        Ok(r) => r,
        Err(FrameError::UnknownKind(k)) => {
            return (error(seq_of(payload), ErrorCode::UnknownKind, k as u32, out), Outcome::Reply);
        }
        Err(_) => return (error(seq_of(payload), ErrorCode::BadFrame, 0, out), Outcome::Reply),
    };
    match request {
        Request::Infer { seq, model_id: wanted, inputs } => {
            if wanted != model_id {
                return (error(seq, ErrorCode::WrongModel, model_id, out), Outcome::Reply);
            }
            let n = <M::Input as Signal>::LEN;
            if inputs.len() != 4 * n {
                return (error(seq, ErrorCode::BadInputs, n as u32, out), Outcome::Reply);
            }
            let mut x = M::Input::ZERO;
            read_f32s(inputs, x.as_mut_slice());
            if let Some(i) = x.as_slice().iter().position(|v| !v.is_finite()) {
                return (error(seq, ErrorCode::NonFinite, i as u32, out), Outcome::Reply);
            }
            let mut y = M::Output::ZERO;
            model.forward_with(&crate::kernel::Device, &x, &mut y);
            let ys = y.as_slice();
            let class =
                if ys.len() == 1 { u8::from(ys[0] > 0.5) } else { tinymlp::metrics::argmax(ys) as u8 };
            let _ = if class == 1 { led.set_high() } else { led.set_low() };
            let mut bytes = [0u8; MAX_PAYLOAD - 8];
            let k = (4 * ys.len()).min(bytes.len());
            write_f32s(ys, &mut bytes[..k]);
            let len = Response::Output { seq, class, outputs: &bytes[..k] }.write(out).unwrap_or(0);
            (len, Outcome::Reply)
        }
        Request::Info { seq } => {
            let (used, size) = crate::stack::high_water();
            let values = [
                model_id,
                <M::Input as Signal>::LEN as u32,
                <M::Output as Signal>::LEN as u32,
                M::TRAINABLE as u32,
                M::NON_TRAINABLE as u32,
                used,
                size,
            ];
            (Response::Info { seq, values }.write(out).unwrap_or(0), Outcome::Reply)
        }
        #[cfg(feature = "finetune")]
        Request::Train { seq, model_id: wanted, lr, values } => {
            let (n, k) = (<M::Input as Signal>::LEN, <M::Output as Signal>::LEN);
            let Served::Ram(model, tuner) = served else {
                return (error(seq, ErrorCode::UnknownKind, 0x05, out), Outcome::Reply);
            };
            if wanted != model_id {
                return (error(seq, ErrorCode::WrongModel, model_id, out), Outcome::Reply);
            }
            if values.len() != 4 * (n + k) {
                return (error(seq, ErrorCode::BadInputs, (n + k) as u32, out), Outcome::Reply);
            }
            let (mut x, mut t) = (M::Input::ZERO, M::Output::ZERO);
            read_f32s(&values[..4 * n], x.as_mut_slice());
            read_f32s(&values[4 * n..], t.as_mut_slice());
            let bad = x.as_slice().iter().chain(t.as_slice()).position(|v| !v.is_finite());
            if let Some(i) = bad.or((!lr.is_finite()).then_some(n + k)) {
                return (error(seq, ErrorCode::NonFinite, i as u32, out), Outcome::Reply);
            }
            let start = cycles.now();
            #[cfg(feature = "finetune-adam")]
            let result = {
                tinymlp::Optimizer::<M>::set_learning_rate(&mut tuner.adam, lr);
                tuner.trainer.step_with(
                    &crate::kernel::Device,
                    *model,
                    &mut tuner.adam,
                    &[x],
                    &[t],
                    &mut tuner.rng,
                )
            };
            #[cfg(not(feature = "finetune-adam"))]
            let result = tuner.trainer.step_with(
                &crate::kernel::Device,
                *model,
                &mut Sgd::new(lr),
                &[x],
                &[t],
                &mut tuner.rng,
            );
            let ticks = cycles.since(start);
            match result {
                Ok(loss) => {
                    tuner.steps += 1;
                    let r = Response::Trained { seq, loss, steps: tuner.steps, ticks };
                    (r.write(out).unwrap_or(0), Outcome::Reply)
                }
                Err(_) => (error(seq, ErrorCode::NonFinite, (n + k + 1) as u32, out), Outcome::Reply),
            }
        }
        #[cfg(not(feature = "finetune"))]
        Request::Train { seq, .. } => (error(seq, ErrorCode::UnknownKind, 0x05, out), Outcome::Reply),
        #[cfg(feature = "finetune")]
        Request::Fetch { seq, offset } => {
            let mut bytes = [0u8; CHUNK];
            let (total, len) = file_window(model, offset as usize, &mut bytes);
            let r = Response::Chunk { seq, total: total as u32, bytes: &bytes[..len] };
            (r.write(out).unwrap_or(0), Outcome::Reply)
        }
        #[cfg(not(feature = "finetune"))]
        Request::Fetch { seq, .. } => (error(seq, ErrorCode::UnknownKind, 0x06, out), Outcome::Reply),
        #[cfg(feature = "finetune")]
        Request::Save { .. } | Request::Cut { .. } | Request::Status { .. } => {
            store_request(&request, served, store, out)
        }
        #[cfg(not(feature = "finetune"))]
        Request::Save { seq } | Request::Cut { seq, .. } | Request::Status { seq } => {
            (error(seq, ErrorCode::UnknownKind, payload[0] as u32, out), Outcome::Reply)
        }
        Request::Bench { seq, reps } => {
            let (passes, empty) = bench(model, reps, cycles);
            let values = [reps, passes, empty, crate::board::clock_hz()];
            #[cfg(feature = "profile")]
            {
                let profile = crate::profile::dense_layers(model, reps);
                let mut layers = [0u8; 4 * crate::profile::MAX_LAYERS];
                for (b, t) in layers.chunks_exact_mut(4).zip(&profile.ticks) {
                    b.copy_from_slice(&t.to_le_bytes());
                }
                let layers = &layers[..4 * profile.layers];
                (Response::Bench { seq, values, layers }.write(out).unwrap_or(0), Outcome::Reply)
            }
            #[cfg(not(feature = "profile"))]
            (Response::Bench { seq, values, layers: &[] }.write(out).unwrap_or(0), Outcome::Reply)
        }
        Request::Exit { seq, code } => {
            let values = [model_id, 0, 0, 0, 0, 0, 0];
            (Response::Info { seq, values }.write(out).unwrap_or(0), Outcome::Exit(code))
        }
    }
}

/// The sequence number of a payload (0 when it has none).
fn seq_of(payload: &[u8]) -> u8 {
    payload.get(1).copied().unwrap_or(0)
}

/// Ticks of `reps` forward passes of one fixed row, and of `reps` empty measurements (the
/// cost of reading the timer), each pass timed on its own so that the 24-bit counter cannot
/// wrap within one measurement.
fn bench<M: Layer>(model: &M, reps: u32, cycles: &mut crate::board::Cycles) -> (u32, u32) {
    let mut x = M::Input::ZERO;
    for (i, v) in x.as_mut_slice().iter_mut().enumerate() {
        *v = 0.5 - 0.25 * i as f32;
    }
    let mut y = M::Output::ZERO;
    let (mut passes, mut empty) = (0u32, 0u32);
    for _ in 0..reps {
        let t = cycles.now();
        model.forward_with(&crate::kernel::Device, core::hint::black_box(&x), &mut y);
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
fn file_window<M: Layer>(model: &M, offset: usize, window: &mut [u8]) -> (usize, usize) {
    let total = tinymlp::format::bin_len::<M>();
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
    if tinymlp::format::emit_bin(model, &mut take).is_ok() {
        let id = tinymlp::format::model_id(model).unwrap_or(0);
        take(&id.to_le_bytes());
    }
    (total, copied)
}

#[cfg(feature = "finetune")]
/// The store's state as a reply: newest slot, its sequence and model id (all `u32::MAX`
/// when there is none), the running model's id, whether a store exists.
fn stored<M: Layer>(
    seq: u8,
    model: &M,
    slot: Option<[u32; 3]>,
    store: &mut dyn Store<M>,
    out: &mut [u8],
) -> usize {
    let [s, q, id] = slot.unwrap_or([u32::MAX; 3]);
    let running = tinymlp::format::model_id(model).unwrap_or(0);
    let values = [s, q, id, running, u32::from(store.present())];
    Response::Stored { seq, values }.write(out).unwrap_or(0)
}

/// The store's requests: save, arm a power cut, status.
#[cfg(feature = "finetune")]
fn store_request<M: Layer>(
    request: &Request<'_>,
    served: &mut Served<'_, M>,
    store: &mut dyn Store<M>,
    out: &mut [u8],
) -> (usize, Outcome) {
    match *request {
        Request::Save { seq } => {
            if !store.present() {
                return (error(seq, ErrorCode::UnknownKind, 0x07, out), Outcome::Reply);
            }
            let saved = store.save(served.model());
            (stored(seq, served.model(), saved, store, out), Outcome::Reply)
        }
        Request::Cut { seq, ops } => {
            store.arm_cut(ops);
            let newest = store.newest();
            (stored(seq, served.model(), newest, store, out), Outcome::Reply)
        }
        Request::Status { seq } => {
            let newest = store.newest();
            (stored(seq, served.model(), newest, store, out), Outcome::Reply)
        }
        _ => (0, Outcome::Reply),
    }
}
