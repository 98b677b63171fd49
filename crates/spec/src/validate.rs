//! The semantic check: from a structurally sound [`raw::AppDocument`] to a [`model::App`].
//!
//! Each rule of the spec language that a JSON Schema cannot say well lives here: slugs,
//! URLs, emails, UPNs, GUIDs, secret references, duplicates and contradictions. Every
//! problem is reported (none stops the others), at the place it was written, which is
//! found by walking the located YAML tree along the field's path.

use std::collections::HashMap;

use crate::diagnostic::{Code, Diagnostic, Span};
use crate::model::{self, Origin, PrincipalRef};
use crate::project::SecretPolicy;
use crate::raw;
use crate::yaml::{Node, Value};

/// A step on the way to a value: a mapping key or a list index.
#[derive(Clone, Copy)]
pub(crate) enum Step<'a> {
    Key(&'a str),
    Index(usize),
}
pub(crate) use Step::{Index, Key};

/// One entry of an assignment list, whichever list and form it was written in.
struct Entry<'a> {
    /// The UPN or group name.
    name: Option<&'a String>,
    id: Option<&'a String>,
    role: Option<&'a String>,
    /// Written as a bare string rather than a mapping.
    short: bool,
}

impl<'a> From<&'a raw::UserEntry> for Entry<'a> {
    fn from(entry: &'a raw::UserEntry) -> Self {
        match entry {
            raw::UserEntry::Upn(upn) => Entry { name: Some(upn), id: None, role: None, short: true },
            raw::UserEntry::Detailed(user) => {
                Entry { name: user.upn.as_ref(), id: user.id.as_ref(), role: user.role.as_ref(), short: false }
            }
        }
    }
}

impl<'a> From<&'a raw::GroupEntry> for Entry<'a> {
    fn from(entry: &'a raw::GroupEntry) -> Self {
        match entry {
            raw::GroupEntry::Name(name) => Entry { name: Some(name), id: None, role: None, short: true },
            raw::GroupEntry::Detailed(group) => {
                Entry { name: group.name.as_ref(), id: group.id.as_ref(), role: group.role.as_ref(), short: false }
            }
        }
    }
}

