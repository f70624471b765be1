//! Running many builds at once: N packets in parallel, each on a thread of its
//! own that ends with it, with a progress bar on a terminal.

use super::CliError;

/// The most packets built at once per core: more only adds memory, not speed.
pub const MAX_JOBS_PER_CORE: usize = 4;

/// How many packets to build at once: as asked (else one per core), never more
/// than there are intakes or [`MAX_JOBS_PER_CORE`] times the cores.
pub fn workers(asked: Option<usize>, intakes: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    asked.unwrap_or(cores).min(cores * MAX_JOBS_PER_CORE).min(intakes).max(1)
}

/// Runs `one(i)` for every `i` below `count` on `workers` threads, keeping the
/// order; a run that panicked (a bug) is an error for that item only.
pub fn run<T: Send>(
    count: usize,
    workers: usize,
    progress: bool,
    one: impl Fn(usize) -> T + Sync,
) -> Result<Vec<Result<T, String>>, CliError> {
    let bar = progress.then(|| {
        let bar = indicatif::ProgressBar::new(count as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} intakes  {elapsed} (about {eta} left)")
                .expect("a valid template"),
        );
        bar
    });
    // Typst spreads a packet's layout over rayon's global pool: sized to N as well,
    // with the large stack its deep recursion needs (it may already exist when the
    // library is used twice in one process).
    let stack = crate::pdf::STACK_SIZE;
    let _ = rayon::ThreadPoolBuilder::new().num_threads(workers).stack_size(stack).build_global();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .stack_size(stack)
        .build()
        .map_err(|e| CliError::Usage(format!("cannot start {workers} workers: {e}")))?;
    let results = pool.install(|| {
        use rayon::prelude::*;
        (0..count)
            .into_par_iter()
            .map(|i| {
                // Each build on a thread of its own that ends with it, so nothing a build
                // leaves behind on its thread accumulates over a batch (measured: without
                // this, a worker's memory grew about 3 MB a packet).
                let result = std::thread::scope(|scope| {
                    std::thread::Builder::new()
                        .name("authpack-build".into())
                        .stack_size(stack)
                        .spawn_scoped(scope, || one(i))
                        .map(|h| h.join())
                });
                if let Some(b) = &bar {
                    b.inc(1);
                }
                result
            })
            .collect::<Vec<_>>()
    });
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(results
        .into_iter()
        .map(|r| match r {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err("the build panicked (a bug)".to_string()),
            Err(e) => Err(format!("cannot start a thread: {e}")),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::workers;

    #[test]
    fn workers_never_exceed_the_intakes_or_a_few_per_core() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert_eq!(workers(Some(100_000), 2), 2);
        assert_eq!(workers(Some(100_000), 10_000), cores * super::MAX_JOBS_PER_CORE);
        assert_eq!(workers(None, 1), 1);
        assert_eq!(workers(Some(0), 5), 1);
    }
}
