//! What is generated from the clap definition: shell completions and man pages. The man
//! pages and completion scripts committed in `man/` and `completions/` are checked fresh
//! by a test (`UPDATE_EXPECT=1 cargo test -p scimform generated` rewrites them).

use clap::CommandFactory;

use crate::cli::Cli;

/// The completion script for `shell`.
pub(crate) fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, "scimform", &mut out);
    out
}

/// `(file name, roff)` for `scimform.1` and one page per subcommand
/// (`scimform-plan.1`, …). Written by the freshness test only.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn man_pages() -> Vec<(String, Vec<u8>)> {
    let command = Cli::command();
    let mut pages = Vec::new();
    let mut render = |name: String, command: clap::Command| {
        let mut out = Vec::new();
        clap_mangen::Man::new(command).render(&mut out).expect("rendering into memory does not fail");
        pages.push((format!("{name}.1"), out));
    };
    for subcommand in command.get_subcommands().filter(|subcommand| !subcommand.is_hide_set()) {
        let name = format!("scimform-{}", subcommand.get_name());
        let page = subcommand.clone().name(name.clone());
        render(name, page);
    }
    pages.push(("scimform.1".to_owned(), main_page(command)));
    pages.sort();
    pages
}

/// One of clap_mangen's section renderers.
type Section = fn(&clap_mangen::Man, &mut dyn std::io::Write) -> std::io::Result<()>;

/// `scimform.1`: clap's sections (without the `help` subcommand, which has no page of
/// its own), then EXIT STATUS and EXAMPLES.
fn main_page(command: clap::Command) -> Vec<u8> {
    let man = clap_mangen::Man::new(command.disable_help_subcommand(true));
    let mut out = Vec::new();
    let sections: [Section; 6] = [
        clap_mangen::Man::render_title,
        clap_mangen::Man::render_name_section,
        clap_mangen::Man::render_synopsis_section,
        clap_mangen::Man::render_description_section,
        clap_mangen::Man::render_options_section,
        clap_mangen::Man::render_subcommands_section,
    ];
    for section in sections {
        section(&man, &mut out).expect("rendering into memory does not fail");
    }
    out.extend_from_slice(EXIT_STATUS_AND_EXAMPLES.as_bytes());
    man.render_version_section(&mut out).expect("rendering into memory does not fail");
    out
}

/// The man page's EXIT STATUS (README, "Commands") and EXAMPLES, in roff.
const EXIT_STATUS_AND_EXAMPLES: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Success: valid specs, no changes (\fBplan \-\-detailed\-exitcode\fR), a complete apply, healthy apps.
.TP
\fB1\fR
Failure: invalid specs, bad arguments, errors, a refused or interrupted apply.
.TP
\fB2\fR
Changes present (\fBplan \-\-detailed\-exitcode\fR, \fBdrift\fR).
.TP
\fB3\fR
Provisioning unhealthy (\fBstatus\fR, \fBdrift\fR).
.TP
\fB4\fR
Both changes and unhealthy provisioning (\fBdrift\fR).
.SH EXAMPLES
Check specs offline:
.PP
.nf
    scimform validate specs/
.fi
.PP
Review a plan, save it, and apply exactly what was reviewed:
.PP
.nf
    scimform plan specs/ \-\-out plan.json
    scimform apply \-\-plan plan.json
.fi
.PP
The nightly drift job, as an issue body:
.PP
.nf
    scimform drift specs/ \-\-format markdown
.fi
.PP
Try it all against the built\-in emulator, without a tenant:
.PP
.nf
    NETSKOPE_SCIM_TOKEN=demo\-scim\-token\-1 scimform apply examples/netskope.yaml \-\-emulator \-\-auto\-approve
.fi
"#;

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn check(directory: &str, files: Vec<(String, Vec<u8>)>) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(directory);
        let update = std::env::var_os("UPDATE_EXPECT").is_some();
        if update {
            let _ = std::fs::remove_dir_all(&root);
            std::fs::create_dir_all(&root).unwrap();
        }
        let mut stale = Vec::new();
        for (name, bytes) in &files {
            let path = root.join(name);
            if update {
                std::fs::write(&path, bytes).unwrap();
            } else if std::fs::read(&path).ok().as_ref() != Some(bytes) {
                stale.push(name.clone());
            }
        }
        let committed = std::fs::read_dir(&root).map(|entries| entries.count()).unwrap_or(0);
        assert!(
            stale.is_empty() && committed == files.len(),
            "{directory}/ is stale ({stale:?}; {committed} files for {} generated): run `UPDATE_EXPECT=1 cargo test -p scimform generated` and commit it",
            files.len()
        );
    }

    #[test]
    fn generated_man_pages_are_committed_and_current() {
        check("man", man_pages());
    }

    /// The main page names only pages that exist, and has the sections a man page reader
    /// looks for.
    #[test]
    fn the_main_page_has_exit_status_and_examples_and_no_missing_pages() {
        let pages = man_pages();
        let (_, main) = pages.iter().find(|(name, _)| name == "scimform.1").unwrap();
        let text = String::from_utf8_lossy(main);
        for section in [".SH \"EXIT STATUS\"", ".SH EXAMPLES", ".SH SUBCOMMANDS"] {
            assert!(text.contains(section), "scimform.1 lacks {section}");
        }
        for line in text.lines().filter(|line| line.starts_with("scimform\\-") && line.ends_with("(1)")) {
            let page = line.replace("\\-", "-").replace("(1)", ".1");
            assert!(pages.iter().any(|(name, _)| *name == page), "scimform.1 names {page}, which does not exist");
        }
    }

    #[test]
    fn generated_completions_are_committed_and_current() {
        use clap::ValueEnum;
        let files = clap_complete::Shell::value_variants()
            .iter()
            .map(|shell| {
                let name = match shell {
                    clap_complete::Shell::Bash => "scimform.bash".to_owned(),
                    clap_complete::Shell::Zsh => "_scimform".to_owned(),
                    clap_complete::Shell::Fish => "scimform.fish".to_owned(),
                    clap_complete::Shell::PowerShell => "_scimform.ps1".to_owned(),
                    clap_complete::Shell::Elvish => "scimform.elv".to_owned(),
                    other => format!("scimform.{other}"),
                };
                (name, completions(*shell))
            })
            .collect();
        check("completions", files);
    }
}
