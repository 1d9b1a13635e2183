//! The firmware under QEMU: building it, starting it, and talking to it over its serial
//! port with the framed protocol.

use crate::board::Board;
use crate::qemu;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tinymlp_protocol::{
    FrameReader, Request, Response, decode_frame, encode_long, frame_len, parse, read_f32s, write_f32s,
};

/// The longest frame the host reads: replies of a model with many outputs can be longer
/// than the protocol's `MAX_FRAME`.
const HOST_FRAME: usize = frame_len(16 * 1024);

/// Why the device could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// QEMU is not installed.
    #[error(
        "qemu-system-arm is not installed; install it with `apt-get install -y qemu-system-arm` (Debian/Ubuntu)"
    )]
    NoQemu,
    /// Building the firmware failed.
    #[error("building the firmware for {board} failed (exit {status}){}; run `{command}` to see all", if message.is_empty() { String::new() } else { format!(":\n{message}\n") })]
    Build {
        /// The board.
        board: &'static str,
        /// cargo's exit status.
        status: i32,
        /// The command to rerun.
        command: String,
        /// What the firmware's build script said (for example that the model does not fit
        /// the board), when it said something.
        message: String,
    },
    /// Starting or talking to QEMU failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The device sent something that is not a valid frame, or nothing in time.
    #[error("device: {0}")]
    Protocol(String),
}

/// Where the firmware crate is: `TINYMLP_FIRMWARE_DIR`, or next to this crate.
pub fn firmware_dir() -> PathBuf {
    std::env::var_os("TINYMLP_FIRMWARE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware"))
}

/// `true` when `qemu-system-arm` can be started.
pub fn qemu_available() -> bool {
    Command::new(qemu::PROGRAM).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

/// Builds the firmware for `board` with the model file `model` (JSON or binary); returns the
/// ELF's path.
pub fn build_firmware(board: Board, model: &Path, quiet: bool) -> Result<PathBuf, DeviceError> {
    build_firmware_with(board, model, quiet, &[])
}

/// [`build_firmware`] with more cargo features (for example `load-check`). Each feature set
/// builds into its own target directory, so the ELFs do not replace each other.
pub fn build_firmware_with(
    board: Board,
    model: &Path,
    quiet: bool,
    features: &[&str],
) -> Result<PathBuf, DeviceError> {
    build_firmware_profile(board, model, quiet, features, "release")
}

/// [`build_firmware_with`] in a cargo profile of the firmware: `release` (opt-level 3, the
/// fastest) or `small` (opt-level "s", the smallest flash).
pub fn build_firmware_profile(
    board: Board,
    model: &Path,
    quiet: bool,
    features: &[&str],
    profile: &str,
) -> Result<PathBuf, DeviceError> {
    let dir = firmware_dir();
    let model = std::fs::canonicalize(model)?;
    let all_features: Vec<&str> = std::iter::once(board.name).chain(features.iter().copied()).collect();
    let target_dir =
        if features.is_empty() { dir.join("target") } else { dir.join("target").join(features.join("-")) };
    let mut cmd = Command::new("cargo");
    cmd.current_dir(&dir)
        .args([
            "build",
            "--profile",
            profile,
            "--target",
            board.target,
            "--no-default-features",
            "--features",
        ])
        .arg(all_features.join(","))
        .arg("--target-dir")
        .arg(&target_dir)
        .env("TINYMLP_MODEL", &model)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    if quiet {
        cmd.arg("--quiet");
    }
    let command = format!(
        "cd {} && TINYMLP_MODEL={} cargo build --profile {profile} --target {} --no-default-features --features {} --target-dir {}",
        dir.display(),
        model.display(),
        board.target,
        all_features.join(","),
        target_dir.display()
    );
    cmd.stderr(Stdio::piped());
    let output = cmd.output()?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !quiet || !output.status.success() {
        eprint!("{stderr}");
    }
    if !output.status.success() {
        return Err(DeviceError::Build {
            board: board.name,
            status: output.status.code().unwrap_or(-1),
            command,
            message: build_script_error(&stderr),
        });
    }
    Ok(target_dir.join(board.target).join(profile).join("tinymlp-firmware"))
}

/// The firmware build script's own message in cargo's output: its `error:` line and the
/// lines after it (cargo prints them indented under `--- stderr`).
pub fn build_script_error(stderr: &str) -> String {
    let Some((_, after)) = stderr.split_once("--- stderr") else { return String::new() };
    let lines: Vec<&str> = after
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("error:"))
        .take_while(|l| l.starts_with("  ") || l.trim_start().starts_with("error:"))
        .map(str::trim_end)
        .collect();
    lines.iter().map(|l| l.strip_prefix("  ").unwrap_or(l)).collect::<Vec<_>>().join("\n")
}

