//! The eleven Trakt activity actions, the four item types, and `ActionSet`, the
//! typed filter a channel subscribes with (parsed from `all` or a comma list).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the eleven activity actions of the v1 API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Watching,
    Scrobble,
    Checkin,
    Seen,
    Collection,
    Rating,
    Watchlist,
    Shout,
    Review,
    Created,
    ItemAdded,
}

impl Action {
    /// Every action, in the order the API documents them.
    pub const ALL: [Action; 11] = [
        Action::Watching,
        Action::Scrobble,
        Action::Checkin,
        Action::Seen,
        Action::Collection,
        Action::Rating,
        Action::Watchlist,
        Action::Shout,
        Action::Review,
        Action::Created,
        Action::ItemAdded,
    ];

    /// The API's name for the action.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Watching => "watching",
            Action::Scrobble => "scrobble",
            Action::Checkin => "checkin",
            Action::Seen => "seen",
            Action::Collection => "collection",
            Action::Rating => "rating",
            Action::Watchlist => "watchlist",
            Action::Shout => "shout",
            Action::Review => "review",
            Action::Created => "created",
            Action::ItemAdded => "item_added",
        }
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// Whether the API documents this action for this item type (reference §5).
    pub fn allows(self, kind: ItemType) -> bool {
        use ItemType::*;
        match self {
            Action::Watching
            | Action::Scrobble
            | Action::Checkin
            | Action::Seen
            | Action::Collection => matches!(kind, Episode | Movie),
            Action::Rating | Action::Watchlist | Action::Shout | Action::Review => {
                matches!(kind, Episode | Movie | Show)
            }
            Action::Created | Action::ItemAdded => kind == List,
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = ActionSetError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| ActionSetError::Unknown(s.to_owned()))
    }
}

/// The `type` of an activity item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemType {
    Episode,
    Show,
    Movie,
    List,
}

impl ItemType {
    /// The API's name for the type.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Episode => "episode",
            ItemType::Show => "show",
            ItemType::Movie => "movie",
            ItemType::List => "list",
        }
    }
}

impl fmt::Display for ItemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of actions: what a channel wants to hear about. Never empty.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ActionSet(u16);

/// Why an action list was refused. The text is shown to users.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionSetError {
    #[error("no actions given: use `all` or a comma list such as `seen,shout`")]
    Empty,
    #[error("`{0}` is not an action; choose from: all, watching, scrobble, checkin, seen, collection, rating, watchlist, shout, review, created, item_added")]
    Unknown(String),
}

impl ActionSet {
    /// Every action.
    pub const fn all() -> Self {
        ActionSet((1 << 11) - 1)
    }

    /// What Trakt API v2 makes public about a followed SHOW (reference
    /// §10.1): comments (`shout`, `review`), lists (`created`, `item_added`)
    /// and who is watching now. The other six exist on v2 only per user.
    pub const fn v2_show() -> Self {
        ActionSet(
            Action::Watching.bit()
                | Action::Shout.bit()
                | Action::Review.bit()
                | Action::Created.bit()
                | Action::ItemAdded.bit(),
        )
    }

    /// The actions of both sets.
    pub fn intersection(self, other: ActionSet) -> ActionSet {
        ActionSet(self.0 & other.0)
    }

    /// No action (only as a starting point for unions; never stored).
    pub const fn none() -> Self {
        ActionSet(0)
    }

