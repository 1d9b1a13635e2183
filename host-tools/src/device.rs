//! The firmware: building it, starting it under QEMU or opening a real board's serial port,
//! and talking to it with the framed protocol.

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

/// The most bytes the host reads from the link in one call.
const READ_CHUNK: usize = 512;

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
    /// The board is not emulated: it is reached on its serial port (`--port`).
    #[error(
        "{0} is a real board, not emulated by QEMU: flash it (docs/boards.md) and give its serial port with --port"
    )]
    NotEmulated(&'static str),
    /// Starting or talking to QEMU failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The device sent something that is not a valid frame.
    #[error("device: {0}")]
    Protocol(String),
    /// The device did not answer in time.
    #[error(
        "no answer from {device} within {seconds} s (is the firmware running and serving, at the right baud rate?)"
    )]
    Timeout {
        /// `QEMU <board>` or the serial port's path.
        device: String,
        /// How long the host waited.
        seconds: f32,
    },
    /// The serial port could not be opened.
    #[error("cannot open the serial port {port}: {message}")]
    Port {
        /// The port's path.
        port: String,
        /// Why.
        message: String,
    },
}

/// Where the firmware workspace is (the application and the board packages):
/// `TINYMLP_FIRMWARE_DIR`, or next to this crate.
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
/// fastest) or `small` (opt-level "s", the smallest flash). Builds the board's package
/// (`firmware/boards/<name>`, `tinymlp-board-<name>`) from the firmware's workspace.
pub fn build_firmware_profile(
    board: Board,
    model: &Path,
    quiet: bool,
    features: &[&str],
    profile: &str,
) -> Result<PathBuf, DeviceError> {
    let dir = firmware_dir();
    let model = std::fs::canonicalize(model)?;
    let package = format!("tinymlp-board-{}", board.name);
    let target_dir =
        if features.is_empty() { dir.join("target") } else { dir.join("target").join(features.join("-")) };
    let mut cmd = Command::new("cargo");
    cmd.current_dir(&dir).args(["build", "--profile", profile, "-p", &package, "--target", board.target]);
    if !features.is_empty() {
        cmd.arg("--features").arg(features.join(","));
    }
    cmd.arg("--target-dir")
        .arg(&target_dir)
        .env("TINYMLP_MODEL", &model)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    if quiet {
        cmd.arg("--quiet");
    }
    let features_arg =
        if features.is_empty() { String::new() } else { format!(" --features {}", features.join(",")) };
    let command = format!(
        "cd {} && TINYMLP_MODEL={} cargo build --profile {profile} -p {package} --target {}{features_arg} --target-dir {}",
        dir.display(),
        model.display(),
        board.target,
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
    Ok(target_dir.join(board.target).join(profile).join(package))
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
    if board.qemu.is_none() {
        return Err(DeviceError::NotEmulated(board.name));
    }
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

/// How long the host waits for an answer before it reports that the device is silent.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// The byte stream to the firmware: QEMU's UART on a socket, or a serial port.
enum Link {
    /// QEMU, its UART on a Unix socket; the log of the run beside it.
    Qemu { child: Child, stream: UnixStream, _dir: tempfile::TempDir },
    /// A serial port (a real board, or QEMU's UART on a pseudo-terminal).
    Port(Box<dyn serialport::SerialPort>),
}

impl Link {
    fn set_timeout(&mut self, timeout: Duration) -> std::io::Result<()> {
        match self {
            Link::Qemu { stream, .. } => stream.set_read_timeout(Some(timeout)),
            Link::Port(port) => port.set_timeout(timeout).map_err(std::io::Error::from),
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Link::Qemu { stream, .. } => stream.read(buf),
            Link::Port(port) => port.read(buf),
        }
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Link::Qemu { stream, .. } => stream.write_all(bytes),
            Link::Port(port) => {
                port.write_all(bytes)?;
                port.flush()
            }
        }
    }
}

/// A running firmware: under QEMU ([`Device::start`]) or on a serial port ([`Device::open`]).
pub struct Device {
    link: Link,
    /// What the messages call the device: `QEMU <board>` or the port's path.
    name: String,
    reader: Box<FrameReader<HOST_FRAME>>,
    /// Bytes read from the link and not yet given to the frame reader.
    pending: Vec<u8>,
    /// Where the next byte of `pending` is.
    next: usize,
    /// The time the host waits for an answer now.
    timeout: Duration,
    seq: u8,
    /// Raw defmt log (semihosting output) of a QEMU run; `None` on a serial port (a real
    /// board logs over RTT to its probe).
    pub log_path: Option<PathBuf>,
}

impl Device {
    /// Starts `elf` on `board`'s emulator with the serial port on a socket.
    pub fn start(board: Board, elf: &Path) -> Result<Self, DeviceError> {
        Self::start_with(board, elf, &[])
    }

    /// [`Device::start`] with more QEMU arguments (for example `-icount`).
    pub fn start_with(board: Board, elf: &Path, extra: &[&str]) -> Result<Self, DeviceError> {
        if board.qemu.is_none() {
            return Err(DeviceError::NotEmulated(board.name));
        }
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
        stream.set_read_timeout(Some(ANSWER_TIMEOUT))?;
        Ok(Self::over(
            Link::Qemu { child, stream, _dir: dir },
            format!("QEMU {}", board.name),
            Some(log_path),
        ))
    }

    /// Opens the serial port `path` at `baud` bauds, where a board runs the firmware in serve
    /// mode (a real board, or QEMU with `-serial pty`). Nothing is sent yet.
    pub fn open(path: &Path, baud: u32) -> Result<Self, DeviceError> {
        let name = path.display().to_string();
        // DTR on: a USB CDC-ACM board (the Pico) answers only once the host has raised DTR,
        // which Linux and macOS do on opening and Windows does not unless asked.
        let port = serialport::new(name.as_str(), baud)
            .timeout(ANSWER_TIMEOUT)
            .dtr_on_open(true)
            .open()
            .map_err(|e| DeviceError::Port { port: name.clone(), message: e.to_string() })?;
        Ok(Self::over(Link::Port(port), name, None))
    }

    fn over(link: Link, name: String, log_path: Option<PathBuf>) -> Self {
        Self {
            link,
            name,
            reader: Box::new(FrameReader::with_capacity()),
            pending: Vec::with_capacity(READ_CHUNK),
            next: 0,
            timeout: ANSWER_TIMEOUT,
            seq: 0,
            log_path,
        }
    }

    /// `true` when the firmware runs under QEMU started by this `Device` (not on a port).
    pub fn is_emulated(&self) -> bool {
        matches!(self.link, Link::Qemu { .. })
    }

    /// What messages call the device: `QEMU <board>`, or the serial port's path.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets how long the host waits for an answer ([`ANSWER_TIMEOUT`] unless set).
    pub fn set_answer_timeout(&mut self, timeout: Duration) -> Result<(), DeviceError> {
        self.link.set_timeout(timeout)?;
        self.timeout = timeout;
        Ok(())
    }

    /// Sends raw bytes (for protocol tests: corrupt or truncated frames).
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), DeviceError> {
        self.link.write_all(bytes)?;
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
        loop {
            if self.next == self.pending.len() {
                // Reads what has arrived, up to a chunk: one system call for many bytes.
                self.pending.resize(READ_CHUNK, 0);
                self.next = 0;
                let n = self.link.read(&mut self.pending).map_err(|e| match e.kind() {
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => DeviceError::Timeout {
                        device: self.name.clone(),
                        seconds: self.timeout.as_secs_f32(),
                    },
                    _ => DeviceError::Io(e),
                });
                let n = match n {
                    Ok(n) => n,
                    Err(e) => {
                        self.pending.clear();
                        return Err(e);
                    }
                };
                self.pending.truncate(n);
                if n == 0 {
                    return Err(DeviceError::Protocol(format!("{} closed its serial port", self.name)));
                }
            }
            let byte = self.pending[self.next];
            self.next += 1;
            if let Some(frame) = self.reader.push(byte) {
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
        Ok(self.infer_bytes(model_id, x)?.map(|(outputs, class)| {
            let mut y = vec![0.0f32; outputs.len() / 4];
            read_f32s(&outputs, &mut y);
            (y, class)
        }))
    }

    /// [`Device::infer`] with the reply's values as bytes: an `f32` model's outputs, or an
    /// int8 model's dequantised outputs (4 bytes each) followed by its output codes.
    pub fn infer_bytes(
        &mut self,
        model_id: u32,
        x: &[f32],
    ) -> Result<Result<(Vec<u8>, u8), Response<'static>>, DeviceError> {
        let seq = self.next_seq();
        let mut bytes = vec![0u8; 4 * x.len()];
        write_f32s(x, &mut bytes);
        self.send(&Request::Infer { seq, model_id, inputs: &bytes })?;
        let payload = self.receive()?;
        match parse::<Response>(&payload).map_err(|e| DeviceError::Protocol(e.to_string()))? {
            Response::Output { seq: s, class, outputs } if s == seq => Ok(Ok((outputs.to_vec(), class))),
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
        self.set_answer_timeout(Duration::from_millis(300))?;
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
        self.set_answer_timeout(ANSWER_TIMEOUT)?;
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
    /// On a serial port the board is left serving (a board without a debugger has nothing
    /// to exit to): nothing is sent and the status is 0.
    pub fn exit(mut self, code: u8) -> Result<i32, DeviceError> {
        if !self.is_emulated() {
            return Ok(0);
        }
        let seq = self.next_seq();
        self.send(&Request::Exit { seq, code })?;
        let _ = self.receive();
        let Link::Qemu { child, .. } = &mut self.link else { return Ok(0) };
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait()? {
                return Ok(status.code().unwrap_or(-1));
            }
            if start.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                return Err(DeviceError::Protocol("QEMU did not exit".into()));
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Device {
    fn drop(&mut self) {
        if let Link::Qemu { child, .. } = &mut self.link
            && let Ok(None) = child.try_wait()
        {
            let _ = child.kill();
            let _ = child.wait();
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
            // `.boot2`: the RP2040's second-stage bootloader, at the start of its flash.
            ".boot2" | ".vector_table" | ".text" | ".rodata" => s.flash += size,
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

#[cfg(test)]
mod tests {
    use super::*;
    use serialport::SerialPort as _;

    #[test]
    fn a_port_that_cannot_open_is_named() {
        let e = Device::open(Path::new("/nonexistent/ttyACM9"), 115_200).err().unwrap();
        assert!(matches!(e, DeviceError::Port { .. }), "{e:?}");
        assert!(e.to_string().starts_with("cannot open the serial port /nonexistent/ttyACM9: "), "{e}");
    }

    #[test]
    fn a_silent_board_times_out_naming_its_port() {
        // A pseudo-terminal whose other end never answers: a board that does not serve.
        let (master, slave) = serialport::TTYPort::pair().unwrap();
        let path = PathBuf::from(slave.name().unwrap());
        drop(slave);
        let mut dev = Device::open(&path, 115_200).unwrap();
        dev.set_answer_timeout(Duration::from_millis(200)).unwrap();
        let e = dev.info().unwrap_err();
        assert!(matches!(e, DeviceError::Timeout { .. }), "{e:?}");
        assert_eq!(
            e.to_string(),
            format!(
                "no answer from {} within 0.2 s (is the firmware running and serving, at the right baud rate?)",
                path.display()
            )
        );
        drop(master);
    }

    #[test]
    fn frames_split_across_reads_and_several_in_one_read_are_received() {
        // The host's buffered reads against the other end of a pseudo-terminal: two
        // answers in one write, then one answer in two writes.
        use std::io::Write as _;
        let (mut master, slave) = serialport::TTYPort::pair().unwrap();
        let path = PathBuf::from(slave.name().unwrap());
        drop(slave);
        let mut dev = Device::open(&path, 115_200).unwrap();
        let frame = |seq: u8| {
            let mut wire = [0u8; 64];
            let r = Response::Stored {
                seq,
                slot: 1,
                generation: 2,
                stored_model_id: 3,
                running_model_id: 4,
                present: true,
            };
            tinymlp_protocol::encode(&r, &mut wire).unwrap().to_vec()
        };
        let (a, b, c) = (frame(1), frame(2), frame(3));
        master.write_all(&[a.clone(), b].concat()).unwrap();
        master.write_all(&c[..3]).unwrap();
        for seq in [1, 2] {
            let p = dev.receive().unwrap();
            assert!(matches!(parse::<Response>(&p).unwrap(), Response::Stored { seq: s, .. } if s == seq));
        }
        master.write_all(&c[3..]).unwrap();
        let p = dev.receive().unwrap();
        assert!(matches!(parse::<Response>(&p).unwrap(), Response::Stored { seq: 3, .. }));
    }
}
