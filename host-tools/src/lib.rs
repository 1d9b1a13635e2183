//! Desktop tools around the `tinymlp` core: data files, training recipes, model files,
//! reports and plots.

pub mod auc;
pub mod bench;
pub mod board;
pub mod compare;
pub mod data;
pub mod device;
pub mod events;
pub mod experiments;
pub mod finetune;
pub mod metrics;
pub mod model_io;
pub mod parallel;
pub mod plan;
pub mod plot;
pub mod qemu;
pub mod quantize;
pub mod report;
pub mod rust_q8;
pub mod score;
pub mod spec;
pub mod speed;
pub mod stream;
pub mod table;
pub mod tflite;
pub mod train;
