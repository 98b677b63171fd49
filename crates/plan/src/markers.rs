//! How scimform marks what it manages: the tags on a managed service principal (managed,
//! name, stack) and the display name of an app still being created. Read by `state`
//! (which apps are ours) and written by `diff` (the steps that mark an app).

/// Tag on every service principal scimform manages.
pub const MANAGED_TAG: &str = "scimform:managed";
/// Prefix of the tag that names the app.
pub const NAME_TAG_PREFIX: &str = "scimform:name=";
/// How the display name of an app being created starts until it is marked as ours: an
/// interrupted create leaves an app recognisably scimform's (see [`pending_display_name`]).
pub const PENDING_PREFIX: &str = "scimform-pending ";

/// The display name an app is created with: `scimform-pending <stack>/<name> <run>:
/// <display name>` (cut to Entra's 256 characters). `run` (random) tells one apply's
/// creations from another's; the stack tells whose it is. The plan renames the app once
/// it is marked and its credentials pass.
pub fn pending_display_name(stack: &str, name: &str, run: &str, display_name: &str) -> String {
    let text = format!("{PENDING_PREFIX}{stack}/{name} {run}: {display_name}");
    text.chars().take(256).collect()
}

/// The stack and app name in a pending display name, when it is one: `(Some(stack),
/// name)`, or `(None, name)` for a name without a stack (written by hand, or by a
/// scimform before stacks were part of it).
pub fn pending_app_name(display_name: &str) -> Option<(Option<&str>, &str)> {
    let word = display_name.strip_prefix(PENDING_PREFIX)?.split(' ').next().filter(|word| !word.is_empty())?;
    Some(match word.split_once('/') {
        Some((stack, name)) if !stack.is_empty() && !name.is_empty() => (Some(stack), name),
        _ => (None, word),
    })
}

/// Prefix of the tag that names the app's stack (absent on apps made before stacks: they
/// belong to [`crate::DEFAULT_STACK`]).
pub const STACK_TAG_PREFIX: &str = "scimform:stack=";

/// The stack marker tag.
pub fn stack_tag(stack: &str) -> String {
    format!("{STACK_TAG_PREFIX}{stack}")
}

/// The tags that mark an app as managed by `stack` under `name`.
pub fn marker_tags(name: &str, stack: &str) -> Vec<String> {
    vec![MANAGED_TAG.to_owned(), name_tag(name), stack_tag(stack)]
}

/// The marker tag of an app.
pub fn name_tag(name: &str) -> String {
    format!("{NAME_TAG_PREFIX}{name}")
}