    /// Parse `all` or a comma list of action names (spaces around commas are fine).
    pub fn parse(input: &str) -> Result<Self, ActionSetError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(ActionSetError::Empty);
        }
        let mut set = ActionSet::none();
        for word in input.split(',') {
            let word = word.trim();
            if word.is_empty() {
                continue;
            }
            if word.eq_ignore_ascii_case("all") {
                set = ActionSet::all();
                continue;
            }
            let action: Action = word.to_ascii_lowercase().parse()?;
            set.insert(action);
        }
        if set.is_empty() {
            return Err(ActionSetError::Empty);
        }
        Ok(set)
    }

    pub fn insert(&mut self, action: Action) {
        self.0 |= action.bit();
    }

    pub fn contains(self, action: Action) -> bool {
        self.0 & action.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn is_all(self) -> bool {
        self == ActionSet::all()
    }

    pub fn union(self, other: ActionSet) -> ActionSet {
        ActionSet(self.0 | other.0)
    }

    /// The actions in API order.
    pub fn iter(self) -> impl Iterator<Item = Action> {
        Action::ALL.into_iter().filter(move |a| self.contains(*a))
    }

    /// The raw bits (for compact storage).
    pub fn bits(self) -> u16 {
        self.0
    }

    /// From raw bits; `None` when the bits are empty or name no action.
    pub fn from_bits(bits: u16) -> Option<Self> {
        let set = ActionSet(bits);
        (bits != 0 && bits & !ActionSet::all().0 == 0).then_some(set)
    }

    /// The URL segment: `all`, or the names joined by a raw comma.
    pub fn as_segment(self) -> String {
        self.to_string()
    }
}

impl Default for ActionSet {
    fn default() -> Self {
        ActionSet::all()
    }
}

impl FromIterator<Action> for ActionSet {
    fn from_iter<I: IntoIterator<Item = Action>>(iter: I) -> Self {
        let mut set = ActionSet::none();
        for a in iter {
            set.insert(a);
        }
        set
    }
}

impl fmt::Display for ActionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_all() {
            return f.write_str("all");
        }
        let mut first = true;
        for a in self.iter() {
            if !first {
                f.write_str(",")?;
            }
            first = false;
            f.write_str(a.as_str())?;
        }
        Ok(())
    }
}

impl fmt::Debug for ActionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActionSet({self})")
    }
}

super::text_form!(ActionSet, ActionSetError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_and_lists() {
        assert!(ActionSet::parse("all").expect("all").is_all());
        let set = ActionSet::parse("shout, seen,seen").expect("list");
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            vec![Action::Seen, Action::Shout]
        );
        assert_eq!(set.to_string(), "seen,shout");
        assert_eq!(ActionSet::parse("SEEN").expect("case").to_string(), "seen");
        assert_eq!(
            ActionSet::parse("item_added").expect("x").to_string(),
            "item_added"
        );
    }

    #[test]
    fn refuses_unknown_and_empty() {
        let err = ActionSet::parse("seen,bogus")
            .expect_err("bogus")
            .to_string();
        assert!(err.contains("`bogus` is not an action"), "{err}");
        assert_eq!(ActionSet::parse(""), Err(ActionSetError::Empty));
        assert_eq!(ActionSet::parse(" , "), Err(ActionSetError::Empty));
        assert!(ActionSet::parse("seen/shout").is_err());
        assert!(ActionSet::parse("seen%2C").is_err());
    }

    #[test]
    fn v2_shows_offer_comments_lists_and_watching() {
        let v2 = ActionSet::v2_show();
        assert_eq!(
            v2,
            ActionSet::parse("watching,shout,review,created,item_added").expect("p")
        );
        let wanted = ActionSet::parse("seen,shout").expect("p");
        assert_eq!(
            wanted.intersection(v2),
            ActionSet::parse("shout").expect("p")
        );
    }

    #[test]
    fn bits_round_trip() {
        let set = ActionSet::parse("rating,created").expect("p");
        assert_eq!(ActionSet::from_bits(set.bits()), Some(set));
        assert_eq!(ActionSet::from_bits(0), None);
        assert_eq!(ActionSet::from_bits(1 << 12), None);
    }

    #[test]
    fn matrix_matches_reference() {
        assert!(Action::Seen.allows(ItemType::Episode));
        assert!(!Action::Seen.allows(ItemType::Show));
        assert!(Action::Rating.allows(ItemType::Show));
        assert!(Action::ItemAdded.allows(ItemType::List));
        assert!(!Action::Shout.allows(ItemType::List));
    }
}
