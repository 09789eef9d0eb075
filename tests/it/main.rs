//! Integration tests, compiled as one binary: fakes of Trakt and Discord on
//! loopback (in `support/`) drive the real HTTP stack and the real serenity client.

mod support;
mod trakt_client;
