//! The firmware's answers to bad frames: an error reply each time, and the next request
//! is served.

use tinymlp_host::board::find;
use tinymlp_host::device::{Device, build_firmware_with};
use tinymlp_protocol::{
    ErrorCode, MAX_FRAME, Message, Request, Response, encode, encode_payload, parse, write_f32s,
};
use tinymlp_tests::small_trained_model;

/// The next reply is an error with `code`; its sequence number and detail.
fn expect_error(dev: &mut Device, code: ErrorCode) -> (u8, u32) {
    let p = dev.receive().unwrap();
    match parse::<Response>(&p).unwrap() {
        Response::Error { seq, code: c, detail } => {
            assert_eq!(c, code);
            (seq, detail)
        }
        other => panic!("expected {code:?}, got {other:?}"),
    }
}

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn bad_frames_get_error_replies_and_the_device_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let (model, path, test) = small_trained_model(dir.path(), 1);
    let board = find("mps2-an386").unwrap();
    // With fine-tuning, so that training requests are served too.
    let elf = build_firmware_with(board, &path, true, &["finetune"]).unwrap();
    let mut dev = Device::start(board, &elf).unwrap();
    let id = model.model_id();
    let x = test.x[0];
    let good = |dev: &mut Device| {
        let (y, _) = dev.infer(id, &x).unwrap().expect("served");
        assert_eq!(y[0].to_bits(), model.predict(&x).to_bits());
    };
    good(&mut dev);

    // A frame whose bytes were corrupted in transit: the CRC catches it.
    let mut bytes = [0u8; 8];
    write_f32s(&x, &mut bytes);
    let mut wire = [0u8; MAX_FRAME + 1];
    let frame = encode(&Request::Infer { seq: 9, model_id: id, inputs: &bytes }, &mut wire).unwrap().to_vec();
    let m = frame.len();
    let mut corrupt = frame.clone();
    corrupt[5] ^= 0x21;
    if corrupt[5] == 0 {
        corrupt[5] = 0x7F;
    }
    dev.send_raw(&corrupt).unwrap();
    assert_eq!(expect_error(&mut dev, ErrorCode::BadFrame), (0, 0));
    good(&mut dev);

    // A truncated frame (the delimiter arrives early).
    let mut truncated = frame[..m / 2].to_vec();
    truncated.push(0);
    dev.send_raw(&truncated).unwrap();
    assert_eq!(expect_error(&mut dev, ErrorCode::BadFrame), (0, 0));
    good(&mut dev);

    // An oversized frame.
    let mut huge = vec![0x55u8; MAX_FRAME + 40];
    huge.push(0);
    dev.send_raw(&huge).unwrap();
    assert_eq!(expect_error(&mut dev, ErrorCode::Oversized), (0, MAX_FRAME as u32));
    good(&mut dev);

    // Another model's id: the device says which model it runs.
    match dev.infer(id ^ 1, &x).unwrap() {
        Err(Response::Error { code: ErrorCode::WrongModel, detail, .. }) => assert_eq!(detail, id),
        other => panic!("{other:?}"),
    }
    // A NaN input, and the wrong number of inputs.
    match dev.infer(id, &[1.0, f32::NAN]).unwrap() {
        Err(Response::Error { code: ErrorCode::NonFinite, detail: 1, .. }) => {}
        other => panic!("{other:?}"),
    }
    match dev.infer(id, &[1.0, 2.0, 3.0]).unwrap() {
        Err(Response::Error { code: ErrorCode::BadInputs, detail: 2, .. }) => {}
        other => panic!("{other:?}"),
    }
    // An unknown message kind: the reply names it and carries the frame's sequence number.
    dev.send_raw(encode_payload(&[0x42, 1, 2, 3], &mut wire).unwrap()).unwrap();
    assert_eq!(expect_error(&mut dev, ErrorCode::UnknownKind), (1, 0x42));
    good(&mut dev);
    // A known kind whose body does not decode (a bench request without its count).
    dev.send_raw(encode_payload(&[3, 11], &mut wire).unwrap()).unwrap();
    assert_eq!(expect_error(&mut dev, ErrorCode::BadFrame), (11, 0));
    good(&mut dev);
    // Training requests: another model, a NaN target, the wrong number of values.
    match dev.train(id ^ 1, 0.01, &x, &[1.0]).unwrap() {
        Err(Response::Error { code: ErrorCode::WrongModel, .. }) => {}
        other => panic!("{other:?}"),
    }
    match dev.train(id, 0.01, &x, &[f32::NAN]).unwrap() {
        Err(Response::Error { code: ErrorCode::NonFinite, detail: 2, .. }) => {}
        other => panic!("{other:?}"),
    }
    match dev.train(id, 0.01, &x, &[]).unwrap() {
        Err(Response::Error { code: ErrorCode::BadInputs, detail: 3, .. }) => {}
        other => panic!("{other:?}"),
    }
    // A refused step changed nothing: the model still answers as the host's copy.
    good(&mut dev);
    assert_eq!(dev.exit(0).unwrap(), 0);
}

