//! Many checks at once: a request stream answered on worker threads, each
//! worker with its own [`Scratch`].
//!
//! Two entry points, one behaviour (`out[i] = f(request i, check(request i))`):
//!
//! - [`Engine::check_batch_with`] takes the caller's scratch spaces, one
//!   worker per scratch. A scratch keeps *plans* (the static half of a check,
//!   built on a request's first sight of its principal, action, resource and
//!   session policy), so a caller that keeps its scratches from one batch to
//!   the next answers repeated requests from warm plans. This is the one for
//!   a service: make the scratches once, at start-up, and pass the same ones
//!   to every batch.
//! - [`Engine::check_batch`] makes fresh scratch spaces for the call and drops
//!   them after: every batch starts cold and each worker builds the plans it
//!   meets. Convenient for a one-off batch (a test, a command-line run).
//!
//! Requests are split into contiguous chunks, one per scratch, whose sizes
//! differ by at most one, in scratch order: for a given number of requests
//! and of scratches, request `i` always goes to the same scratch, so a
//! caller that sends a stream of the same shape batch after batch finds each
//! request's plan in the scratch that built it. Batches that differ warm
//! every scratch alike: each keeps the plans of what it answered (up to its
//! capacity, [`crate::DEFAULT_PLANS`] by default), so the hot plans end up
//! in all of them after a few batches.

use crate::decision::{CheckError, Decision};
use crate::engine::{Engine, Scratch};
use crate::request::Request;

impl Engine {
    /// Answers many requests on `threads` worker threads (all cores when 0),
    /// each with a fresh [`Scratch`]: `out[i] = f(&requests[i],
    /// check(&requests[i]))` for every `i` below the shorter of the two
    /// lengths; the rest of `out` is left as it was.
    ///
    /// Allocates the workers' scratch spaces, which are dropped at the end,
    /// so every call builds its plans afresh. A service that checks batch
    /// after batch should keep its scratches and call
    /// [`Engine::check_batch_with`] instead.
    pub fn check_batch<T, F>(&self, requests: &[Request<'_>], out: &mut [T], threads: usize, f: F)
    where
        T: Send,
        F: Fn(&Request<'_>, Result<Decision<'_>, CheckError>) -> T + Sync,
    {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        } else {
            threads
        };
        let n = requests.len().min(out.len());
        if n == 0 {
            return;
        }
        let mut scratches: Vec<Scratch> = (0..threads.min(n)).map(|_| self.scratch()).collect();
        self.check_batch_with(&mut scratches, requests, out, f);
    }

    /// Answers many requests with the caller's scratch spaces, one worker
    /// per scratch: `out[i] = f(&requests[i], check(&requests[i]))` for every
    /// `i` below the shorter of the two lengths; the rest of `out` is left as
    /// it was.
    ///
    /// The requests are cut into contiguous chunks, one per scratch in
    /// order, their sizes differing by at most one (so with more scratches
    /// than requests the last scratches get none). The first chunks go to
    /// spawned scoped threads and the last to the calling thread; with one
    /// scratch nothing is spawned. Since the chunks depend only on the two
    /// lengths, batches of one size send request `i` to the same scratch
    /// every time, and a scratch kept across calls answers from the plans it
    /// built on the previous ones: keep one scratch per worker for the life
    /// of a service. With no scratch at all the batch runs on the calling
    /// thread with a fresh one (which is then dropped).
    ///
    /// Beyond spawning the threads, this allocates nothing itself; a check
    /// on a warm scratch allocates nothing either. Spawning is the price of
    /// a call: a scoped spawn and join took 21 µs at best and 60 µs at the
    /// median on the 2-core VM the benchmarks run on (idle; more when
    /// loaded), against 0.1-0.3 µs per warm check there, so a batch pays
    /// off on several cores when each worker has thousands of requests. A service whose requests come one at a time is better
    /// served by long-lived worker threads, each calling [`Engine::check`]
    /// with its own scratch.
    pub fn check_batch_with<T, F>(
        &self,
        scratches: &mut [Scratch],
        requests: &[Request<'_>],
        out: &mut [T],
        f: F,
    ) where
        T: Send,
        F: Fn(&Request<'_>, Result<Decision<'_>, CheckError>) -> T + Sync,
    {
        let n = requests.len().min(out.len());
        let (Some(requests), Some(out)) = (requests.get(..n), out.get_mut(..n)) else {
            return;
        };
        if n == 0 {
            return;
        }
        let f = &f;
        let Some((last, first)) = scratches.split_last_mut() else {
            let mut scratch = self.scratch();
            self.answer(&mut scratch, requests, out, f);
            return;
        };
        if first.is_empty() {
            self.answer(last, requests, out, f);
            return;
        }
        let workers = first.len() + 1;
        let (base, extra) = (n / workers, n % workers);
        std::thread::scope(|scope| {
            let mut requests = requests;
            let mut out = out;
            for (i, scratch) in first.iter_mut().enumerate() {
                let len = base + usize::from(i < extra);
                let Some((reqs, rest)) = requests.split_at_checked(len) else {
                    return;
                };
                let Some((outs, rest_out)) = std::mem::take(&mut out).split_at_mut_checked(len)
                else {
                    return;
                };
                requests = rest;
                out = rest_out;
                if len > 0 {
                    scope.spawn(move || self.answer(scratch, reqs, outs, f));
                }
            }
            // What is left is the last chunk: `base` requests, since
            // `extra < workers`.
            self.answer(last, requests, out, f);
        });
    }

    /// One worker's chunk, in order, on one scratch.
    fn answer<T, F>(&self, scratch: &mut Scratch, requests: &[Request<'_>], out: &mut [T], f: &F)
    where
        F: Fn(&Request<'_>, Result<Decision<'_>, CheckError>) -> T,
    {
        for (r, o) in requests.iter().zip(out.iter_mut()) {
            *o = f(r, self.check(scratch, r));
        }
    }
}
