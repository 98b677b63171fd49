//! One module per subcommand; [`run`] dispatches. Helpers shared by the commands that
//! talk to Graph live here.

mod apply;
mod doctor;
mod drift;
mod emulator;
mod import;
mod plan;
mod schema;
mod scim_check;
mod show;
mod status;
mod validate;
mod verify;

use std::path::PathBuf;

use anyhow::Context;

use crate::ExitStatus;
use crate::cli::{Cli, Command, Format, GlobalArgs};
use crate::project::Context as Project;
use crate::render;
use crate::render::errors::{Location, Problem};
use crate::sources;

pub(crate) fn run(args: &Cli) -> anyhow::Result<ExitStatus> {
    match &args.command {
        Command::Validate(validate_args) => validate::run(&args.global, validate_args),
        Command::Plan(plan_args) => plan::run(&args.global, plan_args),
        Command::Apply(apply_args) => apply::run(&args.global, apply_args),
        Command::Show(show_args) => show::run(&args.global, show_args),
        Command::Import(import_args) => import::run(&args.global, import_args),
        Command::Status(status_args) => status::run(&args.global, status_args),
        Command::Drift(drift_args) => drift::run(&args.global, drift_args),
        Command::Verify(verify_args) => verify::run(&args.global, verify_args),
        Command::ScimCheck(check_args) => scim_check::run(&args.global, check_args),
        Command::Doctor(doctor_args) => doctor::run(&args.global, doctor_args),
        Command::Schema(schema_args) => schema::run(schema_args),
        Command::Emulator(emulator_args) => emulator::run(emulator_args),
        Command::Completions(completions_args) => {
            render::stdout(&String::from_utf8_lossy(&crate::generated::completions(completions_args.shell)))?;
            Ok(ExitStatus::Success)
        }
    }
}

/// Valid specs, their sources and their project.
pub(crate) struct LoadedSpecs {
    pub(crate) spec: scimform_spec::Spec,
    pub(crate) sources: Vec<scimform_spec::Source>,
    pub(crate) project: Project,
}

/// Everything found at `paths`: the project, the sources, and what loading them found
/// (problems with the project and the files first).
pub(crate) fn gather(
    paths: &[PathBuf],
    stack: Option<&str>,
) -> (Project, Vec<scimform_spec::Source>, scimform_spec::Loaded) {
    let (project, mut diagnostics) = crate::project::discover(paths, stack);
    let found = sources::collect(paths);
    let mut loaded = scimform_spec::load_with(&found.sources, &project.policy);
    diagnostics.extend(found.diagnostics);
    loaded.prepend(diagnostics);
    (project, found.sources, loaded)
}

/// Loads specs; on any error prints every diagnostic (people get source snippets on
/// stderr, so that stdout stays the plan; programs get the error document of their
/// format) and returns `None`: nothing is sent to Graph until the specs are valid.
pub(crate) fn load_specs(
    global: &GlobalArgs,
    paths: &[PathBuf],
    stack: Option<&str>,
) -> anyhow::Result<Option<LoadedSpecs>> {
    let (project, sources, mut loaded) = gather(paths, stack);
    let valid = loaded.error_count() == 0;
    let human = global.format == Format::Human;
    if human && (!valid || (!global.quiet && !loaded.diagnostics.is_empty())) {
        // Warnings still deserve a look, but must not disturb machine output.
        let report = render::diagnostics::Report { sources: &sources, loaded: &loaded, quiet: global.quiet && !valid };
        render::diagnostics::print_to_stderr(&report)?;
    } else if !valid {
        let problems: Vec<Problem> = loaded
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .map(Problem::from_diagnostic)
            .collect();
        render::errors::report(global.format, &problems);
    }
    // Taken after the report, which counts the apps ("valid: 3 apps in 2 files").
    let spec = loaded.spec.take().filter(|_| valid);
    Ok(spec.map(|spec| LoadedSpecs { spec, sources, project }))
}

/// The user's planning choices, as flags gave them (or as a saved plan recorded them).
pub(crate) struct Choices<'a> {
    pub(crate) prune: bool,
    pub(crate) replace: &'a [String],
    pub(crate) allow_deletes: &'a [String],
    /// `--target` addresses.
    pub(crate) only: &'a [String],
    /// `--destroy`.
    pub(crate) destroy: bool,
}

