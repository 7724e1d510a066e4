//! Persistence of the engine's batches in the store: the JSON codec of engine records (`codec`), the
//! engine-to-store id maps (`mirror`), and applying one batch in one store commit (`apply`, with `folders`
//! and `messages` doing the item writes).

mod apply;
mod codec;
mod folders;
mod messages;
mod mirror;
mod typed;

pub use apply::ApplyStats;
pub(crate) use apply::apply;
use apply::delete_ignoring_missing;
pub(crate) use mirror::{Mirror, load};

#[cfg(test)]
mod tests;
