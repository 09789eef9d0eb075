//! The adaptive poll schedule, as pure functions (issue 16): how busy each
//! show is ([`rate`]), how the request budget is shared out between shows
//! ([`alloc`]: intervals from a √rate rule, clamped between the fastest and
//! the slowest interval), and when each show is polled next, with the burst
//! rule, new follows and v1 batching ([`next`]), and what the store keeps
//! per show and feed ([`record`]). No clock is read and no I/O
//! is done here: every time is an argument.

pub mod alloc;
pub mod next;
pub mod rate;
pub mod record;

#[cfg(test)]
mod proptests;

pub use alloc::{allocate, Allocation, Budget, Limits, Overload, Policy};
pub use next::{after_poll, batch_due, due_at, is_burst, BurstRule, ShowPlan};
pub use rate::RateEstimate;
pub use record::Record;