/// What differs between the `users` and `groups` lists.
struct EntryKind {
    list: &'static str,
    name_field: &'static str,
    what: &'static str,
    id_what: &'static str,
    check_name: fn(&mut Checker<'_>, &str, Span) -> bool,
    by_name: fn(String) -> PrincipalRef,
    by_id: fn(String) -> PrincipalRef,
}

const USER: EntryKind = EntryKind {
    list: "users",
    name_field: "upn",
    what: "user",
    id_what: "user id",
    check_name: |checker, upn, span| checker.upn(upn, span, "user"),
    by_name: PrincipalRef::UserUpn,
    by_id: PrincipalRef::UserId,
};

const GROUP: EntryKind = EntryKind {
    list: "groups",
    name_field: "name",
    what: "group",
    id_what: "group id",
    check_name: |checker, name, span| checker.group_name(name, span),
    by_name: PrincipalRef::GroupName,
    by_id: PrincipalRef::GroupId,
};

/// Longest name Entra ID accepts for an application's displayName.
const MAX_DISPLAY_NAME: usize = 256;
/// Graph stores the deletion threshold as a 32-bit integer.
const MAX_THRESHOLD: u64 = i32::MAX as u64;
/// Tags on a service principal are limited to 256 characters; the marker
/// `scimform:name=` plus the name must fit with room to spare.
const MAX_NAME: usize = 63;

/// Checks one document. Returns the app when no error was found; diagnostics (errors and
/// warnings) are appended to `diagnostics`.
pub(crate) fn validate(
    file: &str,
    document: &raw::AppDocument,
    node: &Node,
    policy: &SecretPolicy,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<model::App> {
    let mut checker = Checker { file, node, policy, lists_at: Some("assignments"), found_error: false, diagnostics };
    let app = checker.app(document);
    if checker.found_error { None } else { Some(app) }
}

/// Checks an `AppAssignments` document: the app's name, and each entry (each once within
/// the document; across documents `load.rs` checks when it merges them).
pub(crate) fn validate_part(
    file: &str,
    document: &raw::AssignmentsDocument,
    node: &Node,
    policy: &SecretPolicy,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<model::AssignmentsPart> {
    let mut checker = Checker { file, node, policy, lists_at: None, found_error: false, diagnostics };
    let app_span = checker.span(&[Key("app")]);
    if !is_slug(&document.app) {
        checker.error(
            Code::InvalidName,
            app_span,
            format!("`{}` is not an app name", document.app),
            Some(
                "give the `name` of the app's ProvisioningApp document: lowercase letters, digits and hyphens"
                    .to_owned(),
            ),
        );
    }
    let principals = checker.entries(&document.users, &document.groups);
    let part = model::AssignmentsPart { app: document.app.clone(), app_origin: checker.origin(app_span), principals };
    if checker.found_error { None } else { Some(part) }
}

pub(crate) struct Checker<'a> {
    file: &'a str,
    node: &'a Node,
    policy: &'a SecretPolicy,
    /// The key holding the `users` and `groups` lists (`assignments` in an app; none in
    /// an `AppAssignments` document, which holds them at its root).
    lists_at: Option<&'static str>,
    found_error: bool,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Checker<'_> {
    fn app(&mut self, document: &raw::AppDocument) -> model::App {
        self.name(&document.name);
        self.display_name(&document.display_name);
        let template = self.template(document.template.as_ref());
        let owners = document.owners.as_ref().map(|owners| self.owners(owners));
        let provisioning = document.provisioning.as_ref().map(|provisioning| self.provisioning(provisioning));
        let assignments = document.assignments.as_ref().map(|assignments| self.assignments(assignments));
        let adopt = document.adopt.as_ref().and_then(|adopt| {
            let span = self.span(&[Key("adopt"), Key("id")]);
            self.guid(&adopt.id, span, "service principal id").then(|| model::Adopt {
                id: adopt.id.to_lowercase(),
                origin: Origin { file: self.file.to_owned(), span },
            })
        });
        model::App {
            name: document.name.clone(),
            display_name: document.display_name.clone(),
            template,
            owners,
            provisioning,
            assignments,
            adopt,
            ignore_warnings: document.ignore_warnings.clone().unwrap_or_default(),
            origin: Origin { file: self.file.to_owned(), span: self.node.span },
        }
    }

    fn name(&mut self, name: &str) {
        let span = self.span(&[Key("name")]);
        if name.len() > MAX_NAME {
            self.error(
                Code::InvalidName,
                span,
                format!("app name is {} characters long; at most {MAX_NAME} fit in the marker tag", name.len()),
                Some(format!("shorten it, for example to `{}`", slugify(name))),
            );
            return;
        }
        if is_slug(name) {
            return;
        }
        let suggestion = slugify(name);
        let help = if suggestion.is_empty() || suggestion == name {
            "use lowercase letters, digits and single hyphens, starting with a letter, at most 63 characters".to_owned()
        } else {
            format!("use lowercase letters, digits and single hyphens, such as `{suggestion}`")
        };
        self.error(Code::InvalidName, span, format!("app name `{name}` is not a lowercase slug"), Some(help));
    }

    fn display_name(&mut self, display_name: &str) {
        let span = self.span(&[Key("displayName")]);
        if display_name.trim().is_empty() {
            self.error(
                Code::EmptyValue,
                span,
                "displayName is empty",
                Some("give the name shown in the Entra portal".to_owned()),
            );
        } else if display_name.chars().count() > MAX_DISPLAY_NAME {
            self.error(
                Code::InvalidDisplayName,
                span,
                format!(
                    "displayName is {} characters long; Entra ID accepts at most {MAX_DISPLAY_NAME}",
                    display_name.chars().count()
                ),
                None,
            );
        } else if display_name.trim() != display_name {
            self.error(
                Code::InvalidDisplayName,
                span,
                "displayName starts or ends with white space",
                Some(
                    "remove the leading or trailing spaces; Entra ID keeps them and they make look-ups fail".to_owned(),
                ),
            );
        }
    }

    fn template(&mut self, template: Option<&raw::Template>) -> model::Template {
        match template {
            None | Some(raw::Template::Named(raw::TemplateName::NonGallery)) => model::Template::NonGallery,
            Some(raw::Template::Gallery(gallery)) => {
                let span = self.span(&[Key("template"), Key("id")]);
                let id = gallery.id.to_lowercase();
                if !self.guid(&gallery.id, span, "template id") {
                    return model::Template::NonGallery;
                }
                if id == model::NON_GALLERY_TEMPLATE_ID {
                    self.warning(
                        Code::Risky,
                        span,
                        "this is the non-gallery template's id",
                        Some("write `template: non-gallery`, which says the same and reads better".to_owned()),
                    );
                    return model::Template::NonGallery;
                }
                model::Template::Gallery { id }
            }
        }
    }

    fn owners(&mut self, owners: &[String]) -> Vec<model::Principal> {
        let mut seen = HashMap::new();
        let mut principals = Vec::new();
        for (index, upn) in owners.iter().enumerate() {
            let span = self.span(&[Key("owners"), Index(index)]);
            if !self.upn(upn, span, "owner") {
                continue;
            }
            let reference = PrincipalRef::UserUpn(upn.clone());
            if self.first_time(&mut seen, &reference, span, "owner") {
                principals.push(model::Principal { reference, role: None, origin: self.origin(span) });
            }
        }
        principals
    }

    fn provisioning(&mut self, provisioning: &raw::Provisioning) -> model::Provisioning {
        let credentials = self.credentials(&provisioning.credentials);
        let scope = provisioning.scope;
        if scope == Some(model::Scope::All) {
            self.warning(
                Code::Risky,
                self.span(&[Key("provisioning"), Key("scope")]),
                "scope `all` provisions every user and group in the tenant, assigned or not",
                Some("use `scope: assigned` unless the target should receive the whole directory".to_owned()),
            );
        }
        let notifications = provisioning.notifications.as_ref().map(|notifications| self.notifications(notifications));
        let accidental_deletions =
            provisioning.accidental_deletions.as_ref().map(|guard| self.accidental_deletions(guard));
        model::Provisioning {
            status: provisioning.status,
            credentials,
            scope,
            skip_out_of_scope_deletions: provisioning.skip_out_of_scope_deletions,
            notifications,
            accidental_deletions,
            test_connection: provisioning.test_connection.unwrap_or(true),
            mappings: provisioning.mappings.as_ref().map(|mappings| self.mappings(mappings)),
            scoping: provisioning.scoping.as_ref().map(|scoping| self.scoping(scoping)),
            verify: provisioning.verify.as_ref().map(|verify| self.verify(verify)),
        }
    }

    fn credentials(&mut self, credentials: &raw::Credentials) -> model::Credentials {
        let base = [Key("provisioning"), Key("credentials")];
        let base_url = self.base_url(&credentials.base_url, self.span(&[base[0], base[1], Key("baseUrl")]));
        let token_span = self.span(&[base[0], base[1], Key("token")]);
        let token = match (&credentials.token.from_env, &credentials.token.from_file) {
            (Some(variable), None) => {
                let span = self.span(&[base[0], base[1], Key("token"), Key("fromEnv")]);
                if !is_env_name(variable) {
                    self.error(
                        Code::InvalidSecretReference,
                        span,
                        format!("`{variable}` is not an environment variable name"),
                        Some("use letters, digits and underscores, not starting with a digit, such as `NETSKOPE_SCIM_TOKEN`".to_owned()),
                    );
                } else if let Some((message, help)) = self.policy.refuse_variable(variable) {
                    self.error(Code::ForbiddenSecretSource, span, message, Some(help));
                }
                model::TokenSource::Env { variable: variable.clone() }
            }
            (None, Some(path)) => {
                if path.trim().is_empty() {
                    let span = self.span(&[base[0], base[1], Key("token"), Key("fromFile")]);
                    self.error(
                        Code::InvalidSecretReference,
                        span,
                        "token file path is empty",
                        Some("give the path of the file that holds the token, relative to this spec file".to_owned()),
                    );
                }
                let joined = beside(self.file, path);
                let refused = (!path.trim().is_empty()).then(|| self.policy.refuse_file(path, &joined, self.file));
                if let Some(Some((message, help))) = refused {
                    let span = self.span(&[base[0], base[1], Key("token"), Key("fromFile")]);
                    self.error(Code::ForbiddenSecretSource, span, message, Some(help));
                }
                model::TokenSource::File { path: joined }
            }
            (Some(_), Some(_)) => {
                self.error(
                    Code::Conflict,
                    token_span,
                    "token has both `fromEnv` and `fromFile`",
                    Some("keep the one the token should be read from".to_owned()),
                );
                model::TokenSource::Env { variable: String::new() }
            }
            (None, None) if self.is_empty_mapping(&[base[0], base[1], Key("token")]) => {
                self.error(
                    Code::MissingField,
                    token_span,
                    "token names no source",
                    Some("write `token: { fromEnv: VARIABLE }` or `token: { fromFile: path }`".to_owned()),
                );
                model::TokenSource::Env { variable: String::new() }
            }
            // Only wrong keys were written; they have been reported as such.
            (None, None) => model::TokenSource::Env { variable: String::new() },
        };
        // An invalid URL has been reported; the spec it would be part of is never built.
        let base_url = base_url.unwrap_or_else(|| model::BaseUrl::parse("https://invalid.invalid/").expect("valid"));
        model::Credentials { base_url, token, scim_compliance: credentials.scim_compliance }
    }

    /// Checks a base URL; returns it parsed when it is acceptable.
    fn base_url(&mut self, text: &str, span: Span) -> Option<model::BaseUrl> {
        let errors_before = self.found_error;
        self.found_error = false;
        self.check_base_url(text, span);
        let acceptable = !self.found_error;
        self.found_error |= errors_before;
        if acceptable { model::BaseUrl::parse(text).ok() } else { None }
    }

    fn check_base_url(&mut self, text: &str, span: Span) {
        let url = match url::Url::parse(text) {
            Ok(url) => url,
            Err(error) => {
                self.error(
                    Code::InvalidUrl,
                    span,
                    format!("baseUrl is not a valid URL: {error}"),
                    Some("give the full SCIM base URL, such as `https://contoso.goskope.com/api/v2/scim`".to_owned()),
                );
                return;
            }
        };
        if !url.username().is_empty() || url.password().is_some() {
            self.diagnostics.push(
                Diagnostic::error(Code::InlineSecret, span, "baseUrl carries credentials in its user-info part")
                    .with_help("remove `user:password@` from the URL; the SCIM token goes in `token`, by reference")
                    .concealing_secret(),
            );
            self.found_error = true;
            return;
        }
        let Some(host) = url.host() else {
            self.error(Code::InvalidUrl, span, "baseUrl has no host", None);
            return;
        };
        if url.query_pairs().any(|(key, _)| key.eq_ignore_ascii_case(model::SCIM_COMPLIANCE_FLAG)) {
            self.error(
                Code::Conflict,
                span,
                format!("baseUrl carries Entra's SCIM 2.0 compliance flag (`{}`)", model::SCIM_COMPLIANCE_FLAG),
                Some("remove it from the URL and write `scimCompliance: true` beside `baseUrl`: scimform adds it to the Tenant URL itself, and plans show it".to_owned()),
            );
            return;
        }
        let loopback = match host {
            url::Host::Domain(domain) => domain.eq_ignore_ascii_case("localhost"),
            url::Host::Ipv4(address) => address.is_loopback(),
            url::Host::Ipv6(address) => address.is_loopback(),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => self.error(
                Code::InsecureUrl,
                span,
                "baseUrl uses plain http; Entra ID sends the SCIM token to it",
                Some(
                    "use https (plain http is accepted only for loopback hosts such as 127.0.0.1, for local testing)"
                        .to_owned(),
                ),
            ),
            scheme => self.error(
                Code::InvalidUrl,
                span,
                format!("baseUrl has scheme `{scheme}`; a SCIM endpoint is an https URL"),
                None,
            ),
        }
        if url.fragment().is_some() {
            self.error(
                Code::InvalidUrl,
                span,
                "baseUrl has a `#fragment`, which HTTP never sends",
                Some("remove the part from `#` on".to_owned()),
            );
        }
    }

    fn notifications(&mut self, notifications: &raw::Notifications) -> model::Notifications {
        let at = |key| [Key("provisioning"), Key("notifications"), Key(key)];
        let enabled = notifications.enabled.unwrap_or(true);
        match &notifications.email {
            Some(email) => {
                self.email(email, self.span(&at("email")));
            }
            None if enabled && !self.written(&at("email")) => {
                self.error(
                    Code::MissingField,
                    self.span(&[Key("provisioning"), Key("notifications")]),
                    "notifications are enabled but name no `email`",
                    Some(
                        "add `email:` with the address that should hear about failures, or set `enabled: false`"
                            .to_owned(),
                    ),
                );
            }
            None => {}
        }
        model::Notifications { enabled, email: notifications.email.clone() }
    }

    fn accidental_deletions(&mut self, guard: &raw::AccidentalDeletions) -> model::AccidentalDeletions {
        let enabled = guard.enabled.unwrap_or(true);
        let threshold = match guard.threshold {
            Some(0) => {
                self.error(
                    Code::OutOfRange,
                    self.span(&[Key("provisioning"), Key("accidentalDeletions"), Key("threshold")]),
                    "the deletion threshold must be at least 1",
                    Some("to switch the guard off, write `enabled: false` instead".to_owned()),
                );
                None
            }
            Some(threshold) if threshold > MAX_THRESHOLD => {
                self.error(
                    Code::OutOfRange,
                    self.span(&[Key("provisioning"), Key("accidentalDeletions"), Key("threshold")]),
                    format!("the deletion threshold must be at most {MAX_THRESHOLD}"),
                    None,
                );
                None
            }
            Some(threshold) => u32::try_from(threshold).ok(),
            None => {
                if enabled && !self.written(&[Key("provisioning"), Key("accidentalDeletions"), Key("threshold")]) {
                    self.error(
                        Code::MissingField,
                        self.span(&[Key("provisioning"), Key("accidentalDeletions")]),
                        "the accidental-deletion guard is enabled but has no `threshold`",
                        Some(
                            "add `threshold:` with the most deletions one cycle may make, or set `enabled: false`"
                                .to_owned(),
                        ),
                    );
                }
                None
            }
        };
        model::AccidentalDeletions { enabled, threshold }
    }

    fn assignments(&mut self, assignments: &raw::Assignments) -> model::Assignments {
        let policy = assignments.policy.map_or(model::AssignmentPolicy::Exact, model::AssignmentPolicy::from);
        if let Some(role) = &assignments.default_role {
            self.role(role, self.span(&[Key("assignments"), Key("defaultRole")]));
        }
        let principals = self.entries(&assignments.users, &assignments.groups);
        let origin = self.origin(self.span(&[Key("assignments")]));
        model::Assignments { policy, default_role: assignments.default_role.clone(), principals, origin }
    }

    /// Checks the entries of a `users` and a `groups` list: each principal once.
    fn entries(&mut self, users: &[raw::UserEntry], groups: &[raw::GroupEntry]) -> Vec<model::Principal> {
        let mut seen = HashMap::new();
        let mut principals = Vec::new();
        let lists: [(&EntryKind, Vec<Entry<'_>>); 2] =
            [(&USER, users.iter().map(Entry::from).collect()), (&GROUP, groups.iter().map(Entry::from).collect())];
        for (kind, entries) in &lists {
            for (index, entry) in entries.iter().enumerate() {
                principals.extend(self.assignment_entry(kind, index, entry, &mut seen));
            }
        }
        principals
    }

    /// Checks one entry of `assignments.users` or `assignments.groups` (or of the lists
    /// of an `AppAssignments` document).
    fn assignment_entry(
        &mut self,
        kind: &EntryKind,
        index: usize,
        entry: &Entry<'_>,
        seen: &mut HashMap<String, Span>,
    ) -> Option<model::Principal> {
        let mut at: Vec<Step<'_>> = self.lists_at.map(Key).into_iter().collect();
        at.extend([Key(kind.list), Index(index)]);
        let span = self.span(&at);
        let field_span = |checker: &Self, field| {
            if entry.short {
                span
            } else {
                let mut path = at.clone();
                path.push(Key(field));
                checker.span(&path)
            }
        };
        let reference = match (entry.name, entry.id) {
            (Some(name), None) => {
                let name_span = field_span(self, kind.name_field);
                (kind.check_name)(self, name, name_span).then(|| (kind.by_name)(name.clone()))
            }
            (None, Some(id)) => {
                let id_span = field_span(self, "id");
                self.guid(id, id_span, kind.id_what).then(|| (kind.by_id)(id.to_lowercase()))
            }
            _ => {
                self.one_of(span, &at, kind.what, kind.name_field);
                None
            }
        };
        if let Some(role) = entry.role {
            self.role(role, field_span(self, "role"));
        }
        let reference = reference?;
        self.first_time(seen, &reference, span, kind.what).then(|| model::Principal {
            reference,
            role: entry.role.cloned(),
            origin: self.origin(span),
        })
    }

    // --- Single values -------------------------------------------------------------

    /// Reports a principal that does not give exactly one of its name field and `id`.
    fn one_of(&mut self, span: Span, at: &[Step<'_>], what: &str, name_field: &str) {
        let written = |field| {
            let mut path = at.to_vec();
            path.push(Key(field));
            self.written(&path)
        };
        let (name_written, id_written) = (written(name_field), written("id"));
        if name_written != id_written {
            // One of them was written but is wrong; that has been reported.
            return;
        }
        if name_written {
            self.error(
                Code::Conflict,
                span,
                format!("this {what} has both `{name_field}` and `id`"),
                Some("keep one of them".to_owned()),
            );
        } else {
            self.error(
                Code::MissingField,
                span,
                format!("this {what} has neither `{name_field}` nor `id`"),
                Some(format!("add `{name_field}:` or `id:`")),
            );
        }
    }

    pub(crate) fn upn(&mut self, upn: &str, span: Span, what: &str) -> bool {
        if is_email_like(upn) {
            return true;
        }
        self.error(
            Code::InvalidUpn,
            span,
            format!("`{upn}` is not a well-formed user principal name for this {what}"),
            Some("write it as `name@domain`, such as `alice@contoso.com`".to_owned()),
        );
        false
    }

    fn email(&mut self, email: &str, span: Span) {
        if !is_email_like(email) {
            self.error(
                Code::InvalidEmail,
                span,
                format!("`{email}` is not a well-formed email address"),
                Some("write it as `name@domain`, such as `secops@contoso.com`".to_owned()),
            );
        }
    }

    fn guid(&mut self, text: &str, span: Span, what: &str) -> bool {
        if is_guid(text) {
            return true;
        }
        self.error(
            Code::InvalidGuid,
            span,
            format!("{what} `{text}` is not a GUID"),
            Some(
                "a GUID has 32 hex digits in groups of 8-4-4-4-12, such as `0b5c2f4e-1a2b-4c3d-8e9f-0123456789ab`"
                    .to_owned(),
            ),
        );
        false
    }

    pub(crate) fn group_name(&mut self, name: &str, span: Span) -> bool {
        if name.trim().is_empty() {
            self.error(Code::EmptyValue, span, "group name is empty", None);
            return false;
        }
        true
    }

    fn role(&mut self, role: &str, span: Span) {
        if role.trim().is_empty() {
            self.error(
                Code::EmptyValue,
                span,
                "role name is empty",
                Some("name an app role by its display name, such as `User`".to_owned()),
            );
        }
    }

    /// Records a principal; reports it (and returns false) when it was listed before.
    fn first_time(
        &mut self,
        seen: &mut HashMap<String, Span>,
        reference: &PrincipalRef,
        span: Span,
        what: &str,
    ) -> bool {
        let key = reference.identity_key();
        if let Some(first) = seen.get(&key) {
            let first_line = first.line;
            self.error(
                Code::DuplicatePrincipal,
                span,
                format!("{what} `{}` is listed twice", reference_text(reference)),
                Some(format!("it is already listed at line {first_line}; remove one of them")),
            );
            return false;
        }
        seen.insert(key, span);
        true
    }

    // --- Plumbing --------------------------------------------------------------------

    /// The place of the value at `path`, or of the deepest part of the path that exists.
    pub(crate) fn span(&self, path: &[Step<'_>]) -> Span {
        let mut node = self.node;
        for step in path {
            match child(node, *step) {
                Some(next) => node = next,
                None => break,
            }
        }
        node.span
    }

    /// The YAML node at `path`, if it was written.
    pub(crate) fn find(&self, path: &[Step<'_>]) -> Option<&Node> {
        path.iter().try_fold(self.node, |node, step| child(node, *step))
    }

    /// The place of the key of the mapping entry at `path` (the last step a key).
    pub(crate) fn key_span(&self, path: &[Step<'_>]) -> Option<Span> {
        let (Key(name), parent) = path.split_last()? else { return None };
        match &self.find(parent)?.value {
            Value::Mapping(entries) => entries.iter().find(|(key, _)| key.name == *name).map(|(key, _)| key.span),
            _ => None,
        }
    }

    /// Whether the YAML has a value at `path`, right or wrong. Rules about absent fields
    /// ask this, not the repaired document, so a wrong value is not also called missing.
    fn written(&self, path: &[Step<'_>]) -> bool {
        self.find(path).is_some()
    }

    fn is_empty_mapping(&self, path: &[Step<'_>]) -> bool {
        self.find(path).is_none_or(|node| {
            matches!(&node.value, Value::Mapping(entries) if entries.is_empty()) || node.value == Value::Null
        })
    }

    fn origin(&self, span: Span) -> Origin {
        Origin { file: self.file.to_owned(), span }
    }

    pub(crate) fn error(&mut self, code: Code, span: Span, message: impl Into<String>, help: Option<String>) {
        self.found_error = true;
        self.diagnostics.push(Diagnostic::error(code, span, message).with_help_opt(help));
    }

    pub(crate) fn warning(&mut self, code: Code, span: Span, message: impl Into<String>, help: Option<String>) {
        self.diagnostics.push(Diagnostic::warning(code, span, message).with_help_opt(help));
    }
}

fn child<'n>(node: &'n Node, step: Step<'_>) -> Option<&'n Node> {
    match (step, &node.value) {
        (Key(name), Value::Mapping(_)) => node.get(name),
        (Index(index), Value::Sequence(items)) => items.get(index),
        _ => None,
    }
}

fn reference_text(reference: &PrincipalRef) -> &str {
    match reference {
        PrincipalRef::UserUpn(text)
        | PrincipalRef::UserId(text)
        | PrincipalRef::GroupName(text)
        | PrincipalRef::GroupId(text) => text,
    }
}

/// A lowercase slug: `[a-z][a-z0-9]*(-[a-z0-9]+)*`.
pub(crate) fn is_slug(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A name made into an app name (a lowercase slug, possibly empty): `Netskope SCIM` →
/// `netskope-scim`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-').trim_start_matches(|c: char| c.is_ascii_digit()).trim_start_matches('-');
    slug.chars().take(MAX_NAME).collect::<String>().trim_end_matches('-').to_owned()
}

/// A `fromFile` path joined to the directory of the spec file that names it (kept as
/// written when absolute), with `/` separators. Pure path arithmetic: nothing is read.
fn beside(spec_file: &str, path: &str) -> String {
    beside_directory(std::path::Path::new(spec_file).parent().unwrap_or(std::path::Path::new("")), path)
}

/// `path` joined to `directory` (kept as written when absolute), with `/` separators.
pub(crate) fn beside_directory(directory: &std::path::Path, path: &str) -> String {
    let path_buf = std::path::Path::new(path);
    let joined = if path_buf.is_absolute() { path_buf.to_path_buf() } else { directory.join(path_buf) };
    joined.to_string_lossy().replace('\\', "/")
}

fn is_env_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A GUID in its usual 8-4-4-4-12 form, either case.
pub(crate) fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `local@domain` as Entra ID accepts for UPNs and mail: a dot-atom local part of at most
/// 64 characters (guest UPNs carry `#EXT#`, so `#` is allowed), and a domain of at least
/// two DNS labels.
pub(crate) fn is_email_like(text: &str) -> bool {
    let Some((local, domain)) = text.rsplit_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_alphabetic()) && tld.len() >= 2);
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(is_slug("netskope"));
        assert!(is_slug("hr-portal-2"));
        for bad in ["", "Netskope", "2fa", "a--b", "a-", "a_b", "a b"] {
            assert!(!is_slug(bad), "{bad}");
        }
        assert_eq!(slugify("Netskope SCIM"), "netskope-scim");
        assert_eq!(slugify("  2 Fast__App "), "fast-app");
    }

    #[test]
    fn emails_and_upns() {
        for good in ["alice@contoso.com", "a.b+c@sub.contoso.co.uk", "bob_fabrikam.com#EXT#@contoso.onmicrosoft.com"] {
            assert!(is_email_like(good), "{good}");
        }
        for bad in [
            "alice",
            "alice@",
            "@contoso.com",
            "alice@contoso",
            "a..b@contoso.com",
            "alice@-x.com",
            "al ice@contoso.com",
            "alice@contoso.c0m",
        ] {
            assert!(!is_email_like(bad), "{bad}");
        }
    }

    #[test]
    fn guids() {
        assert!(is_guid("8adf8e6e-67b2-4cf2-a259-e3dc5476c621"));
        assert!(is_guid("8ADF8E6E-67B2-4CF2-A259-E3DC5476C621"));
        for bad in [
            "8adf8e6e67b24cf2a259e3dc5476c621",
            "8adf8e6e-67b2-4cf2-a259-e3dc5476c62",
            "zzzzzzzz-67b2-4cf2-a259-e3dc5476c621",
        ] {
            assert!(!is_guid(bad), "{bad}");
        }
    }
}
