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
    render("scimform".to_owned(), command);
    pages.sort();
    pages
}

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
