//! Numbers: the canonical order of operations ([`kernel`]), the `libm` functions both
//! sides share ([`math`]), random draws ([`random`], [`Xoshiro128PlusPlus`]) and the traits
//! that see a model's parameters as flat slices ([`Params`]) and rows as arrays ([`Signal`]).

pub mod kernel;
pub mod math;
pub(crate) mod params;
pub mod random;
mod randomness;
mod rng;
mod signal;

pub use params::{AsFlat, Params};
pub use randomness::{NoDropout, Randomness};
pub use rng::Xoshiro128PlusPlus;
pub use signal::{Signal, Zero};
