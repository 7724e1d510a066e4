//! Deciding a message's conversation from the conversations its header ids map to.
//!
//! What belongs here: the pure New / Join / Merge rule. What does not: the lookup (the engine's
//! store or `HeaderIdMap`) and applying a merge.

/// What to do with a message, given the conversations its header ids were found in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Resolution<C> {
    /// No header id is known: start a new conversation.
    New,
    /// Exactly one conversation was found: the message joins it.
    Join(C),
    /// Several conversations were found: they are one conversation now. `keep` survives;
    /// `absorb` (ascending, without duplicates, never containing `keep`) must be moved into it.
    Merge {
        /// The surviving conversation (the smallest id found).
        keep: C,
        /// The conversations merged into `keep`, ascending.
        absorb: Vec<C>,
    },
}

impl<C: Copy> Resolution<C> {
    /// The existing conversation the message goes to, or `None` for [`Resolution::New`].
    pub fn target(&self) -> Option<C> {
        match self {
            Resolution::New => None,
            Resolution::Join(conv) => Some(*conv),
            Resolution::Merge { keep, .. } => Some(*keep),
        }
    }
}

/// Resolves the conversation ids found for a message's header ids (duplicates allowed, any order).
///
/// On a merge the **smallest** id is kept. Why: the engine allocates conversation ids
/// monotonically, so the smallest is the oldest conversation, the one users and clients have
/// known longest (gaia's "rootiest" intent); and the rule depends only on the set of ids, never
/// on lookup or arrival order, so replaying the same mail in any order ends in the same ids.
pub fn resolve<C: Ord + Copy>(found: impl IntoIterator<Item = C>) -> Resolution<C> {
    let mut convs: Vec<C> = found.into_iter().collect();
    convs.sort_unstable();
    convs.dedup();
    let mut iter = convs.into_iter();
    let Some(keep) = iter.next() else {
        return Resolution::New;
    };
    let absorb: Vec<C> = iter.collect();
    if absorb.is_empty() {
        Resolution::Join(keep)
    } else {
        Resolution::Merge { keep, absorb }
    }
}
