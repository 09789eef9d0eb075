//! `/follow-user` and `/unfollow-user` (Trakt API v2 only): a channel follows
//! a public Trakt user's scrobbles, check-ins, watches, ratings, watchlist
//! and current viewing, optionally narrowed to one show. The profile is read
//! once at follow time (one request): a private, unknown, deleted or locked
//! user gets a private, specific answer and nothing is stored. The follow
//! starts at Trakt's clock (the profile answer's `Date`). The lines
//! `/follows` shows for user follows are made here too. Parsing is pure.

use poise::serenity_prelude as serenity;
use poise::CreateReply;

use super::v2::{ensure_key, parse_show, resolve_error, v2_error};
use super::{describe_actions, ids, parse_actions, reply_public, with_deferral};
use super::{CommandError, Context};
use crate::clock::unix_now;
use crate::format;
use crate::poller::v2::user_plan::user_actions;
use crate::store::{
    FollowOutcome, NewUserFollow, Profile, ShowFilter, StoreError, SubState, UserSub,
};
use crate::trakt::v2::users::UserProfile;
use crate::trakt::v2::{map, UserSlug, V2Error};
use crate::trakt::{Action, ActionSet, Source, V2Source};

/// Longest user slug accepted.
const MAX_USER_LEN: usize = 100;

/// Follow a public Trakt user in this channel: what they watch and rate is posted here.
#[poise::command(
    slash_command,
    rename = "follow-user",
    guild_only,
    default_member_permissions = "MANAGE_CHANNELS",
    required_permissions = "MANAGE_CHANNELS"
)]
pub async fn follow_user(
    ctx: Context<'_>,
    #[description = "Trakt username or profile address (https://trakt.tv/users/justin)"]
    user: String,
    #[description = "Comma list: watching, scrobble, checkin, seen, rating, watchlist (default: all)"]
    actions: Option<String>,
    #[description = "Only activity about this show (slug, Trakt address, IMDb or TVDB id)"]
    #[autocomplete = "super::complete::autocomplete_show"]
    show: Option<String>,
) -> Result<(), CommandError> {
    let Source::V2(v2) = &ctx.data().source else {
        return Err(CommandError::user(NEEDS_V2));
    };
    follow(ctx, v2, &user, actions.as_deref(), show.as_deref()).await
}

/// Stop following a Trakt user in this channel.
#[poise::command(
    slash_command,
    rename = "unfollow-user",
    guild_only,
    default_member_permissions = "MANAGE_CHANNELS",
    required_permissions = "MANAGE_CHANNELS"
)]
pub async fn unfollow_user(
    ctx: Context<'_>,
    #[description = "Trakt username or profile address"]
    #[autocomplete = "autocomplete_followed_user"]
    user: String,
) -> Result<(), CommandError> {
    let (_, channel, _) = ids(ctx)?;
    let slug = parse_user(&user)?;
    unfollow_in(ctx, channel, slug, "this channel").await
}

/// Stop `channel` following `slug` (`/unfollow-user`, and `/unfollow` on a
/// user follow): one code path, one public confirmation.
pub(super) async fn unfollow_in(
    ctx: Context<'_>,
    channel: crate::ids::ChannelId,
    slug: UserSlug,
    place: &str,
) -> Result<(), CommandError> {
    let wanted = slug.clone();
    let gone = ctx
        .data()
        .store
        .blocking(move |s| {
            let gone = s.unfollow_user(channel, &wanted)?;
            s.flush()?;
            Ok(gone)
        })
        .await?;
    match gone {
        Some(sub) => {
            let text = format!(
                "👤 {} no longer follows {} on Trakt.",
                super::target::capitalized(place),
                name_of(&sub.profile, &sub.user)
            );
            reply_public(ctx, false, CreateReply::default().content(text)).await
        }
        None => Err(CommandError::User(format!(
            "{} does not follow the Trakt user `{slug}`. /follows lists what it follows.",
            super::target::capitalized(place)
        ))),
    }
}

/// The users this channel follows, for `/unfollow-user`.
async fn autocomplete_followed_user(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let channel = crate::ids::ChannelId(ctx.channel_id().get());
    let follows = ctx
        .data()
        .store
        .blocking(move |s| s.channel_user_follows(channel))
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "autocomplete: cannot read user follows");
            Vec::new()
        });
    let choices = user_choices(&follows, partial)
        .into_iter()
        .map(|(name, value)| serenity::AutocompleteChoice::new(name, value));
    serenity::CreateAutocompleteResponse::new().set_choices(choices.collect())
}

