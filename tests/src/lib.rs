//! End-to-end tests of tinymlp live in `tests/`.
