//! How a show's polling state ([`ShowState`]) is stored in the `shows` tree.
//!
//! This build writes a compact binary form: the tag byte [`STATE_V2`], then
//! [`Wire`] in `postcard` (a maintained serde format: varint integers, no
//! field names). It still reads the JSON form (tag `VALUE_V1`, what every
//! other value uses) that stores written before schema 5 hold, so no
//! migration rewrites the tree: a state is compacted the next time it is
//! written, which every poll of the show does.
//!
//! Why: sled keeps the pages a poll cycle reads resident, and every cycle
//! reads and writes each polled show's state. A typical v2 state was 201
//! bytes of JSON and is 47 here (`typical_v2_state_is_compact` below), which
//! shrinks the `shows` pages a cycle holds (docs/performance.md, "Memory at
//! 100 000 subscriptions"). [`ShowState`]'s own serde shape skips defaults,
//! which a format without field names cannot read back, so [`Wire`] lists
//! every field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{corrupt, decode, PollError, ShowState, StoreError, V2Marks};
use crate::schedule::{RateEstimate, Record};
use crate::trakt::TraktTime;

/// Tag byte of the binary form.
const STATE_V2: u8 = 2;

/// Every field of a [`ShowState`], in a fixed order.
#[derive(Serialize, Deserialize)]
struct Wire {
    watermark: Option<TraktTime>,
    failures: u32,
    next_attempt: Option<i64>,
    comments: Option<TraktTime>,
    lists: Option<TraktTime>,
    watchers: Option<BTreeMap<String, TraktTime>>,
    rate: RateEstimate,
    last_poll: Option<i64>,
    pending: u64,
    error: Option<WireError>,
}

/// Every field of a [`PollError`].
#[derive(Serialize, Deserialize)]
struct WireError {
    message: String,
    since: i64,
    at: i64,
    alerted: bool,
}

/// The stored bytes of `state`.
pub(super) fn encode(state: &ShowState) -> Result<Vec<u8>, StoreError> {
    let wire = Wire {
        watermark: state.watermark,
        failures: state.failures,
        next_attempt: state.next_attempt,
        comments: state.v2.comments,
        lists: state.v2.lists,
        watchers: state.v2.watchers.clone(),
        rate: state.schedule.rate,
        last_poll: state.schedule.last_poll,
        pending: state.schedule.pending,
        error: state.error.as_ref().map(|e| WireError {
            message: e.message.clone(),
            since: e.since,
            at: e.at,
            alerted: e.alerted,
        }),
    };
    postcard::to_extend(&wire, vec![STATE_V2]).map_err(|e| corrupt("show state to write", e))
}

/// A state read back, in either form.
pub(super) fn decode_state(bytes: &[u8]) -> Result<ShowState, StoreError> {
    match bytes.split_first() {
        Some((&STATE_V2, rest)) => {
            let w: Wire = postcard::from_bytes(rest).map_err(|e| corrupt("show state", e))?;
            Ok(ShowState {
                watermark: w.watermark,
                failures: w.failures,
                next_attempt: w.next_attempt,
                v2: V2Marks {
                    comments: w.comments,
                    lists: w.lists,
                    watchers: w.watchers,
                },
                schedule: Record {
                    rate: w.rate,
                    last_poll: w.last_poll,
                    pending: w.pending,
                },
                error: w.error.map(|e| {
                    Box::new(PollError {
                        message: e.message,
                        since: e.since,
                        at: e.at,
                        alerted: e.alerted,
                    })
                }),
            })
        }
        // The JSON form ([`VALUE_V1`]), or an unknown tag refused by `decode`.
        _ => decode("show state", bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn typical() -> ShowState {
        ShowState {
            watermark: Some(TraktTime(1_764_000_000)),
            failures: 0,
            next_attempt: None,
            v2: V2Marks {
                comments: Some(TraktTime(1_764_000_100)),
                lists: Some(TraktTime(1_764_000_200)),
                watchers: Some(BTreeMap::new()),
            },
            schedule: Record {
                rate: RateEstimate::restart(3, Duration::from_secs(3600)),
                last_poll: Some(1_764_000_300),
                pending: 0,
            },
            error: None,
        }
    }

    #[test]
    fn typical_v2_state_is_compact() {
        let state = typical();
        let json = super::super::encode(&state).expect("json");
        let bytes = encode(&state).expect("binary");
        assert_eq!(json.len(), 201, "the JSON form this replaces");
        assert_eq!(bytes.len(), 47);
        assert_eq!(decode_state(&bytes).expect("decodes"), state);
    }

    #[test]
    fn every_field_round_trips_and_the_json_form_still_reads() {
        let mut state = typical();
        state.failures = 4;
        state.next_attempt = Some(1_764_009_999);
        state.schedule.pending = 7;
        state.v2.watchers = Some(BTreeMap::from([
            ("moonfield".to_owned(), TraktTime(1_764_000_400)),
            ("sean".to_owned(), TraktTime(1_764_000_500)),
        ]));
        state.error = Some(Box::new(PollError {
            message: "Trakt answered 502".to_owned(),
            since: 1_764_000_000,
            at: 1_764_000_600,
            alerted: true,
        }));
        let bytes = encode(&state).expect("binary");
        assert_eq!(decode_state(&bytes).expect("binary decodes"), state);
        let json = super::super::encode(&state).expect("json");
        assert_eq!(decode_state(&json).expect("json decodes"), state);
        assert_eq!(
            decode_state(&super::super::encode(&ShowState::default()).expect("json"))
                .expect("decodes"),
            ShowState::default()
        );
    }

    #[test]
    fn a_damaged_state_is_corrupt() {
        let bytes = encode(&typical()).expect("binary");
        for bad in [
            &bytes[..bytes.len() - 3],
            &[STATE_V2][..],
            &[9u8, 1, 2][..],
            &[][..],
        ] {
            let err = decode_state(bad).expect_err("refused");
            assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        }
    }
}
