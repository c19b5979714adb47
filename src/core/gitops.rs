//! GitOps export (`apwiz gitops`): the objects a GitOps controller needs to deploy a team's
//! release from its repository, per environment, pointing at the pinned chart in an OCI registry
//! and the team's values files in git. Pure: data in, files (path + text) out.
//!
//! - **Argo CD**: an `Application` per environment with two sources, the chart (Helm, OCI) and
//!   the team's repository as `ref: values`, so `valueFiles` read `$values/<path>/values.yaml` at
//!   the tracked revision; plus the repository `Secret` that declares the registry a Helm OCI
//!   repository. For many teams, an `ApplicationSet` per environment whose git files generator
//!   reads every team's `.apwiz.yaml`, so each team's Application keeps its own pin and name.
//! - **Flux**: per environment an `OCIRepository` (the chart at the pinned tag) and a
//!   `HelmRelease` (`chartRef` to it) whose `valuesFrom` name a ConfigMap that a
//!   `kustomization.yaml` generates from the team's files. Flux's HelmRelease reads values only
//!   from ConfigMaps/Secrets (and inline), not from a GitRepository, so the files reach it through
//!   kustomize-controller's build of that kustomization (Flux builds with load restrictions off:
//!   the files may sit outside the kustomization's directory); the generated name carries a
//!   content hash, which a `nameReference` rewrites in `valuesFrom`, so a change in a values file
//!   is a new ConfigMap and a Helm upgrade.
use serde_json::{Value, json};

use crate::core::base::error::{Error, Result};

/// A chart in an OCI registry: `oci://<registry>/<name>` at `version`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OciChart {
    /// `host[:port]/path`, no scheme.
    pub registry: String,
    pub name: String,
    pub version: String,
    /// A registry on this machine, reached over plain http (tests).
    pub plain_http: bool,
}

impl OciChart {
    /// Splits `oci://host/path/name`.
    pub(crate) fn parse(reference: &str, version: &str) -> Result<OciChart> {
        let rest = reference
            .strip_prefix("oci://")
            .ok_or_else(|| Error::Usage(format!("{reference}: not an oci:// chart reference")))?;
        let (registry, name) = rest.rsplit_once('/').ok_or_else(|| {
            Error::Usage(format!(
                "{reference}: expected oci://HOST/PATH/NAME (the chart's name last)"
            ))
        })?;
        Ok(OciChart {
            registry: registry.to_string(),
            name: name.to_string(),
            version: version.to_string(),
            plain_http: crate::core::inputs::chart::plain_http(reference),
        })
    }

    pub(crate) fn url(&self) -> String {
        format!("oci://{}/{}", self.registry, self.name)
    }
}

/// Where the team's files are in git.
#[derive(Debug, Clone)]
pub(crate) struct Repo {
    pub url: String,
    pub revision: String,
    /// The team directory inside the repository (`deploy`, `teams/shop/deploy`; "" = the root).
    pub path: String,
}

/// One team's export.
#[derive(Debug, Clone)]
pub(crate) struct Team {
    pub release: String,
    pub environments: Vec<String>,
    pub chart: OciChart,
    /// The destination namespace per environment (`None`: `<release>-<env>`).
    pub namespace: Option<String>,
    /// Where the GitOps objects live (`argocd`, `flux-system`).
    pub control_namespace: String,
}

/// A file to write, relative to the output directory.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct File {
    pub path: String,
    pub text: String,
}

const HEADER: &str = "# Written by `apwiz gitops`; regenerate rather than edit.\n";

fn yaml(docs: &[Value]) -> Result<String> {
    let mut out = String::from(HEADER);
    for (i, d) in docs.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(
            &serde_yaml::to_string(d)
                .map_err(|e| Error::Invalid(format!("cannot write YAML: {e}")))?,
        );
    }
    Ok(out)
}

fn in_repo(path: &str, file: &str) -> String {
    let p = path.trim_matches('/');
    if p.is_empty() || p == "." {
        file.to_string()
    } else {
        format!("{p}/{file}")
    }
}

impl Team {
    fn namespace(&self, env: &str) -> String {
        self.namespace
            .clone()
            .unwrap_or_else(|| format!("{}-{env}", self.release))
    }

    fn labels(&self, env: &str) -> Value {
        json!({
            "app.kubernetes.io/name": self.release,
            "app.kubernetes.io/managed-by": "apwiz",
            "app-platform.io/environment": env,
        })
    }
}

