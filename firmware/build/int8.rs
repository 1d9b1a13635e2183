//! The firmware's `model.rs` for an int8 model file (`format: "tinymlp-int8"`): the layers
//! as TFLite prepares them ([`tinymlp_net::Prepared`]: int8 weights, `i32` biases, each
//! output's multiplier and shift, the tables of sigmoid and tanh) in `static`s, so they stay
//! in flash, and `forward`, the chain of the core's int8 operations over them.

use std::fmt::Write as _;
use tinymlp_net::{Prepared, QNet};

// The DSP kernel's wide layout, shared with the firmware (its self-test packs layers too).
#[allow(dead_code)]
#[path = "../src/wide_q8.rs"]
mod wide_q8;

/// The longest input row the DSP kernel widens (`MAX_IN` in `kernel_q8.rs`, outside `tiny`).
const WIDE_MAX_IN: usize = 256;

/// Whether the firmware being built gives the dense layers the DSP kernel's wide layout:
/// on the cores with the DSP extension (the `eabihf` targets), except where flash comes
/// first — the `tiny` firmware and the builds optimised for size (the `small` profile,
/// opt-level `s` or `z`) — which keep the int8 weights (half the bytes) and the `sxtb16`
/// kernel.
fn wide_target() -> bool {
    let for_size = std::env::var("OPT_LEVEL").is_ok_and(|o| o == "s" || o == "z");
    std::env::var("CARGO_CFG_TARGET_ABI").is_ok_and(|abi| abi == "eabihf")
        && std::env::var_os("CARGO_FEATURE_TINY").is_none()
        && !for_size
}

/// The wide layout of a dense layer when the target takes it and [`wide_q8::check`] accepts
/// the layer.
fn wide_layout(
    weight: &[i8],
    bias: &[i32],
    requant: &[tinymlp::quant::Requant],
    params: &tinymlp::quant::DenseQ8Params,
    n: usize,
    units: usize,
) -> Option<Vec<u32>> {
    if !wide_target() {
        return None;
    }
    let mut out = vec![0u32; wide_q8::words(n, units)];
    wide_q8::pack(weight, bias.get(..units)?, requant, params, n, WIDE_MAX_IN, &mut out).then_some(out)
}

/// Longest payload the protocol always accepts (`tinymlp_protocol::MAX_PAYLOAD`).
const MAX_PAYLOAD: usize = 256;

/// `f32` as an exact Rust expression.
fn f32_expr(v: f32) -> String {
    format!("f32::from_bits({:#010x})", v.to_bits())
}

/// `values` as a Rust array literal.
fn array<T: std::fmt::Display>(values: &[T]) -> String {
    let items: Vec<String> = values.iter().map(T::to_string).collect();
    format!("[{}]", items.join(", "))
}

/// The bytes of flash the model's constants take, and the widest activation.
pub fn sizes(net: &QNet) -> (usize, usize) {
    let mut bytes = 0;
    let mut widest = net.inputs();
    let mut width = net.inputs();
    for p in net.prepared() {
        match p {
            Prepared::Dense { weight, bias, requant, params, units } => {
                bytes += match wide_layout(weight, bias, requant, params, width, *units) {
                    Some(words) => 4 * words.len(),
                    None => weight.len() + 4 * bias.len() + 8 * requant.len(),
                };
                widest = widest.max(*units);
                width = *units;
            }
            Prepared::Table(_) => bytes += 256,
            Prepared::Softmax(_) => {}
        }
    }
    (bytes, widest)
}

