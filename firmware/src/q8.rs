//! The firmware of an int8 model (`cfg(int8_model)`): serves inference from the constants in
//! flash (`model.rs`, from `build/int8.rs`) with the device's int8 kernel.
//!
//! An inference request carries `f32` inputs, as for an `f32` model; they are quantised with
//! the core's [`tinymlp::quant::QParams::quantize`] (TFLite's QUANTIZE). The reply's values
//! are the dequantised outputs (`f32`, 4 bytes each) followed by the output codes (one byte
//! each), so that the host compares the codes themselves. Info, bench, reset and exit are
//! answered as for an `f32` model; the training and store requests are refused (an int8
//! model is inference only). The `tiny` firmware also refuses the bench request, and its
//! frames hold the model's own messages only (`TINY_FRAME_PAYLOAD`): a longer frame gets
//! an oversized error.

use embedded_hal::delay::DelayNs;
use embedded_hal::digital::OutputPin;
use embedded_io::{Read, Write};
#[cfg(not(feature = "tiny"))]
use tinymlp_protocol::MAX_BENCH_REPS;
use tinymlp_protocol::{
    ErrorCode, FrameError, FrameReader, Message, Request, Response, encode_long, frame_len, read_f32s,
    write_f32s,
};

use crate::kernel_q8::Device8;
use crate::model::{INPUT, INPUTS, MEAN, MODEL_ID, OUTPUT, OUTPUTS, SCALE, SCALED};

/// The longest frame the firmware reads and writes.
#[cfg(not(feature = "tiny"))]
const FRAME: usize = frame_len(crate::model::FRAME_PAYLOAD);
#[cfg(feature = "tiny")]
const FRAME: usize = frame_len(crate::model::TINY_FRAME_PAYLOAD);

/// The output codes of one row of real inputs.
fn infer(x: &[f32; INPUTS]) -> [i8; OUTPUTS] {
    // The float scaler first when the model keeps one: one subtraction and one division,
    // as the host's `QNet::quantize_input`.
    let codes: [i8; INPUTS] =
        core::array::from_fn(|i| INPUT.quantize(if SCALED { (x[i] - MEAN[i]) / SCALE[i] } else { x[i] }));
    let mut y = [0i8; OUTPUTS];
    crate::model::forward::<Device8>(&codes, &mut y);
    y
}

/// The reply to a request that is not served, or to a frame that could not be read.
fn error(seq: u8, code: ErrorCode, detail: u32) -> Response<'static> {
    Response::Error { seq, code, detail }
}