/// Argo CD's repository Secret declaring the registry a Helm OCI repository (no credentials:
/// add them to the Secret, or use a credentials template, for a private registry).
fn argocd_repository(chart: &OciChart, control_namespace: &str) -> Value {
    let mut data = json!({
        "type": "helm",
        "name": chart.registry.replace(['/', ':', '.'], "-"),
        "url": chart.registry,
        "enableOCI": "true",
    });
    if chart.plain_http {
        data["insecureOCIForceHttp"] = json!("true");
    }
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": format!("repo-{}", chart.registry.replace(['/', ':', '.'], "-")),
            "namespace": control_namespace,
            "labels": {"argocd.argoproj.io/secret-type": "repository"},
        },
        "type": "Opaque",
        "stringData": data,
    })
}

fn sync_policy() -> Value {
    json!({
        "automated": {"prune": true, "selfHeal": true},
        "syncOptions": ["CreateNamespace=true", "ServerSideApply=true"],
    })
}

/// One Argo CD Application per environment, and the repository Secret; the values files come
/// from `repo`.
pub(crate) fn argocd(team: &Team, repo: &Repo) -> Result<Vec<File>> {
    let mut files = vec![File {
        path: "repository.yaml".into(),
        text: yaml(&[argocd_repository(&team.chart, &team.control_namespace)])?,
    }];
    for env in &team.environments {
        let app = json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {
                "name": format!("{}-{env}", team.release),
                "namespace": team.control_namespace,
                "labels": team.labels(env),
                "finalizers": ["resources-finalizer.argocd.argoproj.io"],
            },
            "spec": {
                "project": "default",
                "destination": {
                    "server": "https://kubernetes.default.svc",
                    "namespace": team.namespace(env),
                },
                "sources": [
                    {
                        "repoURL": team.chart.registry,
                        "chart": team.chart.name,
                        "targetRevision": team.chart.version,
                        "helm": {
                            "releaseName": team.release,
                            "valueFiles": [
                                format!("$values/{}", in_repo(&repo.path, "values.yaml")),
                                format!("$values/{}", in_repo(&repo.path, &format!("values-{env}.yaml"))),
                            ],
                        },
                    },
                    {
                        "repoURL": repo.url,
                        "targetRevision": repo.revision,
                        "ref": "values",
                    },
                ],
                "syncPolicy": sync_policy(),
            },
        });
        files.push(File {
            path: format!("{}-{env}.yaml", team.release),
            text: yaml(&[app])?,
        });
    }
    Ok(files)
}

/// Many teams: one ApplicationSet per environment. Its git files generator finds every team's
/// `.apwiz.yaml` under `teams_glob` (a path pattern in the repository, e.g. `teams/*/deploy`),
/// and each Application takes the team's release name and pinned chart from it.
pub(crate) fn argocd_appset(
    teams_glob: &str,
    environments: &[String],
    repo: &Repo,
    registry: Option<&OciChart>,
    control_namespace: &str,
) -> Result<Vec<File>> {
    let glob = teams_glob.trim_matches('/');
    let mut files = Vec::new();
    if let Some(chart) = registry {
        files.push(File {
            path: "repository.yaml".into(),
            text: yaml(&[argocd_repository(chart, control_namespace)])?,
        });
    }
    for env in environments {
        let set = json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "ApplicationSet",
            "metadata": {"name": format!("app-platform-teams-{env}"), "namespace": control_namespace},
            "spec": {
                "goTemplate": true,
                "goTemplateOptions": ["missingkey=error"],
                "generators": [{
                    "git": {
                        "repoURL": repo.url,
                        "revision": repo.revision,
                        "files": [{"path": format!("{glob}/.apwiz.yaml")}],
                    },
                }],
                "template": {
                    "metadata": {
                        "name": format!("{{{{ .name }}}}-{env}"),
                        "labels": {
                            "app.kubernetes.io/name": "{{ .name }}",
                            "app.kubernetes.io/managed-by": "apwiz",
                            "app-platform.io/environment": env,
                        },
                    },
                    "spec": {
                        "project": "default",
                        "destination": {
                            "server": "https://kubernetes.default.svc",
                            "namespace": format!("{{{{ .name }}}}-{env}"),
                        },
                        "sources": [
                            {
                                "repoURL": "{{ trimPrefix \"oci://\" .chart.source | dir }}",
                                "chart": "{{ base .chart.source }}",
                                "targetRevision": "{{ .chart.version }}",
                                "helm": {
                                    "releaseName": "{{ .name }}",
                                    "valueFiles": [
                                        "$values/{{ .path.path }}/values.yaml",
                                        format!("$values/{{{{ .path.path }}}}/values-{env}.yaml"),
                                    ],
                                },
                            },
                            {"repoURL": repo.url, "targetRevision": repo.revision, "ref": "values"},
                        ],
                        "syncPolicy": sync_policy(),
                    },
                },
            },
        });
        files.push(File {
            path: format!("appset-{env}.yaml"),
            text: yaml(&[set])?,
        });
    }
    Ok(files)
}

