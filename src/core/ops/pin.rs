//! `apwiz pin`: the image tags an environment renders resolved to their manifest digests
//! through the registry ([`registry`](crate::core::base::registry)), written as `image.digest`
//! (`services.<name>.image.digest` for a multi-service release) into the team's
//! `values-<env>.yaml` with a comment saying the tag and the day, through the comment-preserving
//! editor. Every image is resolved before anything is written: one failure, nothing written.
use std::path::PathBuf;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::core::base::error::{Error, Result};
use crate::core::base::registry::{Client, Reference};
use crate::core::inputs::{self, team_files};
use crate::core::scaffold::overrides::{update_text, write_atomic};
use crate::core::session::Session;
use crate::core::values::layers::{Layer, LayerKind, Merged};
use crate::core::values::merge::merge_maps;
use crate::core::values::read::{Parsed, parse_values};
use crate::core::values::setexpr::{Seg, set_path};

/// The comment apwiz leaves on a digest it wrote (`# pinned from <tag> on <day>`).
const MARK: &str = "# pinned from ";

/// What `apwiz pin` asks for.
#[derive(Debug, Clone)]
pub(crate) struct PinRequest {
    pub dir: PathBuf,
    pub env: String,
    /// Plain http for every registry (localhost ones always are).
    pub plain_http: bool,
    /// Only report what is not pinned; no registry, nothing written.
    pub check: bool,
    /// Resolve, but print the file instead of writing it.
    pub dry_run: bool,
}

/// What became of one image.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub(crate) enum State {
    /// Resolved and written now (or, with `--dry-run`, to be written).
    Pinned,
    /// Resolved to the digest the file already holds.
    Unchanged,
    /// Given as a digest by the team (not by `apwiz pin`): left alone.
    DigestGiven,
    /// `--check`: the image has no digest.
    Unpinned,
    /// `--check`: the image has a digest.
    HasDigest,
    /// An init container's or sidecar's image: a list item, which an environment file can only
    /// replace whole; not written (pin it by hand as `repository:tag@sha256:…`).
    ListItem,
}

/// One image the environment renders.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Image {
    /// The service (None: the release's one service).
    pub service: Option<String>,
    /// Where in the values: `image`, `services.api.image`, `services.api.sidecars[0].image`.
    pub path: String,
    /// The reference as the chart renders it, before pinning.
    pub reference: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    pub state: State,
}

/// What `apwiz pin` did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Outcome {
    /// The environment file (as shown).
    pub file: String,
    pub images: Vec<Image>,
    /// Whether the file changed (with `--dry-run`: would change).
    pub changed: bool,
    pub written: bool,
    /// The file's new text (with `--dry-run`, when it would change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Outcome {
    /// Images without a digest (what `--check` fails on).
    pub(crate) fn unpinned(&self) -> usize {
        self.images
            .iter()
            .filter(|i| matches!(i.state, State::Unpinned | State::ListItem) && i.digest.is_none())
            .count()
    }
}

/// One main image: where its digest goes and what it is now.
struct Slot {
    image: Image,
    /// The values path of the image (`image` or `services.<name>.image`).
    at: Vec<String>,
    /// The string form (`repository:tag`), written back as `…@digest`.
    string_form: bool,
    reference: Reference,
}

