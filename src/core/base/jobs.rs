//! Background work for front ends: [`Latest`] is a slot where a newer request supersedes an older
//! one (the TUI submits a render + validation per edit; only the newest may deliver a result).
//! Superseded work is aborted: its future is dropped, which kills any helm it started.

/// One slot of work where a newer request supersedes an older one: submitting aborts the
/// previous task (its helm process is killed when its future is dropped).
#[derive(Debug, Default)]
pub struct Latest {
    current: Option<tokio::task::AbortHandle>,
    generation: u64,
}

impl Latest {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts `fut`, cancelling whatever was running. Await the handle for the result; an older
    /// request's handle resolves to a cancelled `JoinError`.
    pub fn submit<F>(&mut self, fut: F) -> (u64, tokio::task::JoinHandle<F::Output>)
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        if let Some(old) = self.current.take() {
            old.abort();
        }
        self.generation += 1;
        let handle = tokio::spawn(fut);
        self.current = Some(handle.abort_handle());
        (self.generation, handle)
    }

    /// Starts `fut` like [`Latest::submit`] and hands its output to `deliver` with the request's
    /// number. A superseded request is aborted before it delivers; a front end still compares the
    /// number with [`Latest::generation`] so that a result already in flight is never shown over
    /// a newer one.
    pub fn submit_with<F, D>(&mut self, fut: F, deliver: D) -> u64
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
        D: FnOnce(u64, F::Output) + Send + 'static,
    {
        let generation = self.generation + 1;
        let (g, _) = self.submit(async move {
            let out = fut.await;
            deliver(generation, out);
        });
        debug_assert_eq!(g, generation);
        generation
    }

    /// Cancels the running request, if any.
    pub fn cancel(&mut self) {
        if let Some(old) = self.current.take() {
            old.abort();
        }
    }
}
