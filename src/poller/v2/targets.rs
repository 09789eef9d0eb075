//! The Trakt id of each followed show, and how a show is named in the embeds
//! of its own sources. A show followed by Trakt id (every v2 follow) needs
//! nothing; one followed on v1 by slug or TVDB id is resolved once per
//! process (one request, from the shared budget) and remembered in memory.

use super::{Halt, Target, Totals, V2Poller};
use crate::activity;
use crate::store::ShowFollowers;
use crate::trakt::v2::{ResolveError, ShowId, ShowInput};
use crate::trakt::ShowRef;

impl V2Poller {
    /// The followed shows with their Trakt ids; a show that cannot be
    /// resolved now is left out of this cycle (and backs off).
    pub(super) async fn targets<'a>(
        &self,
        followed: &'a [ShowFollowers],
        totals: &mut Totals,
    ) -> Result<Vec<Target<'a>>, Halt> {
        let mut out = Vec::with_capacity(followed.len());
        for f in followed {
            let known = match &f.show {
                ShowRef::Trakt(id) => Some(ShowId(*id)),
                other => self.memory().resolved.get(other).copied(),
            };
            let id = match known {
                Some(id) => id,
                None => match self.resolve(f, totals).await? {
                    Some(id) => id,
                    None => continue,
                },
            };
            out.push(Target { f, id });
        }
        Ok(out)
    }

    async fn resolve(
        &self,
        f: &ShowFollowers,
        totals: &mut Totals,
    ) -> Result<Option<ShowId>, Halt> {
        let input = match &f.show {
            ShowRef::Slug(s) => ShowInput::Slug(s.clone()),
            ShowRef::Tvdb(n) => ShowInput::Tvdb(*n),
            ShowRef::Trakt(n) => return Ok(Some(ShowId(*n))),
        };
        totals.requests += 1;
        match self.client.resolve_show(&input).await {
            Ok(show) => {
                tracing::info!(show = %f.show, trakt_id = show.id.0, "poll: resolved a v1-era follow to its Trakt id");
                let mut m = self.memory();
                m.resolved.insert(f.show.clone(), show.id);
                m.labels.insert(
                    f.show.clone(),
                    activity::Show {
                        title: Some(show.title),
                        year: show.year.map(u64::from),
                        trakt: Some(show.id.0),
                        slug: Some(show.slug),
                        ..activity::Show::default()
                    },
                );
                Ok(Some(show.id))
            }
            Err(ResolveError::Trakt(e)) => {
                self.failed(Some(&f.show), e).await?;
                Ok(None)
            }
            Err(e) => {
                tracing::warn!(show = %f.show, error = %e, "poll: Trakt does not know this followed show");
                self.failed(Some(&f.show), crate::trakt::v2::V2Error::NotFound)
                    .await?;
                Ok(None)
            }
        }
    }

    /// The show as its own sources' embeds name it: its Trakt id, and the
    /// title and slug it was followed under.
    pub(super) async fn label(&self, t: &Target<'_>) -> activity::Show {
        if let Some(show) = self.memory().labels.get(&t.f.show) {
            return show.clone();
        }
        let key = t.f.show.clone();
        let (title, slug) = match self.store.blocking(move |s| s.show_label(&key)).await {
            Ok(Some(label)) => label,
            _ => (t.f.show.to_string(), None),
        };
        let slug = slug.or_else(|| match &t.f.show {
            ShowRef::Slug(s) => Some(s.clone()),
            _ => None,
        });
        let show = activity::Show {
            title: Some(title),
            trakt: Some(t.id.0),
            slug,
            ..activity::Show::default()
        };
        self.memory().labels.insert(t.f.show.clone(), show.clone());
        show
    }
}
