//! A cap on concurrent password checks. One argon2id check takes about 19 MiB and a
//! core for tens of milliseconds; without a cap, 100 simultaneous logins took the
//! server to 2-3.9 GiB and every login to 1.8 s.
//!
//! A login takes a seat before anything is stored or checked: at most
//! `checks × (1 + WAITING_PER_CHECK)` logins are in progress, and at most `checks`
//! password checks run at once (default: the machine's cores). With every seat taken a
//! login is refused at once ([`IssuanceError::Busy`]: 503 with `Retry-After`), never
//! queued.
//!
//! Each running check works in argon2 memory taken from the gate's pool (at most
//! `checks` buffers of 19 MiB, reused): per-check allocations of that size were kept by
//! the allocator, one per thread that ever ran a check (+230 MiB after 10 checks).

use std::num::NonZeroUsize;
use std::sync::Mutex;

use argon2::{Block, Params};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::{IssuanceError, Result};

/// Logins that may wait for a check, per check that may run.
pub const WAITING_PER_CHECK: usize = 4;
/// What a refused login is told to wait, in seconds.
pub const BUSY_RETRY_AFTER_SECS: u64 = 1;

/// The cap (see the module).
pub struct CheckGate {
    checks: usize,
    seats: Semaphore,
    running: Semaphore,
    /// argon2 memory of the checks not running, for the next ones.
    memory: Mutex<Vec<Vec<Block>>>,
}

/// A turn to run one check, with its argon2 memory (given back to the pool on drop).
pub(crate) struct Turn<'a> {
    gate: &'a CheckGate,
    _running: SemaphorePermit<'a>,
    pub(crate) memory: Vec<Block>,
}

/// Blocks of argon2 memory of the default parameters (what every stored hash uses).
fn default_blocks() -> usize {
    Params::default().block_count()
}

/// A login's seat: held from before the attempt is counted until it is settled.
pub(crate) struct Seat<'a> {
    gate: &'a CheckGate,
    _seat: SemaphorePermit<'a>,
}

impl CheckGate {
    /// At most `checks` password checks at once (at least one).
    pub fn new(checks: usize) -> CheckGate {
        let checks = checks.max(1);
        CheckGate {
            checks,
            seats: Semaphore::new(checks * (1 + WAITING_PER_CHECK)),
            running: Semaphore::new(checks),
            memory: Mutex::new(Vec::new()),
        }
    }

    /// The machine's cores, the default number of concurrent checks.
    pub fn cores() -> usize {
        std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
    }

    /// How many checks may run at once.
    pub fn checks(&self) -> usize {
        self.checks
    }

    /// A seat, or `Busy` at once if every seat is taken.
    pub(crate) fn seat(&self) -> Result<Seat<'_>> {
        let seat = self.seats.try_acquire().map_err(|_| IssuanceError::Busy {
            retry_after_secs: BUSY_RETRY_AFTER_SECS,
        })?;
        Ok(Seat {
            gate: self,
            _seat: seat,
        })
    }
}

impl Default for CheckGate {
    fn default() -> Self {
        CheckGate::new(CheckGate::cores())
    }
}

impl<'a> Seat<'a> {
    /// Waits for a turn to run a check (at most every other seat is ahead).
    pub(crate) async fn turn(&self) -> Result<Turn<'a>> {
        let running = self
            .gate
            .running
            .acquire()
            .await
            .map_err(|e| IssuanceError::Internal(format!("check gate: {e}")))?;
        let memory = self
            .gate
            .memory
            .lock()
            .expect("memory pool")
            .pop()
            .unwrap_or_default();
        Ok(Turn {
            gate: self.gate,
            _running: running,
            memory,
        })
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        // Memory grown for unusual parameters is let go, not kept.
        let memory = std::mem::take(&mut self.memory);
        if memory.len() == default_blocks() {
            self.gate.memory.lock().expect("memory pool").push(memory);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_gate_refuses_at_once_and_a_freed_seat_admits_again() {
        let gate = CheckGate::new(2);
        let seats: Vec<_> = (0..2 * (1 + WAITING_PER_CHECK))
            .map(|_| gate.seat().unwrap())
            .collect();
        assert!(matches!(
            gate.seat(),
            Err(IssuanceError::Busy {
                retry_after_secs: 1
            })
        ));
        let a = seats[0].turn().await.unwrap();
        let b = seats[1].turn().await.unwrap();
        assert_eq!(gate.running.available_permits(), 0, "two checks at once");
        drop(a);
        let c = seats[2].turn().await.unwrap();
        drop((b, c, seats));
        assert!(gate.seat().is_ok());
        // Memory of the default size goes back to the pool; other sizes do not.
        let seat = gate.seat().unwrap();
        let mut t = seat.turn().await.unwrap();
        t.memory = vec![Block::default(); default_blocks()];
        drop(t);
        let mut t = seat.turn().await.unwrap();
        assert_eq!(t.memory.len(), default_blocks(), "reused");
        t.memory = vec![Block::default(); 8];
        drop(t);
        assert!(gate.memory.lock().unwrap().is_empty());
        assert_eq!(CheckGate::new(0).checks(), 1);
    }
}