/// The followed users matching what was typed (slug, username or display
/// name, case-insensitive) as (label, value), labelled as users, the value
/// `user:<slug>` (see `kinds`); at most 25.
pub(super) fn user_choices(follows: &[UserSub], typed: &str) -> Vec<(String, String)> {
    let typed = typed.trim();
    let typed = typed
        .get(..super::kinds::USER_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(super::kinds::USER_PREFIX))
        .map_or(typed, |p| &typed[p.len()..]);
    let needle = typed.trim().to_lowercase();
    follows
        .iter()
        .filter(|f| {
            let names = [
                Some(f.user.0.as_str()),
                Some(f.profile.username.as_str()),
                f.profile.name.as_deref(),
            ];
            names
                .iter()
                .flatten()
                .any(|n| n.to_lowercase().contains(&needle))
        })
        .take(25)
        .map(|f| {
            let shown = f.profile.name.as_deref().unwrap_or(&f.profile.username);
            let label: String = format!("user · {shown} ({})", f.user)
                .chars()
                .take(100)
                .collect();
            (label, format!("{}{}", super::kinds::USER_PREFIX, f.user))
        })
        .collect()
}

const NEEDS_V2: &str =
    "Following a Trakt user needs Trakt API v2 (trakt.api = \"v2\"); this bot reads v1.";

async fn follow(
    ctx: Context<'_>,
    v2: &V2Source,
    typed: &str,
    actions: Option<&str>,
    show: Option<&str>,
) -> Result<(), CommandError> {
    let (guild, channel, author) = ids(ctx)?;
    let slug = parse_user(typed)?;
    let plan = plan_user_actions(parse_actions(actions)?)?;
    let show_input = show.map(parse_show).transpose()?;
    ensure_key(v2)?;
    let data = ctx.data();
    let limit = data.limits.max_follows_per_guild;
    let known = slug.clone();
    let (exists, count) = data
        .store
        .blocking(move |s| {
            let exists = s
                .channel_user_follows(channel)?
                .iter()
                .any(|f| f.user == known);
            Ok((exists, s.guild_follow_count(guild)?))
        })
        .await?;
    if count >= limit && !exists {
        return Err(StoreError::LimitReached { limit }.into());
    }
    let lookup = async {
        let profile = v2.client.user_profile(&slug.0).await;
        let filter = match (&profile, &show_input) {
            (Ok(_), Some(input)) => Some(v2.client.lookup_show(input).await),
            _ => None,
        };
        (profile, filter)
    };
    let ((profile, filter), deferred) = with_deferral(ctx, lookup).await?;
    let fetched = profile.map_err(|e| profile_error(&slug, e))?;
    let profile = check_profile(&slug, &fetched.value)?;
    let filter = match filter {
        Some(r) => {
            let s = r.map_err(resolve_error)?.value;
            Some(ShowFilter {
                trakt: s.ids.trakt.0,
                slug: s.ids.slug,
                title: s.title,
            })
        }
        None => None,
    };
    let follow = NewUserFollow {
        guild,
        channel,
        user: slug.clone(),
        profile: profile.clone(),
        actions: plan.0,
        show: filter.clone(),
        created_by: author,
        now: unix_now(),
        start_watermark: fetched.meta.date.map(map::time),
        max_per_guild: limit,
    };
    let outcome = data
        .store
        .blocking(move |s| {
            let outcome = s.follow_user(follow)?;
            s.flush()?;
            Ok(outcome)
        })
        .await?;
    let text = confirmation(&profile, &slug, &plan, filter.as_ref(), outcome);
    reply_public(ctx, deferred, CreateReply::default().content(text)).await
}

