//! Graph's error envelope and the error codes Graph uses.
//!
//! Every error the emulator sends has the shape of `microsoft.graph.ODataErrors.ODataError`:
//! `{"error": {"code", "message", "details"?, "innerError": {"date", "request-id",
//! "client-request-id"}}}`. Clients must branch on `code`, never on `message`.

use serde_json::{Value, json};

/// An error response before the per-request `innerError` is filled in.
#[derive(Debug, Clone)]
pub(crate) struct GraphError {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) details: Vec<(String, String)>,
    pub(crate) retry_after: Option<u64>,
}

impl GraphError {
    pub(crate) fn new(status: u16, code: &'static str, message: impl Into<String>) -> GraphError {
        GraphError { status, code, message: message.into(), details: Vec::new(), retry_after: None }
    }

    /// `Request_ResourceNotFound`, as Graph words it for directory objects.
    pub(crate) fn not_found(id: &str) -> GraphError {
        GraphError::new(
            404,
            "Request_ResourceNotFound",
            format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> GraphError {
        GraphError::new(400, "Request_BadRequest", message)
    }

    /// A query option or filter Graph does not support on this resource.
    pub(crate) fn unsupported_query(message: impl Into<String>) -> GraphError {
        GraphError::new(400, "Request_UnsupportedQuery", message)
    }

    /// An unknown route: Graph answers 400 for a segment it cannot resolve.
    pub(crate) fn unknown_segment(segment: &str) -> GraphError {
        GraphError::new(400, "BadRequest", format!("Resource not found for the segment '{segment}'."))
    }

    pub(crate) fn method_not_allowed() -> GraphError {
        GraphError::new(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
    }

    pub(crate) fn with_detail(mut self, code: &str, message: &str) -> GraphError {
        self.details.push((code.to_owned(), message.to_owned()));
        self
    }

    /// The envelope, with this request's ids and time.
    pub(crate) fn body(&self, request_id: &str, client_request_id: Option<&str>, date: &str) -> Value {
        let mut inner = json!({ "date": date, "request-id": request_id });
        inner["client-request-id"] = Value::String(client_request_id.unwrap_or(request_id).to_owned());
        let mut error = json!({ "code": self.code, "message": self.message, "innerError": inner });
        if !self.details.is_empty() {
            error["details"] = Value::Array(
                self.details
                    .iter()
                    .map(|(code, message)| json!({ "code": code, "message": message, "target": null }))
                    .collect(),
            );
        }
        json!({ "error": error })
    }
}
