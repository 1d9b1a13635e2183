//! `compare`'s errors name what they are about: a missing firmware file by its path.

use std::path::Path;
use tinymlp_host::board::find;
use tinymlp_host::compare::{Rows, compare};
use tinymlp_tests::small_trained_model;

#[test]
fn a_missing_elf_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let (model, _, test) = small_trained_model(dir.path(), 1);
    let board = find("mps2-an386").unwrap();
    let e = compare(board, Path::new("/missing/firmware.elf"), &model, &Rows::from(&test)).unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("/missing/firmware.elf") && msg.contains("No such file"), "{msg}");
}

/// A model whose last layer holds weights of ±3e38 overflows to NaN on some rows: the device
/// answers such a row with an error naming the output, never with NaN as a result, and
/// `compare` fails naming the row.
#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn a_non_finite_output_is_an_error_naming_the_row() {
    use tinymlp::Layer;
    use tinymlp_host::device::{Device, build_firmware};
    use tinymlp_protocol::{ErrorCode, Response};
    let dir = tempfile::tempdir().unwrap();
    let (_, path, test) = small_trained_model(dir.path(), 1);
    let mut net = tinymlp_net::Net::read(&std::fs::read(&path).unwrap()).unwrap();
    let mut matrices = 0;
    net.visit_mut(&mut |_, ts| matrices += ts.iter().filter(|t| t.matrix).count());
    let mut seen = 0;
    net.visit_mut(&mut |_, ts| {
        for t in ts.iter_mut().filter(|t| t.matrix) {
            seen += 1;
            if seen == matrices {
                for (i, w) in t.data.iter_mut().enumerate() {
                    *w = if i % 2 == 0 { 3e38 } else { -3e38 };
                }
            }
        }
    });
    let huge = tinymlp_tests::save_net(&net, dir.path(), "huge");
    let rows = Rows::from(&test);
    let bad =
        rows.x.iter().position(|x| !net.predict(x)[0].is_finite()).expect("a row overflows on the host");
    let board = find("mps2-an386").unwrap();
    let elf = build_firmware(board, &huge, true).unwrap();
    let mut dev = Device::start(board, &elf).unwrap();
    match dev.infer(net.id().unwrap(), &rows.x[bad]).unwrap() {
        Err(Response::Error { code: ErrorCode::NonFiniteOutput, detail: 0, .. }) => {}
        other => panic!("row {bad}: {other:?}"),
    }
    assert_eq!(dev.exit(0).unwrap(), 0);
    let e = compare(board, &elf, &net, &rows).unwrap_err().to_string();
    assert!(e.contains(&format!("row {} ", bad + 1)) && e.contains("non-finite"), "{e}");
}
