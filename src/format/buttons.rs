//! Pure: the link buttons (style 5) of a message about one show: the show on
//! Trakt, and on IMDb and TVDB when its ids are known. One action row, at
//! most [`MAX_BUTTONS`] buttons, links only (no `custom_id`, so nothing for
//! the bot to answer). A message packing activities of several shows, or
//! about no show at all (a movie), gets none.

use serde::Serialize;

use super::links::clean_url;
use crate::activity::{self, Activity};

/// Discord's limit of buttons per action row.
pub const MAX_BUTTONS: usize = 5;
/// Discord's limit on a button's URL (characters).
pub const MAX_URL: usize = 512;
/// Discord's limit on a button's label (characters).
pub const MAX_LABEL: usize = 80;

/// Component types and the link style.
const ACTION_ROW: u8 = 1;
const BUTTON: u8 = 2;
const LINK_STYLE: u8 = 5;

/// An action row (`type: 1`) of buttons.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ActionRow {
    #[serde(rename = "type")]
    kind: u8,
    pub components: Vec<LinkButton>,
}

/// A link button (`type: 2`, `style: 5`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkButton {
    #[serde(rename = "type")]
    kind: u8,
    style: u8,
    pub label: String,
    pub url: String,
}

impl LinkButton {
    fn new(label: &str, url: Option<String>) -> Option<LinkButton> {
        let url = clean_url(&url?)?;
        (url.chars().count() <= MAX_URL).then(|| LinkButton {
            kind: BUTTON,
            style: LINK_STYLE,
            label: label.chars().take(MAX_LABEL).collect(),
            url,
        })
    }
}

/// The components of a message about `activities`: one row of link buttons
/// when every activity is about the same show, else none.
pub fn link_rows<'a>(activities: impl IntoIterator<Item = &'a Activity>) -> Vec<ActionRow> {
    let Some(show) = single_show(activities) else {
        return Vec::new();
    };
    let buttons: Vec<LinkButton> = show_buttons(&show).into_iter().take(MAX_BUTTONS).collect();
    if buttons.is_empty() {
        return Vec::new();
    }
    vec![ActionRow {
        kind: ACTION_ROW,
        components: buttons,
    }]
}

/// The show every activity is about, its ids merged from all of them (one
/// activity may know the IMDb id another lacks); `None` when there is no
/// activity, one is about no show, or two are about different shows.
fn single_show<'a>(activities: impl IntoIterator<Item = &'a Activity>) -> Option<activity::Show> {
    let mut merged: Option<activity::Show> = None;
    for a in activities {
        let show = a.subject_show()?;
        match &mut merged {
            None => merged = Some(show.clone()),
            Some(m) => {
                if !same_show(m, show) {
                    return None;
                }
                m.trakt = m.trakt.or(show.trakt);
                m.tvdb = m.tvdb.or(show.tvdb);
                if m.slug().is_none() {
                    m.slug = show.slug().map(str::to_owned);
                }
                if m.imdb.is_none() {
                    m.imdb.clone_from(&show.imdb);
                }
                if m.url.is_none() {
                    m.url.clone_from(&show.url);
                }
            }
        }
    }
    merged
}

/// Whether two show objects are the same show: an id they both have agrees,
/// and they have at least one in common.
fn same_show(a: &activity::Show, b: &activity::Show) -> bool {
    let mut common = false;
    let mut check = |x: Option<String>, y: Option<String>| match (x, y) {
        (Some(x), Some(y)) => {
            common = true;
            x == y
        }
        _ => true,
    };
    let agree = check(
        a.trakt.map(|t| t.to_string()),
        b.trakt.map(|t| t.to_string()),
    ) & check(a.slug().map(str::to_owned), b.slug().map(str::to_owned))
        & check(a.tvdb.map(|t| t.to_string()), b.tvdb.map(|t| t.to_string()));
    agree && common
}

/// Trakt, IMDb, TVDB, as far as known.
fn show_buttons(show: &activity::Show) -> Vec<LinkButton> {
    let trakt = show
        .url
        .clone()
        .filter(|u| clean_url(u).is_some())
        .or_else(|| show.slug().and_then(activity::web::show));
    let imdb = show
        .imdb
        .as_deref()
        .filter(|id| is_imdb_id(id))
        .map(|id| format!("https://www.imdb.com/title/{id}/"));
    let tvdb = show
        .tvdb
        .filter(|id| *id > 0)
        .map(|id| format!("https://thetvdb.com/dereferrer/series/{id}"));
    [("Trakt", trakt), ("IMDb", imdb), ("TVDB", tvdb)]
        .into_iter()
        .filter_map(|(label, url)| LinkButton::new(label, url))
        .collect()
}

