//! v1 wire types (`super::model`) → the bot's activity model
//! (`crate::activity`): total (every parsed item maps) and lossless for what
//! is rendered. Decides once what an item is about from v1's `type`, `action`
//! and payload, keeps v1's dedupe key unchanged, and turns v1's three rating
//! fields into one rating.

use crate::activity::{self as act, Expected, Rating, Score, Subject};

use super::action::{Action, ItemType};
use super::model::{self as v1, Love};

/// The v1 web site, for the profile link the API leaves out.
const V1_SITE: &str = "http://trakt.tv";

impl From<&v1::Activity> for act::Activity {
    fn from(a: &v1::Activity) -> Self {
        let comment = match a.action {
            Action::Shout => a.shout.as_ref(),
            Action::Review => a.review.as_ref(),
            _ => None,
        };
        act::Activity {
            action: a.action,
            time: a.time(),
            key: a.key(),
            user: user(&a.user),
            subject: subject(a),
            comment: comment.map(|c| act::Comment {
                id: c.id,
                text: c.text.clone().unwrap_or_default(),
                spoiler: c.spoiler,
                user_rating: None,
                url: None,
            }),
            list: a.list.as_ref().map(list),
            list_item: None,
            rating: rating(a),
        }
    }
}

impl From<v1::Activity> for act::Activity {
    fn from(a: v1::Activity) -> Self {
        act::Activity::from(&a)
    }
}

fn user(u: &v1::User) -> act::User {
    let given = u
        .url
        .clone()
        .filter(|url| crate::format::clean_url(url).is_some());
    act::User {
        username: u.username.clone(),
        display_name: u.full_name.clone(),
        avatar: u.avatar.clone(),
        profile_url: given.or_else(|| v1_profile(&u.username)),
        deleted: false,
    }
}

/// `http://trakt.tv/user/{username}`, the v1-era profile page.
fn v1_profile(username: &str) -> Option<String> {
    if username.is_empty() {
        return None;
    }
    let mut url = url::Url::parse(V1_SITE).ok()?;
    url.path_segments_mut()
        .ok()?
        .clear()
        .extend(["user", username]);
    Some(url.into())
}

fn show(s: &v1::Show) -> act::Show {
    act::Show {
        title: s.title.clone(),
        year: s.year,
        trakt: None,
        slug: None,
        tvdb: s.tvdb_id,
        imdb: s.imdb_id.clone(),
        url: s.url.clone(),
        poster: s.images.as_ref().and_then(|i| i.poster.clone()),
    }
}

fn episode(e: &v1::Episode) -> act::Episode {
    act::Episode {
        season: e.season,
        number: e.number,
        title: e.title.clone(),
        url: e.url.clone(),
        screenshot: e.images.as_ref().and_then(|i| i.screen.clone()),
    }
}

fn movie(m: &v1::Movie) -> act::Movie {
    act::Movie {
        title: m.title.clone(),
        year: m.year,
        trakt: None,
        imdb: m.imdb_id.clone(),
        url: m.url.clone(),
        poster: m.images.as_ref().and_then(|i| i.poster.clone()),
    }
}

fn list(l: &v1::List) -> act::List {
    act::List {
        id: None,
        name: l.name.clone(),
        slug: l.slug.clone(),
        url: l.url.clone(),
        description: l.description.clone(),
        privacy: l.privacy.clone(),
    }
}

fn missing(show: Option<&v1::Show>, expected: Expected) -> Subject {
    Subject::Missing {
        show: show.map(self::show),
        expected,
    }
}

/// What the item is about: the list item for `item_added`, else by `type`.
fn subject(a: &v1::Activity) -> Subject {
    match (a.action, a.kind) {
        (Action::ItemAdded, _) => match &a.list_item {
            Some(item) => list_item_subject(item),
            None => missing(a.show.as_ref(), Expected::Something),
        },
        (_, ItemType::List) => Subject::List,
        (_, ItemType::Episode) => episodes(a.show.as_ref(), a.episode.as_ref(), &a.episodes),
        (_, ItemType::Movie) => a.movie.as_ref().map_or_else(
            || missing(None, Expected::Movie),
            |m| Subject::Movie { movie: movie(m) },
        ),
        (_, ItemType::Show) => a.show.as_ref().map_or_else(
            || missing(None, Expected::Show),
            |s| Subject::Show { show: show(s) },
        ),
    }
}

/// `episodes` when v1 sent a list, else the single `episode`.
fn episodes(
    show: Option<&v1::Show>,
    single: Option<&v1::Episode>,
    many: &[v1::Episode],
) -> Subject {
    let list = if many.is_empty() {
        single.into_iter().map(episode).collect()
    } else {
        many.iter().map(episode).collect()
    };
    Subject::episodes(show.map(self::show), list)
}

fn list_item_subject(item: &v1::ListItem) -> Subject {
    let item_show = item.show.as_ref();
    let as_movie = |m: &v1::Movie| Subject::Movie { movie: movie(m) };
    match item.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
        Some("movie") => item
            .movie
            .as_ref()
            .map_or_else(|| missing(None, Expected::Movie), as_movie),
        Some("episode") => episodes(item_show, item.episode.as_ref(), &[]),
        Some("season") => Subject::Season {
            show: item_show.map(show),
            season: act::Season {
                number: item.season,
                url: None,
            },
        },
        Some("show") => item_show.map_or_else(
            || missing(None, Expected::Show),
            |s| Subject::Show { show: show(s) },
        ),
        // No or an unknown type: go by what is there.
        _ => match (item_show, &item.episode, &item.movie) {
            (_, Some(ep), _) => Subject::Episode {
                show: item_show.map(show),
                episode: episode(ep),
            },
            (_, None, Some(m)) => as_movie(m),
            (Some(s), None, None) => Subject::Show { show: show(s) },
            (None, None, None) => missing(None, Expected::Something),
        },
    }
}

/// `N/10` when the user rates on the advanced scale, else love/hate; whichever
/// is known when the preferred one is missing.
fn rating(a: &v1::Activity) -> Option<Rating> {
    let score = a.rating_advanced.and_then(Score::new).map(Rating::Score);
    let love = a.rating.map(|l| match l {
        Love::Love => Rating::Love,
        Love::Hate => Rating::Hate,
    });
    if a.use_rating_advanced {
        score.or(love)
    } else {
        love.or(score)
    }
}

#[cfg(test)]
mod tests;
