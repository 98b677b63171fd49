//! Diagnostics: what is wrong with a spec, where, and what to do about it.
//!
//! A [`Diagnostic`] is plain data (deliberately not `Serialize`: the JSON output format is
//! the CLI's contract, built there). Rendering (colour, source snippets, JSON, GitHub
//! annotations) belongs to the CLI; this crate only decides the words and the place.

use std::fmt;

/// A place in a source text: 1-based line and column (in characters) and a length in
/// characters for underlining. A length of zero marks a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
    /// How many characters to underline; zero for a point.
    pub len: u32,
}

impl Span {
    pub(crate) fn from_location(location: &serde_saphyr::Location) -> Span {
        Span {
            line: u32::try_from(location.line()).unwrap_or(u32::MAX).max(1),
            column: u32::try_from(location.column()).unwrap_or(u32::MAX).max(1),
            len: u32::try_from(location.span().len()).unwrap_or(0),
        }
    }

    /// A location reported by the parser for an error. Parser errors often point one past
    /// the end of the text or at an empty line; clamp them to a place that exists.
    pub(crate) fn from_saphyr(text: &str, location: &serde_saphyr::Location) -> Span {
        let line = u32::try_from(location.line()).unwrap_or(1);
        let column = u32::try_from(location.column()).unwrap_or(1);
        Span::point(text, line, column)
    }

    /// A point at `line`:`column`, clamped to the text.
    pub(crate) fn point(text: &str, line: u32, column: u32) -> Span {
        let line_count = u32::try_from(text.lines().count()).unwrap_or(u32::MAX).max(1);
        let line = line.clamp(1, line_count);
        Span { line, column: column.max(1), len: 0 }
    }
}

/// How bad a diagnostic is. Errors make the spec invalid; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The spec cannot be used.
    Error,
    /// The spec is valid, but probably not what was meant.
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident => $text:literal,)*) => {
        /// A stable, machine-readable name for each kind of problem. Pipelines may match on
        /// these names; they never change meaning once released.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable name, as printed and as found in JSON output.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    /// The file could not be read.
    Io => "io",
    /// The text is not YAML.
    Syntax => "yaml-syntax",
    /// A mapping has the same key twice.
    DuplicateKey => "duplicate-key",
    /// A document is not a mapping.
    NotAMapping => "not-a-mapping",
    /// A field the spec language does not have.
    UnknownField => "unknown-field",
    /// A required field is absent.
    MissingField => "missing-field",
    /// A value of the wrong YAML type.
    WrongType => "wrong-type",
    /// A value outside a fixed set of choices.
    UnknownValue => "unknown-value",
    /// An `apiVersion` this scimform does not understand.
    UnsupportedApiVersion => "unsupported-api-version",
    /// A `kind` this scimform does not understand.
    UnknownKind => "unknown-kind",
    /// An app name that is not a lowercase slug.
    InvalidName => "invalid-name",
    /// Two apps with the same name.
    DuplicateName => "duplicate-name",
    /// A display name that Entra would refuse.
    InvalidDisplayName => "invalid-display-name",
    /// A base URL that is not a well-formed absolute URL.
    InvalidUrl => "invalid-url",
    /// A base URL that is not https (plain http is allowed only for loopback hosts).
    InsecureUrl => "insecure-url",
    /// A secret written into the spec instead of referenced.
    InlineSecret => "inline-secret",
    /// A secret reference that cannot work (bad variable name, empty path).
    InvalidSecretReference => "invalid-secret-reference",
    /// An email address that is not well formed.
    InvalidEmail => "invalid-email",
    /// A user principal name that is not well formed.
    InvalidUpn => "invalid-upn",
    /// A GUID that is not well formed.
    InvalidGuid => "invalid-guid",
    /// A principal (user, group or owner) listed twice.
    DuplicatePrincipal => "duplicate-principal",
    /// A number out of range.
    OutOfRange => "out-of-range",
    /// A value that is empty where something is needed.
    EmptyValue => "empty-value",
    /// A combination of fields that contradict each other.
    Conflict => "conflict",
    /// A setting that is valid but risky.
    Risky => "risky-setting",
    /// No spec files were found where some were expected.
    NoSpecs => "no-specs",
    /// A spec file larger than scimform reads.
    TooLarge => "too-large",
    /// A YAML tag (`!custom`, `!!binary`): the spec language has none.
    YamlTag => "yaml-tag",
    /// An explicit null (`~`), which could mean "none" or "not managed".
    NullValue => "null-value",
    /// A control character in a string.
    ControlCharacter => "control-character",
    /// A directory symlink that leads back into a directory being read.
    SymlinkLoop => "symlink-loop",
    /// A path that leads out of the spec tree (a symlink to a file or directory elsewhere):
    /// specs arrive in pull requests, and must not make the pipeline read the machine.
    OutsideTree => "outside-tree",
    /// A spec path that is not a regular file (a pipe, socket or device), skipped.
    NotAFile => "not-a-file",
    /// A secret reference a spec may not use (a pipeline's own credentials, a file
    /// outside the spec tree).
    ForbiddenSecretSource => "forbidden-secret-source",
    /// A mapping expression that does not parse (syntax, function name, arity).
    InvalidExpression => "invalid-expression",
    /// An attribute the template's mappings or scoping filters cannot use.
    UnknownAttribute => "unknown-attribute",
    /// A regular expression that does not compile.
    InvalidRegex => "invalid-regex",
    /// An `AppAssignments` document for an app no spec of the run declares, or for one
    /// whose spec does not manage assignments.
    UnknownApp => "unknown-app",
}

impl fmt::Display for Code {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// One problem in one source, with its place and advice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The source's name as given to [`crate::load`] (a path, as the user wrote it).
    pub file: String,
    /// Where in the source.
    pub span: Span,
    /// Error or warning.
    pub severity: Severity,
    /// Stable name of the problem.
    pub code: Code,
    /// What is wrong, in one line, lower case, no full stop.
    pub message: String,
    /// What to do about it, when there is something specific to say.
    pub help: Option<String>,
    /// The source line holds a secret: renderers must not print it.
    pub conceals_secret: bool,
}

impl Diagnostic {
    pub(crate) fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, span, message)
    }

    pub(crate) fn warning(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, span, message)
    }

    fn new(severity: Severity, code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: String::new(),
            span,
            severity,
            code,
            message: message.into(),
            help: None,
            conceals_secret: false,
        }
    }

    /// A problem with a whole source (unreadable file, nothing found), not a place in it.
    pub fn for_file(file: impl Into<String>, code: Code, message: impl Into<String>) -> Diagnostic {
        let mut diagnostic = Diagnostic::error(code, Span { line: 1, column: 1, len: 0 }, message);
        diagnostic.file = file.into();
        diagnostic
    }

    /// Adds advice on what to do.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn with_help_opt(mut self, help: Option<String>) -> Diagnostic {
        self.help = help;
        self
    }

    pub(crate) fn concealing_secret(mut self) -> Diagnostic {
        self.conceals_secret = true;
        self
    }

    /// Whether this diagnostic makes the spec invalid.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
