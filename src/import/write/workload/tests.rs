//! End-to-end tests of the workload writer.
