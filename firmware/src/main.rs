//! tinymlp firmware: the trained model in flash, answering inference requests over the
//! serial port (see the `tinymlp-protocol` crate), logging with defmt (over semihosting on
//! the emulated boards, RTT on real ones: [`platform`]).
//!
//! Run on the emulated board with `cargo run --release` (see README.md): without a host on
//! the serial port it runs a self-test and exits; `tinymlp compare` talks to it. The `tiny`
//! feature (int8 models) leaves out the log, the self-test and the bench request.
#![no_std]
#![no_main]

#[cfg(not(int8_model))]
mod app;
mod board;
#[cfg(own_vector)]
mod interrupts;
#[cfg_attr(int8_model, allow(dead_code))]
mod kernel;
#[cfg(feature = "load-check")]
#[cfg_attr(int8_model, allow(dead_code))]
mod kernel_check;
#[cfg(int8_model)]
mod kernel_q8;
mod platform;
#[cfg(all(feature = "profile", not(int8_model)))]
mod profile;
#[cfg(all(feature = "profile", int8_model))]
mod profile_q8;
#[cfg(int8_model)]
mod q8;
#[cfg(all(int8_model, armv6m))]
mod requant32;
mod stack;
#[cfg(int8_model)]
#[cfg_attr(not(feature = "load-check"), allow(dead_code))]
mod wide_q8;

use cortex_m_rt::{ExceptionFrame, entry, exception};
#[cfg(not(int8_model))]
use tinymlp::{Footprint, Layer};

/// The model, generated at build time from the file in `TINYMLP_MODEL`. The firmware
/// builds it with its own kernel (`model::model::<kernel::Device>()`), not as the portable
/// `model::MODEL`.
#[allow(dead_code)]
mod model {
    include!(concat!(env!("OUT_DIR"), "/model.rs"));
}

/// The model's type, with the device's kernel.
#[cfg(not(int8_model))]
type Model = model::Model<kernel::Device>;

/// The parameters stay in flash: this is a `static` of a `const` value.
#[cfg(not(int8_model))]
static MODEL: Model = model::model();

/// The model's compile-time figures on this target (`Footprint`): model bytes, parameter
/// bytes, largest activation bytes. `tinymlp bench` and the tests read them from the ELF and
/// check them against the size the linker gave `MODEL`.
#[used]
#[cfg(not(int8_model))]
static FOOTPRINT: [u32; 3] = [
    <Model as Footprint>::MODEL_BYTES as u32,
    <Model as Footprint>::PARAMETER_BYTES as u32,
    <Model as Footprint>::ACTIVATION_BYTES as u32,
];

/// Lets the runner (and the host tools) tell which board an ELF is for.
#[used]
#[unsafe(link_section = ".rodata")]
static BOARD_TAG: [u8; 14 + board::NAME.len()] = board_tag();

const fn board_tag() -> [u8; 14 + board::NAME.len()] {
    let mut tag = [0u8; 14 + board::NAME.len()];
    let prefix = b"TINYMLP_BOARD=";
    let name = board::NAME.as_bytes();
    let mut i = 0;
    while i < prefix.len() {
        tag[i] = prefix[i];
        i += 1;
    }
    while i < tag.len() {
        tag[i] = name[i - prefix.len()];
        i += 1;
    }
    tag
}

/// The `tiny` firmware: serves the int8 model from boot, with no log and no self-test.
#[cfg(feature = "tiny")]
#[entry]
fn main() -> ! {
    stack::paint();
    let mut b = board::take();
    let code = q8::serve(&mut b.serial, &mut b.led, &mut b.delay);
    platform::exit(code)
}

