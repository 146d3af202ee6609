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

/// `f` of every item on at most `width` threads that each take the next item when done with
/// one (no thread per item, no wait for the slowest of a batch); the results in the items'
/// order. `f` runs on a thread made for the purpose, which may have run `f` for an earlier
/// item: it may change what is per thread (a network namespace) but must not count on a
/// fresh one. Scoped, as [`each`]. A panic is that item's error; an item no thread could take
/// (the machine refused every one) gets the refusal.
pub fn workers<T, R, F>(items: &[T], width: usize, f: F) -> Vec<io::Result<R>>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> io::Result<R> + Sync,
{
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<io::Result<R>>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let mut refused = None;
    std::thread::scope(|s| {
        let work = || {
            loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(it) = items.get(i) else { return };
                let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(it)))
                    .unwrap_or_else(|_| Err(io::Error::other("thread panicked")));
                if let Ok(mut v) = slots.lock() {
                    v[i] = Some(r);
                }
            }
        };
        for _ in 0..width.clamp(1, items.len().max(1)) {
            if let Err(e) = std::thread::Builder::new().spawn_scoped(s, work) {
                refused = Some(e);
                break;
            }
        }
    });
    let slots = slots.into_inner().unwrap_or_else(|e| e.into_inner());
    slots
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| {
                let why = refused.as_ref().map(|e| e.to_string()).unwrap_or_default();
                Err(io::Error::other(format!("cannot start a thread: {why}")))
            })
        })
        .collect()
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

    #[test]
    fn workers_keep_the_order_reuse_threads_and_report_each_failure() {
        let r = super::workers(&[1, 2, 3, 4, 5], 2, |x| if *x == 4 { panic!("x") } else { Ok(x * 10) });
        let r: Vec<Option<i32>> = r.into_iter().map(|x| x.ok()).collect();
        assert_eq!(r, vec![Some(10), Some(20), Some(30), None, Some(50)]);
        let names = super::workers(&[0; 40], 3, |_| Ok(std::thread::current().id()));
        let mut ids: Vec<_> = names.into_iter().map(|r| format!("{:?}", r.unwrap())).collect();
        ids.sort();
        ids.dedup();
        assert!(ids.len() <= 3, "{ids:?}");
        assert!(super::workers(&[] as &[u8], 4, |_| Ok(())).is_empty());
    }
}
