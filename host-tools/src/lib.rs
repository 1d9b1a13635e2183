//! Desktop tools around the `tinymlp` core: data files, training recipes, reports, plots,
//! model files and the comparison with the device.

pub mod data;
pub mod train;