/// What was typed as a Trakt user: a username (its slug) or a profile address.
pub(super) fn parse_user(input: &str) -> Result<UserSlug, CommandError> {
    let s = input.trim().trim_start_matches('@');
    // The value of an autocomplete choice (`kinds`).
    let s = s
        .get(..super::kinds::USER_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(super::kinds::USER_PREFIX))
        .map_or(s, |p| &s[p.len()..]);
    let s = match s.find("trakt.tv/users/") {
        Some(at) => {
            let rest = &s[at + "trakt.tv/users/".len()..];
            rest.split(['/', '?', '#']).next().unwrap_or_default()
        }
        None if s.contains("://") || s.contains('/') => {
            return Err(CommandError::user(
                "That is not a Trakt profile address: paste one like https://trakt.tv/users/justin, or give the username.",
            ))
        }
        None => s,
    };
    let slug = s.to_lowercase();
    if slug.is_empty() {
        return Err(CommandError::user("Give a Trakt username, e.g. `justin`."));
    }
    if slug.chars().count() > MAX_USER_LEN {
        return Err(CommandError::User(format!(
            "That username is too long; Trakt usernames have at most {MAX_USER_LEN} characters."
        )));
    }
    if let Some(bad) = slug
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(CommandError::User(format!(
            "A Trakt username cannot contain `{bad}`: use the name from the profile address (trakt.tv/users/**justin**)."
        )));
    }
    Ok(UserSlug(slug))
}

/// The actions a user follow gets: the asked ones a user's sources serve,
/// and those left out.
pub(super) struct UserActions(pub ActionSet, pub Vec<Action>);

pub(super) fn plan_user_actions(asked: ActionSet) -> Result<UserActions, CommandError> {
    let offered = user_actions();
    if asked.is_all() {
        return Ok(UserActions(offered, Vec::new()));
    }
    let follow = asked.intersection(offered);
    let left_out: Vec<Action> = asked.iter().filter(|a| !offered.contains(*a)).collect();
    if follow.is_empty() {
        return Err(CommandError::User(format!(
            "A Trakt user can be followed for {}; none of those was asked for.",
            describe_actions(offered)
        )));
    }
    Ok(UserActions(follow, left_out))
}

/// A failed profile read, as the moderator should read it (privately).
pub(super) fn profile_error(slug: &UserSlug, e: V2Error) -> CommandError {
    match e {
        V2Error::PrivateUser => private(slug),
        V2Error::NotFound => CommandError::User(format!(
            "Trakt has no user `{slug}`. Use the name from the profile address (trakt.tv/users/**{slug}**). Nothing was changed."
        )),
        V2Error::Locked => CommandError::User(format!(
            "The Trakt account `{slug}` is locked, so it cannot be followed. Nothing was changed."
        )),
        other => v2_error(other),
    }
}

fn private(slug: &UserSlug) -> CommandError {
    CommandError::User(format!(
        "The Trakt profile `{slug}` is private: only public profiles can be followed. Nothing was changed."
    ))
}

/// The profile, refused when it is private or deleted.
pub(super) fn check_profile(slug: &UserSlug, p: &UserProfile) -> Result<Profile, CommandError> {
    if p.user.private {
        return Err(private(slug));
    }
    if p.user.deleted {
        return Err(CommandError::User(format!(
            "The Trakt account `{slug}` was deleted. Nothing was changed."
        )));
    }
    Ok(Profile {
        username: p.user.username.clone().unwrap_or_else(|| slug.0.clone()),
        name: p.user.name.clone().filter(|n| !n.trim().is_empty()),
        avatar: p.avatar().map(str::to_owned),
    })
}

/// "**Mira Okafor** (`moonfield`)", escaped.
pub(super) fn name_of(p: &Profile, slug: &UserSlug) -> String {
    let shown = p.name.as_deref().unwrap_or(&p.username);
    format!("**{}** (`{slug}`)", format::escape_markdown(shown))
}

/// The public confirmation: the user, what is followed, what was left out.
fn confirmation(
    p: &Profile,
    slug: &UserSlug,
    plan: &UserActions,
    show: Option<&ShowFilter>,
    outcome: FollowOutcome,
) -> String {
    let who = name_of(p, slug);
    let what = describe_actions(plan.0);
    let about = show
        .map(|s| format!(" about **{}**", format::escape_markdown(&s.title)))
        .unwrap_or_default();
    let note = if plan.1.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = plan.1.iter().map(|a| a.as_str()).collect();
        format!(
            " Left out: {}, which are not read for users yet.",
            names.join(", ")
        )
    };
    match outcome {
        FollowOutcome::Created => {
            format!("👤 This channel now follows {who} on Trakt for {what}{about}.{note}")
        }
        FollowOutcome::Updated { previous } => format!(
            "👤 Updated: this channel follows {who} on Trakt for {what}{about} (was: {}).{note}",
            describe_actions(previous)
        ),
    }
}

