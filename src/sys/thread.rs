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

/// `f` of every item, `width` items at a time, each on a thread of its own; the results in
/// the items' order. Scoped: every thread has finished when this returns (nothing is left
/// running behind a caller that goes on to a rollback). A refused thread or a panic is that
/// item's error.
pub fn each<T, R, F>(items: &[T], width: usize, f: F) -> Vec<io::Result<R>>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> io::Result<R> + Sync,
{
    let mut out = Vec::with_capacity(items.len());
    for chunk in items.chunks(width.max(1)) {
        std::thread::scope(|s| {
            let jobs: Vec<_> = chunk.iter().map(|it| std::thread::Builder::new().spawn_scoped(s, || f(it))).collect();
            for j in jobs {
                out.push(match j {
                    Ok(h) => h.join().unwrap_or_else(|_| Err(io::Error::other("thread panicked"))),
                    Err(e) => Err(e),
                });
            }
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn returns_the_value_and_turns_a_panic_into_an_error() {
        assert_eq!(super::run("add", || 1 + 1).unwrap(), 2);
        let e = super::run("boom", || -> u8 { panic!("x") }).unwrap_err();
        assert!(e.to_string().contains("boom thread panicked"), "{e}");
    }

    #[test]
    fn each_keeps_the_order_and_reports_each_failure() {
        let r = super::each(&[1, 2, 3, 4, 5], 2, |x| if *x == 4 { panic!("x") } else { Ok(x * 10) });
        let r: Vec<Option<i32>> = r.into_iter().map(|x| x.ok()).collect();
        assert_eq!(r, vec![Some(10), Some(20), Some(30), None, Some(50)]);
    }
}
