//! The network writer on hand-made inputs: the YAML it writes, the notes, and that the
//! scenario validator accepts the file.