/// A user follow as `/follows` lists it.
pub(super) fn follows_line(s: &UserSub) -> String {
    let state = match &s.state {
        SubState::Active => "active".to_owned(),
        SubState::Paused { since } => format!("paused since <t:{since}:R>"),
        SubState::Disabled { reason, since } => format!(
            "⚠️ disabled since <t:{since}:R>: {reason}. /resume it (or /follow-user again) once the profile is public"
        ),
    };
    let about = s
        .show
        .as_ref()
        .map(|f| format!(" about **{}**", format::escape_markdown(&f.title)))
        .unwrap_or_default();
    format!(
        "• 👤 user {}: {}{about} — {state}",
        name_of(&s.profile, &s.user),
        describe_actions(s.actions)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_read_from_names_and_profile_addresses() {
        let ok = |s: &str| parse_user(s).map(|u| u.0).ok();
        assert_eq!(ok("moonfield").as_deref(), Some("moonfield"));
        assert_eq!(ok("  @Justin ").as_deref(), Some("justin"));
        assert_eq!(ok("user:justin").as_deref(), Some("justin"));
        assert_eq!(
            ok("https://trakt.tv/users/justin").as_deref(),
            Some("justin")
        );
        assert_eq!(
            ok("https://trakt.tv/users/ellie-r/history?x=1").as_deref(),
            Some("ellie-r")
        );
        assert!(parse_user("").is_err());
        assert!(parse_user("https://trakt.tv/shows/x").is_err());
        let e = parse_user("a b")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("` `"), "{e}");
    }

    #[test]
    fn actions_are_cut_to_what_a_user_offers() {
        let all = plan_user_actions(ActionSet::all()).ok().map(|p| p.0);
        assert_eq!(all, Some(user_actions()));
        // Every action has a user source now (collection, comments, lists too).
        let mixed = plan_user_actions(ActionSet::parse("seen,shout").expect("a"));
        let mixed = mixed.expect("both are offered");
        assert_eq!(mixed.0, ActionSet::parse("seen,shout").expect("a"));
        assert!(mixed.1.is_empty());
        assert!(plan_user_actions(ActionSet::parse("shout").expect("a")).is_ok());
    }

    #[test]
    fn the_autocomplete_offers_followed_users_labelled_as_users() {
        let sub = |slug: &str, name: Option<&str>| UserSub {
            guild: crate::ids::GuildId(1),
            channel: crate::ids::ChannelId(2),
            user: UserSlug(slug.into()),
            profile: Profile {
                username: slug.into(),
                name: name.map(str::to_owned),
                avatar: None,
            },
            actions: user_actions(),
            show: None,
            created_by: crate::ids::UserId(3),
            created_at: 0,
            state: SubState::Active,
            since: None,
        };
        let follows = [sub("moonfield", Some("Mira Okafor")), sub("kaiton", None)];
        assert_eq!(
            user_choices(&follows, "mira"),
            [(
                "user · Mira Okafor (moonfield)".to_owned(),
                "user:moonfield".to_owned()
            )]
        );
        assert_eq!(user_choices(&follows, "").len(), 2);
        assert!(user_choices(&follows, "zzz").is_empty());
    }

    #[test]
    fn the_confirmation_names_the_user_and_what_is_followed() {
        let p = Profile {
            username: "moonfield".into(),
            name: Some("Mira *Okafor*".into()),
            avatar: None,
        };
        let plan = plan_user_actions(ActionSet::parse("seen,rating").expect("a")).expect("plan");
        let show = ShowFilter {
            trakt: 1393,
            slug: "the-walking-dead".into(),
            title: "The Walking Dead".into(),
        };
        let text = confirmation(
            &p,
            &UserSlug("moonfield".into()),
            &plan,
            Some(&show),
            FollowOutcome::Created,
        );
        assert_eq!(
            text,
            "👤 This channel now follows **Mira \\*Okafor\\*** (`moonfield`) on Trakt for seen, rating about **The Walking Dead**."
        );
    }
}
