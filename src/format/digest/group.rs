//! Which activities of a batch fold together: pure, on indices into the batch.
//!
//! First, same action on the same thing (two or more activities) → a fold.
//! Then, among what is left, one user's same action over consecutive episodes
//! of one season (two or more) → a run. The rest stay single. Groups are
//! disjoint and ordered by their oldest member; a group depends only on its own
//! members and on which other items share its keys, so the items of a prefix
//! of whole groups group again into exactly those groups.

use std::collections::HashMap;

use crate::activity::{Activity, Show, Subject, User};
use crate::trakt::Action;

use super::Item;

/// Items that become one embed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Group {
    /// One activity, rendered as always.
    Single(usize),
    /// Same action on the same thing (indices ascending).
    Fold(Vec<usize>),
    /// One user's action over consecutive episodes (indices ascending).
    Run(Vec<usize>),
}

impl Group {
    /// The items, ascending.
    pub fn members(&self) -> Vec<usize> {
        match self {
            Group::Single(i) => vec![*i],
            Group::Fold(m) | Group::Run(m) => m.clone(),
        }
    }

    fn first(&self) -> usize {
        match self {
            Group::Single(i) => *i,
            Group::Fold(m) | Group::Run(m) => m.first().copied().unwrap_or(usize::MAX),
        }
    }
}

/// Whether an action may fold at all.
pub(super) fn folding_action(a: Action) -> bool {
    matches!(
        a,
        Action::Watching
            | Action::Scrobble
            | Action::Checkin
            | Action::Seen
            | Action::Collection
            | Action::Rating
            | Action::Watchlist
    )
}

/// Whether this item may be part of a fold or run: its follow wants digests,
/// its action folds, and it carries no text of its own.
fn foldable(item: &Item<'_>) -> bool {
    let a = item.activity;
    item.digest && folding_action(a.action) && a.comment.is_none()
}

fn show_key(show: &Show) -> Option<String> {
    if let Some(id) = show.trakt {
        return Some(format!("t{id}"));
    }
    if let Some(slug) = show.slug() {
        return Some(format!("s{slug}"));
    }
    if let Some(id) = show.tvdb {
        return Some(format!("v{id}"));
    }
    show.title.as_ref().map(|t| format!("n{t}"))
}

/// What the activity is about, as a key: `None` when it cannot be told apart
/// reliably (a run of episodes, a list, something missing).
fn subject_key(a: &Activity) -> Option<String> {
    match &a.subject {
        Subject::Show { show } => Some(format!("show/{}", show_key(show)?)),
        Subject::Season {
            show: Some(show),
            season,
        } => Some(format!("season/{}/{}", show_key(show)?, season.number?)),
        Subject::Episode {
            show: Some(show),
            episode,
        } => Some(format!(
            "episode/{}/{}/{}",
            show_key(show)?,
            episode.season?,
            episode.number?
        )),
        Subject::Movie { movie } => match (movie.trakt, &movie.title) {
            (Some(id), _) => Some(format!("movie/t{id}")),
            (None, Some(title)) => Some(format!("movie/n{title}/{}", movie.year.unwrap_or(0))),
            (None, None) => None,
        },
        _ => None,
    }
}

/// The user as a key: `None` for a deleted or nameless account (never one person).
pub(super) fn user_key(user: &User) -> Option<String> {
    let name = user.username.trim();
    (!user.deleted && !name.is_empty()).then(|| name.to_lowercase())
}

/// The run key and episode number of an item that may join a run.
fn run_key(a: &Activity) -> Option<((Action, String, String, u64), u64)> {
    let Subject::Episode {
        show: Some(show),
        episode,
    } = &a.subject
    else {
        return None;
    };
    let key = (
        a.action,
        user_key(&a.user)?,
        show_key(show)?,
        episode.season?,
    );
    Some((key, episode.number?))
}

/// Every item of the batch in exactly one group, groups by oldest member.
pub fn groups(items: &[Item<'_>]) -> Vec<Group> {
    let mut taken = vec![false; items.len()];
    let mut out = Vec::new();
    let mut folds: HashMap<(Action, String), Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(key) = foldable(item).then(|| subject_key(item.activity)).flatten() {
            folds
                .entry((item.activity.action, key))
                .or_default()
                .push(i);
        }
    }
    for members in folds.into_values().filter(|m| m.len() >= 2) {
        for &i in &members {
            taken[i] = true;
        }
        out.push(Group::Fold(members));
    }
    let mut runs: HashMap<_, Vec<(u64, usize)>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        if taken[i] || !foldable(item) {
            continue;
        }
        if let Some((key, number)) = run_key(item.activity) {
            runs.entry(key).or_default().push((number, i));
        }
    }
    for mut episodes in runs.into_values() {
        episodes.sort_unstable();
        for run in consecutive(&episodes) {
            let mut members: Vec<usize> = run.iter().map(|(_, i)| *i).collect();
            members.sort_unstable();
            for &i in &members {
                taken[i] = true;
            }
            out.push(Group::Run(members));
        }
    }
    out.extend((0..items.len()).filter(|i| !taken[*i]).map(Group::Single));
    out.sort_by_key(Group::first);
    out
}

/// The maximal runs of two or more consecutive numbers in sorted `(number, index)`.
fn consecutive(episodes: &[(u64, usize)]) -> Vec<&[(u64, usize)]> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in 1..=episodes.len() {
        let continues =
            end < episodes.len() && episodes[end - 1].0.checked_add(1) == Some(episodes[end].0);
        if !continues {
            if end - start >= 2 {
                out.push(&episodes[start..end]);
            }
            start = end;
        }
    }
    out
}
