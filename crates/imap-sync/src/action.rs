//! `Action`: everything the engine asks the driver to do.

use crate::Batch;
use crate::wire::Command;

/// Something the driver must do.
// Actions are moved once from engine to driver; boxing the batch would only add an allocation.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, Debug)]
pub enum Action {
    /// Open a connection (TLS per account settings), then report `Input::Connected` or `Disconnected`.
    Connect,
    /// Send one command (`wire::encode` with a fresh tag; wait for `+` between segments). Feed every
    /// response back as `Input::Response`, the tagged completion last. IDLE is `Send(Command::Idle)` (its
    /// `+` is fed back and ignored) and later `Send(Command::Done)`: DONE has no tag of its own, the IDLE
    /// command's tagged OK that follows completes it.
    Send(Command),
    /// Commit this batch atomically, in order, then report `Input::BatchApplied`. The engine does not wait
    /// for the report: its memory runs ahead of the store. If a commit fails, drop this engine and start a
    /// new one from the store's snapshot (`Input::Restored`); it re-discovers whatever was lost.
    Store(Batch),
    /// Close the connection (after LOGOUT completed); no reconnect follows.
    Disconnect,
}
