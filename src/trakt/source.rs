//! Which Trakt the running bot reads (`trakt.api`), and the clients it holds
//! for it: the v1 client, or the v2 client with its autocomplete search. The
//! poller and the commands each branch on it once; everything below that
//! branch is one API's own code.

use std::sync::Arc;
use std::time::Duration;

use super::v2::{ShowSearch, V2Client, V2Config, V2Error};
use super::{TraktClient, TraktError};
use crate::config::{TraktApi, TraktConfig};

/// How long an autocomplete answer is reused for the same text.
pub const SEARCH_TTL: Duration = Duration::from_secs(600);
/// How many autocomplete answers are kept.
pub const SEARCH_CAPACITY: usize = 512;
/// Shows offered per autocomplete answer.
pub const SEARCH_LIMIT: u32 = 10;

/// The v2 client and what is built on it.
#[derive(Clone, Debug)]
pub struct V2Source {
    /// One client for everything (polls, lookups, autocomplete, `/activity`):
    /// one budget, one 429 hold, one refused-key flag.
    pub client: V2Client,
    pub search: Arc<ShowSearch>,
}

/// The Trakt the bot reads.
#[derive(Clone, Debug)]
pub enum Source {
    V1(TraktClient),
    V2(V2Source),
}

/// Why a source could not be built (names the configuration problem).
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error(transparent)]
    V1(#[from] TraktError),
    #[error(transparent)]
    V2(#[from] V2Error),
}

impl Source {
    /// The source `trakt.api` names, built from the `[trakt]` configuration.
    pub fn from_config(config: &TraktConfig) -> Result<Source, SourceError> {
        Ok(match config.api {
            TraktApi::V1 => Source::V1(TraktClient::new(config)?),
            TraktApi::V2 => {
                let client = V2Client::new(V2Config::from_config(config)?)?;
                let search = Arc::new(ShowSearch::new(
                    client.clone(),
                    SEARCH_TTL,
                    SEARCH_CAPACITY,
                    SEARCH_LIMIT,
                ));
                Source::V2(V2Source { client, search })
            }
        })
    }

    pub fn api(&self) -> TraktApi {
        match self {
            Source::V1(_) => TraktApi::V1,
            Source::V2(_) => TraktApi::V2,
        }
    }
}
