//! The semantic check of `provisioning.mappings`, `provisioning.scoping` and
//! `provisioning.verify`, against the `scim` template's reference data: expressions parsed
//! (errors at their line and column), attribute names known, one attribute per matching
//! precedence, regular expressions compiled, values where operators need them.

use std::collections::BTreeMap;

use scimform_mapping::{AttributeMapping, Object, expression, reference};

use crate::diagnostic::{Code, Span};
use crate::model;
use crate::raw;
use crate::validate::Checker;
use crate::validate::Step::{Index, Key};

impl Checker<'_> {
    pub(crate) fn mappings(&mut self, mappings: &raw::Mappings) -> model::Mappings {
        model::Mappings {
            users: mappings.users.as_ref().map(|users| self.object_mappings(Object::Users, users)),
            groups: mappings.groups.as_ref().map(|groups| self.object_mappings(Object::Groups, groups)),
        }
    }

    fn object_mappings(&mut self, object: Object, mappings: &raw::ObjectMappings) -> model::ObjectMappings {
        let base = [Key("provisioning"), Key("mappings"), Key(object.name())];
        let reference = reference::object(object);
        let enabled = mappings.enabled.unwrap_or(true);
        if !enabled && object == Object::Users {
            self.error(
                Code::Conflict,
                self.span(&[base[0], base[1], base[2], Key("enabled")]),
                "the user mapping cannot be turned off",
                Some("Entra provisions users whenever provisioning is on; turn provisioning off with `status: off`, or turn off groups only".to_owned()),
            );
        }
        let mut set = Vec::new();
        for (target, entry) in mappings.attributes.iter().flatten() {
            let path = [base[0], base[1], base[2], Key("attributes"), Key(target)];
            if let Some(mapping) = self.attribute_mapping(object, target, entry, &path) {
                set.push(mapping);
            }
        }
        let mut remove = Vec::new();
        for (index, target) in mappings.remove.iter().flatten().enumerate() {
            let span = self.span(&[base[0], base[1], base[2], Key("remove"), Index(index)]);
            if mappings.attributes.as_ref().is_some_and(|attributes| attributes.contains_key(target)) {
                self.error(
                    Code::Conflict,
                    span,
                    format!("`{target}` is both set in `attributes` and removed"),
                    Some("keep one of the two".to_owned()),
                );
            } else if !reference.defaults.attributes.iter().any(|mapping| &mapping.target == target) {
                let help =
                    crate::suggest::closest(target, reference.defaults.attributes.iter().map(|m| m.target.as_str()))
                        .map_or_else(
                            || "only mappings the template has by default can be removed".to_owned(),
                            |close| format!("did you mean `{close}`?"),
                        );
                self.error(
                    Code::UnknownAttribute,
                    span,
                    format!("the template has no default mapping for `{target}` to remove"),
                    Some(help),
                );
            } else if remove.contains(target) {
                self.error(Code::Conflict, span, format!("`{target}` is removed twice"), None);
            } else {
                remove.push(target.clone());
            }
        }
        set.sort();
        let result = model::ObjectMappings { enabled, set, remove };
        if enabled {
            self.matching(object, &result, self.span(&base));
        }
        result
    }

    fn attribute_mapping(
        &mut self,
        object: Object,
        target: &str,
        entry: &raw::AttributeEntry,
        path: &[crate::validate::Step<'_>],
    ) -> Option<AttributeMapping> {
        let reference = reference::object(object);
        let key_span = self.key_span(path).unwrap_or_else(|| self.span(path));
        let mut valid = true;
        if !reference.is_target(target) {
            let help = crate::suggest::closest(target, reference.targets.iter().map(String::as_str)).map_or_else(
                || format!("the {} of the template: {}", object.name(), reference.targets.join(", ")),
                |close| format!("did you mean `{close}`?"),
            );
            self.error(
                Code::UnknownAttribute,
                key_span,
                format!("`{target}` is not a SCIM attribute of the template's {}", object.name()),
                Some(help),
            );
            valid = false;
        }
        let (source, options) = match entry {
            raw::AttributeEntry::Expression(expression) => (Some((&expression.0, path.to_vec())), None),
            raw::AttributeEntry::Detailed(detail) => {
                let mut source_path = path.to_vec();
                source_path.push(Key("source"));
                (detail.source.as_ref().map(|source| (&source.0, source_path)), Some(detail))
            }
        };
        let constant = options.and_then(|detail| detail.constant.as_ref());
        let source = match (source, constant) {
            (Some((text, source_path)), None) => self.expression(object, text, &source_path),
            (None, Some(constant)) => Some(model::Source::from_expr(expression::Expr::Constant(constant.clone()))),
            (Some(_), Some(_)) => {
                self.error(
                    Code::Conflict,
                    self.span(path),
                    format!("the mapping of `{target}` has both `source` and `constant`"),
                    Some("keep one: `source` takes an expression, `constant` a fixed value".to_owned()),
                );
                None
            }
            (None, None) => {
                self.error(
                    Code::MissingField,
                    self.span(path),
                    format!("the mapping of `{target}` has neither `source` nor `constant`"),
                    Some("give `source: \"[attribute]\"` (or any expression) or `constant: value`".to_owned()),
                );
                None
            }
        };
        let matching = options.and_then(|detail| detail.matching);
        if matching == Some(0) {
            let mut matching_path = path.to_vec();
            matching_path.push(Key("matching"));
            self.error(
                Code::OutOfRange,
                self.span(&matching_path),
                "matching precedence starts at 1",
                Some("leave `matching` out for an attribute that is not used to match objects".to_owned()),
            );
            valid = false;
        }
        let flow = options.and_then(|detail| detail.flow).unwrap_or_default();
        let source = source?;
        valid.then(|| AttributeMapping {
            target: target.to_owned(),
            source,
            flow,
            default: options.and_then(|detail| detail.default.clone()),
            matching,
        })
    }

    /// Parses an expression and checks the attributes it reads; the source, parsed once
    /// (everything after carries the tree).
    fn expression(&mut self, object: Object, text: &str, path: &[crate::validate::Step<'_>]) -> Option<model::Source> {
        let node_span = self.span(path);
        let parsed = match expression::parse(text) {
            Ok(parsed) => parsed,
            Err(error) => {
                let span = inner_span(node_span, text, error.offset, error.len);
                self.error(Code::InvalidExpression, span, error.message, error.help);
                return None;
            }
        };
        let reference = reference::object(object);
        let mut valid = true;
        for attribute in parsed.attributes() {
            if reference.is_source(attribute) {
                continue;
            }
            let written = format!("[{attribute}]");
            let offset = text.find(&written).map_or(0, |at| text[..at].chars().count());
            let span = inner_span(node_span, text, offset, written.chars().count());
            let help = crate::suggest::closest(attribute, reference.sources.iter().map(String::as_str))
                .map_or_else(
                    || "use an attribute of Entra ID's attribute list, or a directory extension `extension_<app id>_<name>`".to_owned(),
                    |close| format!("did you mean `[{close}]`?"),
                );
            self.error(
                Code::UnknownAttribute,
                span,
                format!("`{attribute}` is not an attribute of Entra ID {}", object.name()),
                Some(help),
            );
            valid = false;
        }
        valid.then(|| model::Source::from_expr(parsed))
    }

    /// One attribute per matching precedence, and at least one matching attribute.
    fn matching(&mut self, object: Object, mappings: &model::ObjectMappings, span: Span) {
        let attributes = mappings.attributes(object);
        let mut by_precedence: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
        for mapping in &attributes {
            if let Some(precedence) = mapping.matching {
                by_precedence.entry(precedence).or_default().push(&mapping.target);
            }
        }
        if by_precedence.is_empty() {
            self.error(
                Code::Conflict,
                span,
                format!("the {} mappings have no matching attribute", object.name()),
                Some("give one mapping `matching: 1`: Entra finds existing objects in the SCIM app by it".to_owned()),
            );
        }
        for (precedence, targets) in by_precedence.iter().filter(|(_, targets)| targets.len() > 1) {
            self.error(
                Code::Conflict,
                span,
                format!(
                    "the {} mappings give matching precedence {precedence} to {} (counting the template's defaults)",
                    object.name(),
                    targets.iter().map(|target| format!("`{target}`")).collect::<Vec<_>>().join(" and ")
                ),
                Some(
                    "give each matching attribute its own precedence, or set `matching` on the default one to move it"
                        .to_owned(),
                ),
            );
        }
    }

    pub(crate) fn scoping(&mut self, scoping: &raw::Scoping) -> model::Scoping {
        let mut object_filters = |object: Object, filters: &Option<Vec<raw::Filter>>| {
            filters.as_ref().map(|filters| {
                let groups = filters
                    .iter()
                    .enumerate()
                    .map(|(index, filter)| model::FilterGroup {
                        clauses: filter
                            .clauses
                            .iter()
                            .enumerate()
                            .filter_map(|(clause_index, clause)| self.clause(object, clause, index, clause_index))
                            .collect(),
                    })
                    .collect();
                scimform_mapping::canonical_scope(groups)
            })
        };
        let users = object_filters(Object::Users, &scoping.users);
        let groups = object_filters(Object::Groups, &scoping.groups);
        model::Scoping { users, groups }
    }

    fn clause(&mut self, object: Object, clause: &raw::Clause, filter: usize, index: usize) -> Option<model::Clause> {
        let path =
            [Key("provisioning"), Key("scoping"), Key(object.name()), Index(filter), Key("clauses"), Index(index)];
        let at = |field| {
            let mut full = path.to_vec();
            full.push(Key(field));
            full
        };
        let reference = reference::object(object);
        let operator = clause.operator;
        let mut valid = true;
        if !reference.is_scopable(&clause.attribute) {
            let (message, help) = if reference.is_source(&clause.attribute) {
                (
                    format!("scoping filters cannot test `{}`", clause.attribute),
                    "Entra's scoping filters do not support it (nor app role assignments, userType, manager or multi-valued attributes); filter on another attribute".to_owned(),
                )
            } else {
                (
                    format!("`{}` is not an attribute of Entra ID {}", clause.attribute, object.name()),
                    crate::suggest::closest(&clause.attribute, reference.sources.iter().map(String::as_str))
                        .map_or_else(
                            || "use an attribute of Entra ID's attribute list".to_owned(),
                            |close| format!("did you mean `{close}`?"),
                        ),
                )
            };
            self.error(Code::UnknownAttribute, self.span(&at("attribute")), message, Some(help));
            valid = false;
        }
        match (&clause.value, operator.takes_value()) {
            (Some(_), false) => {
                self.error(
                    Code::Conflict,
                    self.span(&at("value")),
                    format!("`{}` takes no value", operator.name()),
                    Some("remove `value`".to_owned()),
                );
                valid = false;
            }
            (None, true) => {
                self.error(
                    Code::MissingField,
                    self.span(&path),
                    format!("`{}` needs a `value` to compare with", operator.name()),
                    None,
                );
                valid = false;
            }
            (Some(value), true) => valid &= self.clause_value(operator, value, self.span(&at("value"))),
            (None, false) => {}
        }
        valid.then(|| model::Clause { attribute: clause.attribute.clone(), operator, value: clause.value.clone() })
    }

    fn clause_value(&mut self, operator: model::Operator, value: &str, span: Span) -> bool {
        if operator.is_numeric() && value.trim().parse::<i64>().is_err() {
            self.error(
                Code::WrongType,
                span,
                format!("`{}` compares whole numbers; `{value}` is not one", operator.name()),
                None,
            );
            return false;
        }
        if operator.is_regex()
            && let Err(error) = regex::Regex::new(value)
        {
            // Entra evaluates .NET regular expressions; look-around and back-references are
            // valid there but not in the checker's dialect, so those are only warned about.
            let unsupported = matches!(&error, regex::Error::Syntax(text) if text.contains("look-around") || text.contains("backreferences"));
            let first_line = error.to_string().lines().last().unwrap_or_default().trim().to_owned();
            if unsupported {
                self.warning(
                    Code::InvalidRegex,
                    span,
                    "this regular expression uses look-around or back-references, which scimform cannot check offline",
                    Some("make sure Entra accepts it (the portal's scoping editor checks it)".to_owned()),
                );
            } else {
                self.error(
                    Code::InvalidRegex,
                    span,
                    format!("`{value}` is not a valid regular expression: {first_line}"),
                    None,
                );
                return false;
            }
        }
        true
    }

    pub(crate) fn verify(&mut self, verify: &raw::Verify) -> model::Verify {
        let base = [Key("provisioning"), Key("verify")];
        if verify.users.is_empty() && verify.groups.is_empty() {
            self.error(
                Code::EmptyValue,
                self.span(&base),
                "`verify` names no user and no group",
                Some(
                    "list at least one user (`users: [alice@contoso.com]`) or group to provision on demand".to_owned(),
                ),
            );
        }
        for (index, upn) in verify.users.iter().enumerate() {
            let span = self.span(&[base[0], base[1], Key("users"), Index(index)]);
            self.upn(upn, span, "user");
        }
        for (index, name) in verify.groups.iter().enumerate() {
            let span = self.span(&[base[0], base[1], Key("groups"), Index(index)]);
            self.group_name(name, span);
        }
        model::Verify { users: verify.users.clone(), groups: verify.groups.clone() }
    }
}

/// The place of characters `offset..offset + len` of a scalar written at `node`: exact for
/// a value on one line written plainly or in quotes without escapes, the whole value
/// otherwise.
fn inner_span(node: Span, text: &str, offset: usize, len: usize) -> Span {
    let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
    let offset = u32::try_from(offset).unwrap_or(0);
    let len = u32::try_from(len).unwrap_or(1).max(1);
    match node.len.checked_sub(chars) {
        Some(0) if !text.contains('\n') => Span { line: node.line, column: node.column + offset, len },
        Some(2) if !text.contains('\n') => Span { line: node.line, column: node.column + 1 + offset, len },
        _ => node,
    }
}
