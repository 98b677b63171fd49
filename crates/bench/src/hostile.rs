//! The `hostile` section: `scimform validate` of spec trees a hostile pull request could
//! add, each filling the run's input budget (`MAX_TOTAL_BYTES`, files of up to
//! `MAX_SOURCE_BYTES`): 100,000 unknown keys per file, 100,000 tiny broken documents per
//! file, a control character in every string, long lines, deep nesting, and valid specs of
//! 40,000 owners each. Each tree is validated in every output format; the worst wall time
//! and peak memory are what the targets bound.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::measure::{self, Usage};

/// Files per tree: more than the budget admits, so that the budget is what bounds the run.
const FILES: usize = 40;
/// Each file's size: just under the per-file limit.
const FILE_BYTES: usize = 1024 * 1024 - 256;
const HEADER: &str = "apiVersion: scimform/v1\nkind: ProvisioningApp\ntemplate: non-gallery\n";

/// One file of a tree: its header and the line repeated to fill it (`{i}` numbered).
struct Bomb {
    name: &'static str,
    line: &'static str,
    /// Text between the header and the repeated lines.
    lead: &'static str,
}

const BOMBS: [Bomb; 5] = [
    Bomb { name: "unknown-keys", lead: "", line: "k{i}: 1\n" },
    Bomb { name: "documents", lead: "", line: "---\nx{i}: 1\n" },
    Bomb { name: "control-characters", lead: "owners:\n", line: "  - \"a\\u0001b{i}\"\n" },
    Bomb { name: "owners", lead: "owners:\n", line: "  - user{i}@contoso.com\n" },
    Bomb {
        name: "long-lines",
        lead: "",
        line: "displayName{i}: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
    },
];

pub(crate) fn section(scimform: &Path, work: &Path) -> anyhow::Result<Value> {
    let mut trees = serde_json::Map::new();
    let mut worst = Usage::default();
    for bomb in &BOMBS {
        let directory = work.join("hostile").join(bomb.name);
        write_tree(bomb, &directory)?;
        let mut runs = Vec::new();
        for format in ["json", "human", "github"] {
            let mut command = Command::new(scimform);
            command.env_clear().env("NO_COLOR", "1").args(["validate", "--format", format]).arg(&directory);
            let (output, usage) = measure::run(command)?;
            anyhow::ensure!(
                output.status.code() == Some(1),
                "validate of {} ({format}) did not refuse the tree: {}",
                bomb.name,
                String::from_utf8_lossy(&output.stderr)
            );
            worst.wall_s = worst.wall_s.max(usage.wall_s);
            worst.peak_rss_mib = worst.peak_rss_mib.max(usage.peak_rss_mib);
            worst.cpu_s = worst.cpu_s.max(usage.cpu_s);
            runs.push(json!({ "format": format, "usage": usage, "outputBytes": output.stdout.len() }));
        }
        trees.insert(bomb.name.to_owned(), Value::Array(runs));
    }
    Ok(json!({ "files": FILES, "fileBytes": FILE_BYTES, "trees": trees, "worst": worst }))
}

fn write_tree(bomb: &Bomb, directory: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(directory)?;
    for file in 0..FILES {
        let mut text = format!("{HEADER}name: app-{file}\n{}", bomb.lead);
        let mut index = 0usize;
        loop {
            let line = bomb.line.replace("{i}", &index.to_string());
            if text.len() + line.len() > FILE_BYTES {
                break;
            }
            text.push_str(&line);
            index += 1;
        }
        std::fs::write(directory.join(format!("spec-{file:02}.yaml")), text)?;
    }
    Ok(())
}

/// The section's rows of the table.
pub(crate) fn rows(report: &Value) -> [crate::Row; 2] {
    let number = |pointer: &str| report.pointer(pointer).and_then(Value::as_f64).unwrap_or(f64::NAN);
    [
        (
            "/hostile",
            "hostile spec trees: worst wall",
            format!("{:.1} s", number("/hostile/worst/wallS")),
            "≤ 10 s",
            number("/hostile/worst/wallS") <= 10.0,
        ),
        (
            "/hostile",
            "hostile spec trees: worst peak RSS",
            format!("{:.0} MiB", number("/hostile/worst/peakRssMib")),
            "≤ 512 MiB",
            number("/hostile/worst/peakRssMib") <= 512.0,
        ),
    ]
}
