//! tinymlp firmware: the trained model in flash, answering inference requests over the
//! serial port (see the `tinymlp-protocol` crate), logging with defmt (over semihosting on
//! the emulated boards, RTT on real ones: `src/platform`).
//!
//! This is the application, with no board in it: each board is a package of
//! `firmware/boards/` whose `main` calls [`run`] with its [`Board`] (the serial port, LED,
//! delay, clock and store flash, from its HAL or its register drivers). Run a board with
//! `cargo run --release` in its folder (see README.md): on an emulated board, without a host
//! on the serial port it runs a self-test and exits; `tinymlp compare` talks to it. The
//! `tiny` feature (int8 models) leaves out the log, the self-test and the bench request.
#![no_std]

#[cfg(not(int8_model))]
mod app;
pub mod board;
pub mod drivers;
#[cfg(feature = "short-vector")]
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
pub mod store;
#[cfg(int8_model)]
#[cfg_attr(not(feature = "load-check"), allow(dead_code))]
mod wide_q8;

pub use board::{Board, Parts};
use cortex_m_rt::{ExceptionFrame, exception};
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

/// The model against a board's memory, at compile time, over the core's `Footprint`
/// constants: a backstop for the board build script's check, which gives the figures.
/// `flash` and `ram` are what the board leaves the model (less the firmware's code and the
/// serving loop's stack), `activation_copies` the activations a forward pass keeps at once.
/// A board's `board.rs` (its build script's) calls it in a `const`.
#[cfg(not(int8_model))]
pub const fn assert_fits(flash: usize, ram: usize, activation_copies: usize) {
    assert!(
        <Model as Footprint>::PARAMETER_BYTES <= flash,
        "the model's parameters and the firmware's code do not fit the board's flash"
    );
    assert!(
        <Model as Footprint>::ACTIVATION_BYTES * activation_copies <= ram,
        "a forward pass does not fit the board's RAM"
    );
    #[cfg(all(feature = "finetune", not(feature = "finetune-last")))]
    type Tuned = Model;
    #[cfg(feature = "finetune-last")]
    type Tuned = model::LastLayer<kernel::Device>;
    #[cfg(feature = "finetune")]
    {
        #[cfg(feature = "finetune-adam")]
        let adam = <Tuned as Footprint>::ADAM_BYTES;
        #[cfg(not(feature = "finetune-adam"))]
        let adam = 0;
        assert!(
            <Tuned as Footprint>::MODEL_BYTES + <Tuned as Footprint>::GRADS_BYTES + adam <= ram,
            "fine-tuning's training state does not fit the board's RAM"
        );
    }
}

/// What every board package's `main.rs` ends with: the board tag (`TINYMLP_BOARD=<name>`,
/// from the `NAME` of the package's `board.rs`, which the runner and the host tools read in
/// the ELF) and the entry that runs the application on the board type `$board`.
///
/// ```ignore
/// include!(concat!(env!("OUT_DIR"), "/board.rs"));
/// struct MyBoard;
/// impl tinymlp_firmware::Board for MyBoard { /* … */ }
/// tinymlp_firmware::board_main!(MyBoard);
/// ```
#[macro_export]
macro_rules! board_main {
    ($board:ty) => {
        /// Lets the runner (and the host tools) tell which board an ELF is for.
        #[used]
        #[unsafe(link_section = ".rodata")]
        static BOARD_TAG: [u8; $crate::tag_len(NAME)] = $crate::board_tag(NAME);

        #[cortex_m_rt::entry]
        fn main() -> ! {
            $crate::run::<$board>()
        }
    };
}

/// Bytes of the tag that lets the runner (and the host tools) tell which board an ELF is
/// for: `TINYMLP_BOARD=<name>`.
pub const fn tag_len(name: &str) -> usize {
    14 + name.len()
}

