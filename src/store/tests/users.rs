//! User follows: limits shared with show follows, routing by action, show
//! and `since`, dedupe per user, unfollow and disable cleaning up.

use super::*;
use crate::activity::{self, Subject};
use crate::trakt::v2::UserSlug;
use crate::trakt::Action;

pub(super) fn moon() -> UserSlug {
    UserSlug("moonfield".into())
}

pub(super) fn new_user_follow(guild: u64, channel: u64, acts: &str, since: i64) -> NewUserFollow {
    NewUserFollow {
        guild: GuildId(guild),
        channel: ChannelId(channel),
        user: moon(),
        profile: Profile {
            username: "moonfield".into(),
            name: Some("Mira Okafor".into()),
            avatar: None,
        },
        actions: actions(acts),
        show: None,
        created_by: UserId(9),
        now: 1_000,
        start_watermark: Some(TraktTime(since)),
        max_per_guild: 50,
    }
}

/// A history-like activity of the user about show `show` at `time`.
pub(super) fn user_activity(key: &str, action: Action, time: i64, show: u64) -> Activity {
    Activity {
        action,
        time: TraktTime(time),
        key: ActivityKey(key.into()),
        user: activity::User::default(),
        subject: Subject::Show {
            show: activity::Show {
                trakt: Some(show),
                ..activity::Show::default()
            },
        },
        comment: None,
        list: None,
        list_item: None,
        rating: None,
    }
}

pub(super) fn commit(store: &Store, items: Vec<(Activity, Vec<u64>)>) -> CommitStats {
    store
        .commit_user_poll(UserCommit {
            user: moon(),
            marks: UserMarks {
                history: Some(TraktTime(500)),
                ..UserMarks::default()
            },
            items: items
                .into_iter()
                .map(|(activity, ch)| UserItem {
                    activity,
                    channels: ch.into_iter().map(ChannelId).collect(),
                })
                .collect(),
            now: 2_000,
        })
        .unwrap()
}

pub(super) fn pending_keys(store: &Store, channel: u64) -> Vec<String> {
    store
        .pending(ChannelId(channel), 100)
        .unwrap()
        .into_iter()
        .map(|e| e.key.0)
        .collect()
}

#[test]
fn user_follows_count_toward_the_guild_limit_with_show_follows() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    let mut f = new_user_follow(1, 10, "seen", 100);
    f.max_per_guild = 1;
    assert!(matches!(
        store.follow_user(f.clone()),
        Err(StoreError::LimitReached { limit: 1 })
    ));
    assert!(store
        .channel_user_follows(ChannelId(10))
        .unwrap()
        .is_empty());
    f.max_per_guild = 2;
    assert_eq!(store.follow_user(f).unwrap(), FollowOutcome::Created);
    assert_eq!(store.guild_follow_count(GuildId(1)).unwrap(), 2);
    let mut show = new_follow(1, 11, "lost", "all");
    show.max_per_guild = 2;
    assert!(matches!(
        store.follow(show),
        Err(StoreError::LimitReached { limit: 2 })
    ));
}

#[test]
fn a_user_poll_goes_to_the_channels_wanting_each_action_once() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store
        .follow_user(new_user_follow(1, 10, "seen,rating", 100))
        .unwrap();
    store
        .follow_user(new_user_follow(1, 20, "checkin", 100))
        .unwrap();
    let followed = store.followed_users().unwrap();
    assert_eq!(followed.len(), 1, "one user, read once for both channels");
    assert_eq!(followed[0].wanted, actions("seen,rating,checkin"));
    assert_eq!(followed[0].state.watermark, Some(TraktTime(100)));
    let items = vec![
        (
            user_activity("history:1", Action::Seen, 150, 1393),
            vec![10, 20],
        ),
        (
            user_activity("history:2", Action::Checkin, 160, 1393),
            vec![10, 20],
        ),
        (user_activity("history:0", Action::Seen, 90, 1393), vec![10]),
    ];
    let stats = commit(&store, items.clone());
    assert_eq!((stats.new_activities, stats.queued), (3, 2));
    assert_eq!(
        pending_keys(&store, 10),
        ["history:1"],
        "before `since`: never"
    );
    assert_eq!(pending_keys(&store, 20), ["history:2"]);
    let again = commit(&store, items);
    assert_eq!((again.duplicates, again.queued), (3, 0));
    assert!(store
        .is_user_recorded(&moon(), &ActivityKey("history:1".into()))
        .unwrap());
    assert_eq!(
        store.user_state(&moon()).unwrap().marks.history,
        Some(TraktTime(500))
    );
}

