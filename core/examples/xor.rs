//! Trains a 2-8-1 network on XOR with Adam and prints its summary, the loss and the answers.
//!
//! `cargo run --release -p tinymlp --example xor`

use tinymlp::layers::*;
use tinymlp::numeric::*;
use tinymlp::train::optim::*;
use tinymlp::train::*;
use tinymlp::*;

type Xor = Sequential![Dense<2, 8>, Dense<8, 1>];

fn main() {
    let mut rng = Xoshiro128PlusPlus::new(42);
    let mut net: Xor = sequential![Dense::new(Activation::Tanh), Dense::new(Activation::Sigmoid)];
    net.init(Init::GlorotUniform, &mut rng);
    println!("{}", Summary(&net));
    let x = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]];
    let t = [[0.0], [1.0], [1.0], [0.0]];
    let mut trainer = Trainer::<Xor, 4>::new(Loss::BinaryCrossEntropy);
    let mut opt = Adam::<Xor>::new(0.05);
    for epoch in 1..=1000 {
        let loss = trainer.step(&mut net, &mut opt, &x, &t, &mut rng).expect("finite training step");
        if epoch % 200 == 0 {
            println!("epoch {epoch:4}  loss {loss:.5}");
        }
    }
    for xi in &x {
        let mut y = [0.0];
        net.forward(xi, &mut y);
        println!("{xi:?} → {:.4} (class {})", y[0], u8::from(y[0] > 0.5));
    }
    println!(
        "model {} B, gradients {} B, Adam {} B, training caches for 4 rows {} B",
        Xor::MODEL_BYTES,
        Xor::GRADS_BYTES,
        Xor::ADAM_BYTES,
        Xor::cache_bytes::<4>()
    );
}
