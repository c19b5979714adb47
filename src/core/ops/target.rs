//! Where an operation works: the cluster a [`Target`] names (refused when the user config marks
//! its context read-only and the operation writes) with the located helm, and the release a
//! team's directory names.
use std::path::Path;

use crate::core::base::error::Result;
use crate::core::base::helm::Helm;
use crate::core::inputs;
use crate::core::release::{self, Cluster, Target};
use crate::core::session::Session;

/// The release `explicit` names (checked), else the team directory's (see
/// [`inputs::release_name`]).
pub(crate) fn release(explicit: Option<&str>, dir: &Path) -> Result<String> {
    inputs::release_name(explicit, &inputs::team_dir(dir))
}

/// The cluster of `target`; `writes` names an operation a read-only context refuses.
pub(crate) async fn cluster(
    session: &Session,
    target: &Target,
    writes: Option<&str>,
) -> Result<Cluster> {
    let cluster = release::connect(target, &session.config).await?;
    if let Some(op) = writes {
        cluster.require_writable(op)?;
    }
    Ok(cluster)
}

/// The cluster of `target` and the located helm.
pub(crate) async fn cluster_and_helm(
    session: &Session,
    target: &Target,
    writes: Option<&str>,
) -> Result<(Cluster, Helm)> {
    let cluster = cluster(session, target, writes).await?;
    Ok((cluster, session.helm().await?))
}
