"""Draws the random architectures of `bits.rs` (run: python3 net/tests/draw_architectures.py).

Each: 1-9 inputs or a wide 13/64, 1-4 hidden layers of 1-40 units with a random activation,
each followed by BatchNorm and/or Dropout at random, then an output layer and loss drawn
from the three tasks. Prints the Rust source of the `random_architectures` test body.
"""
import random

rng = random.Random(20261130)
acts = ["Relu", "Tanh", "Sigmoid", "Elu { alpha: 1.0 }", "LeakyRelu { alpha: 0.2 }", "Gelu", "Linear"]
for k in range(12):
    n = rng.choice([1, 2, 3, 4, 5, 7, 9, 13, 64])
    types, values = [f"Normalization<{n}>"], ["Normalization::new()"]
    width = n
    for _ in range(rng.randint(1, 4)):
        units = rng.randint(1, 40)
        types.append(f"Dense<{width}, {units}>"); values.append(f"Dense::new({rng.choice(acts)})")
        width = units
        if rng.random() < 0.4:
            types.append(f"BatchNorm<{width}>"); values.append("BatchNorm::new()")
        if rng.random() < 0.4:
            rate = rng.choice([0.1, 0.25, 0.5])
            types.append(f"Dropout<{width}>"); values.append(f"Dropout::new({rate})")
    task = rng.choice(["binary", "multi", "regression"])
    out, act, loss = {"binary": (1, "Sigmoid", "BinaryCrossEntropy"),
                      "multi": (rng.randint(3, 10), "Softmax", "CategoricalCrossEntropy"),
                      "regression": (rng.randint(1, 3), "Linear", "MeanSquaredError")}[task]
    types.append(f"Dense<{width}, {out}>"); values.append(f"Dense::new({act})")
    print(f"    check::<Sequential![{', '.join(types)}], {n}, {out}>(")
    print(f"        sequential![{', '.join(values)}],")
    print(f"        Loss::{loss},")
    print(f"        {k},")
    print("    );")
