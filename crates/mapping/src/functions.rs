//! The functions of the expression language with their arity, from Microsoft's reference
//! (`ENTRA: functions-for-customizing-application-data.md`; `AssertiveAppRoleAssignmentsComplex`
//! from `customize-application-attributes.md`; `DefaultDomain` and `AppRoleAssignments`
//! from Graph's `synchronizationSchema: functions` example), as listed in
//! `reference/scim/engine-constants.json` (`expressionFunctions`).
//!
//! Arity counts written arguments, empty ones included (`Switch([x], , "a", "b")` has
//! four). Where the reference marks trailing parameters optional, the minimum leaves them
//! out.

/// One function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Function {
    /// Its name, as written (names are case-sensitive).
    pub name: &'static str,
    /// Its parameters as the reference names them, for messages and completion.
    pub signature: &'static str,
    /// Fewest arguments.
    pub min: usize,
    /// Most arguments; `None`: any number.
    pub max: Option<usize>,
    /// What it does, in a few words.
    pub summary: &'static str,
}

macro_rules! catalog {
    ($($name:literal ($signature:literal) $min:literal..$max:tt : $summary:literal;)*) => {
        /// Every function.
        pub const FUNCTIONS: &[Function] = &[$(Function {
            name: $name,
            signature: $signature,
            min: $min,
            max: catalog!(@max $max),
            summary: $summary,
        },)*];
    };
    (@max many) => { None };
    (@max $max:literal) => { Some($max) };
}

catalog! {
    "AppRoleAssignments" ("[appRoleAssignments]") 1..1 : "the app roles assigned to the user";
    "AppRoleAssignmentsComplex" ("[appRoleAssignments]") 1..1 : "every app role assigned, as complex SCIM roles";
    "Append" ("source, suffix") 2..2 : "appends a suffix";
    "AssertiveAppRoleAssignmentsComplex" ("[appRoleAssignments]") 1..1 : "every app role assigned, replacing the target's roles";
    "BitAnd" ("value1, value2") 2..2 : "bitwise AND of two integers";
    "CBool" ("expression") 1..1 : "true when the expression is non-zero";
    "CDate" ("expression") 1..1 : "a date-time from a string";
    "CStr" ("value") 1..1 : "a value as a string";
    "Coalesce" ("source1, source2, …, defaultValue") 1..many : "the first value that is not null or empty";
    "ConvertToBase64" ("source") 1..1 : "the string in base64";
    "ConvertToUTF8Hex" ("source") 1..1 : "the string as UTF-8 hex";
    "Count" ("attribute") 1..1 : "how many values a multi-valued attribute has";
    "DateAdd" ("interval, value, dateTime") 3..3 : "adds an interval to a date";
    "DateDiff" ("interval, date1, date2") 3..3 : "the difference between two dates";
    "DateFromNum" ("value") 1..1 : "a date from an AD numeric date";
    "DefaultDomain" ("") 0..0 : "the tenant's default domain";
    "FormatDateTime" ("source, dateTimeStyles, inputFormat, outputFormat") 3..4 : "reformats a date";
    "Guid" ("") 0..0 : "a new random GUID";
    "IIF" ("condition, valueIfTrue, valueIfFalse") 3..3 : "one of two values by a condition";
    "IgnoreFlowIfNullOrEmpty" ("expression") 1..1 : "skips the attribute when the value is null or empty";
    "InStr" ("value1, value2, start, compareType") 2..4 : "where a substring starts";
    "IsNull" ("expression") 1..1 : "true when null";
    "IsNullOrEmpty" ("expression") 1..1 : "true when null or empty";
    "IsPresent" ("expression") 1..1 : "true when neither null nor empty";
    "IsString" ("expression") 1..1 : "true when a string";
    "Item" ("attribute, index") 2..2 : "one value of a multi-valued attribute";
    "Join" ("separator, source1, source2, …") 2..many : "joins values with a separator";
    "Left" ("string, numChars") 2..2 : "the first characters";
    "Mid" ("source, start, length") 3..3 : "a substring";
    "NormalizeDiacritics" ("source") 1..1 : "replaces accented characters";
    "Not" ("source") 1..1 : "the boolean opposite";
    "Now" ("") 0..0 : "the current date-time";
    "NumFromDate" ("value") 1..1 : "an AD numeric date from a date";
    "PCase" ("source, wordSeparators") 1..2 : "capitalises each word";
    "RandomString" ("length, minimumNumbers, minimumSpecialCharacters, minimumCapital, minimumLowerCase, charactersToAvoid") 1..6 : "a random string";
    "Redact" ("source") 1..1 : "hides the value in logs";
    "RemoveDuplicates" ("attribute") 1..1 : "drops repeated values";
    "Replace" ("source, oldValue, regexPattern, regexGroupName, replacementValue, replacementAttributeName, template") 2..7 : "replaces text, plainly or by regular expression";
    "SelectUniqueValue" ("uniqueValueRule1, uniqueValueRule2, …") 1..many : "the first candidate not taken in the target";
    "SingleAppRoleAssignment" ("[appRoleAssignments]") 1..1 : "the single app role assigned";
    "Split" ("source, delimiter") 2..2 : "splits into a multi-valued attribute";
    "StripSpaces" ("source") 1..1 : "removes spaces";
    "Switch" ("source, defaultValue, key1, value1, key2, value2, …") 4..many : "the value paired with the key the source equals";
    "ToLower" ("source, culture") 1..2 : "lower case";
    "ToUpper" ("source, culture") 1..2 : "upper case";
    "Word" ("string, wordNumber, delimiters") 3..3 : "one word of a string";
}

