//! A follow's message settings (`Delivery`): stored with the subscription,
//! kept or replaced by a re-follow, absent from older values.

use super::*;
use crate::ids::RoleId;
use crate::trakt::Action;

fn delivery_of(store: &Store, channel: u64, show: &str) -> Delivery {
    store
        .channel_follows(ChannelId(channel))
        .unwrap()
        .into_iter()
        .find(|s| s.show == slug(show))
        .unwrap()
        .delivery
}

fn pinging(role: u64, on: &str) -> Delivery {
    Delivery {
        ping: Some(RoleId(role)),
        ping_on: Some(actions(on)),
        quiet: true,
        publish: true,
    }
}

#[test]
fn follow_with_stores_the_settings_and_a_plain_refollow_keeps_them() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store
        .follow_with(
            new_follow(1, 10, "fargo", "all"),
            Some(pinging(77, "review")),
        )
        .unwrap();
    assert_eq!(delivery_of(&store, 10, "fargo"), pinging(77, "review"));
    // A re-follow without settings (tools, import) keeps them.
    follow(&store, 1, 10, "fargo", "shout");
    assert_eq!(delivery_of(&store, 10, "fargo"), pinging(77, "review"));
    // `/follow` always passes them: they are replaced.
    store
        .follow_with(new_follow(1, 10, "fargo", "all"), Some(Delivery::default()))
        .unwrap();
    assert_eq!(delivery_of(&store, 10, "fargo"), Delivery::default());
}

#[test]
fn default_settings_are_not_written_and_old_values_read_as_default() {
    let sub = sub_of(10, "fargo", "all", SubState::Active);
    let json = serde_json::to_value(&sub).unwrap();
    assert!(json.get("delivery").is_none(), "{json}");
    let back: Subscription = serde_json::from_value(json).unwrap();
    assert_eq!(back.delivery, Delivery::default());
    let with = Subscription {
        delivery: pinging(5, "shout,review"),
        ..sub
    };
    let json = serde_json::to_value(&with).unwrap();
    assert_eq!(json["delivery"]["ping"], serde_json::json!(5));
    let back: Subscription = serde_json::from_value(json).unwrap();
    assert_eq!(back, with);
}

#[test]
fn a_ping_applies_to_its_actions_only() {
    let d = pinging(5, "shout,review");
    assert_eq!(d.ping_for(Action::Shout), Some(RoleId(5)));
    assert_eq!(d.ping_for(Action::Created), None);
    let all = Delivery { ping_on: None, ..d };
    assert_eq!(all.ping_for(Action::Created), Some(RoleId(5)));
    assert_eq!(Delivery::default().ping_for(Action::Shout), None);
}
