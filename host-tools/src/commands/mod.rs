//! The `tinymlp` subcommands: one module each, with its arguments (`Args`) and `run`.

pub mod bench;
pub mod compare;
pub mod eval;
pub mod experiment;
pub mod export;
pub mod finetune;
pub mod import;
pub mod plot;
pub mod port;
pub mod predict;
pub mod quantize;
pub mod speed;
pub mod summary;
pub mod train;

use anyhow::{Result, ensure};
use tinymlp_host::device::{self, DeviceError};

/// Fails unless `qemu-system-arm` can be started.
fn require_qemu() -> Result<()> {
    if device::qemu_available() { Ok(()) } else { Err(DeviceError::NoQemu.into()) }
}

/// Fails unless `lr` is a usable learning rate.
fn check_lr(lr: f32) -> Result<()> {
    ensure!(lr.is_finite() && lr > 0.0, "--lr must be a positive number, got {lr}");
    Ok(())
}
