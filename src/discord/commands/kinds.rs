//! Naming a follow of either kind, for `/unfollow`, `/pause` and `/resume`:
//! a show or a followed Trakt user. Autocomplete offers both, labelled
//! ("show · The Walking Dead (the-walking-dead)", "user · Mira Okafor
//! (moonfield)"); a user's value is `user:<slug>`, a show's its handle (a
//! slug or stored form, which never contains `user:`), so a chosen value
//! names one follow. What is typed by hand is read as a show first (as
//! before users could be followed), then as a followed user (`user:justin`,
//! a profile address, the username or display name). Pure but for the
//! autocomplete's store read.

use poise::serenity_prelude as serenity;

use super::follow_user::{parse_user, user_choices};
use super::matching::find_follow;
use super::unfollow::show_choices;
use super::Context;
use crate::store::{Subscription, UserSub};

/// The value prefix of a user follow's choice.
pub(super) const USER_PREFIX: &str = "user:";
/// Discord shows at most this many choices.
const MAX_CHOICES: usize = 25;

/// The follow a typed text (or chosen value) names.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Picked<'a> {
    Show(&'a Subscription),
    User(&'a UserSub),
}

/// `prefix` stripped from `s`, ignoring case.
fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Which of the channel's follows `typed` names.
pub(super) fn pick<'a>(
    shows: &'a [Subscription],
    users: &'a [UserSub],
    typed: &str,
) -> Option<Picked<'a>> {
    let t = typed.trim();
    if strip_prefix_ci(t, USER_PREFIX).is_some() || t.contains("trakt.tv/users/") {
        return find_user(users, t).map(Picked::User);
    }
    if let Some(rest) = strip_prefix_ci(t, "show:") {
        return find_follow(shows, rest).map(Picked::Show);
    }
    find_follow(shows, t)
        .map(Picked::Show)
        .or_else(|| find_user(users, t).map(Picked::User))
}

/// The followed user `typed` names: its slug (bare, `user:`-prefixed or in
/// a profile address), else its username or display name (any case).
pub(super) fn find_user<'a>(users: &'a [UserSub], typed: &str) -> Option<&'a UserSub> {
    if let Ok(slug) = parse_user(typed) {
        if let Some(u) = users.iter().find(|u| u.user == slug) {
            return Some(u);
        }
    }
    let lower = typed.trim().to_lowercase();
    if lower.is_empty() {
        return None;
    }
    users.iter().find(|u| {
        u.profile.username.to_lowercase() == lower
            || u.profile
                .name
                .as_deref()
                .is_some_and(|n| n.trim().to_lowercase() == lower)
    })
}

/// Both kinds' choices as (label, value): the shows first, then the users;
/// the shows labelled `show · ` when users are offered too; at most 25.
pub(super) fn choices(
    shows: &[Subscription],
    users: &[UserSub],
    typed: &str,
) -> Vec<(String, String)> {
    let users = user_choices(users, typed);
    let mut out: Vec<(String, String)> = show_choices(shows, typed)
        .into_iter()
        .map(|(label, value)| {
            if users.is_empty() {
                (label, value)
            } else {
                (clip(&format!("show · {label}")), value)
            }
        })
        .collect();
    // Leave room for users when there are many shows.
    let room_for_users = users.len().min(MAX_CHOICES / 2);
    out.truncate(MAX_CHOICES - room_for_users);
    out.extend(users);
    out.truncate(MAX_CHOICES);
    out
}

fn clip(label: &str) -> String {
    label.chars().take(100).collect()
}

