//! Unit tests of the v1 client's pure parts: paging, classification, set-up
//! (the retry delays are `trakt::retry`'s).

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn page_of(outcome: Outcome) -> ParsedPage {
    match outcome {
        Outcome::Done(Ok(page)) => page,
        other => panic!("expected a page, got {other:?}"),
    }
}

fn error_of(outcome: Outcome) -> TraktError {
    match outcome {
        Outcome::Done(Err(e)) => e,
        other => panic!("expected an error, got {other:?}"),
    }
}

fn retry_of(outcome: Outcome) -> (Option<u16>, String, bool) {
    match outcome {
        Outcome::Retry {
            status,
            reason,
            overloaded,
        } => (status, reason, overloaded),
        other => panic!("expected a retry, got {other:?}"),
    }
}

#[test]
fn classifies_statuses() {
    let fail = br#"{"status":"failure","error":"invalid API key"}"#;
    match error_of(classify(401, fail)) {
        TraktError::Unauthorized { message } => assert_eq!(message, "invalid API key"),
        e => panic!("{e:?}"),
    }
    assert!(matches!(
        error_of(classify(404, br#"{"status":"failure","error":"show not found"}"#)),
        TraktError::NotFound { message } if message == "show not found"
    ));
    assert!(matches!(
        error_of(classify(400, br#"{"status":"failure","message":"bad title"}"#)),
        TraktError::Rejected { status: 400, message } if message == "bad title"
    ));
    assert!(matches!(
        error_of(classify(418, b"")),
        TraktError::Rejected { status: 418, message } if message == "I'm a teapot"
    ));
    let (status, reason, overloaded) = retry_of(classify(
        503,
        br#"{"status":"failure","error":"server is over capacity"}"#,
    ));
    assert_eq!(
        (status, reason.as_str(), overloaded),
        (Some(503), "server is over capacity", true)
    );
    let (status, reason, overloaded) = retry_of(classify(500, b"<html><body>oops"));
    assert_eq!(status, Some(500));
    assert_eq!(reason, "Internal Server Error; the body is HTML");
    assert!(!overloaded);
    assert!(matches!(retry_of(classify(502, b"")).0, Some(502)));
    assert!(matches!(retry_of(classify(429, b"")).0, Some(429)));
}

#[test]
fn classifies_success_bodies() {
    let page = page_of(classify(
        200,
        br#"{"timestamps":{"start":1,"current":9},"activity":[]}"#,
    ));
    assert_eq!((page.current, page.raw_len), (TraktTime(9), 0));
    assert!(matches!(
        error_of(classify(200, br#"{"status":"failure","error":"invalid API permission"}"#)),
        TraktError::Failure { message } if message == "invalid API permission"
    ));
    assert!(matches!(
        error_of(classify(
            200,
            br#"{"status":"failure","error":"show not found"}"#
        )),
        TraktError::NotFound { .. }
    ));
    let (_, reason, _) = retry_of(classify(200, b"<!DOCTYPE html><html>"));
    assert_eq!(reason, "the body is HTML, not JSON");
    let (_, reason, _) = retry_of(classify(200, br#"{"timestamps":{"start":1,"curr"#));
    assert!(reason.starts_with("the body is truncated JSON"), "{reason}");
    let (_, reason, _) = retry_of(classify(200, b"}}garbage{{"));
    assert!(reason.starts_with("the body is not JSON"), "{reason}");
    let (_, reason, _) = retry_of(classify(200, b"[]"));
    assert_eq!(reason, "the body has no `timestamps`");
    let (_, reason, _) = retry_of(classify(200, br#""a string""#));
    assert!(
        reason.starts_with("the body is not an activity response"),
        "{reason}"
    );
    let (_, reason, _) = retry_of(classify(200, br#"{"activity":[]}"#));
    assert_eq!(reason, "the body has no `timestamps`");
}

#[test]
fn parse_activity_page_answers_as_a_fetch_would() {
    let page = parse_activity_page(
        br#"{"timestamps":{"current":9},"activity":[
            {"id":1,"timestamp":5,"type":"episode","action":"seen","user":{"username":"a"}},
            {"id":2,"timestamp":5,"type":"show","action":"seen","user":{"username":"a"}}
        ]}"#,
    )
    .expect("a page");
    assert_eq!(
        (
            page.current,
            page.raw_len,
            page.activities.len(),
            page.skipped
        ),
        (TraktTime(9), 2, 1, 1)
    );
    assert!(matches!(
        parse_activity_page(br#"{"status":"failure","error":"show not found"}"#),
        Err(TraktError::NotFound { .. })
    ));
    assert!(matches!(
        parse_activity_page(br#"{"status":"failure","error":"nope"}"#),
        Err(TraktError::Failure { .. })
    ));
    assert!(matches!(
        parse_activity_page(b"<!DOCTYPE html><html>"),
        Err(TraktError::Unavailable {
            status: Some(200),
            ..
        })
    ));
}

#[test]
fn bad_items_are_skipped_not_fatal() {
    let body = br#"{"timestamps":{"start":1,"current":9},"activity":[
        {"id":1,"timestamp":5,"type":"episode","action":"seen","user":{"username":"a"}},
        {"id":2,"timestamp":5,"type":"episode","action":"dance","user":{"username":"a"}},
        {"id":3,"timestamp":5,"type":"season","action":"seen","user":{"username":"a"}},
        {"id":4,"type":"episode","action":"seen","user":{"username":"a"}},
        {"id":5,"timestamp":5,"type":"episode","action":"seen","user":{}},
        {"id":6,"timestamp":5,"type":"list","action":"seen","user":{"username":"a"}},
        "not an object",
        {"id":8,"timestamp":6,"type":"list","action":"created","user":{"username":"b"}}
    ]}"#;
    let page = page_of(classify(200, body));
    assert_eq!(page.raw_len, 8);
    assert_eq!(page.skipped, 6);
    let ids: Vec<_> = page.activities.iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![Some(1), Some(8)]);
}

#[test]
fn absorb_counts_new_items() {
    let item = |id: u64, ts: i64| -> Activity {
        serde_json::from_value(serde_json::json!({
            "id": id, "timestamp": ts, "type": "show", "action": "shout",
            "user": {"username": "u"}
        }))
        .expect("item")
    };
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    assert_eq!(
        absorb(vec![item(1, 10), item(2, 7)], &mut seen, &mut out),
        2
    );
    assert_eq!(absorb(vec![item(2, 7), item(3, 4)], &mut seen, &mut out), 1);
    assert_eq!(absorb(vec![item(3, 4)], &mut seen, &mut out), 0);
    assert_eq!(out.len(), 3);
}

fn point(end: Option<i64>, raw_len: usize, oldest: Option<i64>) -> WalkPoint {
    WalkPoint {
        start: Some(TraktTime(100)),
        end: end.map(TraktTime),
        current: TraktTime(1_000),
        raw_len,
        oldest: oldest.map(TraktTime),
        pages_read: 1,
        collected: 100,
        pages: Pages::All,
    }
}

#[test]
fn walk_pages_back_strictly_and_ends() {
    let t = |n| Some(TraktTime(n));
    assert_eq!(next_step(&point(None, 99, Some(500))), (None, Next::Done));
    assert_eq!(
        next_step(&point(None, 100, Some(500))),
        (None, Next::Page(TraktTime(500)))
    );
    // A full page all at its own end: a hole at that second, go on below it.
    assert_eq!(
        next_step(&point(Some(500), 100, Some(500))),
        (t(500), Next::Page(TraktTime(499)))
    );
    // Below the window's start: done.
    assert_eq!(
        next_step(&point(Some(100), 100, Some(100))),
        (t(100), Next::Done)
    );
    // No timestamp at all: nothing to page back from; the rest is a hole.
    assert_eq!(
        next_step(&point(Some(300), 100, None)),
        (t(300), Next::Done)
    );
    assert_eq!(next_step(&point(None, 100, None)), (t(1_000), Next::Done));
}

#[test]
fn walk_stops_at_the_page_limits_and_says_where_to_resume() {
    let stop = |pages, pages_read, collected| {
        next_step(&WalkPoint {
            pages,
            pages_read,
            collected,
            ..point(Some(800), 100, Some(700))
        })
        .1
    };
    assert_eq!(stop(Pages::One, 1, 100), Next::Stop(TraktTime(700)));
    assert_eq!(
        stop(Pages::All, MAX_PAGES - 1, 100),
        Next::Page(TraktTime(700))
    );
    assert_eq!(stop(Pages::All, MAX_PAGES, 100), Next::Stop(TraktTime(700)));
    assert_eq!(stop(Pages::Items(10), 1, 9), Next::Page(TraktTime(700)));
    assert_eq!(stop(Pages::Items(10), 1, 10), Next::Stop(TraktTime(700)));
    assert_eq!(
        stop(Pages::Items(10_000), MAX_PAGES, 10),
        Next::Stop(TraktTime(700))
    );
}

#[test]
fn unusable_items_still_tell_where_to_page_back() {
    let page = page_of(classify(
        200,
        br#"{"timestamps":{"current":9},"activity":[
            {"id":1,"timestamp":"7","type":"season","action":"seen","user":{"username":"a"}},
            {"id":2,"timestamp":5,"type":"episode","action":"dance"},
            {"id":3,"timestamp":8,"type":"episode","action":"seen","user":{"username":"a"}},
            "junk"
        ]}"#,
    ));
    assert_eq!(
        (page.activities.len(), page.oldest),
        (1, Some(TraktTime(5)))
    );
}

#[test]
fn texts_are_masked_and_bounded() {
    let outcome = masked_outcome(
        Outcome::Done(Err(TraktError::Rejected {
            status: 400,
            message: format!("bad path /x/SECRETKEY/y {}", "z".repeat(1000)),
        })),
        "SECRETKEY",
    );
    let message = error_of(outcome).to_string();
    assert!(!message.contains("SECRETKEY"));
    assert!(message.contains("/x/***/y"));
    assert!(message.chars().count() < MAX_MESSAGE_LEN + 100);
    assert_eq!(truncate("héllo", 2), "hé…");
    assert_eq!(truncate("hi", 2), "hi");
}

#[test]
fn options_are_validated_without_echoing_the_key() {
    let ok = |base: &str, key: &str| {
        TraktClient::with_options(base, key, ms(100), 1.0, RetryPolicy::default())
    };
    assert!(ok("http://127.0.0.1:1/", "abc_DEF-123").is_ok());
    for (base, key) in [
        ("ftp://x", "k"),
        ("not a url", "k"),
        ("http://x?q=1", "k"),
        ("http://x", ""),
        ("http://x", "sec/ret"),
        ("http://x", "sec ret"),
    ] {
        let err = ok(base, key).expect_err(base).to_string();
        assert!(err.starts_with("cannot set up the Trakt client"), "{err}");
        if key.len() > 1 {
            assert!(!err.contains(key), "{err}");
        }
    }
    let client = ok("http://127.0.0.1:1/", "SECRETKEY").expect("client");
    assert_eq!(client.base_url(), "http://127.0.0.1:1");
    let debug = format!("{client:?}");
    assert!(!debug.contains("SECRETKEY"), "{debug}");
}

#[test]
fn new_reads_the_trakt_config() {
    let mut config = crate::config::TraktConfig::default();
    let err = TraktClient::new(&config).expect_err("no key");
    assert!(
        err.to_string().contains("trakt.api_key is missing"),
        "{err}"
    );
    config.api_key = Some(SecretString::from("abc123".to_owned()));
    config.base_url_override = Some("http://127.0.0.1:9/".to_owned());
    let client = TraktClient::new(&config).expect("client");
    assert_eq!(client.base_url(), "http://127.0.0.1:9");
    // The v1 preset, whatever `trakt.api` says (its default is v2).
    assert_eq!(client.inner.retry, RetryPolicy::v1());
    config.max_retries = 0;
    config.retry_delay = ms(50);
    let client = TraktClient::new(&config).expect("client");
    assert_eq!(
        client.inner.retry,
        RetryPolicy {
            max_attempts: 1,
            base_delay: ms(50),
            ..RetryPolicy::v1()
        }
    );
}