#[test]
fn a_follow_narrowed_to_one_show_gets_nothing_about_others() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    let mut f = new_user_follow(1, 10, "seen", 100);
    f.show = Some(ShowFilter {
        trakt: 1393,
        slug: "the-walking-dead".into(),
        title: "The Walking Dead".into(),
    });
    store.follow_user(f).unwrap();
    commit(
        &store,
        vec![
            (
                user_activity("history:1", Action::Seen, 150, 1388),
                vec![10],
            ),
            (
                user_activity("history:2", Action::Seen, 151, 1393),
                vec![10],
            ),
        ],
    );
    assert_eq!(pending_keys(&store, 10), ["history:2"]);
}

#[test]
fn unfollowing_a_user_drops_its_posts_state_and_keys_but_not_a_shows() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    follow(&store, 1, 10, "fargo", "all");
    store
        .follow_user(new_user_follow(1, 10, "seen", 100))
        .unwrap();
    commit(
        &store,
        vec![(
            user_activity("history:1", Action::Seen, 150, 1393),
            vec![10],
        )],
    );
    // A show unfollow leaves the user's entries alone.
    store.unfollow(ChannelId(10), &slug("fargo")).unwrap();
    assert_eq!(pending_keys(&store, 10), ["history:1"]);
    let gone = store.unfollow_user(ChannelId(10), &moon()).unwrap();
    assert!(gone.is_some());
    assert!(pending_keys(&store, 10).is_empty());
    assert!(store.followed_users().unwrap().is_empty());
    assert_eq!(store.user_state(&moon()).unwrap(), UserState::default());
    assert!(!store
        .is_user_recorded(&moon(), &ActivityKey("history:1".into()))
        .unwrap());
    assert!(store
        .unfollow_user(ChannelId(10), &moon())
        .unwrap()
        .is_none());
}

#[test]
fn a_user_turning_private_disables_every_follow_with_the_reason() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store
        .follow_user(new_user_follow(1, 10, "seen", 100))
        .unwrap();
    store
        .follow_user(new_user_follow(1, 20, "rating", 100))
        .unwrap();
    commit(
        &store,
        vec![(
            user_activity("history:1", Action::Seen, 150, 1393),
            vec![10],
        )],
    );
    let disabled = store
        .disable_user(&moon(), "private profile", 3_000)
        .unwrap();
    assert_eq!(disabled.len(), 2);
    assert!(pending_keys(&store, 10).is_empty());
    assert!(store.followed_users().unwrap().is_empty());
    let subs = store.channel_user_follows(ChannelId(20)).unwrap();
    assert_eq!(
        subs[0].state,
        SubState::Disabled {
            reason: "private profile".into(),
            since: 3_000
        }
    );
    // Following again re-activates it from the new clock.
    let outcome = store
        .follow_user(new_user_follow(1, 20, "rating", 400))
        .unwrap();
    assert!(matches!(outcome, FollowOutcome::Updated { .. }));
    let f = store.followed_users().unwrap();
    assert_eq!(f[0].subs[0].since, Some(TraktTime(400)));
    assert_eq!(f[0].state.watermark, Some(TraktTime(400)));
}

#[test]
fn a_refused_channel_disables_its_user_follows_too() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store
        .follow_user(new_user_follow(1, 10, "seen", 100))
        .unwrap();
    let stats = store.disable_channel(ChannelId(10), "gone", 5).unwrap();
    assert_eq!(stats.subscriptions, 1);
    assert!(store.followed_users().unwrap().is_empty());
}