/// The source of `model.rs` for `net`, read from `origin`; `budget` is the flash and RAM
/// available to the model (after the firmware's code and stack), checked here.
pub fn emit(net: &QNet, origin: &str, flash_left: usize, ram_left: usize) -> Result<String, String> {
    let (n, k) = (net.inputs(), net.outputs());
    let (bytes, widest) = sizes(net);
    if bytes > flash_left {
        return Err(format!(
            "the int8 model's constants ({bytes} B) do not fit the flash left ({flash_left} B)"
        ));
    }
    if 2 * widest + 4 * widest > ram_left {
        return Err(format!(
            "an int8 forward pass (widest layer {widest}) does not fit the RAM left ({ram_left} B)"
        ));
    }
    let mut s = String::new();
    let w = &mut s;
    writeln!(w, "// The int8 model `{origin}`, written by build.rs.").unwrap();
    writeln!(
        w,
        "#[allow(unused_imports)]\nuse tinymlp::quant::{{DenseQ8Params, Lut8, QParams, Requant, SoftmaxQ8}};"
    )
    .unwrap();
    writeln!(w, "/// Values per input row.\npub const INPUTS: usize = {n};").unwrap();
    writeln!(w, "/// Values per output row.\npub const OUTPUTS: usize = {k};").unwrap();
    let q = |p: tinymlp::quant::QParams| {
        format!("QParams {{ scale: {}, zero_point: {} }}", f32_expr(p.scale), p.zero_point)
    };
    writeln!(w, "/// The input's quantisation.\npub const INPUT: QParams = {};", q(net.input())).unwrap();
    // The float input scaler, when the model keeps one: `(x − MEAN) / SCALE` before QUANTIZE.
    let (mean, scale) = net.scaler().map_or((vec![0.0; n], vec![1.0; n]), |(m, s)| (m.to_vec(), s.to_vec()));
    let list = |v: &[f32]| v.iter().map(|&x| f32_expr(x)).collect::<Vec<_>>().join(", ");
    writeln!(w, "/// Whether the inputs are standardised in f32 before QUANTIZE.").unwrap();
    writeln!(w, "pub const SCALED: bool = {};", net.scaler().is_some()).unwrap();
    writeln!(w, "/// The float input scaler's means.\npub const MEAN: [f32; INPUTS] = [{}];", list(&mean))
        .unwrap();
    writeln!(w, "/// The float input scaler's scales.\npub const SCALE: [f32; INPUTS] = [{}];", list(&scale))
        .unwrap();
    writeln!(w, "/// The output's quantisation.\npub const OUTPUT: QParams = {};", q(net.output())).unwrap();
    writeln!(w, "/// CRC-32 of the model file without metadata: the id the host checks.").unwrap();
    writeln!(w, "pub const MODEL_ID: u32 = {:#010x};", net.id()).unwrap();
    let dense = net.prepared().iter().filter(|p| matches!(p, Prepared::Dense { .. })).count();
    writeln!(w, "/// Layers (dense, tables, softmax).\npub const LAYERS: usize = {};", net.prepared().len())
        .unwrap();
    writeln!(w, "/// Dense layers.\npub const DENSE_LAYERS: usize = {dense};").unwrap();
    let params: usize = net.parameter_bytes();
    writeln!(
        w,
        "/// Bytes of weights and biases (the parameters).\npub const PARAMETER_BYTES: usize = {params};"
    )
    .unwrap();
    writeln!(w, "/// Bytes of every constant in flash (parameters, multipliers and shifts, tables).")
        .unwrap();
    writeln!(w, "pub const MODEL_BYTES: usize = {bytes};").unwrap();
    writeln!(w, "/// The widest activation, in codes.\npub const WIDEST: usize = {widest};").unwrap();
    // kind, sequence, model id, length, the f32 inputs, CRC; the reply's f32 outputs and codes.
    let frame_payload = MAX_PAYLOAD.max(1 + 1 + 5 + 4 + 3 + 4 * n + 4).max(28 + 5 * k);
    writeln!(w, "/// The longest payload of a frame the firmware reads or writes with this model.").unwrap();
    writeln!(w, "pub const FRAME_PAYLOAD: usize = {frame_payload};").unwrap();
    // The `tiny` firmware's frames are sized for the model's own messages, not for the
    // protocol's 256 bytes: an inference request, its reply, or an info reply (kind,
    // sequence, seven u32 varints of at most 5 bytes, CRC: 41 bytes at most).
    let tiny_payload = (1 + 1 + 5 + 4 + 3 + 4 * n + 4).max(28 + 5 * k).max(1 + 1 + 7 * 5 + 4);
    writeln!(w, "/// The longest payload of a frame the `tiny` firmware reads or writes.").unwrap();
    writeln!(w, "pub const TINY_FRAME_PAYLOAD: usize = {tiny_payload};").unwrap();

    let mut body = String::new();
    let mut width = n;
    let mut dense_index = 0usize;
    writeln!(body, "    let a0: [i8; {n}] = *x;").unwrap();
    for (i, p) in net.prepared().iter().enumerate() {
        let (prev, next) = (format!("a{i}"), format!("a{}", i + 1));
        match p {
            Prepared::Dense { weight, bias, requant, params, units } => {
                let d = dense_index;
                dense_index += 1;
                if let Some(words) = wide_layout(weight, bias, requant, params, width, *units) {
                    let hex: Vec<String> = words.iter().map(|v| format!("{v:#x}")).collect();
                    writeln!(w, "static L{i}: [u32; {}] = [{}];", words.len(), hex.join(", ")).unwrap();
                    writeln!(
                        w,
                        "const P{i}: DenseQ8Params = DenseQ8Params {{ input_offset: {}, output_offset: {}, min: {}, max: {} }};",
                        params.input_offset, params.output_offset, params.min, params.max
                    )
                    .unwrap();
                    writeln!(body, "    let mut {next} = [0i8; {units}];").unwrap();
                    writeln!(body, "    K::dense_wide({d}, &L{i}, &P{i}, &{prev}, &mut {next});").unwrap();
                    width = *units;
                    continue;
                }
                writeln!(w, "static W{i}: [i8; {}] = {};", weight.len(), array(weight)).unwrap();
                writeln!(w, "static B{i}: [i32; {units}] = {};", array(bias)).unwrap();
                let r: Vec<String> = requant
                    .iter()
                    .map(|r| format!("Requant {{ multiplier: {}, shift: {} }}", r.multiplier, r.shift))
                    .collect();
                writeln!(w, "static R{i}: [Requant; {units}] = [{}];", r.join(", ")).unwrap();
                writeln!(
                    w,
                    "const P{i}: DenseQ8Params = DenseQ8Params {{ input_offset: {}, output_offset: {}, min: {}, max: {} }};",
                    params.input_offset, params.output_offset, params.min, params.max
                )
                .unwrap();
                writeln!(body, "    let mut {next} = [0i8; {units}];").unwrap();
                writeln!(body, "    K::dense({d}, &W{i}, &B{i}, &R{i}, &P{i}, &{prev}, &mut {next});")
                    .unwrap();
                width = *units;
            }
            Prepared::Table(lut) => {
                writeln!(w, "static T{i}: Lut8 = Lut8 {{ table: {} }};", array(&lut.table)).unwrap();
                writeln!(body, "    let mut {next} = [0i8; {width}];").unwrap();
                writeln!(body, "    T{i}.forward(&{prev}, &mut {next});").unwrap();
            }
            Prepared::Softmax(sm) => {
                writeln!(
                    w,
                    "const S{i}: SoftmaxQ8 = SoftmaxQ8 {{ neg_scale: {}, output: {} }};",
                    f32_expr(sm.neg_scale),
                    q(sm.output)
                )
                .unwrap();
                writeln!(body, "    let mut {next} = [0i8; {width}];").unwrap();
                writeln!(body, "    S{i}.forward(&{prev}, &mut {next});").unwrap();
            }
        }
    }
    if width != k {
        return Err(format!("the last layer has {width} outputs, the model {k}"));
    }
    writeln!(w, "/// One row of input codes through the model, each dense layer with `K`.").unwrap();
    writeln!(w, "#[inline(never)]").unwrap();
    writeln!(w, "pub fn forward<K: crate::kernel_q8::QDense>(x: &[i8; {n}], y: &mut [i8; {k}]) {{").unwrap();
    w.push_str(&body);
    writeln!(w, "    *y = a{};", net.prepared().len()).unwrap();
    writeln!(w, "}}").unwrap();
    Ok(s)
}