/// Flux, per environment `<env>/`: OCIRepository, HelmRelease, and the kustomization that
/// generates the values ConfigMap from the team's files (`to_team`: the team directory relative
/// to `<out>/<env>/`).
pub(crate) fn flux(team: &Team, to_team: &str) -> Result<Vec<File>> {
    let mut files = Vec::new();
    for env in &team.environments {
        let name = format!("{}-{env}", team.release);
        let values_cm = format!("{name}-values");
        let mut source = json!({
            "apiVersion": "source.toolkit.fluxcd.io/v1",
            "kind": "OCIRepository",
            "metadata": {"name": format!("{name}-chart"), "namespace": team.control_namespace, "labels": team.labels(env)},
            "spec": {
                "interval": "10m",
                "url": team.chart.url(),
                "ref": {"tag": team.chart.version},
                "layerSelector": {
                    "mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
                    "operation": "copy",
                },
            },
        });
        if team.chart.plain_http {
            source["spec"]["insecure"] = json!(true);
        }
        let release = json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": name, "namespace": team.control_namespace, "labels": team.labels(env)},
            "spec": {
                "interval": "10m",
                "releaseName": team.release,
                "targetNamespace": team.namespace(env),
                "install": {"createNamespace": true},
                "chartRef": {"kind": "OCIRepository", "name": format!("{name}-chart")},
                "valuesFrom": [
                    {"kind": "ConfigMap", "name": values_cm, "valuesKey": "values.yaml"},
                    {"kind": "ConfigMap", "name": values_cm, "valuesKey": format!("values-{env}.yaml")},
                ],
            },
        });
        let team_file = |f: &str| {
            let base = to_team.trim_end_matches('/');
            if base.is_empty() {
                f.to_string()
            } else {
                format!("{f}={base}/{f}")
            }
        };
        let kustomization = json!({
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": ["ocirepository.yaml", "helmrelease.yaml"],
            "configMapGenerator": [{
                "name": values_cm,
                "namespace": team.control_namespace,
                "files": [team_file("values.yaml"), team_file(&format!("values-{env}.yaml"))],
            }],
            "configurations": ["kustomizeconfig.yaml"],
        });
        // The generated ConfigMap's hashed name, written into the HelmRelease's valuesFrom.
        let config = json!({
            "nameReference": [{
                "kind": "ConfigMap",
                "version": "v1",
                "fieldSpecs": [{"path": "spec/valuesFrom/name", "kind": "HelmRelease"}],
            }],
        });
        for (file, doc) in [
            ("ocirepository.yaml", source),
            ("helmrelease.yaml", release),
            ("kustomization.yaml", kustomization),
            ("kustomizeconfig.yaml", config),
        ] {
            files.push(File {
                path: format!("{env}/{file}"),
                text: yaml(&[doc])?,
            });
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oci_references_split_into_registry_and_name() {
        let c = OciChart::parse("oci://127.0.0.1:5000/charts/app-platform", "0.1.0").unwrap();
        assert_eq!(c.registry, "127.0.0.1:5000/charts");
        assert_eq!(c.name, "app-platform");
        assert!(c.plain_http);
        assert_eq!(c.url(), "oci://127.0.0.1:5000/charts/app-platform");
        assert!(OciChart::parse("chart/", "0.1.0").is_err());
        assert!(
            !OciChart::parse("oci://ghcr.io/acme/app-platform", "1.0.0")
                .unwrap()
                .plain_http
        );
    }

    #[test]
    fn value_files_are_paths_in_the_repository() {
        assert_eq!(in_repo("deploy/", "values.yaml"), "deploy/values.yaml");
        assert_eq!(in_repo("", "values.yaml"), "values.yaml");
        assert_eq!(in_repo(".", "values.yaml"), "values.yaml");
    }
}
