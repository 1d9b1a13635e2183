//! The plain MLP, which the firmware builds with as it does with the tutorial's models: the
//! host tools load its file, and the device computes what the host computes, bit for bit.

use tinymlp::{Init, Train, Xoshiro128PlusPlus};
use tinymlp_host::board::find;
use tinymlp_host::compare::compare;
use tinymlp_host::device::build_firmware;
use tinymlp_host::model_io::{self, FileFormat};
use tinymlp_host::train::Trained;
use tinymlp_tests::moons;

#[test]
#[cfg_attr(not(qemu), ignore = "qemu-system-arm not installed: apt-get install -y qemu-system-arm")]
fn a_plain_mlp_file_runs_bit_exact_on_the_cortex_m4f() {
    let dir = tempfile::tempdir().unwrap();
    let (train, test) = moons(300, 11);
    let mut m = Box::new(tinymlp::zoo::plain_mlp());
    m.init(Init::GlorotUniform, &mut Xoshiro128PlusPlus::new(11));
    m.head.adapt(&train.x);
    let path = dir.path().join("plain.json");
    model_io::save(&Trained::Plain(m), &path, FileFormat::Json, &[], "test").unwrap();
    let model = model_io::load_tutorial(&path).expect("the host loads what the firmware builds with");
    assert!(matches!(model, Trained::Plain(_)));
    let board = find("mps2-an386").unwrap();
    let elf = build_firmware(board, &path, true).expect("the firmware builds with the plain MLP");
    let c = compare(board, &elf, &model, &(&test).into()).expect("the device answers");
    assert_eq!(c.rows, test.len());
    assert_eq!(c.bit_exact_rows, c.rows, "{}", c.table());
    assert!(c.ok, "{}", c.table());
}
