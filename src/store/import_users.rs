//! User follows in export files: an element with a `user` field is a user
//! follow ([`ExportedUserFollow`]), any other a show [`Subscription`], so
//! an old file (shows only) is still a valid file and an export lists the
//! shows first, then the users. Validation is pure; the chunked import of
//! user follows (a chunk never splits a user) is `import`'s, through
//! [`Store::import_user_chunk`].

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::import::MAX_TITLE_CHARS;
use super::types::{StoreError, SubState, Subscription};
use super::user_types::{Profile, ShowFilter, UserSub};
use super::{keys, Plan, Store, TreeId};
use crate::ids::{ChannelId, GuildId, UserId};
use crate::trakt::v2::UserSlug;
use crate::trakt::{ActionSet, TraktTime};

/// A user follow as an export file holds it (strict: unknown fields are errors).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportedUserFollow {
    pub user: UserSlug,
    pub guild: GuildId,
    pub channel: ChannelId,
    pub profile: Profile,
    pub actions: ActionSet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show: Option<ShowFilter>,
    pub created_by: UserId,
    pub created_at: i64,
    pub state: SubState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since: Option<TraktTime>,
}

impl From<UserSub> for ExportedUserFollow {
    fn from(s: UserSub) -> Self {
        ExportedUserFollow {
            user: s.user,
            guild: s.guild,
            channel: s.channel,
            profile: s.profile,
            actions: s.actions,
            show: s.show,
            created_by: s.created_by,
            created_at: s.created_at,
            state: s.state,
            since: s.since,
        }
    }
}

impl From<ExportedUserFollow> for UserSub {
    fn from(e: ExportedUserFollow) -> Self {
        UserSub {
            guild: e.guild,
            channel: e.channel,
            user: e.user,
            profile: e.profile,
            actions: e.actions,
            show: e.show,
            created_by: e.created_by,
            created_at: e.created_at,
            state: e.state,
            since: e.since,
        }
    }
}

/// A whole export file: show subscriptions and user follows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportFile {
    pub subs: Vec<Subscription>,
    pub users: Vec<UserSub>,
}

/// One element of an export, either kind (serialized as the kind's own object).
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum Element {
    Show(Subscription),
    User(ExportedUserFollow),
}

/// Whether an element is a user follow (it has a `user` field).
#[derive(Deserialize)]
pub(super) struct Probe {
    #[serde(default)]
    user: Option<serde::de::IgnoredAny>,
}

impl Probe {
    pub fn is_user(&self) -> bool {
        self.user.is_some()
    }
}

/// Check one user follow on its own.
pub fn check_user_one(u: &UserSub) -> Result<(), String> {
    if u.guild.0 == 0 || u.channel.0 == 0 || u.created_by.0 == 0 {
        return Err("a Discord id (guild, channel, created_by) is 0".to_owned());
    }
    let slug = &u.user.0;
    let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c);
    if slug.is_empty() || slug.len() > 100 || !slug.chars().all(valid) {
        return Err(format!("`{slug}` is not a Trakt user slug"));
    }
    if u.actions.is_empty() {
        return Err("no actions".to_owned());
    }
    if u.profile.username.trim().is_empty() {
        return Err("the profile's username is empty".to_owned());
    }
    if let Some(f) = &u.show {
        let chars = f.title.chars().count();
        if f.title.trim().is_empty() || chars > MAX_TITLE_CHARS {
            return Err(format!(
                "the show's title must have 1 to {MAX_TITLE_CHARS} characters"
            ));
        }
    }
    Ok(())
}

