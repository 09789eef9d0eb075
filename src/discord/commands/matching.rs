//! Naming a show this channel follows, without asking Trakt (pure): how a
//! follow is shown (its slug, else its stored form), and which follow a
//! typed text means — the stored form (`trakt:1393`, a v1 slug or TVDB id),
//! the slug, a pasted Trakt address of the show, or its title in any case.

use crate::store::Subscription;
use crate::trakt::v2::ShowInput;
use crate::trakt::ShowRef;

/// How a follow is named to users: the show's slug (v2 follows keep it
/// beside the Trakt id), else the stored form.
pub(super) fn handle(sub: &Subscription) -> String {
    sub.slug
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| sub.show.to_string())
}

/// The follow among `follows` that `typed` names, if any. Tried in order:
/// the stored form, the slug or Trakt id (bare or in a pasted address),
/// then the title (case-insensitive).
pub(super) fn find_follow<'a>(
    follows: &'a [Subscription],
    typed: &str,
) -> Option<&'a Subscription> {
    let typed = typed.trim();
    if typed.is_empty() {
        return None;
    }
    let find = |pred: &dyn Fn(&Subscription) -> bool| follows.iter().find(|s| pred(s));
    if let Ok(show) = ShowRef::parse(typed) {
        if let Some(s) = find(&|s| s.show == show) {
            return Some(s);
        }
    }
    let by_input = match ShowInput::parse(typed) {
        Ok(ShowInput::Slug(slug)) => find(&|s| {
            s.slug.as_deref() == Some(slug.as_str()) || s.show == ShowRef::Slug(slug.clone())
        }),
        Ok(ShowInput::TraktId(id)) => find(&|s| s.show == ShowRef::Trakt(id)),
        _ => None,
    };
    if by_input.is_some() {
        return by_input;
    }
    let lower = typed.to_lowercase();
    find(&|s| s.title.trim().to_lowercase() == lower)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ChannelId, GuildId, UserId};
    use crate::store::SubState;
    use crate::trakt::ActionSet;

    fn sub(show: ShowRef, slug: Option<&str>, title: &str) -> Subscription {
        Subscription {
            slug: slug.map(str::to_owned),
            guild: GuildId(1),
            channel: ChannelId(2),
            show,
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

    fn follows() -> Vec<Subscription> {
        vec![
            sub(
                ShowRef::Trakt(94961),
                Some("fear-the-walking-dead"),
                "Fear the Walking Dead",
            ),
            sub(
                ShowRef::Trakt(1393),
                Some("the-walking-dead"),
                "The Walking Dead",
            ),
            sub(ShowRef::Slug("fargo".into()), None, "Fargo"),
            sub(ShowRef::Tvdb(81189), None, "Breaking Bad"),
        ]
    }

    fn found(typed: &str) -> Option<String> {
        let all = follows();
        find_follow(&all, typed).map(|s| s.show.to_string())
    }

    #[test]
    fn every_way_of_naming_a_v2_follow() {
        for typed in [
            "trakt:1393",
            "the-walking-dead",
            " the-walking-dead ",
            "https://trakt.tv/shows/the-walking-dead",
            "https://trakt.tv/shows/the-walking-dead/seasons/2",
            "trakt.tv/shows/1393",
            "The Walking Dead",
            "the walking dead",
        ] {
            assert_eq!(found(typed).as_deref(), Some("trakt:1393"), "{typed}");
        }
    }

    #[test]
    fn v1_follows_match_as_stored_by_address_or_title() {
        assert_eq!(found("fargo").as_deref(), Some("fargo"));
        assert_eq!(
            found("https://trakt.tv/shows/fargo").as_deref(),
            Some("fargo")
        );
        assert_eq!(found("81189").as_deref(), Some("81189"));
        assert_eq!(found("breaking bad").as_deref(), Some("81189"));
    }

    #[test]
    fn nothing_else_matches() {
        for typed in [
            "",
            "  ",
            "walking",
            "trakt:1",
            "tt1520211",
            "https://trakt.tv/movies/fargo",
            "a/b",
        ] {
            assert_eq!(found(typed), None, "{typed}");
        }
    }

    #[test]
    fn a_follow_is_shown_by_its_slug() {
        let all = follows();
        assert_eq!(handle(&all[1]), "the-walking-dead");
        assert_eq!(handle(&all[2]), "fargo");
        assert_eq!(handle(&all[3]), "81189");
    }
}
