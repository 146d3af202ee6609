//! OS threads that may fail to start. `std::thread::spawn` panics when the machine refuses a
//! thread (a pids cgroup, thread exhaustion); a lab half built by a panicking `up` is never
//! rolled back, so every thread ecsnet starts goes through here and a refusal is an error.

use std::io;

/// Run `f` on a new OS thread and wait for it. A refused thread and a panic in `f` are errors
/// that say which thread (`what`).
pub fn run<T, F>(what: &str, f: F) -> io::Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let handle = std::thread::Builder::new().name(what.chars().take(15).collect()).spawn(f).map_err(|e| {
        let why = if e.kind() == io::ErrorKind::WouldBlock {
            " (the machine's process limit is reached: a pids cgroup, or kernel.threads-max)"
        } else {
            ""
        };
        io::Error::new(e.kind(), format!("cannot start a thread for {what}: {e}{why}"))
    })?;
    handle.join().map_err(|_| io::Error::other(format!("{what} thread panicked")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn returns_the_value_and_turns_a_panic_into_an_error() {
        assert_eq!(super::run("add", || 1 + 1).unwrap(), 2);
        let e = super::run("boom", || -> u8 { panic!("x") }).unwrap_err();
        assert!(e.to_string().contains("boom thread panicked"), "{e}");
    }
}
