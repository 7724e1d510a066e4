//! Persistence of the engine's batches in the store: the JSON codec of engine records (`codec`), the
//! engine-to-store id maps (`mirror`), and applying one batch in one store commit (`apply`, with `folders`
//! and `messages` doing the item writes), and the mailbox the state belongs to (`source`).

mod apply;
mod codec;
mod folders;
mod header_ids;
mod messages;
mod mirror;
mod source;
mod typed;

pub use apply::ApplyStats;
pub(crate) use apply::apply;
use apply::{delete_ignoring_missing, set_loc_row};
pub(crate) use mirror::{Mirror, load};
pub(crate) use source::check_source;

#[cfg(test)]
mod tests;