/// `tt` followed by digits, as IMDb title ids are.
fn is_imdb_id(id: &str) -> bool {
    id.strip_prefix("tt")
        .is_some_and(|n| !n.is_empty() && n.len() <= 12 && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{Movie, Subject, User};
    use crate::trakt::{Action, ActivityKey, TraktTime};

    fn show(slug: &str, imdb: Option<&str>, tvdb: Option<u64>) -> activity::Show {
        activity::Show {
            title: Some(slug.to_owned()),
            slug: Some(slug.to_owned()),
            imdb: imdb.map(str::to_owned),
            tvdb,
            ..activity::Show::default()
        }
    }

    fn about(subject: Subject) -> Activity {
        Activity {
            action: Action::Seen,
            time: TraktTime(1),
            key: ActivityKey("k".to_owned()),
            user: User::default(),
            subject,
            comment: None,
            list: None,
            list_item: None,
            rating: None,
        }
    }

    fn urls(rows: &[ActionRow]) -> Vec<(String, String)> {
        rows.iter()
            .flat_map(|r| r.components.iter())
            .map(|b| (b.label.clone(), b.url.clone()))
            .collect()
    }

    #[test]
    fn a_show_with_every_id_gets_three_links() {
        let a = about(Subject::Show {
            show: show("fargo", Some("tt2802850"), Some(269613)),
        });
        let rows = link_rows([&a]);
        assert_eq!(
            urls(&rows),
            [
                (
                    "Trakt".to_owned(),
                    "https://trakt.tv/shows/fargo".to_owned()
                ),
                (
                    "IMDb".to_owned(),
                    "https://www.imdb.com/title/tt2802850/".to_owned()
                ),
                (
                    "TVDB".to_owned(),
                    "https://thetvdb.com/dereferrer/series/269613".to_owned()
                ),
            ]
        );
        let json = serde_json::to_value(&rows).expect("json");
        assert_eq!(json[0]["type"], 1);
        assert_eq!(json[0]["components"][0]["type"], 2);
        assert_eq!(json[0]["components"][0]["style"], 5);
        assert!(json[0]["components"][0].get("custom_id").is_none());
    }

    #[test]
    fn unknown_or_malformed_ids_give_no_button() {
        let a = about(Subject::Show {
            show: show("fargo", Some("nm123"), Some(0)),
        });
        assert_eq!(urls(&link_rows([&a])).len(), 1, "Trakt only");
        let mut bare = show("x", None, None);
        bare.slug = None;
        assert!(link_rows([&about(Subject::Show { show: bare })]).is_empty());
    }

    #[test]
    fn the_source_url_of_the_show_is_preferred() {
        let mut s = show("fargo", None, None);
        s.url = Some("http://trakt.tv/show/fargo".to_owned());
        let rows = link_rows([&about(Subject::Show { show: s })]);
        assert_eq!(urls(&rows)[0].1, "http://trakt.tv/show/fargo");
    }

    #[test]
    fn only_a_message_about_one_show_gets_links() {
        let fargo = about(Subject::Show {
            show: show("fargo", None, Some(1)),
        });
        let fargo_imdb = about(Subject::Show {
            show: show("fargo", Some("tt1"), None),
        });
        let lost = about(Subject::Show {
            show: show("lost", None, None),
        });
        let movie = about(Subject::Movie {
            movie: Movie::default(),
        });
        let merged = link_rows([&fargo, &fargo_imdb]);
        assert_eq!(urls(&merged).len(), 3, "ids merged: {merged:?}");
        assert!(link_rows([&fargo, &lost]).is_empty(), "two shows");
        assert!(link_rows([&fargo, &movie]).is_empty(), "a movie");
        assert!(link_rows(std::iter::empty()).is_empty());
        assert!(link_rows([&fargo])
            .iter()
            .all(|r| r.components.len() <= MAX_BUTTONS));
    }
}
