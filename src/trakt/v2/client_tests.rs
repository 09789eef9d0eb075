use super::*;

use tokio::time::Instant;

/// The most instants of `times` (sorted) inside any window of length `per`
/// (closed at both ends).
fn busiest_window(times: &[Instant], per: Duration) -> usize {
    let mut best = 0;
    for (i, start) in times.iter().enumerate() {
        let n = times[i..]
            .iter()
            .take_while(|t| **t - *start <= per)
            .count();
        best = best.max(n);
    }
    best
}

#[tokio::test(start_paused = true)]
async fn the_budget_holds_over_every_window_on_a_virtual_clock() {
    for budget in [
        Budget::default(),
        Budget {
            requests: 20,
            per: Duration::from_secs(60),
            burst: 5,
        },
        Budget {
            requests: 3,
            per: Duration::from_secs(1),
            burst: 50,
        },
    ] {
        let limiter = budget.limiter();
        let mut times = Vec::new();
        for _ in 0..(budget.requests * 3) {
            limiter.acquire().await;
            times.push(Instant::now());
        }
        let busiest = busiest_window(&times, budget.per);
        assert!(
            busiest <= budget.requests as usize,
            "{budget:?}: {busiest} requests in one window"
        );
        // And the budget is used, not starved (timer rounding may cost one).
        assert!(
            busiest + 1 >= budget.requests as usize,
            "{budget:?}: only {busiest} requests in the busiest window"
        );
    }
}

#[test]
fn budgets_below_two_requests_are_refused() {
    let bad = Budget {
        requests: 1,
        per: Duration::from_secs(1),
        burst: 1,
    };
    assert!(matches!(bad.validate(), Err(V2Error::Config { .. })));
    let zero = Budget {
        per: Duration::ZERO,
        ..Budget::default()
    };
    assert!(zero.validate().is_err());
}

#[test]
fn path_segments_are_encoded_but_commas_kept() {
    assert_eq!(
        ApiPath::new(&["lists", "31882114", "items", "show,season,episode"]).as_str(),
        "/lists/31882114/items/show,season,episode"
    );
    assert_eq!(
        ApiPath::new(&["shows", "a/b?c d"]).as_str(),
        "/shows/a%2Fb%3Fc%20d"
    );
}

fn config(id: &str) -> V2Config {
    let mut c = V2Config::new(SecretString::from(id.to_owned()));
    c.base_url = "http://127.0.0.1:9".to_owned();
    c
}

#[test]
fn construction_validates_and_never_shows_the_id() {
    let client = V2Client::new(config("s3cr3t-id")).expect("client");
    assert!(!format!("{client:?}").contains("s3cr3t-id"));
    assert!(matches!(
        V2Client::new(config("")),
        Err(V2Error::Config { .. })
    ));
    assert!(V2Client::new(config("bad id")).is_err());
    let mut no_agent = config("id");
    no_agent.user_agent = " ".to_owned();
    assert!(V2Client::new(no_agent).is_err());
    let mut bad_url = config("id");
    bad_url.base_url = "ftp://x".to_owned();
    assert!(V2Client::new(bad_url).is_err());
}

#[test]
fn query_values_are_percent_encoded() {
    let client = V2Client::new(config("id")).expect("client");
    let url = client.url(
        &ApiPath::new(&["search", "show"]),
        &[("query", "walking dead & co".to_owned())],
    );
    assert_eq!(
        url,
        "http://127.0.0.1:9/search/show?query=walking%20dead%20%26%20co"
    );
}

#[test]
fn pages_report_their_end_and_next_limit() {
    let meta = Meta {
        pagination: Some(super::super::response::Pagination {
            page: Some(1),
            limit: Some(250),
            page_count: Some(2),
            item_count: Some(300),
        }),
        ..Meta::default()
    };
    let page: Page<u32> = Page {
        items: vec![1; 250],
        skipped: 0,
        page: 1,
        meta,
    };
    assert!(!page.is_last());
    assert_eq!(page.next_limit(1000), 250);
}

#[test]
fn the_configuration_tunes_the_v2_retry_preset() {
    let mut config = crate::config::TraktConfig {
        api_key: Some(SecretString::from("client-id".to_owned())),
        ..crate::config::TraktConfig::default()
    };
    // Defaults: 3 retries from 500 ms, the v2 caps and 429 holds.
    let v2 = V2Config::from_config(&config).expect("config").retry;
    assert_eq!(
        v2,
        RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(500),
            ..RetryPolicy::v2()
        }
    );
    config.max_retries = 0;
    let once = V2Config::from_config(&config).expect("config").retry;
    assert_eq!(once.max_attempts, 1);
    assert_eq!(once.overloaded_delay, Duration::from_secs(30));
    assert_eq!(
        V2Config::new(SecretString::from("x".to_owned())).retry,
        RetryPolicy::v2()
    );
}
