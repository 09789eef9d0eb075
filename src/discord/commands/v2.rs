//! What the commands' Trakt API v2 paths share: reading a show as typed,
//! refusing at once once Trakt refused the bot's key, v2 failures as users
//! should read them, and the actions a show follow can have on v2 (pure).

use super::{CommandError, TRY_AGAIN};
use crate::trakt::v2::{ResolveError, ShowInput, V2Error};
use crate::trakt::{Action, ActionSet, V2Source};

/// What users read once Trakt refused the bot's client id (403).
pub const KEY_REFUSED: &str =
    "Trakt refused the bot's API key; the bot's operator must fix trakt.api_key. Nothing was changed.";

/// A show as typed (slug, Trakt address, IMDb, TVDB or `trakt:N`); a mistake
/// gets the answer v1 gives, and a movie or person address says what it is.
pub(super) fn parse_show(input: &str) -> Result<ShowInput, CommandError> {
    ShowInput::parse(input).map_err(resolve_error)
}

/// Refuse before anything else once Trakt refused the key: no request is
/// sent, nothing changes.
pub(super) fn ensure_key(v2: &V2Source) -> Result<(), CommandError> {
    if v2.client.key_refused() {
        return Err(CommandError::user(KEY_REFUSED));
    }
    Ok(())
}

/// A v2 request failure, as users should read it.
pub(super) fn v2_error(e: V2Error) -> CommandError {
    match e {
        V2Error::KeyRefused => CommandError::user(KEY_REFUSED),
        V2Error::Blocked => CommandError::user(
            "Trakt's firewall blocked the bot's requests; the bot's operator must check its host. Nothing was changed.",
        ),
        e if e.is_transient() => CommandError::user(TRY_AGAIN),
        other => CommandError::Internal(format!("trakt v2: {other}")),
    }
}

/// Why a show could not be read or found, as users should read it.
pub(super) fn resolve_error(e: ResolveError) -> CommandError {
    match e {
        ResolveError::Trakt(e) => v2_error(e),
        ResolveError::Invalid(e) => CommandError::User(format!("That show is not valid: {e}.")),
        ResolveError::Unknown(label) => CommandError::User(format!(
            "Trakt has no show `{label}`. Paste the show's Trakt address (trakt.tv/shows/**the-walking-dead**) or give its slug, IMDb id or TVDB id."
        )),
        other => CommandError::User(format!("That is not a show I can follow: {other}.")),
    }
}

/// The actions a v2 show follow gets from what the user asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct V2Actions {
    /// What is followed: the asked actions v2 makes public per show.
    pub follow: ActionSet,
    /// Asked for, but not public per show on v2.
    pub left_out: Vec<Action>,
    /// `all` was asked for (or nothing): everything v2 offers.
    pub everything: bool,
}

/// The actions a show can be followed for on v2, as a sentence part.
fn offered() -> String {
    super::describe_actions(ActionSet::v2_show())
}

fn names(actions: &[Action]) -> String {
    actions
        .iter()
        .map(|a| a.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Intersect the asked actions with what v2 makes public per show; only
/// unavailable ones is a user error naming what v2 offers.
pub(super) fn plan_actions(asked: ActionSet) -> Result<V2Actions, CommandError> {
    let v2 = ActionSet::v2_show();
    if asked.is_all() {
        return Ok(V2Actions {
            follow: v2,
            left_out: Vec::new(),
            everything: true,
        });
    }
    let follow = asked.intersection(v2);
    let left_out: Vec<Action> = asked.iter().filter(|a| !v2.contains(*a)).collect();
    if follow.is_empty() {
        return Err(CommandError::User(format!(
            "Trakt API v2 does not make {} public per show, so nothing was changed. On v2 a show can be followed for: {} (or `all`).",
            names(&left_out),
            offered()
        )));
    }
    Ok(V2Actions {
        follow,
        left_out,
        everything: false,
    })
}

impl V2Actions {
    /// What the confirmation says is followed.
    pub fn describe(&self) -> String {
        if self.everything {
            format!(
                "everything Trakt API v2 makes public about a show: {}",
                offered()
            )
        } else {
            super::describe_actions(self.follow)
        }
    }

    /// The note on what was left out and why ("" when nothing was).
    pub fn note(&self) -> String {
        if self.left_out.is_empty() {
            String::new()
        } else {
            format!(
                " Left out: {}, which Trakt API v2 does not make public per show.",
                names(&self.left_out)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> ActionSet {
        ActionSet::parse(s).expect("actions")
    }

    #[test]
    fn all_follows_what_v2_offers_and_says_so() {
        let plan = plan_actions(ActionSet::all()).expect("all");
        assert_eq!(plan.follow, ActionSet::v2_show());
        assert!(plan.everything && plan.left_out.is_empty());
        assert_eq!(
            plan.describe(),
            "everything Trakt API v2 makes public about a show: watching, shout, review, created, item_added"
        );
        assert_eq!(plan.note(), "");
    }

    #[test]
    fn a_mix_keeps_what_is_available_and_names_the_rest() {
        let plan = plan_actions(set("seen,shout,rating,created")).expect("mix");
        assert_eq!(plan.follow, set("shout,created"));
        assert_eq!(plan.left_out, [Action::Seen, Action::Rating]);
        assert!(!plan.everything);
        assert_eq!(plan.describe(), "shout, created");
        assert!(
            plan.note().contains("Left out: seen, rating"),
            "{}",
            plan.note()
        );
    }

    #[test]
    fn only_unavailable_actions_are_refused_naming_what_v2_offers() {
        let err = plan_actions(set("seen,rating"))
            .expect_err("nothing available")
            .to_string();
        assert!(
            err.contains("does not make seen, rating public per show"),
            "{err}"
        );
        assert!(
            err.contains("watching, shout, review, created, item_added"),
            "{err}"
        );
    }

    #[test]
    fn failures_read_as_users_should() {
        assert_eq!(v2_error(V2Error::KeyRefused).to_string(), KEY_REFUSED);
        let busy = V2Error::RateLimited {
            retry_after: std::time::Duration::from_secs(3),
        };
        assert_eq!(v2_error(busy).to_string(), TRY_AGAIN);
        assert!(matches!(
            v2_error(V2Error::BadRequest { status: 400 }),
            CommandError::Internal(_)
        ));
        let movie = parse_show("https://trakt.tv/movies/tron-legacy-2010")
            .expect_err("movie")
            .to_string();
        assert!(
            movie.contains("movie") && movie.contains("tron-legacy-2010"),
            "{movie}"
        );
        let bad = parse_show("a/b").expect_err("bad").to_string();
        assert!(
            bad.starts_with("That show is not valid") && bad.contains("`/`"),
            "{bad}"
        );
        let unknown = resolve_error(ResolveError::Unknown("no-such".into())).to_string();
        assert!(unknown.contains("no show `no-such`"), "{unknown}");
    }
}
