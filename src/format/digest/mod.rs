//! Digests: a channel's pending batch → the embeds it is posted as, folding
//! bursts. A pure function of the batch (its activities, in outbox order, and
//! whether each one's follow wants digests), so a resend of the same batch
//! after a crash builds the same message, and the first message of a batch,
//! digested alone, is that same message again (the groups it holds are whole).
//!
//! - Same action on the same thing (show, season, episode or movie) by several
//!   activities → one embed: "23 people checked in to The Walking Dead S11E05
//!   …", people named up to [`NAMES_LISTED`] and the rest counted as "…and N
//!   more", the time span, for ratings the average and spread.
//! - What is left: one user's same action over consecutive episodes of one
//!   season → one embed: "walter watched 8 episodes of Breaking Bad: S05E01–E08".
//! - Only checkins, seen, scrobbles, ratings, watchlist, collection and watching
//!   fold, and only without a comment: shouts, reviews and anything carrying
//!   text (where a spoiler would be) keep their own embed, rendered as always.
//!
//! - `group`: which activities fold together (pure, on indices).
//! - `embed`: the digest embeds.

mod embed;
mod group;

use crate::activity::Activity;

use super::embed::Embed;
use super::pack::{pack_tagged, Message};
use super::render::render;

pub use group::{groups, Group};

/// People named in a digest before "…and N more".
pub const NAMES_LISTED: usize = 20;

/// One pending activity of the batch and whether its follow wants digests.
#[derive(Clone, Copy, Debug)]
pub struct Item<'a> {
    pub activity: &'a Activity,
    pub digest: bool,
}

/// One embed of the digest and the batch items (indices, ascending) it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    pub members: Vec<usize>,
    pub embed: Embed,
}

/// The batch as embeds: every item in exactly one part, parts ordered by their
/// oldest member.
pub fn digest(items: &[Item<'_>]) -> Vec<Part> {
    groups(items)
        .into_iter()
        .map(|g| {
            let embed = match &g {
                Group::Single(i) => items.get(*i).map(|it| render(it.activity)),
                Group::Fold(members) => embed::fold(&activities(items, members)),
                Group::Run(members) => embed::run(&activities(items, members)),
            };
            Part {
                members: g.members(),
                embed: embed.unwrap_or_default(),
            }
        })
        .collect()
}

/// The batch digested and packed into messages, each with the items it holds.
pub fn messages(items: &[Item<'_>]) -> Vec<(Message, Vec<usize>)> {
    let tagged = digest(items)
        .into_iter()
        .map(|p| (p.embed, p.members))
        .collect();
    pack_tagged(tagged)
        .into_iter()
        .map(|(m, members)| (m, members.into_iter().flatten().collect()))
        .collect()
}

fn activities<'a>(items: &[Item<'a>], members: &[usize]) -> Vec<&'a Activity> {
    members
        .iter()
        .filter_map(|i| items.get(*i).map(|it| it.activity))
        .collect()
}

#[cfg(test)]
mod tests;
