//! The engine command line that deploys a plan's candidate, from per-engine-version templates
//! kept as data (`catalog/engines/launch.toml`).

use std::sync::LazyLock;

use serde::Deserialize;
use xpuscope_model::chip::{Chip, Precision};
use xpuscope_model::model::Model;
use xpuscope_serve::EngineKind;

use super::space::Config;

/// The templates' file under `catalog/`.
pub const LAUNCH_FILE: &str = "engines/launch.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    engine: Vec<Template>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Template {
    kind: String,
    version: String,
    source: String,
    platforms: Vec<String>,
    platforms_source: String,
    command: String,
    parts: Vec<Part>,
    #[serde(default)]
    yaml: Vec<YamlLine>,
    #[serde(default)]
    notes: Vec<Note>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Part {
    flag: String,
    when: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct YamlLine {
    line: String,
    when: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Note {
    text: String,
    when: Option<String>,
}

/// The conditions a template may name.
const CONDITIONS: [&str; 8] = [
    "pp>1",
    "dp>1",
    "ep>1",
    "fp8-weights",
    "fp4-weights",
    "fp8-kv",
    "prefill",
    "decode",
];

static TEMPLATES: LazyLock<Result<Vec<Template>, String>> = LazyLock::new(|| {
    let text = xpuscope_model::catalog::builtin_text(LAUNCH_FILE)
        .ok_or_else(|| format!("catalog/{LAUNCH_FILE} is not compiled in"))?;
    let file: File = toml::from_str(text).map_err(|e| format!("catalog/{LAUNCH_FILE}: {e}"))?;
    for t in &file.engine {
        if EngineKind::parse(&t.kind).is_none() {
            return Err(format!(
                "catalog/{LAUNCH_FILE}: engine `{}` is not one of vllm, sglang, trtllm",
                t.kind
            ));
        }
        let whens = t
            .parts
            .iter()
            .filter_map(|p| p.when.as_deref())
            .chain(t.yaml.iter().filter_map(|y| y.when.as_deref()))
            .chain(t.notes.iter().filter_map(|n| n.when.as_deref()));
        for w in whens {
            if !CONDITIONS.contains(&w) {
                return Err(format!(
                    "catalog/{LAUNCH_FILE}: engine `{}`: condition `{w}` is not one of {}",
                    t.kind,
                    CONDITIONS.join(", ")
                ));
            }
        }
    }
    for t in &file.engine {
        if t.platforms.is_empty() || t.platforms_source.trim().is_empty() {
            return Err(format!(
                "catalog/{LAUNCH_FILE}: engine `{}` needs `platforms` (chip vendors) and `platforms_source`",
                t.kind
            ));
        }
    }
    Ok(file.engine)
});

/// Which of `wanted` run on `chip`, by the vendors each engine's template lists; with a note
/// when none lists the chip's vendor and vLLM's scheduler stands in for the vendor's own build.
/// Empty when engines list the vendor but none of them is wanted, and then the sentence says
/// which engines would run.
pub fn engines_for(chip: &Chip, wanted: &[EngineKind]) -> Result<EnginesFor, String> {
    let templates = TEMPLATES.as_ref().map_err(Clone::clone)?;
    let runs = |k: EngineKind| {
        templates
            .iter()
            .any(|t| t.kind == k.as_str() && t.platforms.contains(&chip.vendor))
    };
    let listed: Vec<EngineKind> = EngineKind::ALL.into_iter().filter(|&k| runs(k)).collect();
    if listed.is_empty() {
        let engines = wanted
            .iter()
            .copied()
            .filter(|&k| k == EngineKind::Vllm)
            .collect::<Vec<_>>();
        let why = if engines.is_empty() {
            format!(
                "no engine xpuscope simulates lists {} chips among its platforms; only vLLM's scheduler stands in for a vendor's own build, and --engine leaves vLLM out",
                chip.vendor
            )
        } else {
            format!(
                "no engine xpuscope simulates lists {} chips among its platforms ({}); {} is planned with vLLM's scheduler standing in for the vendor's own build",
                chip.vendor,
                platforms_text(templates),
                chip.id
            )
        };
        return Ok(EnginesFor {
            engines,
            why: Some(why),
        });
    }
    let engines: Vec<EngineKind> = wanted.iter().copied().filter(|&k| runs(k)).collect();
    let why = engines.is_empty().then(|| {
        let names: Vec<&str> = listed.iter().map(|k| k.as_str()).collect();
        format!(
            "{} chips run {} among the engines xpuscope simulates, and --engine asks for none of them",
            chip.vendor,
            names.join(", ")
        )
    });
    Ok(EnginesFor { engines, why })
}

/// The engines a chip is planned with, and why where that is not simply the wanted ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnginesFor {
    /// Engines to try.
    pub engines: Vec<EngineKind>,
    /// A stand-in, or why there are none.
    pub why: Option<String>,
}

fn platforms_text(templates: &[Template]) -> String {
    let per: Vec<String> = templates
        .iter()
        .map(|t| format!("{}: {}", t.kind, t.platforms.join(", ")))
        .collect();
    per.join("; ")
}

/// Which pool a command starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// An aggregated server.
    Both,
    /// The prefill pool of a disaggregated deployment.
    Prefill,
    /// The decode pool.
    Decode,
}

