//! Integration tests, compiled as one binary: fakes of Trakt and Discord on
//! loopback (in `support/`) drive the real HTTP stack and the real serenity client.

mod admin;
mod allocator;
mod bot_startup;
mod buttons;
mod cli;
mod commands;
mod delivery_direct;
mod delivery_load;
mod digest;
mod fake_discord_smoke;
mod format_props;
mod format_schema;
mod format_snapshots;
mod format_user_snapshots;
mod format_v2_snapshots;
mod import_scale;
mod lifecycle;
mod metrics;
mod pipeline;
mod pipeline_smoke;
mod polling;
mod refollow;
mod schedule_v1;
mod sharding;
mod support;
mod trakt_client;
mod trakt_v2_client;
mod trakt_v2_endpoints;
mod v2_commands;

mod pings;
mod trakt_v2_schema;
mod v2_crash;
mod v2_failures;
mod v2_polling;
mod v2_schedule;
mod v2_users;
mod v2_users_crash;