/// Runs the firmware's self-test (QEMU started with the argument `selftest`, no serial
/// port): it logs the model, classifies a few points, loads the binary model file with the
/// core's reader on the device and compares it with the constants in flash. Returns QEMU's
/// exit status (0 when the self-test passed).
pub fn run_self_test(board: Board, elf: &Path) -> Result<i32, DeviceError> {
    if !qemu_available() {
        return Err(DeviceError::NoQemu);
    }
    let mut child = qemu::command(board, elf, qemu::Mode::SelfTest, "null", &[])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status.code().unwrap_or(-1));
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            return Err(DeviceError::Protocol("the self-test did not finish within 60 s".into()));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A running firmware under QEMU.
pub struct Device {
    child: Child,
    stream: UnixStream,
    reader: Box<FrameReader<HOST_FRAME>>,
    seq: u8,
    _dir: tempfile::TempDir,
    /// Raw defmt log (semihosting output) of the run.
    pub log_path: PathBuf,
}

impl Device {
    /// Starts `elf` on `board`'s emulator with the serial port on a socket.
    pub fn start(board: Board, elf: &Path) -> Result<Self, DeviceError> {
        Self::start_with(board, elf, &[])
    }

    /// [`Device::start`] with more QEMU arguments (for example `-icount`).
    pub fn start_with(board: Board, elf: &Path, extra: &[&str]) -> Result<Self, DeviceError> {
        if !qemu_available() {
            return Err(DeviceError::NoQemu);
        }
        let dir = tempfile::tempdir()?;
        let sock = dir.path().join("uart.sock");
        let log_path = dir.path().join("firmware.defmt");
        let serial = format!("unix:{},server=on,wait=on", sock.display());
        let mut cmd = qemu::command(board, elf, qemu::Mode::Serve, &serial, extra);
        cmd.stdin(Stdio::null()).stdout(std::fs::File::create(&log_path)?).stderr(Stdio::piped());
        let mut child = cmd.spawn()?;
        let start = Instant::now();
        let stream = loop {
            match UnixStream::connect(&sock) {
                Ok(s) => break s,
                Err(_) if start.elapsed() < Duration::from_secs(20) => {
                    if let Some(status) = child.try_wait()? {
                        let mut err = String::new();
                        if let Some(mut e) = child.stderr.take() {
                            let _ = e.read_to_string(&mut err);
                        }
                        return Err(DeviceError::Protocol(format!(
                            "QEMU exited ({status}) before serving: {err}"
                        )));
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => return Err(e.into()),
            }
        };
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            child,
            stream,
            reader: Box::new(FrameReader::with_capacity()),
            seq: 0,
            _dir: dir,
            log_path,
        })
    }