#[cfg(not(feature = "tiny"))]
#[entry]
fn main() -> ! {
    stack::paint();
    let mut b = board::take();
    // Taken once, at boot: `None` cannot happen (and `expect` would bring `core::fmt` in).
    let Some(core) = cortex_m::Peripherals::take() else {
        defmt::error!("the core peripherals were already taken");
        platform::exit(5)
    };
    let mut cycles = board::Cycles::new(core);
    defmt::info!("tinymlp on {=str}, model {=u32:#010x}", board::NAME, model::MODEL_ID);
    #[cfg(not(int8_model))]
    log_summary();
    #[cfg(int8_model)]
    q8::log_summary();
    let code = if platform::self_test_requested() {
        #[cfg(not(int8_model))]
        let code = self_test();
        #[cfg(int8_model)]
        let code = q8::self_test();
        code
    } else {
        defmt::info!("serving requests on UART 0");
        #[cfg(not(int8_model))]
        let code = serve(&mut b, &mut cycles);
        #[cfg(int8_model)]
        let code = q8::serve(&mut b.serial, &mut b.led, &mut b.delay, &mut cycles);
        code
    };
    let (used, size) = stack::high_water();
    defmt::info!("stack high-water mark {} of {} bytes", used, size);
    platform::exit(code)
}

/// Serves from RAM, with fine-tuning: the model and the training memory on the stack. The
/// boards with a flash store start from the newest model in it when there is one.
#[cfg(all(feature = "finetune", not(any(feature = "microbit", feature = "finetune-last"))))]
#[cfg(not(int8_model))]
fn serve(b: &mut board::Board, cycles: &mut board::Cycles) -> u8 {
    // Evaluated at compile time: the model is copied from flash, not built on the stack.
    let mut model: Model = const { model::model() };
    let mut tuner = app::Tuner::new(model::LOSS);
    #[cfg(flash_store)]
    let mut store: board::store_flash::FlashStore = match board::store_flash::FlashStore::new() {
        Some(s) => s,
        None => {
            defmt::error!("the store does not fit its region");
            return 4;
        }
    };
    #[cfg(not(flash_store))]
    let mut store = app::NoStore;
    match app::Store::load(&mut store, &mut model) {
        Some(seq) => defmt::info!("running the stored model (sequence {})", seq),
        None => defmt::info!("running the built-in model"),
    }
    let mut served = app::Served::Ram(&mut model, &mut tuner);
    app::serve(&mut served, model::MODEL_ID, &mut b.serial, &mut b.led, &mut b.delay, cycles, &mut store)
}

/// Serves with fine-tuning of the last layer only: the other layers stay in flash (fixed),
/// so RAM holds the last layer, its gradients and the caches of one sample — what fits the
/// micro:bit's 16 KiB. No store: a fixed model is not loaded from a file.
#[cfg(all(feature = "finetune", any(feature = "microbit", feature = "finetune-last")))]
#[cfg(not(int8_model))]
fn serve(b: &mut board::Board, cycles: &mut board::Cycles) -> u8 {
    let mut model = model::last_layer(&MODEL);
    let mut tuner = app::Tuner::new(model::LOSS);
    defmt::info!(
        "fine-tuning the last layer: {} B trainable model, {} B gradients, {} B caches",
        <model::LastLayer<kernel::Device> as Footprint>::MODEL_BYTES,
        <model::LastLayer<kernel::Device> as Footprint>::GRADS_BYTES,
        <model::LastLayer<kernel::Device> as Footprint>::cache_bytes::<1>()
    );
    let mut served = app::Served::Ram(&mut model, &mut tuner);
    app::serve(
        &mut served,
        model::MODEL_ID,
        &mut b.serial,
        &mut b.led,
        &mut b.delay,
        cycles,
        &mut app::NoStore,
    )
}

/// Serves from flash, inference only (without the `finetune` feature).
#[cfg(not(any(feature = "finetune", int8_model)))]
fn serve(b: &mut board::Board, cycles: &mut board::Cycles) -> u8 {
    let mut served = app::Served::Flash(&MODEL);
    app::serve(
        &mut served,
        model::MODEL_ID,
        &mut b.serial,
        &mut b.led,
        &mut b.delay,
        cycles,
        &mut app::NoStore,
    )
}