/// Cases tried against the device, each a request the firmware used to act on: a bench of
/// `u32::MAX` repetitions (busy for days), a cut of `u32::MAX` operations, learning rates
/// 1e30, −0.01, 0 and 11, binary cross-entropy targets 5.0 and −3.0. Each now gets an
/// `OutOfRange` reply, and the model still answers as the host's copy.
#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn counts_learning_rates_and_targets_beyond_their_limits_are_refused() {
    use tinymlp_protocol::{MAX_BENCH_REPS, MAX_CUT_OPS};
    let dir = tempfile::tempdir().unwrap();
    let (model, path, test) = small_trained_model(dir.path(), 1);
    let board = find("mps2-an386").unwrap();
    let elf = build_firmware_with(board, &path, true, &["finetune"]).unwrap();
    let mut dev = Device::start(board, &elf).unwrap();
    let id = model.model_id();
    let x = test.x[0];
    let good = |dev: &mut Device| {
        let (y, _) = dev.infer(id, &x).unwrap().expect("served");
        assert_eq!(y[0].to_bits(), model.predict(&x).to_bits());
    };
    let mut cases = 0;
    for (request, limit) in [
        (Request::Bench { seq: 21, reps: u32::MAX }, MAX_BENCH_REPS),
        (Request::Bench { seq: 22, reps: MAX_BENCH_REPS + 1 }, MAX_BENCH_REPS),
        (Request::Cut { seq: 23, ops: u32::MAX }, MAX_CUT_OPS),
    ] {
        dev.send(&request).unwrap();
        assert_eq!(expect_error(&mut dev, ErrorCode::OutOfRange), (request.seq(), limit), "{request:?}");
        good(&mut dev);
        cases += 1;
    }
    // A bench at the limit's scale still runs (a few repetitions).
    assert_eq!(dev.bench(3).unwrap().0[0], 3);
    // The learning rate's index follows the 2 inputs and the 1 target.
    for lr in [1e30, -0.01, 0.0, 11.0] {
        match dev.train(id, lr, &x, &[1.0]).unwrap() {
            Err(Response::Error { code: ErrorCode::OutOfRange, detail: 3, .. }) => {}
            other => panic!("lr {lr}: {other:?}"),
        }
        cases += 1;
    }
    for t in [5.0, -3.0, 1.01] {
        match dev.train(id, 0.01, &x, &[t]).unwrap() {
            Err(Response::Error { code: ErrorCode::OutOfRange, detail: 2, .. }) => {}
            other => panic!("target {t}: {other:?}"),
        }
        cases += 1;
    }
    // Nothing was trained: the model answers as before, and a valid step is still taken.
    good(&mut dev);
    assert!(dev.train(id, 0.01, &x, &[1.0]).unwrap().is_ok());
    assert_eq!(cases, 10);
    assert_eq!(dev.exit(0).unwrap(), 0);
}