/// The planner's options; `--prune` is refused when no spec is loaded, since it would
/// mean "delete every app of this stack"; `--replace` and `--allow-deletes` must name an
/// address they take.
pub(crate) fn plan_options(loaded: &LoadedSpecs, choices: &Choices<'_>) -> anyhow::Result<scimform_plan::Options> {
    if choices.prune && loaded.spec.apps.is_empty() && choices.only.is_empty() {
        anyhow::bail!(
            "refusing to prune with no specs loaded: that would delete every app of stack `{}`; name the spec files or directories, or drop --prune",
            loaded.project.stack
        );
    }
    let replace = choices
        .replace
        .iter()
        .map(|address| scimform_plan::Replacement::parse(address))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| anyhow::anyhow!("--replace: {message}"))?;
    let allow_deletes = choices
        .allow_deletes
        .iter()
        .map(|address| scimform_plan::parse_app_address(address))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| anyhow::anyhow!("--allow-deletes: {message}"))?;
    let mut only = choices
        .only
        .iter()
        .map(|address| scimform_plan::parse_app_address(address))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|message| anyhow::anyhow!("--target: {message}"))?;
    only.sort();
    only.dedup();
    Ok(scimform_plan::Options {
        prune: choices.prune,
        stack: loaded.project.stack.clone(),
        replace,
        allow_deletes,
        only,
        acknowledge: loaded.project.ignore_warnings.iter().map(|code| code.as_str().to_owned()).collect(),
        destroy: choices.destroy,
    })
}

/// Marks the warnings that the app's spec or the project file accepts (`ignoreWarnings`),
/// those added after planning (scim-check's) included: people no longer see them, JSON
/// keeps them, marked.
pub(crate) fn acknowledge_warnings(plan: &mut scimform_plan::Plan, loaded: &LoadedSpecs) {
    for warning in &mut plan.warnings {
        let name = warning.address.strip_prefix("app.").and_then(|rest| rest.split(['.', '[']).next());
        let app = name.and_then(|name| loaded.spec.apps.iter().find(|app| app.name == name));
        let accepted =
            |codes: &[scimform_spec::model::WarningCode]| codes.iter().any(|code| code.as_str() == warning.code);
        if accepted(&loaded.project.ignore_warnings) || app.is_some_and(|app| accepted(&app.ignore_warnings)) {
            warning.acknowledged = true;
        }
    }
}

/// With `--target`, only the targeted apps' specs are read on: the others' apps are not
/// refreshed, resolved or planned (as Terraform's `-target`).
pub(crate) fn limit_to_targets(loaded: &mut LoadedSpecs, options: &scimform_plan::Options) {
    if !options.only.is_empty() {
        loaded.spec.apps.retain(|app| options.includes(&app.name));
    }
}

/// Every `--target` names an app a spec gives or a managed app of the stack.
pub(crate) fn check_only(options: &scimform_plan::Options, prepared: &scimform_apply::Prepared) -> anyhow::Result<()> {
    check_only_in(options, |name| prepared.desired.apps.contains_key(name), &prepared.live)
}

/// [`check_only`] where `specified` says whether a spec gives an app.
pub(crate) fn check_only_in(
    options: &scimform_plan::Options,
    specified: impl Fn(&str) -> bool,
    live: &scimform_plan::Live,
) -> anyhow::Result<()> {
    let unknown: Vec<String> = options
        .only
        .iter()
        .filter(|name| !specified(name) && live.apps.get(*name).is_none_or(|app| app.stack != options.stack))
        .map(|name| {
            format!(
                "--target app.{name}: no spec given names app `{name}` and no managed app of stack `{}` has that name",
                options.stack
            )
        })
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    anyhow::bail!("{}; nothing was changed", unknown.join("; "))
}

/// Refuses `--replace` and `--allow-deletes` targets the specs do not manage.
pub(crate) fn check_targets(options: &scimform_plan::Options, desired: &scimform_plan::Desired) -> anyhow::Result<()> {
    let problems = options.check_targets(desired);
    if problems.is_empty() {
        return Ok(());
    }
    anyhow::bail!("{}; nothing was changed", problems.join("; "))
}

/// The line of `key:` in the document that starts at `origin` (that first line when the
/// document has no such key): where an annotation about one setting belongs.
pub(crate) fn spec_line(sources: &[scimform_spec::Source], origin: &scimform_spec::model::Origin, key: &str) -> u32 {
    spec_place(sources, origin, key).0
}