/// The model at boot: its size in one line, and in debug builds each layer (the list costs
/// about 850 bytes of flash; `tinymlp summary` prints it on the host).
#[cfg(not(int8_model))]
fn log_summary() {
    defmt::info!(
        "model: {} layers, {} trainable and {} non-trainable parameters",
        Model::LAYERS,
        Model::TRAINABLE,
        Model::NON_TRAINABLE
    );
    #[cfg(debug_assertions)]
    {
        let mut index = 0;
        MODEL.describe(&mut |info| {
            let name = match info.kind {
                tinymlp::LayerKind::Dense(a) => a.name(),
                kind => kind.names().file,
            };
            defmt::info!(
                "layer {}: {=str} {}→{}, {} parameters",
                index,
                name,
                info.inputs,
                info.outputs,
                info.trainable + info.non_trainable
            );
            index += 1;
        });
    }
    defmt::info!(
        "memory: parameters {} B in flash, largest activation {} B, model {} B",
        Model::PARAMETER_BYTES,
        Model::ACTIVATION_BYTES,
        Model::MODEL_BYTES
    );
}

/// The model's binary file, as the host exported it.
#[cfg(all(feature = "load-check", not(feature = "microbit"), not(int8_model)))]
static MODEL_BIN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/model.bin"));

/// Loads the binary model file with the core's reader on the device (into a copy on the
/// stack) and compares it with the constants in flash; `true` when identical. Boards with
/// little RAM skip it: it needs a second copy of the model.
#[cfg(all(feature = "load-check", not(feature = "microbit"), not(int8_model)))]
fn load_binary_on_device() -> bool {
    let mut copy: Model = const { model::model() };
    let loaded = &mut copy;
    // Scramble it first, so that a reader that wrote nothing cannot pass.
    loaded.visit_mut(&mut |_, ts| {
        for t in ts.iter_mut() {
            t.data.fill(0.5);
        }
    });
    match tinymlp::io::read_bin(MODEL_BIN, loaded) {
        // The same bits: the same CRC of the binary form, and equal values.
        Ok(()) => tinymlp::io::model_id(loaded) == Ok(model::MODEL_ID) && *loaded == MODEL,
        Err(e) => {
            defmt::error!("the binary model file did not load: {}", defmt::Debug2Format(&e));
            false
        }
    }
}

/// Classifies a few points of the moons and logs the answers.
#[cfg(not(int8_model))]
fn self_test() -> u8 {
    use tinymlp::numeric::Zero;
    #[cfg(feature = "load-check")]
    {
        let bad = kernel_check::self_check();
        if bad != 0 {
            defmt::error!(
                "self-test failed: the device kernel differs from the canonical one in {} results",
                bad
            );
            return 1;
        }
        defmt::info!("self-test: the device kernel gives the canonical bits");
    }
    let points: [[f32; 2]; 4] = [[-1.0, 0.5], [0.0, 1.0], [1.0, -0.5], [2.0, 0.2]];
    for p in points {
        let mut x = <Model as Layer>::Input::ZERO;
        for (d, s) in x.as_mut_slice().iter_mut().zip(p) {
            *d = s;
        }
        let mut y = <Model as Layer>::Output::ZERO;
        MODEL.forward(&x, &mut y);
        defmt::info!("self-test: {} → {} (bits {=u32:#010x})", p, y.as_slice()[0], y.as_slice()[0].to_bits());
    }
    #[cfg(all(feature = "load-check", not(feature = "microbit")))]
    {
        if !load_binary_on_device() {
            defmt::error!("self-test failed: the binary model loaded on the device differs from flash");
            return 1;
        }
        defmt::info!(
            "self-test: the binary model file ({} B) loads on the device bit for bit",
            MODEL_BIN.len()
        );
    }
    0
}

#[exception]
unsafe fn DefaultHandler(_irqn: i16) {
    #[cfg(not(feature = "tiny"))]
    defmt::error!("unexpected exception or interrupt {}", _irqn);
    platform::exit(4)
}

#[exception]
unsafe fn HardFault(_frame: &ExceptionFrame) -> ! {
    #[cfg(not(feature = "tiny"))]
    defmt::error!("HardFault at pc {=u32:#010x}", _frame.pc());
    platform::exit(3)
}