/// Runs `apwiz pin` for `req`.
pub(crate) async fn pin(session: &Session, req: &PinRequest) -> Result<Outcome> {
    let dir = inputs::team_dir(&req.dir);
    let files = team_files(&dir, Some(&req.env))?;
    let env_file = files
        .last()
        .map(|f| f.path.clone())
        .ok_or_else(|| Error::Invalid("no environment file".into()))?;
    let shown = files.last().map(|f| f.display.clone()).unwrap_or_default();
    let mut layers = Vec::new();
    let mut env_text = String::new();
    for f in &files {
        let text = std::fs::read_to_string(&f.path).map_err(|e| Error::io(&f.path, e))?;
        layers.push(Layer {
            name: f.display.clone(),
            kind: LayerKind::File,
            parsed: parse(&f.display, &text)?,
        });
        env_text = text;
    }
    let chart = session.chart()?;
    let merged = Merged::build(chart.defaults_layer(), layers, &[]);
    let (mut slots, lists) = images(&merged.values, &env_text)?;
    let mut out = Outcome {
        file: shown.clone(),
        images: Vec::new(),
        changed: false,
        written: false,
        text: None,
    };
    if req.check {
        for s in &mut slots {
            s.image.state = if s.image.digest.is_some() {
                State::HasDigest
            } else {
                State::Unpinned
            };
        }
        out.images = slots.into_iter().map(|s| s.image).chain(lists).collect();
        return Ok(out);
    }
    if let Some(s) = slots
        .iter()
        .find(|s| s.image.state == State::Pinned && s.reference.tag.is_none())
    {
        return Err(Error::Usage(format!(
            "{}: {} has no tag to pin (registry {}); set {}.tag, nothing written to {shown}",
            s.image.path, s.image.reference, s.reference.registry, s.image.path
        )));
    }
    let client = Client::new(req.plain_http)?;
    let mut errors = Vec::new();
    let wanted: Vec<usize> = (0..slots.len())
        .filter(|&i| slots[i].image.state == State::Pinned)
        .collect();
    let slots_ref = &slots;
    let client = &client;
    let results = futures::future::join_all(wanted.iter().map(|&i| async move {
        let s = &slots_ref[i];
        let tag = s.reference.tag.as_deref().unwrap_or_default();
        client
            .digest(&s.reference.registry, &s.reference.name, tag)
            .await
    }))
    .await;
    for (&i, r) in wanted.iter().zip(results) {
        match r {
            Ok(d) => {
                if slots[i].image.digest.as_deref() == Some(d.as_str()) {
                    slots[i].image.state = State::Unchanged;
                }
                slots[i].image.digest = Some(d);
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        let text = format!(
            "nothing written to {shown}: {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        );
        // A missing tag (404) alone is the team's to fix; anything else is the registry's.
        return Err(if errors.iter().all(|e| matches!(e, Error::Invalid(_))) {
            Error::Invalid(text)
        } else {
            Error::Environment(text)
        });
    }
    let day = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let text = write_digests(&env_text, &slots, &day)?;
    out.changed = text != env_text;
    if out.changed {
        if req.dry_run {
            out.text = Some(text);
        } else {
            write_atomic(&env_file, &text)?;
            out.written = true;
        }
    }
    out.images = slots.into_iter().map(|s| s.image).chain(lists).collect();
    Ok(out)
}

fn parse(shown: &str, text: &str) -> Result<Parsed> {
    parse_values(text).map_err(|e| Error::Invalid(format!("{shown}: {e}")))
}

/// The main image of every service (with the parts a service inherits), and the images of init
/// containers and sidecars (reported, never written).
fn images(values: &Value, env_text: &str) -> Result<(Vec<Slot>, Vec<Image>)> {
    let global = &values["global"];
    let top = &values["image"];
    let mut slots = Vec::new();
    let mut lists = Vec::new();
    let services = values["services"].as_object().filter(|m| !m.is_empty());
    let each: Vec<(Option<String>, Value, Vec<String>)> = match services {
        Some(m) => m
            .iter()
            .filter(|(_, s)| !s.is_null() && s["enabled"] != Value::Bool(false))
            .map(|(name, s)| {
                let image = match (&s["image"], top) {
                    (Value::Null, t) => t.clone(),
                    (own @ Value::Object(_), t @ Value::Object(_)) => {
                        merge_maps(t.clone(), own.clone())
                    }
                    (own, _) => own.clone(),
                };
                let path = vec!["services".into(), name.clone(), "image".into()];
                (Some(name.clone()), image, path)
            })
            .collect(),
        None => vec![(None, top.clone(), vec!["image".into()])],
    };
    let helpers = helper_images(values);
    for (service, image, at) in each.into_iter().chain(helpers) {
        let base = match &service {
            Some(n) => &values["services"][n],
            None => values,
        };
        let prefix = at[..at.len() - 1].join(".");
        let main = at.len() == 1 || at.len() == 3;
        for list in ["initContainers", "sidecars"].into_iter().filter(|_| main) {
            let items = base[list]
                .as_array()
                .or_else(|| values[list].as_array())
                .cloned()
                .unwrap_or_default();
            for (i, c) in items.iter().enumerate() {
                if c["image"].is_null() {
                    continue;
                }
                let (reference, _) = render_ref(&c["image"], global)?;
                let path = if prefix.is_empty() {
                    format!("{list}[{i}].image")
                } else {
                    format!("{prefix}.{list}[{i}].image")
                };
                lists.push(Image {
                    service: service.clone(),
                    path,
                    tag: reference.tag.clone(),
                    digest: reference.digest.clone(),
                    reference: shown_ref(&reference),
                    state: State::ListItem,
                });
            }
        }
        let (reference, string_form) = render_ref(&image, global)?;
        let path = at.join(".");
        let pinned_by_us = reference
            .digest
            .as_deref()
            .is_some_and(|d| env_text.lines().any(|l| l.contains(d) && l.contains(MARK)));
        let state = if reference.digest.is_some() && !pinned_by_us {
            State::DigestGiven
        } else {
            State::Pinned
        };
        slots.push(Slot {
            image: Image {
                service,
                path,
                reference: shown_ref(&reference),
                tag: reference.tag.clone(),
                digest: reference.digest.clone(),
                state,
            },
            at,
            string_form,
            reference,
        });
    }
    Ok((slots, lists))
}

/// The chart's helper images a render uses: `tests.image` (the helm test Pods, when tests are
/// on) and `dependencyWait.image` (the `wait-for-*` init containers, when a service has
/// `dependsOn`), at the top level where services inherit them, under `services.<name>` where a
/// service sets its own.
fn helper_images(values: &Value) -> Vec<(Option<String>, Value, Vec<String>)> {
    let services: Vec<(Option<String>, &Value)> = match values["services"].as_object() {
        Some(m) if !m.is_empty() => m
            .iter()
            .filter(|(_, s)| !s.is_null() && s["enabled"] != Value::Bool(false))
            .map(|(n, s)| (Some(n.clone()), s))
            .collect(),
        _ => vec![(None, values)],
    };
    let mut out = Vec::new();
    for key in ["tests", "dependencyWait"] {
        let mut inherited = false;
        for (name, s) in &services {
            let effective = |k: &str| match (name, &s[key][k]) {
                (Some(_), Value::Null) => values[key][k].clone(),
                (_, v) => v.clone(),
            };
            let used = match key {
                "tests" => effective("enabled") != Value::Bool(false),
                _ => {
                    let deps = match (name, &s["dependsOn"]) {
                        (Some(_), Value::Null) => &values["dependsOn"],
                        (_, d) => d,
                    };
                    deps.as_array().is_some_and(|a| !a.is_empty())
                }
            };
            if !used {
                continue;
            }
            match name {
                Some(n) if !s[key]["image"].is_null() => out.push((
                    Some(n.clone()),
                    s[key]["image"].clone(),
                    vec!["services".into(), n.clone(), key.into(), "image".into()],
                )),
                _ => inherited = true,
            }
        }
        if inherited && !values[key]["image"].is_null() {
            out.push((
                None,
                values[key]["image"].clone(),
                vec![key.into(), "image".into()],
            ));
        }
    }
    out
}

/// An image value (string or map) as the chart resolves it (registry, repository, tag,
/// digest), and whether it is the string form.
fn render_ref(image: &Value, global: &Value) -> Result<(Reference, bool)> {
    let scalar = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let default_registry = scalar(&global["imageRegistry"]);
    let (text, registry, string_form) = match image {
        Value::Object(m) => {
            let repo = m.get("repository").map(scalar).unwrap_or_default();
            let tag = m.get("tag").map(scalar).unwrap_or_default();
            let digest = m.get("digest").map(scalar).unwrap_or_default();
            let mut t = repo;
            if !tag.is_empty() {
                t = format!("{t}:{tag}");
            }
            if !digest.is_empty() {
                t = format!("{t}@{digest}");
            }
            let reg = m.get("registry").map(scalar).unwrap_or_default();
            (
                t,
                if reg.is_empty() {
                    default_registry
                } else {
                    reg
                },
                false,
            )
        }
        other => (scalar(other), default_registry, true),
    };
    if text.is_empty() {
        return Err(Error::Usage(
            "an image has no repository; set image.repository".into(),
        ));
    }
    let mut r = Reference::parse(&text);
    let named_registry = text
        .split_once('/')
        .is_some_and(|(f, _)| f.contains('.') || f.contains(':') || f == "localhost");
    if !registry.is_empty() && !named_registry {
        r = Reference::parse(&format!("{}/{text}", registry.trim_end_matches('/')));
    }
    Ok((r, string_form))
}

fn shown_ref(r: &Reference) -> String {
    let mut s = r.repository();
    if let Some(t) = &r.tag {
        s = format!("{s}:{t}");
    }
    if let Some(d) = &r.digest {
        s = format!("{s}@{d}");
    }
    s
}

/// The environment file with each resolved digest written (comments kept, a `# pinned from`
/// comment on each digest's line), checked to parse to exactly the values intended.
fn write_digests(env_text: &str, slots: &[Slot], day: &str) -> Result<String> {
    let current = parse("the environment file", env_text)?.value;
    let mut new = if current.is_object() {
        current.clone()
    } else {
        Value::Object(Map::new())
    };
    let mut notes: Vec<(String, String)> = Vec::new();
    for s in slots.iter().filter(|s| s.image.state == State::Pinned) {
        let (Some(digest), Some(tag)) = (&s.image.digest, &s.reference.tag) else {
            continue;
        };
        let mut path: Vec<Seg> = s.at.iter().cloned().map(Seg::Key).collect();
        let value = if s.string_form {
            Value::String(format!("{}@{digest}", original_string(s)))
        } else {
            path.push(Seg::Key("digest".into()));
            Value::String(digest.clone())
        };
        set_path(&mut new, &path, value);
        notes.push((digest.clone(), format!("{MARK}{tag} on {day}")));
    }
    let (text, _) = update_text(env_text, None, &new)?;
    let text = annotate(&text, &notes);
    let check = parse("the written file", &text)?.value;
    if !crate::core::values::merge::same(&check, &new) {
        return Err(Error::Invalid(
            "writing the digests did not give the intended values; nothing written (report a bug)"
                .into(),
        ));
    }
    Ok(text)
}

/// The string form as the team wrote it (without the registry apwiz added for the lookup).
fn original_string(s: &Slot) -> String {
    let r = &s.reference;
    let mut out = if r.registry == crate::core::base::registry::DOCKER_HUB {
        r.name.trim_start_matches("library/").to_string()
    } else {
        r.repository()
    };
    if let Some(t) = &r.tag {
        out = format!("{out}:{t}");
    }
    out
}

/// Each line holding one of the digests gets its note as the line's comment (an older
/// `# pinned from` comment replaced; another comment kept before it).
fn annotate(text: &str, notes: &[(String, String)]) -> String {
    let mut out = String::with_capacity(text.len() + notes.len() * 40);
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        let note = notes.iter().find(|(d, _)| {
            body.split('#')
                .next()
                .is_some_and(|v| v.contains(d.as_str()))
        });
        match note {
            Some((_, n)) => {
                let kept = match body.find(MARK) {
                    Some(i) => body[..i].trim_end(),
                    None => body.trim_end(),
                };
                out.push_str(&format!("{kept} {n}{end}"));
            }
            None => out.push_str(line),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_replace_an_older_pin_comment_only() {
        let t = "image:\n  # the app\n  digest: sha256:aa # pinned from 1.0 on 2026-01-01\n  tag: x # mine\n";
        let out = annotate(
            t,
            &[("sha256:aa".into(), "# pinned from 1.1 on 2026-12-06".into())],
        );
        assert_eq!(
            out,
            "image:\n  # the app\n  digest: sha256:aa # pinned from 1.1 on 2026-12-06\n  tag: x # mine\n"
        );
    }
}