/// [`spec_line`] with the key's column (1-based).
pub(crate) fn spec_place(
    sources: &[scimform_spec::Source],
    origin: &scimform_spec::model::Origin,
    key: &str,
) -> (u32, u32) {
    let start = origin.span.line;
    let wanted = format!("{key}:");
    sources
        .iter()
        .find(|source| source.name == origin.file)
        .and_then(|source| {
            source
                .text
                .lines()
                .enumerate()
                .skip(start.saturating_sub(1) as usize)
                .take_while(|(index, line)| *index + 1 == start as usize || line.trim_end() != "---")
                .find(|(_, line)| line.trim_start().starts_with(&wanted))
                .map(|(index, line)| {
                    (index as u32 + 1, (line.chars().count() - line.trim_start().chars().count()) as u32 + 1)
                })
        })
        .unwrap_or((start, origin.span.column))
}

/// Points each `token-not-checked` warning at its spec's `token:` line.
pub(crate) fn locate_token_warnings(plan: &mut scimform_plan::Plan, loaded: &LoadedSpecs) {
    for warning in plan.warnings.iter_mut().filter(|warning| warning.code == "token-not-checked") {
        let name = warning.address.strip_prefix("app.").and_then(|rest| rest.split('.').next()).unwrap_or_default();
        if let (Some(app), Some(location)) =
            (loaded.spec.apps.iter().find(|app| app.name == name), warning.location.as_mut())
        {
            (location.line, location.column) = spec_place(&loaded.sources, &app.origin, "token");
        }
    }
}

/// The token reader's view of the environment, confined to the project's directories.
pub(crate) fn token_environment(loaded: &LoadedSpecs) -> scimform_apply::TokenEnvironment {
    scimform_apply::TokenEnvironment::from_process().confined_to(loaded.project.file_roots())
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}

/// Reports what made preparing fail when it was the specs' fault (unreadable tokens,
/// unresolved names), each at its place in the specs, and returns `None`; passes Graph
/// errors on.
pub(crate) fn report_prepare(
    global: &GlobalArgs,
    sources: &[scimform_spec::Source],
    prepared: Result<scimform_apply::Prepared, scimform_apply::PrepareError>,
) -> anyhow::Result<Option<scimform_apply::Prepared>> {
    use scimform_apply::PrepareError;
    let problems: Vec<Problem> = match prepared {
        Ok(prepared) => return Ok(Some(prepared)),
        Err(PrepareError::Tokens(errors)) => errors
            .iter()
            .map(|(app, origin, error)| {
                let (line, column) = spec_place(sources, origin, "token");
                let location = Location { line, column, ..Location::of(origin) };
                let mut problem = Problem::at("unreadable-token", location, error);
                problem.message = format!("app `{app}`: {}", problem.message);
                problem
            })
            .collect(),
        Err(PrepareError::Resolve(errors)) => errors
            .iter()
            .map(|error| Problem {
                code: "unresolved-name".to_owned(),
                message: error.message.clone(),
                help: None,
                causes: Vec::new(),
                location: Some(Location::of(&error.origin)),
            })
            .collect(),
        Err(error @ PrepareError::Refresh(_)) => return Err(error.into()),
    };
    render::errors::report(global.format, &problems);
    Ok(None)
}

/// Refuses a plan that changes a managed app the identity running scimform does not own
/// (its marker tags may have been copied by hand), naming every such app and the fix;
/// nothing is changed. A check that cannot be made (a read-only identity) is noted.
pub(crate) async fn check_ownership(
    global: &GlobalArgs,
    client: &scimform_graph::GraphClient,
    plan: &scimform_plan::Plan,
    live: &scimform_plan::Live,
) -> anyhow::Result<()> {
    use scimform_apply::ownership::{Ownership, unowned_changes};
    match unowned_changes(client, plan, live).await? {
        Ownership::Checked(unowned) if unowned.is_empty() => Ok(()),
        Ownership::Checked(unowned) => {
            let list: Vec<String> = unowned.iter().map(|app| format!("  {app}")).collect();
            anyhow::bail!(
                "refusing to change apps scimform cannot prove are its own; nothing was changed:\n{}\nIf scimform should manage such an app, have an administrator add the pipeline's service principal to its owners and plan again; if not, remove its `scimform:` tags",
                list.join("\n")
            )
        }
        Ownership::NotChecked(reason) => {
            render::note(global, &format!("Ownership of the apps this plan changes was not checked: {reason}."));
            Ok(())
        }
    }
}
