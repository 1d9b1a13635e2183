//! The firmware's answers to bad frames: an error reply each time, and the next request
//! is served.

use tinymlp::protocol::{ErrorCode, MAX_FRAME, Request, Response, encode_frame};
use tinymlp_host::board::find;
use tinymlp_host::device::{Device, build_firmware_with};
use tinymlp_tests::small_trained_model;

fn expect_error(dev: &mut Device, code: ErrorCode) -> u32 {
    let p = dev.receive().unwrap();
    match Response::parse(&p).unwrap() {
        Response::Error { code: c, detail, .. } => {
            assert_eq!(c, code);
            detail
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
    let mut bytes = [0u8; 12];
    tinymlp::protocol::write_f32s(&x, &mut bytes[4..]);
    bytes[..4].copy_from_slice(&id.to_le_bytes());
    let mut payload = [0u8; 64];
    let n = Request::Infer { seq: 9, model_id: id, inputs: &bytes[..12] }.write(&mut payload).unwrap();
    let mut wire = [0u8; MAX_FRAME + 1];
    let m = encode_frame(&payload[..n], &mut wire).unwrap();
    let mut corrupt = wire[..m].to_vec();
    corrupt[5] ^= 0x21;
    if corrupt[5] == 0 {
        corrupt[5] = 0x7F;
    }
    dev.send_raw(&corrupt).unwrap();
    expect_error(&mut dev, ErrorCode::BadFrame);
    good(&mut dev);

    // A truncated frame (the delimiter arrives early).
    let mut truncated = wire[..m / 2].to_vec();
    truncated.push(0);
    dev.send_raw(&truncated).unwrap();
    expect_error(&mut dev, ErrorCode::BadFrame);
    good(&mut dev);

    // An oversized frame.
    let mut huge = vec![0x55u8; MAX_FRAME + 40];
    huge.push(0);
    dev.send_raw(&huge).unwrap();
    assert_eq!(expect_error(&mut dev, ErrorCode::Oversized), MAX_FRAME as u32);
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
    // An unknown message kind.
    let m = encode_frame(&[0x42, 1, 2, 3], &mut wire).unwrap();
    dev.send_raw(&wire[..m]).unwrap();
    assert_eq!(expect_error(&mut dev, ErrorCode::UnknownKind), 0x42);
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