/// Check the user follows beside `subs` (already checked): each on its own,
/// no (user, channel) twice, no channel in two guilds. `Err((index, reason))`
/// names the first bad user follow (0-based among the users).
pub fn check_users(subs: &[Subscription], users: &[UserSub]) -> Result<(), (usize, String)> {
    let mut guild_of: HashMap<ChannelId, GuildId> =
        subs.iter().map(|s| (s.channel, s.guild)).collect();
    let mut seen: HashMap<(&UserSlug, ChannelId), usize> = HashMap::new();
    for (index, u) in users.iter().enumerate() {
        check_user_one(u).map_err(|reason| (index, reason))?;
        if seen.insert((&u.user, u.channel), index).is_some() {
            return Err((
                index,
                format!("channel {} follows the user `{}` twice", u.channel, u.user),
            ));
        }
        let guild = *guild_of.entry(u.channel).or_insert(u.guild);
        if guild != u.guild {
            return Err((
                index,
                format!(
                    "channel {} is in guild {guild} elsewhere in the file, not guild {}",
                    u.channel, u.guild
                ),
            ));
        }
    }
    Ok(())
}

/// `users` (sorted by user) cut into runs of about `chunk`, never inside a user.
pub(super) fn user_chunks(users: &[UserSub], chunk: usize) -> Vec<&[UserSub]> {
    let mut out = Vec::new();
    let mut rest = users;
    while !rest.is_empty() {
        let mut end = chunk.max(1).min(rest.len());
        while end < rest.len() && rest[end].user == rest[end - 1].user {
            end += 1;
        }
        let (head, tail) = rest.split_at(end);
        out.push(head);
        rest = tail;
    }
    out
}

impl Store {
    /// Every user follow, ordered by guild, channel, user.
    pub fn export_user_follows(&self) -> Result<Vec<UserSub>, StoreError> {
        let mut out = Vec::new();
        for value in self.tree(TreeId::UserSubs).iter().values() {
            out.push(super::decode::<UserSub>("user follow", &value?)?);
        }
        out.sort_by(|a, b| (a.guild, a.channel, &a.user).cmp(&(b.guild, b.channel, &b.user)));
        Ok(out)
    }

    /// One chunk of user follows (all of each user's follows in the file),
    /// in one transaction: a follow not there is added, a different one
    /// replaced (the file wins), an equal one skipped. When the file makes
    /// a follow of a user active and none of the user's follows was active
    /// (the user was not polled: its marks are stale), the user's polling
    /// state is cleared, so its first poll posts nothing. A follow imported
    /// as not active drops its channel's pending posts of the user. Every
    /// decision depends only on the user's follows and state, so chunks
    /// are independent and a rerun changes nothing. Returns the changes.
    pub(super) fn import_user_chunk(&self, users: &[UserSub]) -> Result<usize, StoreError> {
        let _w = self.lock();
        let mut plan = Plan::default();
        let mut changed = 0;
        let mut by_user: BTreeMap<&UserSlug, Vec<&UserSub>> = BTreeMap::new();
        for u in users {
            by_user.entry(&u.user).or_default().push(u);
        }
        let mut inactive: BTreeMap<ChannelId, HashSet<&UserSlug>> = BTreeMap::new();
        for (user, follows) in by_user {
            let before = self.user_subs_of(user)?;
            let was_polled = before.iter().any(|s| s.state.is_active());
            let mut activated = false;
            for u in follows {
                let old = before.iter().find(|s| s.channel == u.channel);
                if old == Some(u) {
                    continue;
                }
                changed += 1;
                plan.put(TreeId::UserSubs, keys::user_sub(user, u.channel), u)?;
                activated |= u.state.is_active() && !old.is_some_and(|o| o.state.is_active());
                if !u.state.is_active() {
                    inactive.entry(u.channel).or_default().insert(user);
                }
            }
            if activated && !was_polled {
                plan.del(TreeId::UserState, keys::user(user));
            }
        }
        let mut dropped = Vec::new();
        for (channel, gone) in inactive {
            let d = self.plan_drop_entries(&mut plan, channel, |e| {
                e.user.as_ref().is_some_and(|u| gone.contains(u))
            })?;
            dropped.push((channel, d));
        }
        self.apply(&plan)?;
        for (channel, d) in dropped {
            d.log(channel);
        }
        Ok(changed)
    }
}