/// The function of that exact name.
pub fn find(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|function| function.name == name)
}

/// The function whose name differs only in case (for "did you mean").
pub fn find_ignoring_case(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|function| function.name.eq_ignore_ascii_case(name))
}

impl Function {
    /// Why `count` arguments do not fit, if they do not.
    pub fn arity_problem(&self, count: usize) -> Option<String> {
        let fits = count >= self.min && self.max.is_none_or(|max| count <= max);
        let pairs = self.name != "Switch" || count.is_multiple_of(2);
        if fits && pairs {
            return None;
        }
        let wanted = match self.max {
            Some(max) if max == self.min => format!("{max}"),
            Some(max) => format!("{} to {max}", self.min),
            None => format!("at least {}", self.min),
        };
        let plural = if count == 1 { "" } else { "s" };
        let mut message = format!(
            "`{}` takes {wanted} argument{} ({}), not {count} argument{plural}",
            self.name,
            if wanted == "1" { "" } else { "s" },
            self.signature
        );
        if fits {
            message = format!(
                "`Switch` takes its source, a default, then key-value pairs ({}): {count} arguments leave a key without a value",
                self.signature
            );
        }
        Some(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_is_the_reference_list() {
        let mut names: Vec<&str> = FUNCTIONS.iter().map(|function| function.name).collect();
        names.sort_unstable();
        let constants: serde_json::Value =
            serde_json::from_str(include_str!("../../../reference/scim/engine-constants.json")).unwrap();
        let mut listed: Vec<&str> = ["values", "alsoSeenInGraphFunctionsExample"]
            .iter()
            .flat_map(|key| constants["expressionFunctions"][key].as_array().unwrap())
            .map(|name| name.as_str().unwrap())
            .collect();
        listed.sort_unstable();
        assert_eq!(names, listed, "the catalog holds exactly the reference's functions");
    }

    #[test]
    fn arity_is_checked() {
        let join = find("Join").unwrap();
        assert!(join.arity_problem(1).unwrap().contains("at least 2"));
        assert!(join.arity_problem(5).is_none());
        assert!(find("Not").unwrap().arity_problem(2).unwrap().contains("takes 1 argument"));
        assert!(find("Switch").unwrap().arity_problem(5).unwrap().contains("key without a value"));
        assert!(find("Switch").unwrap().arity_problem(6).is_none());
        assert_eq!(find_ignoring_case("tolower").unwrap().name, "ToLower");
    }
}
