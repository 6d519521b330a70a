//! Ctrl-C and SIGTERM while a job starts or runs. One listener lives from
//! the first container created to the end of apply, so a signal that
//! arrives between two steps is kept until the next step looks for it
//! instead of being lost.

use tokio::signal::unix::{signal, Signal, SignalKind};

pub struct Interrupt {
    interrupt: Signal,
    terminate: Signal,
}

impl Interrupt {
    /// Installs the handlers; from here on, SIGINT and SIGTERM no longer
    /// end the process, and apply cleans up instead.
    pub fn listen() -> std::io::Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    /// Completes when SIGINT or SIGTERM arrives, or has arrived since the
    /// last call.
    pub async fn received(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}