    /// Sends raw bytes (for protocol tests: corrupt or truncated frames).
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), DeviceError> {
        self.stream.write_all(bytes)?;
        Ok(())
    }

    /// Sends a request, framed (longer than the protocol's `MAX_FRAME` when a model's rows
    /// need it: the firmware built with that model reads them).
    pub fn send(&mut self, request: &Request<'_>) -> Result<(), DeviceError> {
        let mut wire = vec![0u8; HOST_FRAME + 1];
        let bytes = encode_long(request, &mut wire).map_err(|e| DeviceError::Protocol(e.to_string()))?;
        self.send_raw(bytes)
    }

    /// Waits for the next response frame and returns its payload, COBS undone and CRC checked
    /// (a [`Response`] to [`parse`]).
    pub fn receive(&mut self) -> Result<Vec<u8>, DeviceError> {
        let mut byte = [0u8; 1];
        loop {
            let n = self.stream.read(&mut byte).map_err(|e| match e.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                    DeviceError::Protocol("no answer within 30 s".into())
                }
                _ => e.into(),
            })?;
            if n == 0 {
                return Err(DeviceError::Protocol("the device closed its serial port".into()));
            }
            if let Some(frame) = self.reader.push(byte[0]) {
                let frame = frame.map_err(|e| DeviceError::Protocol(e.to_string()))?;
                let payload = decode_frame(frame).map_err(|e| DeviceError::Protocol(e.to_string()))?;
                return Ok(payload.to_vec());
            }
        }
    }

    fn next_seq(&mut self) -> u8 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Runs inference on one row; returns the outputs and the class, or the device's error.
    pub fn infer(
        &mut self,
        model_id: u32,
        x: &[f32],
    ) -> Result<Result<(Vec<f32>, u8), Response<'static>>, DeviceError> {
        let seq = self.next_seq();
        let mut bytes = vec![0u8; 4 * x.len()];
        write_f32s(x, &mut bytes);
        self.send(&Request::Infer { seq, model_id, inputs: &bytes })?;
        let payload = self.receive()?;
        match parse::<Response>(&payload).map_err(|e| DeviceError::Protocol(e.to_string()))? {
            Response::Output { seq: s, class, outputs } if s == seq => {
                let mut y = vec![0.0f32; outputs.len() / 4];
                read_f32s(outputs, &mut y);
                Ok(Ok((y, class)))
            }
            Response::Error { seq: s, code, detail } if s == seq || s == 0 => {
                Ok(Err(Response::Error { seq: s, code, detail }))
            }
            other => Err(DeviceError::Protocol(format!("unexpected answer {other:?} to request {seq}"))),
        }
    }

    /// Model id, inputs, outputs, trainable, non-trainable, stack used, stack size.
    pub fn info(&mut self) -> Result<[u32; 7], DeviceError> {
        let seq = self.next_seq();
        self.send(&Request::Info { seq })?;
        let payload = self.receive()?;
        match parse::<Response>(&payload).map_err(|e| DeviceError::Protocol(e.to_string()))? {
            Response::Info {
                model_id,
                inputs,
                outputs,
                trainable,
                non_trainable,
                stack_used,
                stack_size,
                ..
            } => Ok([model_id, inputs, outputs, trainable, non_trainable, stack_used, stack_size]),
            other => Err(DeviceError::Protocol(format!("unexpected answer {other:?} to an info request"))),
        }
    }

    /// One fine-tuning step on the device (SGD, one sample); the loss and the steps so far,
    /// or the device's error.
    pub fn train(
        &mut self,
        model_id: u32,
        lr: f32,
        x: &[f32],
        t: &[f32],
    ) -> Result<Result<(f32, u32, u32), Response<'static>>, DeviceError> {
        let seq = self.next_seq();
        let mut bytes = vec![0u8; 4 * (x.len() + t.len())];
        write_f32s(x, &mut bytes[..4 * x.len()]);
        write_f32s(t, &mut bytes[4 * x.len()..]);
        self.send(&Request::Train { seq, model_id, lr, values: &bytes })?;
        let payload = self.receive()?;
        match parse::<Response>(&payload).map_err(|e| DeviceError::Protocol(e.to_string()))? {
            Response::Trained { loss, steps, ticks, .. } => Ok(Ok((loss, steps, ticks))),
            Response::Error { seq, code, detail } => Ok(Err(Response::Error { seq, code, detail })),
            other => Err(DeviceError::Protocol(format!("unexpected answer {other:?} to a training step"))),
        }
    }

    /// The model's binary file as the device holds it now (fetched in chunks).
    pub fn fetch_model(&mut self) -> Result<Vec<u8>, DeviceError> {
        let mut file = Vec::new();
        loop {
            let seq = self.next_seq();
            self.send(&Request::Fetch { seq, offset: file.len() as u32 })?;
            let payload = self.receive()?;
            match parse::<Response>(&payload).map_err(|e| DeviceError::Protocol(e.to_string()))? {
                Response::Chunk { total, bytes, .. } => {
                    file.extend_from_slice(bytes);
                    if file.len() >= total as usize || bytes.is_empty() {
                        file.truncate(total as usize);
                        return Ok(file);
                    }
                }
                other => {
                    return Err(DeviceError::Protocol(format!("unexpected answer {other:?} to a fetch")));
                }
            }
        }
    }

    /// The store's state: newest slot, its sequence number, its model id (`u32::MAX` for
    /// each when there is none), the running model's id, 1 when the board has a store.
    pub fn status(&mut self) -> Result<[u32; 5], DeviceError> {
        let seq = self.next_seq();
        self.send(&Request::Status { seq })?;
        self.stored(seq)
    }

    /// The store's state answering request `seq` (answers to earlier requests are skipped).
    fn stored(&mut self, seq: u8) -> Result<[u32; 5], DeviceError> {
        loop {
            let payload = self.receive()?;
            match parse::<Response>(&payload).map_err(|e| DeviceError::Protocol(e.to_string()))? {
                Response::Stored { seq: s, slot, generation, stored_model_id, running_model_id, present }
                    if s == seq =>
                {
                    return Ok([slot, generation, stored_model_id, running_model_id, u32::from(present)]);
                }
                Response::Stored { .. } => continue,
                other => {
                    return Err(DeviceError::Protocol(format!(
                        "unexpected answer {other:?} to a store request"
                    )));
                }
            }
        }
    }

    /// Keeps the running model in the device's flash store; the store's state after.
    pub fn save(&mut self) -> Result<[u32; 5], DeviceError> {
        let seq = self.next_seq();
        self.send(&Request::Save { seq })?;
        self.stored(seq)
    }

    /// Confirms the model the device booted on trial, so that it is kept; the store's state
    /// after, or the device's error (`NothingOnTrial`).
    pub fn confirm(&mut self) -> Result<Result<[u32; 5], Response<'static>>, DeviceError> {
        let seq = self.next_seq();
        self.send(&Request::Confirm { seq })?;
        let payload = self.receive()?;
        match parse::<Response>(&payload).map_err(|e| DeviceError::Protocol(e.to_string()))? {
            Response::Stored { slot, generation, stored_model_id, running_model_id, present, .. } => {
                Ok(Ok([slot, generation, stored_model_id, running_model_id, u32::from(present)]))
            }
            Response::Error { seq, code, detail } => Ok(Err(Response::Error { seq, code, detail })),
            other => Err(DeviceError::Protocol(format!("unexpected answer {other:?} to a confirm request"))),
        }
    }

    /// Resets the device; waits for it to boot again (from its store) and returns the
    /// store's state then.
    pub fn reset(&mut self) -> Result<[u32; 5], DeviceError> {
        let seq = self.next_seq();
        self.send(&Request::Reset { seq })?;
        self.receive()?;
        self.await_reboot()
    }

    /// Saves with a power cut after `ops` flash operations: the device resets in the middle
    /// of the save. Waits for it to boot again and returns the store's state then.
    pub fn save_with_power_cut(&mut self, ops: u32) -> Result<[u32; 5], DeviceError> {
        let seq = self.next_seq();
        self.send(&Request::Cut { seq, ops })?;
        self.stored(seq)?;
        let seq = self.next_seq();
        self.send(&Request::Save { seq })?;
        self.await_reboot()
    }

    /// Confirms with a power cut after `ops` flash operations (the confirm writes one mark):
    /// waits for the device to boot again and returns the store's state then. When the cut
    /// falls past the confirm's operations, it is armed still and the device does not
    /// reset: the store's state after the confirm.
    pub fn confirm_with_power_cut(&mut self, ops: u32) -> Result<[u32; 5], DeviceError> {
        let seq = self.next_seq();
        self.send(&Request::Cut { seq, ops })?;
        self.stored(seq)?;
        let seq = self.next_seq();
        self.send(&Request::Confirm { seq })?;
        self.await_reboot()
    }

    /// Asks for the store's state until the rebooted device answers (none comes from a
    /// device that reset).
    fn await_reboot(&mut self) -> Result<[u32; 5], DeviceError> {
        self.stream.set_read_timeout(Some(Duration::from_millis(300)))?;
        let start = Instant::now();
        let result = loop {
            self.reader.clear();
            let seq = self.next_seq();
            self.send(&Request::Status { seq })?;
            match self.stored(seq) {
                Ok(v) => break Ok(v),
                Err(_) if start.elapsed() < Duration::from_secs(20) => continue,
                Err(e) => break Err(e),
            }
        };
        // Answers to the earlier status requests may still arrive: read them off.
        while self.receive().is_ok() {}
        self.reader.clear();
        self.stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        result
    }

    /// Times `reps` forward passes on the device: repetitions, ticks of the passes, ticks of
    /// the empty measurements, core clock in Hz; and the ticks of each dense layer's
    /// `W·x + b` over the repetitions.
    pub fn bench(&mut self, reps: u32) -> Result<([u32; 4], Vec<u32>), DeviceError> {
        let seq = self.next_seq();
        self.send(&Request::Bench { seq, reps })?;
        let payload = self.receive()?;
        match parse::<Response>(&payload).map_err(|e| DeviceError::Protocol(e.to_string()))? {
            Response::Bench { reps, passes, empty, clock_hz, layers, .. } => Ok((
                [reps, passes, empty, clock_hz],
                layers.chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
            )),
            other => Err(DeviceError::Protocol(format!("unexpected answer {other:?} to a bench request"))),
        }
    }

    /// Asks the firmware to exit with `code` and waits for QEMU; returns QEMU's exit status.
    pub fn exit(mut self, code: u8) -> Result<i32, DeviceError> {
        let seq = self.next_seq();
        self.send(&Request::Exit { seq, code })?;
        let _ = self.receive();
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status.code().unwrap_or(-1));
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                return Err(DeviceError::Protocol("QEMU did not exit".into()));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Flash and RAM the firmware occupies, from its ELF sections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Sizes {
    /// Bytes in flash: vector table, code, read-only data, initial values of `.data`.
    pub flash: u64,
    /// Bytes of static RAM: `.data`, `.bss`, `.uninit`.
    pub ram: u64,
    /// Bytes of the model in flash: the size the linker gave the firmware's `MODEL` (0 when
    /// the ELF has no such symbol).
    pub model: u64,
    /// The same figure as the firmware computed it at compile time (`Footprint::MODEL_BYTES`
    /// on the target, stored in its `FOOTPRINT`; 0 when absent).
    pub model_compile_time: u64,
}

