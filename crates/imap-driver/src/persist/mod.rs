//! Persistence of the engine's batches in the store: the JSON codec of engine records (`codec`), the
//! engine-to-store id maps (`mirror`), and applying one batch in one store commit (`apply`).

mod apply;
mod codec;
mod mirror;

pub use apply::ApplyStats;
pub(crate) use apply::apply;
pub(crate) use mirror::{Mirror, load};
