//! Store tests: what `followed_shows` keeps in memory (issue 15: a cycle
//! over 20 000 shows holds the whole answer at once).

use super::*;

#[test]
fn followed_shows_keeps_no_spare_capacity() {
    let dir = TempDir::new().unwrap();
    let store = open(&dir);
    // 3 shows (a Vec grown one push at a time holds 4), the first followed by
    // 5 channels and the last by 3 (8 and 4 slots when grown by pushes).
    for channel in 10..15 {
        follow(&store, 1, channel, "fargo", "seen");
    }
    follow(&store, 1, 10, "lost", "all");
    for channel in 20..23 {
        follow(&store, 2, channel, "the-wire", "shout");
    }
    let shows = store.followed_shows().unwrap();
    let lens: Vec<usize> = shows.iter().map(|s| s.channels.len()).collect();
    assert_eq!(lens, [5, 1, 3]);
    for s in &shows {
        assert_eq!(
            s.channels.capacity(),
            s.channels.len(),
            "{}: spare channel slots",
            s.show
        );
    }
    assert_eq!(shows.capacity(), shows.len(), "spare show slots");
}
