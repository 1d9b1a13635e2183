//! Desktop tools around the `tinymlp` core.