/// Serves requests until an exit request; returns its exit code.
pub fn serve<S: Read + Write, P: OutputPin, D: DelayNs>(
    serial: &mut S,
    led: &mut P,
    delay: &mut D,
    #[cfg(not(feature = "tiny"))] cycles: &mut crate::board::Cycles,
) -> u8 {
    let mut reader = FrameReader::<FRAME>::with_capacity();
    let mut byte = [0u8; 1];
    loop {
        if serial.read(&mut byte).unwrap_or(0) == 0 {
            continue;
        }
        let Some(request) = reader.read::<Request>(byte[0]) else { continue };
        let mut scratch = [0u8; 5 * OUTPUTS];
        #[cfg(feature = "profile")]
        let mut scratch_bench = [0u8; 4 * crate::profile_q8::MAX_LAYERS];
        let mut exit = None;
        let mut reset = false;
        let reply = match request {
            Err(e) => match e {
                FrameError::Oversized => error(0, ErrorCode::Oversized, FRAME as u32),
                FrameError::UnknownKind { kind, seq } => error(seq, ErrorCode::UnknownKind, kind),
                FrameError::Undecodable { seq } => error(seq, ErrorCode::BadFrame, 0),
                FrameError::BadCobs | FrameError::Truncated | FrameError::BadCrc => {
                    error(0, ErrorCode::BadFrame, 0)
                }
            },
            Ok(Request::Infer { seq, model_id, inputs }) => {
                if model_id != MODEL_ID {
                    error(seq, ErrorCode::WrongModel, MODEL_ID)
                } else if inputs.len() != 4 * INPUTS {
                    error(seq, ErrorCode::BadInputs, INPUTS as u32)
                } else {
                    let mut x = [0.0f32; INPUTS];
                    read_f32s(inputs, &mut x);
                    match x.iter().position(|v| !v.is_finite()) {
                        Some(i) => error(seq, ErrorCode::NonFinite, i as u32),
                        None => {
                            let q = infer(&x);
                            let y: [f32; OUTPUTS] = core::array::from_fn(|i| OUTPUT.dequantize(q[i]));
                            let class = if OUTPUTS == 1 {
                                u8::from(y[0] > 0.5)
                            } else {
                                tinymlp::eval::metrics::argmax(&y) as u8
                            };
                            let _ = if class == 1 { led.set_high() } else { led.set_low() };
                            write_f32s(&y, &mut scratch[..4 * OUTPUTS]);
                            for (b, c) in scratch[4 * OUTPUTS..].iter_mut().zip(q) {
                                *b = c as u8;
                            }
                            Response::Output { seq, class, outputs: &scratch }
                        }
                    }
                }
            }
            Ok(Request::Info { seq }) => {
                let (stack_used, stack_size) = crate::stack::high_water();
                Response::Info {
                    seq,
                    model_id: MODEL_ID,
                    inputs: INPUTS as u32,
                    outputs: OUTPUTS as u32,
                    trainable: crate::model::PARAMETER_BYTES as u32,
                    non_trainable: 0,
                    stack_used,
                    stack_size,
                }
            }
            #[cfg(not(feature = "tiny"))]
            Ok(Request::Bench { seq, reps }) if reps > MAX_BENCH_REPS => {
                error(seq, ErrorCode::OutOfRange, MAX_BENCH_REPS)
            }
            #[cfg(not(feature = "tiny"))]
            Ok(Request::Bench { seq, reps }) => {
                let (passes, empty) = bench(reps, cycles);
                let clock_hz = crate::board::clock_hz();
                #[cfg(feature = "profile")]
                let layers = {
                    let (ticks, n) = crate::profile_q8::dense_layers(reps);
                    for (b, t) in scratch_bench.chunks_exact_mut(4).zip(&ticks[..n]) {
                        b.copy_from_slice(&t.to_le_bytes());
                    }
                    &scratch_bench[..4 * n]
                };
                #[cfg(not(feature = "profile"))]
                let layers = &[];
                Response::Bench { seq, reps, passes, empty, clock_hz, layers }
            }
            Ok(r @ (Request::Exit { .. } | Request::Reset { .. })) => {
                match r {
                    Request::Exit { code, .. } => exit = Some(code),
                    _ => reset = true,
                }
                Response::Info {
                    seq: r.seq(),
                    model_id: MODEL_ID,
                    inputs: 0,
                    outputs: 0,
                    trainable: 0,
                    non_trainable: 0,
                    stack_used: 0,
                    stack_size: 0,
                }
            }
            // Training and the store: an int8 model is inference only (and the bench request
            // in the `tiny` firmware).
            Ok(other) => error(other.seq(), ErrorCode::UnknownKind, other.kind()),
        };
        let mut wire = [0u8; FRAME + 1];
        match encode_long(&reply, &mut wire) {
            Ok(bytes) => {
                let _ = serial.write_all(bytes);
                let _ = serial.flush();
            }
            #[cfg(not(feature = "tiny"))]
            Err(e) => defmt::error!("reply not sent: {}", e),
            #[cfg(feature = "tiny")]
            Err(_) => {}
        }
        if reset {
            delay.delay_ms(1);
            cortex_m::peripheral::SCB::sys_reset();
        }
        if let Some(code) = exit {
            delay.delay_ms(1);
            return code;
        }
    }
}

#[cfg(not(feature = "tiny"))]
/// Ticks of `reps` forward passes of one fixed row (quantisation of the inputs included),
/// and of `reps` empty measurements.
fn bench(reps: u32, cycles: &mut crate::board::Cycles) -> (u32, u32) {
    let x: [f32; INPUTS] = core::array::from_fn(|i| 0.5 - 0.25 * i as f32);
    let (mut passes, mut empty) = (0u32, 0u32);
    for _ in 0..reps {
        let t = cycles.now();
        let y = infer(core::hint::black_box(&x));
        core::hint::black_box(&y);
        passes = passes.wrapping_add(cycles.since(t));
        let t = cycles.now();
        core::hint::black_box(&y);
        empty = empty.wrapping_add(cycles.since(t));
    }
    (passes, empty)
}

#[cfg(not(feature = "tiny"))]
/// The self-test: the DSP kernel against the portable one (`load-check`), then a few rows.
pub fn self_test() -> u8 {
    #[cfg(feature = "load-check")]
    {
        let bad = crate::kernel_check::self_check_q8();
        if bad != 0 {
            defmt::error!(
                "self-test failed: the int8 device kernel differs from the portable one in {} results",
                bad
            );
            return 1;
        }
        defmt::info!("self-test: the int8 device kernel gives the portable kernel's codes");
    }
    for i in 0..4 {
        let x: [f32; INPUTS] = core::array::from_fn(|j| (i as f32 - 1.5) * 0.5 + 0.1 * j as f32);
        let y = infer(&x);
        defmt::info!("self-test: row {} → codes {}", i, &y[..]);
    }
    0
}

#[cfg(not(feature = "tiny"))]
/// The model at boot, in one line.
pub fn log_summary() {
    defmt::info!(
        "int8 model: {} layers ({} dense), {} B of parameters, {} B of constants in flash",
        crate::model::LAYERS,
        crate::model::DENSE_LAYERS,
        crate::model::PARAMETER_BYTES,
        crate::model::MODEL_BYTES
    );
}
