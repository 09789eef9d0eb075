//! `/activity`: recent Trakt activity for a show, or a Trakt user (`user`,
//! exclusive with `show`), over a window given in humantime (`since`, at
//! most 30 days), measured on Trakt's clock. The v1 path and the reply (the
//! same embeds as notifications, newest first) are here; what v2 gathers is
//! in `activity_v2`, a user's activity in `activity_user`.

use std::time::Duration;

use poise::CreateReply;

use super::activity_digest::SHOWN;
use super::{parse_actions, parse_v1_show, reply_public, trakt_error, with_deferral};
use super::{CommandError, Context};
use crate::activity::Activity;
use crate::format;
use crate::trakt::{ActionSet, Source, TraktClient, TraktError, TraktTime};

/// Longest window `/activity` may look back.
pub const MAX_SINCE: Duration = Duration::from_secs(30 * 24 * 3600);
/// `/activity`'s window when none is given.
pub const DEFAULT_SINCE: Duration = Duration::from_secs(24 * 3600);

/// Parse `/activity`'s `since` (humantime), naming the accepted forms when wrong.
pub fn parse_since(input: Option<&str>) -> Result<Duration, CommandError> {
    let Some(raw) = input.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(DEFAULT_SINCE);
    };
    let d = humantime::parse_duration(raw).map_err(|_| {
        CommandError::User(format!(
            "`{}` is not a duration I understand. Use forms like `30m`, `2h`, `3days` or `1week` (at most 30 days).",
            format::escape_markdown(&raw.chars().take(50).collect::<String>())
        ))
    })?;
    if d.is_zero() || d > MAX_SINCE {
        return Err(CommandError::user(
            "`since` must be between 1s and 30 days, e.g. `2h` or `3days`.",
        ));
    }
    Ok(d)
}

/// Show recent Trakt activity for a show or a Trakt user.
#[poise::command(slash_command, guild_only)]
pub async fn activity(
    ctx: Context<'_>,
    #[description = "Slug (the-walking-dead) or TVDB id (153021); on Trakt API v2 also a Trakt address or IMDb id"]
    show: Option<String>,
    #[description = "Comma list of actions (default: all)"] actions: Option<String>,
    #[description = "How far back, e.g. 30m, 2h, 3days (default: 1day)"] since: Option<String>,
    #[description = "Fold bursts into digests, as notifications do (default: true)"] digest: Option<
        bool,
    >,
    #[description = "Instead of a show: a Trakt username or profile address (Trakt API v2)"]
    user: Option<String>,
) -> Result<(), CommandError> {
    let digest = digest.unwrap_or(true);
    let show = match one_of(show, user)? {
        Asked::Show(show) => show,
        Asked::User(user) => {
            let (actions, since) = (actions.as_deref(), since.as_deref());
            return super::activity_user::activity(ctx, &user, actions, since, digest).await;
        }
    };
    match &ctx.data().source {
        Source::V1(client) => {
            let show = parse_v1_show(&show)?;
            let actions = parse_actions(actions.as_deref())?;
            let window = parse_since(since.as_deref())?;
            activity_v1(ctx, client, show, actions, (window, digest)).await
        }
        Source::V2(v2) => {
            let input = super::v2::parse_show(&show)?;
            let actions = parse_actions(actions.as_deref())?;
            let window = parse_since(since.as_deref())?;
            super::activity_v2::activity(ctx, v2, input, actions, (window, digest)).await
        }
    }
}

/// `/activity`'s `since` and `digest`.
pub(super) type Span = (Duration, bool);

/// What `/activity` was asked about.
#[derive(Debug, PartialEq, Eq)]
enum Asked {
    Show(String),
    User(String),
}

/// Exactly one of `show` and `user` (blank counts as not given).
fn one_of(show: Option<String>, user: Option<String>) -> Result<Asked, CommandError> {
    let given = |o: Option<String>| o.filter(|s| !s.trim().is_empty());
    match (given(show), given(user)) {
        (Some(show), None) => Ok(Asked::Show(show)),
        (None, Some(user)) => Ok(Asked::User(user)),
        (Some(_), Some(_)) => Err(CommandError::user(
            "Give either a `show` or a `user`, not both: /activity shows one of them.",
        )),
        (None, None) => Err(CommandError::user(
            "Give a `show` (e.g. `the-walking-dead`) or a Trakt `user` (e.g. `justin`).",
        )),
    }
}

