//! The per-follow digest switch: on by default, kept across a re-follow,
//! absent from stored JSON unless off.

use super::*;

#[test]
fn digest_is_on_by_default_and_set_per_follow() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    store.follow(new_follow(1, 10, "fargo", "all")).unwrap();
    store.follow(new_follow(1, 10, "lost", "all")).unwrap();
    let digest_of = |show: &str| {
        store
            .channel_follows(ChannelId(10))
            .unwrap()
            .into_iter()
            .find(|s| s.show == slug(show))
            .map(|s| s.digest)
    };
    assert_eq!(digest_of("fargo"), Some(true));
    assert!(store
        .set_digest(ChannelId(10), &slug("fargo"), false)
        .unwrap());
    assert_eq!(digest_of("fargo"), Some(false));
    assert_eq!(digest_of("lost"), Some(true));
    // Following again (new actions) keeps the switch.
    store.follow(new_follow(1, 10, "fargo", "seen")).unwrap();
    assert_eq!(digest_of("fargo"), Some(false));
    assert!(!store
        .set_digest(ChannelId(11), &slug("fargo"), false)
        .unwrap());
}

#[test]
fn digest_is_left_out_of_stored_json_unless_off() {
    let mut sub = sub_of(10, "fargo", "all", SubState::Active);
    let on = serde_json::to_value(&sub).unwrap();
    assert!(on.get("digest").is_none(), "{on}");
    let back: Subscription = serde_json::from_value(on).unwrap();
    assert!(back.digest);
    sub.digest = false;
    let off = serde_json::to_value(&sub).unwrap();
    assert_eq!(off["digest"], false);
    let back: Subscription = serde_json::from_value(off).unwrap();
    assert!(!back.digest);
}