/// Autocomplete of a follow of either kind in the channel the `channel`
/// option names (default: this one). Never an error.
pub(super) async fn autocomplete_any_follow(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let channel = super::target::autocomplete_channel(ctx);
    let both = ctx
        .data()
        .store
        .blocking(move |s| s.channel_follows_both(channel))
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "autocomplete: cannot read follows");
            (Vec::new(), Vec::new())
        });
    let choices = choices(&both.0, &both.1, partial)
        .into_iter()
        .map(|(name, value)| serenity::AutocompleteChoice::new(name, value));
    serenity::CreateAutocompleteResponse::new().set_choices(choices.collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ChannelId, GuildId, UserId};
    use crate::store::{Profile, SubState};
    use crate::trakt::v2::UserSlug;
    use crate::trakt::{ActionSet, ShowRef};

    fn show(slug: &str, title: &str) -> Subscription {
        Subscription {
            slug: Some(slug.to_owned()),
            guild: GuildId(1),
            channel: ChannelId(2),
            show: ShowRef::Slug(slug.to_owned()),
            title: title.to_owned(),
            actions: ActionSet::all(),
            created_by: UserId(3),
            created_at: 0,
            state: SubState::Active,
            since: None,
            delivery: Default::default(),
            digest: true,
            digest_window: None,
        }
    }

    fn user(slug: &str, name: Option<&str>) -> UserSub {
        UserSub {
            guild: GuildId(1),
            channel: ChannelId(2),
            user: UserSlug(slug.into()),
            profile: Profile {
                username: slug.into(),
                name: name.map(str::to_owned),
                avatar: None,
            },
            actions: ActionSet::all(),
            show: None,
            created_by: UserId(3),
            created_at: 0,
            state: SubState::Active,
            since: None,
        }
    }

    fn which(p: Option<Picked<'_>>) -> Option<String> {
        p.map(|p| match p {
            Picked::Show(s) => format!("show {}", s.show),
            Picked::User(u) => format!("user {}", u.user),
        })
    }

    #[test]
    fn values_and_typed_names_pick_one_follow_of_either_kind() {
        // A show and a user with the same name: the encoding tells them apart.
        let shows = [show("lost", "Lost"), show("dark", "Dark")];
        let users = [user("lost", None), user("moonfield", Some("Mira Okafor"))];
        let got = |t: &str| which(pick(&shows, &users, t));
        assert_eq!(got("lost").as_deref(), Some("show lost"));
        assert_eq!(got("user:lost").as_deref(), Some("user lost"));
        assert_eq!(got("USER:Lost").as_deref(), Some("user lost"));
        assert_eq!(got("show:lost").as_deref(), Some("show lost"));
        assert_eq!(
            got("https://trakt.tv/users/lost").as_deref(),
            Some("user lost")
        );
        assert_eq!(got("moonfield").as_deref(), Some("user moonfield"));
        assert_eq!(got("mira okafor").as_deref(), Some("user moonfield"));
        assert_eq!(got("user:dark"), None, "a user prefix never means a show");
        assert_eq!(got("show:moonfield"), None);
        assert_eq!(got("nobody"), None);
    }

    #[test]
    fn choices_offer_both_kinds_labelled_with_unambiguous_values() {
        let shows = [show("the-walking-dead", "The Walking Dead")];
        let users = [user("moonfield", Some("Mira Okafor"))];
        assert_eq!(
            choices(&shows, &users, ""),
            [
                (
                    "show · The Walking Dead (the-walking-dead)".to_owned(),
                    "the-walking-dead".to_owned()
                ),
                (
                    "user · Mira Okafor (moonfield)".to_owned(),
                    "user:moonfield".to_owned()
                ),
            ]
        );
        // Only shows match: labelled as before.
        assert_eq!(
            choices(&shows, &users, "walking"),
            [(
                "The Walking Dead (the-walking-dead)".to_owned(),
                "the-walking-dead".to_owned()
            )]
        );
        // Every chosen value picks the follow it was offered for.
        for (_, value) in choices(&shows, &users, "") {
            assert!(pick(&shows, &users, &value).is_some(), "{value}");
        }
        // Many shows still leave room for the users.
        let many: Vec<Subscription> = (0..40)
            .map(|i| show(&format!("s-{i}"), &format!("S {i}")))
            .collect();
        let got = choices(&many, &users, "");
        assert_eq!(got.len(), MAX_CHOICES);
        assert_eq!(got[MAX_CHOICES - 1].1, "user:moonfield");
    }
}