async fn activity_v1(
    ctx: Context<'_>,
    client: &TraktClient,
    show: crate::trakt::ShowRef,
    actions: ActionSet,
    span: Span,
) -> Result<(), CommandError> {
    let window = span.0;
    let trakt = client.clone();
    let lookup_show = show.clone();
    let fut = async move {
        // Trakt's clock, not ours: one page tells the time (and the show's
        // title, when anything happened to it lately), then ask for the
        // window behind it.
        let info = trakt.lookup_show(&lookup_show).await?;
        let start = TraktTime(info.current.0).minus_secs(window.as_secs());
        // Only as many pages as the reply shows (the newest come first).
        let opts = crate::trakt::client::FetchOptions {
            start: Some(start),
            end: None,
            pages: crate::trakt::client::Pages::Items(SHOWN),
        };
        let fetched = trakt
            .fetch_with(std::slice::from_ref(&lookup_show), actions, opts)
            .await?;
        Ok::<_, TraktError>((info.title, fetched))
    };
    let (result, deferred) = with_deferral(ctx, fut).await?;
    let (known_title, fetched) = result.map_err(|e| trakt_error(&show, e))?;
    let mut items: Vec<Activity> = fetched
        .activities
        .iter()
        .map(Activity::from)
        .filter(|a| a.subject_show().is_none_or(|s| s.is(&show)))
        .collect();
    let title = items
        .iter()
        .find_map(|a| a.subject_show().and_then(|s| s.title.clone()))
        .or(known_title)
        .unwrap_or_else(|| show.to_string());
    items.reverse(); // newest first
    let found = Found {
        title,
        items,
        complete: fetched.is_complete(),
    };
    reply(ctx, deferred, span, found).await
}

/// What `/activity` found, whichever API it asked.
pub(super) struct Found {
    /// The show's title as the reply names it.
    pub title: String,
    /// Newest first.
    pub items: Vec<Activity>,
    /// False when a walk stopped early: the total is a lower bound.
    pub complete: bool,
}

/// The public reply: "N of M" and up to [`SHOWN`] embeds (digests when
/// `digest`, see `activity_digest`), or "No activity".
pub(super) async fn reply(
    ctx: Context<'_>,
    deferred: bool,
    (window, digest): Span,
    found: Found,
) -> Result<(), CommandError> {
    let Found {
        title,
        items,
        complete,
    } = found;
    let span = humantime::format_duration(window).to_string();
    if items.is_empty() {
        let text = format!(
            "No activity in the last {span} for **{}**.",
            format::escape_markdown(&title)
        );
        return reply_public(ctx, deferred, CreateReply::default().content(text)).await;
    }
    let total = items.len();
    let (message, shown) = super::activity_digest::shown(&items, digest);
    let more = if complete { "" } else { "+" };
    let mut reply = CreateReply::default().content(format!(
        "Latest activity for **{}** in the last {span}: {shown} of {total}{more}.",
        format::escape_markdown(&title)
    ));
    for e in &message.embeds {
        reply = reply.embed(crate::discord::to_serenity_embed(e));
    }
    reply_public(ctx, deferred, reply).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_show_or_a_user_but_not_both_nor_neither() {
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            one_of(s("lost"), None).ok(),
            Some(Asked::Show("lost".into()))
        );
        assert_eq!(
            one_of(s(" "), s("justin")).ok(),
            Some(Asked::User("justin".into()))
        );
        let both = one_of(s("lost"), s("justin")).err().map(|e| e.to_string());
        assert!(both.is_some_and(|e| e.contains("not both")));
        let neither = one_of(None, s("")).err().map(|e| e.to_string());
        assert!(neither.is_some_and(|e| e.contains("`show`") && e.contains("`user`")));
    }

    #[test]
    fn since_forms() {
        assert_eq!(parse_since(None).expect("default"), DEFAULT_SINCE);
        assert_eq!(
            parse_since(Some("2h")).expect("2h"),
            Duration::from_secs(7200)
        );
        assert_eq!(
            parse_since(Some("3days")).expect("3d"),
            Duration::from_secs(3 * 86400)
        );
        let err = parse_since(Some("yesterday")).expect_err("bad").to_string();
        assert!(err.contains("`yesterday`") && err.contains("2h"), "{err}");
        assert!(parse_since(Some("90days")).is_err());
        assert!(parse_since(Some("0s")).is_err());
    }
}