/// The tag `TINYMLP_BOARD=<name>`, for a board's `#[used]` static (`N` = [`tag_len`]).
pub const fn board_tag<const N: usize>(name: &str) -> [u8; N] {
    let mut tag = [0u8; N];
    let prefix = b"TINYMLP_BOARD=";
    let name = name.as_bytes();
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

/// The firmware, on the board `B` (a board's `main` calls it): the `tiny` firmware serves
/// the int8 model from boot, with no log and no self-test.
#[cfg(feature = "tiny")]
pub fn run<B: Board>() -> ! {
    stack::paint();
    let mut b = B::take();
    let code = q8::serve(&mut b.serial, &mut b.led, &mut b.delay);
    platform::exit(code)
}

/// The firmware, on the board `B` (a board's `main` calls it): logs the model, then runs
/// the self-test or serves the serial port until an exit request, and exits.
#[cfg(not(feature = "tiny"))]
pub fn run<B: Board>() -> ! {
    stack::paint();
    let mut b = B::take();
    // Taken once, at boot: `None` cannot happen (and `expect` would bring `core::fmt` in).
    let Some(core) = cortex_m::Peripherals::take() else {
        defmt::error!("the core peripherals were already taken");
        platform::exit(5)
    };
    let mut cycles = board::Cycles::new(core);
    defmt::info!("tinymlp on {=str}, model {=u32:#010x}", B::NAME, model::MODEL_ID);
    #[cfg(not(int8_model))]
    log_summary();
    #[cfg(int8_model)]
    q8::log_summary();
    let code = if platform::self_test_requested() {
        #[cfg(not(int8_model))]
        let code = self_test::<B>();
        #[cfg(int8_model)]
        let code = q8::self_test();
        code
    } else {
        defmt::info!("serving requests on {=str}", B::PORT);
        #[cfg(not(int8_model))]
        let code = serve::<B>(&mut b, &mut cycles);
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
#[cfg(all(feature = "finetune", not(feature = "finetune-last")))]
#[cfg(not(int8_model))]
fn serve<B: Board>(b: &mut Parts<B>, cycles: &mut board::Cycles) -> u8 {
    // Evaluated at compile time: the model is copied from flash, not built on the stack.
    let mut model: Model = const { model::model() };
    let mut tuner = app::Tuner::new(model::LOSS);
    let mut flash_store = match B::store_flash() {
        Some(region) => match store::FlashStore::new(region) {
            Some(s) => Some(s),
            None => {
                defmt::error!("the store does not fit its region");
                return 4;
            }
        },
        None => None,
    };
    let mut no_store = app::NoStore;
    let store: &mut dyn app::Store<Model> = match &mut flash_store {
        Some(s) => s,
        None => &mut no_store,
    };
    match store.load(&mut model) {
        Some(seq) => defmt::info!("running the stored model (sequence {})", seq),
        None => defmt::info!("running the built-in model"),
    }
    let mut served = app::Served::Ram(&mut model, &mut tuner);
    app::serve(&mut served, model::MODEL_ID, &mut b.serial, &mut b.led, &mut b.delay, cycles, store)
}

/// Serves with fine-tuning of the last layer only: the other layers stay in flash (fixed),
/// so RAM holds the last layer, its gradients and the caches of one sample — what fits the
/// micro:bit's 16 KiB. No store: a fixed model is not loaded from a file.
#[cfg(all(feature = "finetune", feature = "finetune-last"))]
#[cfg(not(int8_model))]
fn serve<B: Board>(b: &mut Parts<B>, cycles: &mut board::Cycles) -> u8 {
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
fn serve<B: Board>(b: &mut Parts<B>, cycles: &mut board::Cycles) -> u8 {
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
#[cfg(all(feature = "load-check", not(int8_model)))]
static MODEL_BIN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/model.bin"));

/// Loads the binary model file with the core's reader on the device (into a copy on the
/// stack) and compares it with the constants in flash; `true` when identical. Boards with
/// little RAM skip it ([`load_binary_fits`]): it needs a second copy of the model.
#[cfg(all(feature = "load-check", not(int8_model)))]
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

/// Whether the self-test loads the binary model file on a board with `ram` bytes of RAM: when
/// the second copy of the model's parameters this takes fits in half of it (not on the
/// micro:bit's 16 KiB with the seed MLP; the board's build script counts the same).
#[cfg(all(feature = "load-check", not(int8_model)))]
const fn load_binary_fits(ram: usize) -> bool {
    2 * <Model as Footprint>::PARAMETER_BYTES <= ram
}

/// Classifies a few points of the moons and logs the answers.
#[cfg(not(int8_model))]
#[cfg_attr(not(feature = "load-check"), allow(clippy::extra_unused_type_parameters))]
fn self_test<B: Board>() -> u8 {
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
    #[cfg(feature = "load-check")]
    if const { load_binary_fits(B::RAM_BYTES) } {
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