/// Reads the flash and RAM sizes of an ELF.
pub fn elf_sizes(elf: &Path) -> Result<Sizes, DeviceError> {
    use object::{Object, ObjectSection, ObjectSymbol};
    let data = std::fs::read(elf)?;
    let file =
        object::File::parse(&*data).map_err(|e| DeviceError::Protocol(format!("{}: {e}", elf.display())))?;
    let mut s = Sizes::default();
    for sec in file.sections() {
        let name = sec.name().unwrap_or("");
        let size = sec.size();
        match name {
            ".vector_table" | ".text" | ".rodata" => s.flash += size,
            ".data" => {
                s.flash += size;
                s.ram += size;
            }
            ".bss" | ".uninit" => s.ram += size,
            _ => {}
        }
    }
    // `tinymlp_firmware::MODEL` and `tinymlp_firmware::FOOTPRINT`, mangled.
    let symbol = |name: &str| file.symbols().find(|sym| sym.name().is_ok_and(|n| n.contains(name)));
    s.model = symbol("16tinymlp_firmware5MODEL").map_or(0, |sym| sym.size());
    if let Some(sym) = symbol("16tinymlp_firmware9FOOTPRINT") {
        let bytes = sym
            .section_index()
            .and_then(|i| file.section_by_index(i).ok())
            .and_then(|sec| Some((sec.address(), sec.data().ok()?)))
            .and_then(|(base, data)| data.get((sym.address() - base) as usize..)?.get(..4));
        if let Some(b) = bytes {
            s.model_compile_time = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64;
        }
    }
    Ok(s)
}
