//! `scimform import`: list the tenant's enterprise applications, or write specs that adopt
//! existing ones. Read-only towards the tenant: adoption happens when the written spec is
//! planned and applied, reviewed like any other change.

use std::path::{Path, PathBuf};

use anyhow::Context;
use scimform_apply::inventory::{self, Inventoried};
use scimform_plan::state::LiveApp;

use crate::ExitStatus;
use crate::cli::{GlobalArgs, ImportArgs};
use crate::render;
use crate::target;

/// Where the spec's schema line points: the schema as this version's tag has it in the
/// repository the crates name (`Cargo.toml`'s `repository`, the one address), which exists
/// wherever the spec is opened; a spec tree inside a checkout may point at
/// `schemas/scimform.schema.json` by a relative path instead, as the examples do.
fn schema_url() -> String {
    let repository = env!("CARGO_PKG_REPOSITORY").trim_end_matches('/');
    let raw = repository.replacen("https://github.com/", "https://raw.githubusercontent.com/", 1);
    format!("{raw}/v{}/schemas/scimform.schema.json", env!("CARGO_PKG_VERSION"))
}

pub(crate) fn run(global: &GlobalArgs, args: &ImportArgs) -> anyhow::Result<ExitStatus> {
    if let Some(name) = &args.name
        && !is_app_name(name)
    {
        anyhow::bail!(
            "--name `{name}` is not an app name: use lowercase letters, digits and single hyphens, starting with a letter, such as `{}`",
            scimform_spec::slugify(name)
        );
    }
    let runtime = super::runtime()?;
    let (chosen, apps) = runtime.block_on(async {
        let target = target::connect(&args.target).await?;
        render::note(global, &format!("Reading the enterprise applications of {}…", target.description));
        let result = async {
            let all = inventory::enterprise_apps(&target.client).await?;
            if args.list {
                return anyhow::Ok((all, Vec::new()));
            }
            let chosen = choose(args, all)?;
            let apps = inventory::read(&target.client, &chosen).await?;
            Ok((chosen, apps))
        }
        .await;
        target.close().await;
        result
    })?;
    if args.list {
        render::stdout(&render::import::list(global.format, &chosen))?;
        return Ok(ExitStatus::Success);
    }
    write_specs(global, args, &apps)?;
    Ok(ExitStatus::Success)
}

/// The apps to import: the one named, or every unmanaged one.
fn choose(args: &ImportArgs, all: Vec<Inventoried>) -> anyhow::Result<Vec<Inventoried>> {
    if args.all_unmanaged {
        return Ok(all.into_iter().filter(|app| app.managed.is_none()).collect());
    }
    let wanted = args.app.as_deref().unwrap_or_default();
    let matches: Vec<Inventoried> = all
        .into_iter()
        .filter(|app| {
            app.service_principal.id.eq_ignore_ascii_case(wanted)
                || app.service_principal.display_name.as_deref().is_some_and(|name| name.eq_ignore_ascii_case(wanted))
        })
        .collect();
    match matches.as_slice() {
        [] => anyhow::bail!(
            "no enterprise application has the id or display name `{wanted}`; `scimform import --list` shows them"
        ),
        [app] => {
            if let Some((name, stack)) = &app.managed {
                anyhow::bail!(
                    "`{wanted}` is already managed by scimform as app `{name}` (stack `{stack}`); there is nothing to import"
                );
            }
            Ok(matches)
        }
        several => anyhow::bail!(
            "{} enterprise applications are named `{wanted}` ({}); import one by its id",
            several.len(),
            several.iter().map(|app| app.service_principal.id.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn is_app_name(name: &str) -> bool {
    scimform_spec::slugify(name) == name && !name.is_empty()
}

/// Writes one spec per app, each checked to be a valid spec first; never overwrites.
fn write_specs(global: &GlobalArgs, args: &ImportArgs, apps: &[LiveApp]) -> anyhow::Result<()> {
    let directory = args.out.as_ref().filter(|out| out.as_os_str() != "-");
    let (project, _) = crate::project::discover(&directory.cloned().into_iter().collect::<Vec<PathBuf>>(), None);
    let mut names: Vec<String> = Vec::new();
    let mut outputs = Vec::new();
    for app in apps {
        let name = unique_name(args.name.clone().unwrap_or_else(|| default_name(app)), &names);
        names.push(name.clone());
        let variable = token_variable(&name, project.policy.env_pattern.as_deref());
        let (text, notes) = render::import::spec_text(app, &name, &variable, &schema_url());
        check(&name, &text)?;
        for note in notes {
            render::note(global, &format!("note: app `{name}`: {note}"));
        }
        outputs.push((name, text, app.job.is_some().then_some(variable)));
    }
    let Some(directory) = directory else {
        let texts: Vec<&str> = outputs.iter().map(|(_, text, _)| text.as_str()).collect();
        return render::stdout(&texts.join("---\n"));
    };
    std::fs::create_dir_all(directory).with_context(|| format!("cannot create `{}`", directory.display()))?;
    let paths: Vec<PathBuf> = outputs.iter().map(|(name, _, _)| directory.join(format!("{name}.yaml"))).collect();
    if let Some(existing) = paths.iter().find(|path| path.exists()) {
        anyhow::bail!(
            "`{}` exists; nothing was written: move it away, choose another --out directory, or give --name",
            existing.display()
        );
    }
    for ((name, text, variable), path) in outputs.iter().zip(&paths) {
        write_new(path, text)?;
        let token = variable.as_ref().map(|variable| format!("; set {variable} to its SCIM token")).unwrap_or_default();
        render::note(global, &format!("Wrote {} (app `{name}`){token}.", path.display()));
    }
    if !outputs.is_empty() {
        render::note(
            global,
            &format!(
                "Next: `scimform plan {}` shows the adoption; `scimform apply` carries it out.",
                directory.display()
            ),
        );
    }
    Ok(())
}

/// The app name from the display name (`app` when nothing of it is usable).
fn default_name(app: &LiveApp) -> String {
    let slug = scimform_spec::slugify(&app.display_name);
    if slug.is_empty() { "app".to_owned() } else { slug }
}

/// `name`, or `name-2`, `name-3`, … when taken.
fn unique_name(name: String, taken: &[String]) -> String {
    if !taken.contains(&name) {
        return name;
    }
    (2..).map(|number| format!("{name}-{number}")).find(|candidate| !taken.contains(candidate)).expect("unbounded")
}

/// `NAME_SCIM_TOKEN`, or the project's `tokens.env` pattern with NAME for its `*`.
fn token_variable(name: &str, pattern: Option<&str>) -> String {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    match pattern {
        Some(pattern) if pattern.matches('*').count() == 1 => pattern.replace('*', &upper),
        _ => format!("{upper}_SCIM_TOKEN"),
    }
}

/// The written spec must be one scimform accepts.
fn check(name: &str, text: &str) -> anyhow::Result<()> {
    let source = scimform_spec::Source { name: format!("{name}.yaml"), text: text.to_owned() };
    let loaded = scimform_spec::load(&[source]);
    if let Some(error) = loaded.diagnostics.iter().find(|diagnostic| diagnostic.is_error()) {
        anyhow::bail!("the spec written for `{name}` does not validate ({}); this is a bug in scimform", error.message);
    }
    Ok(())
}

fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create `{}`", path.display()))?;
    file.write_all(text.as_bytes()).with_context(|| format!("cannot write `{}`", path.display()))
}
