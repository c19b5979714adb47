//! Release operations: the cluster a command talks to, Helm's release records, a watcher that
//! turns the release's Jobs, Pods, workloads and Events into one ordered stream, failure causes,
//! run records, pre-checks and diffs. Helm stays the only thing that changes the cluster; this
//! module watches with kube-rs and explains. No terminal types: results are data and streams.
pub(crate) mod board;
pub(crate) mod cause;
pub(crate) mod diff;
pub(crate) mod events;
pub(crate) mod lease;
pub(crate) mod liveness;
pub(crate) mod ops;
pub(crate) mod prechecks;
pub(crate) mod records;
pub(crate) mod releases;
pub(crate) mod runlog;
pub(crate) mod stuck;
pub mod watch;

use std::path::PathBuf;

use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::core::base::error::{Error, Result};
use crate::core::inputs::config::Config;

/// What the user named: `--kubeconfig`, `--context`, `-n`.
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
}

/// A connected cluster, resolved once: the same kubeconfig, context and namespace go to helm.
#[derive(Clone)]
pub struct Cluster {
    pub client: Client,
    pub kubeconfig: Option<PathBuf>,
    pub context: String,
    pub namespace: String,
    pub server: String,
    /// The user config marks this context read-only.
    pub read_only: bool,
}

impl std::fmt::Debug for Cluster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("context", &self.context)
            .field("namespace", &self.namespace)
            .field("server", &self.server)
            .finish()
    }
}

/// How to start the project's own local cluster, for messages when none is configured.
pub(crate) const LOCAL_CLUSTER_HINT: &str = "no Kubernetes context is configured: start the project's local cluster with \
     `KUBECONFIG=$(scripts/control-plane.sh up); export KUBECONFIG` (see docs/control-plane.md), \
     or let `apwiz deploy --local` start it and deploy there, or pass --kubeconfig FILE / --context NAME";

/// Reads the kubeconfig (`--kubeconfig`, else `$KUBECONFIG`, else `~/.kube/config`).
pub(crate) fn read_kubeconfig(t: &Target) -> Result<Kubeconfig> {
    match &t.kubeconfig {
        Some(p) => Kubeconfig::read_from(p).map_err(|e| {
            Error::Environment(format!("cannot read kubeconfig {}: {e}", p.display()))
        }),
        None => Kubeconfig::read()
            .map_err(|e| Error::Environment(format!("{LOCAL_CLUSTER_HINT} ({e})"))),
    }
}

/// Which context: `--context`, else the user config's `kubeContext`, else the kubeconfig's
/// current context.
pub(crate) fn resolve_context(t: &Target, kc: &Kubeconfig, config: &Config) -> Result<String> {
    let name = t
        .context
        .clone()
        .or_else(|| config.kube_context.clone())
        .or_else(|| kc.current_context.clone())
        .ok_or_else(|| Error::Environment(LOCAL_CLUSTER_HINT.to_string()))?;
    if !kc.contexts.iter().any(|c| c.name == name) {
        let known: Vec<&str> = kc.contexts.iter().map(|c| c.name.as_str()).collect();
        return Err(Error::Usage(format!(
            "no context {name:?} in the kubeconfig (contexts there: {})",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    Ok(name)
}

/// Connects: reads the kubeconfig, picks the context and namespace (`-n`, else the context's,
/// else `default`), and asks the API server for its version once ([`reachable`]), so that a
/// server that refuses connections or credentials is one clear error before anything starts.
pub(crate) async fn connect(t: &Target, config: &Config) -> Result<Cluster> {
    let kc = read_kubeconfig(t)?;
    let context = resolve_context(t, &kc, config)?;
    let ctx_ns = kc
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.namespace.clone());
    let opts = KubeConfigOptions {
        context: Some(context.clone()),
        ..Default::default()
    };
    let kconf = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .map_err(|e| Error::Environment(format!("kubeconfig context {context:?}: {e}")))?;
    let server = kconf.cluster_url.to_string();
    let client = Client::try_from(kconf)
        .map_err(|e| Error::Environment(format!("cannot build a client for {server}: {e}")))?;
    reachable(&client, &context, &server).await?;
    let namespace = t
        .namespace
        .clone()
        .or(ctx_ns)
        .unwrap_or_else(|| "default".into());
    Ok(Cluster {
        client,
        kubeconfig: t.kubeconfig.clone(),
        read_only: config.read_only_contexts.contains(&context),
        context,
        namespace,
        server,
    })
}

impl Cluster {
    /// The flags that point helm at the same cluster and namespace.
    pub(crate) fn helm_flags(&self) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(k) = &self.kubeconfig {
            v.extend(["--kubeconfig".into(), k.display().to_string()]);
        }
        v.extend([
            "--kube-context".into(),
            self.context.clone(),
            "--namespace".into(),
            self.namespace.clone(),
        ]);
        v
    }

    /// Refuses an operation that changes the cluster on a read-only context.
    pub(crate) fn require_writable(&self, operation: &str) -> Result<()> {
        if self.read_only {
            return Err(Error::Usage(format!(
                "context {:?} is read-only in the user config (readOnlyContexts): `apwiz {operation}` would change the cluster",
                self.context
            )));
        }
        Ok(())
    }
}

/// How long the first request may take before the server counts as not answering.
const REACH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// One `GET /version`: an error naming the context, the server and what went wrong (refused,
/// no answer, credentials rejected) with what to check.
pub(crate) async fn reachable(client: &Client, context: &str, server: &str) -> Result<()> {
    let check = format!(
        "check with `kubectl --context {context} cluster-info`, or pick another context with --context"
    );
    let err = match tokio::time::timeout(REACH_TIMEOUT, client.apiserver_version()).await {
        Ok(Ok(_)) => return Ok(()),
        Err(_) => format!(
            "no answer within {} s (a stopped, overloaded or unreachable server)",
            REACH_TIMEOUT.as_secs()
        ),
        Ok(Err(kube::Error::Api(s))) if s.code == 401 => {
            return Err(Error::Environment(format!(
                "context {context:?}: the API server {server} rejects the credentials (401 Unauthorized: an expired or revoked token):                  log in again or refresh the kubeconfig's user, then retry"
            )));
        }
        Ok(Err(kube::Error::Auth(e))) => {
            return Err(Error::Environment(format!(
                "context {context:?}: no usable credentials for the API server {server} ({}): log in again or fix the kubeconfig's user",
                root_cause(&e)
            )));
        }
        Ok(Err(e)) => root_cause(&e),
    };
    Err(Error::Environment(format!(
        "context {context:?}: cannot reach the API server {server} ({err}): is the cluster running? {check}"
    )))
}

/// The innermost message of an error chain (`Connection refused (os error 111)`), on one line.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string().replace('\n', " ")
}

/// An error from the Kubernetes API, as a core error.
pub(crate) fn kube_error(what: &str, e: kube::Error) -> Error {
    Error::Environment(format!("{what}: {e}"))
}
