//! The application: serves inference requests over a serial port. Generic over the
//! embedded-io / embedded-hal traits, so it runs unchanged on any board.

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::OutputPin;
use embedded_io::{Read, Write};
use tinymlp::protocol::{
    ErrorCode, FrameError, FrameReader, MAX_FRAME, MAX_PAYLOAD, Request, Response, decode_frame,
    encode_frame, read_f32s, write_f32s,
};
use tinymlp::{Layer, Signal, Zero};

/// The answer to one request, and whether to stop afterwards.
enum Outcome {
    Reply,
    Exit(u8),
}

/// Serves requests until an exit request; returns its exit code. Every malformed or
/// refused frame gets an error reply, and the next request is served.
pub fn serve<M, S, P, D>(
    model: &M,
    model_id: u32,
    serial: &mut S,
    led: &mut P,
    delay: &mut D,
    cycles: &mut crate::board::Cycles,
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
            Ok(payload) => handle(model, model_id, payload, &mut reply, led, cycles),
            Err(e) => {
                defmt::warn!("refused frame: {}", defmt::Display2Format(&e));
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
    model: &M,
    model_id: u32,
    payload: &[u8],
    out: &mut [u8],
    led: &mut P,
    cycles: &mut crate::board::Cycles,
) -> (usize, Outcome) {
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
            model.forward(&x, &mut y);
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
        Request::Bench { seq, reps } => {
            let (passes, empty) = bench(model, reps, cycles);
            let values = [reps, passes, empty, crate::board::clock_hz()];
            (Response::Bench { seq, values }.write(out).unwrap_or(0), Outcome::Reply)
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
        model.forward(core::hint::black_box(&x), &mut y);
        core::hint::black_box(&y);
        passes = passes.wrapping_add(cycles.since(t));
        let t = cycles.now();
        core::hint::black_box(&y);
        empty = empty.wrapping_add(cycles.since(t));
    }
    (passes, empty)
}