/// A launch command, with the engine version it is written for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    /// Engine and version, e.g. `vllm 0.11`.
    pub engine: String,
    /// The command line, for one instance.
    pub command: String,
    /// The YAML file the command reads, if any.
    pub yaml: Option<String>,
    /// What else the command needs.
    pub notes: Vec<String>,
    /// Where the flags are documented.
    pub source: String,
}

/// The Hugging Face repository of `model`, read from its config's source, or its id when the
/// source is not on the Hub.
pub fn hub_repo(model: &Model) -> String {
    let rest = model
        .source
        .strip_prefix("https://huggingface.co/")
        .unwrap_or("");
    let parts: Vec<&str> = rest.split('/').take(2).collect();
    if parts.len() == 2 && parts.iter().all(|p| !p.is_empty()) {
        format!("{}/{}", parts[0], parts[1])
    } else {
        model.id.clone()
    }
}

/// The command that launches one instance of `config` for `model` in `role`.
pub fn launch(config: &Config<'_>, model: &Model, role: Role) -> Result<Launch, String> {
    let templates = TEMPLATES.as_ref().map_err(Clone::clone)?;
    let kind = config.engine.kind.as_str();
    let t = templates
        .iter()
        .find(|t| t.kind == kind)
        .ok_or_else(|| format!("catalog/{LAUNCH_FILE} has no template for the `{kind}` engine"))?;
    let l = config.layout;
    let p = config.precisions;
    let holds = |when: &Option<String>| match when.as_deref() {
        None => true,
        Some("pp>1") => l.pp > 1,
        Some("dp>1") => l.dp > 1,
        Some("ep>1") => l.ep > 1,
        Some("fp8-weights") => p.weights == Precision::Fp8,
        Some("fp4-weights") => p.weights == Precision::Fp4,
        Some("fp8-kv") => p.kv_cache == Precision::Fp8,
        Some("prefill") => role == Role::Prefill,
        Some("decode") => role == Role::Decode,
        Some(_) => false,
    };
    let e = config.engine;
    let fill = |s: &str| {
        s.replace("{model}", &hub_repo(model))
            .replace("{tp_dp}", &(l.tp * l.dp).to_string())
            .replace("{tp}", &l.tp.to_string())
            .replace("{pp}", &l.pp.to_string())
            .replace("{dp}", &l.dp.to_string())
            .replace("{ep}", &l.ep.to_string())
            .replace("{max_num_seqs}", &e.max_num_seqs.to_string())
            .replace("{max_num_tokens}", &e.max_num_tokens.to_string())
            .replace("{memory_fraction}", &format!("{:.2}", e.memory_fraction))
    };
    let mut command = fill(&t.command);
    for part in t.parts.iter().filter(|x| holds(&x.when)) {
        command.push(' ');
        command.push_str(&fill(&part.flag));
    }
    let lines: Vec<String> = t
        .yaml
        .iter()
        .filter(|y| holds(&y.when))
        .map(|y| fill(&y.line))
        .collect();
    Ok(Launch {
        engine: format!("{} {}", t.kind, t.version),
        command,
        yaml: (!t.yaml.is_empty()).then(|| lines.join("\n")),
        notes: t
            .notes
            .iter()
            .filter(|n| holds(&n.when))
            .map(|n| fill(&n.text))
            .collect(),
        source: t.source.clone(),
    })
}
