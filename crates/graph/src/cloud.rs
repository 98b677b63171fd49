//! National clouds and endpoint overrides.

use url::Url;

/// A Microsoft cloud: where Graph and the sign-in service live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cloud {
    /// The global cloud.
    Global,
    /// Azure US Government (L4/L5).
    UsGovernment,
    /// Azure China, operated by 21Vianet.
    China,
}

impl Cloud {
    /// Graph's v1.0 root.
    pub fn graph_url(self) -> &'static str {
        match self {
            Cloud::Global => "https://graph.microsoft.com/v1.0",
            Cloud::UsGovernment => "https://graph.microsoft.us/v1.0",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn/v1.0",
        }
    }

    /// The sign-in service (authority host).
    pub fn authority_url(self) -> &'static str {
        match self {
            Cloud::Global => "https://login.microsoftonline.com",
            Cloud::UsGovernment => "https://login.microsoftonline.us",
            Cloud::China => "https://login.chinacloudapi.cn",
        }
    }

    /// The resource that tokens are requested for (`{resource}/.default`).
    pub fn graph_resource(self) -> &'static str {
        match self {
            Cloud::Global => "https://graph.microsoft.com",
            Cloud::UsGovernment => "https://graph.microsoft.us",
            Cloud::China => "https://microsoftgraph.chinacloudapi.cn",
        }
    }

    /// The non-gallery ("custom") application template in this cloud.
    pub fn non_gallery_template_id(self) -> &'static str {
        match self {
            Cloud::Global => "8adf8e6e-67b2-4cf2-a259-e3dc5476c621",
            Cloud::UsGovernment => "4602d0b4-76bb-404b-bca9-2652e1a39c6d",
            Cloud::China => "5a532e38-1581-4918-9658-008dc27c1d68",
        }
    }
}

/// Where the client talks to.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// Graph's v1.0 root, without a trailing slash.
    pub graph: Url,
    /// The authority host, without a trailing slash.
    pub authority: Url,
    /// Scope requested in tokens.
    pub scope: String,
}

/// An endpoint URL that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    /// Not a URL.
    #[error("`{url}` is not a valid URL")]
    Invalid {
        /// What was given.
        url: String,
        /// Why.
        #[source]
        source: url::ParseError,
    },
    /// Plain http to a non-loopback host.
    #[error("`{url}` uses plain http; tokens may only travel over https (plain http is allowed for loopback hosts)")]
    Insecure {
        /// What was given.
        url: String,
    },
}

impl Endpoints {
    /// The endpoints of a cloud, with optional overrides (for the emulator or a proxy).
    pub fn new(cloud: Cloud, graph_url: Option<&str>, authority_url: Option<&str>) -> Result<Endpoints, EndpointError> {
        Ok(Endpoints {
            graph: checked_url(graph_url.unwrap_or(cloud.graph_url()))?,
            authority: checked_url(authority_url.unwrap_or(cloud.authority_url()))?,
            scope: format!("{}/.default", cloud.graph_resource()),
        })
    }

    /// The token endpoint of a tenant.
    pub fn token_url(&self, tenant_id: &str) -> String {
        format!("{}/{tenant_id}/oauth2/v2.0/token", self.authority.as_str().trim_end_matches('/'))
    }
}

/// Parses a URL, refusing plain http except to loopback hosts.
pub fn checked_url(text: &str) -> Result<Url, EndpointError> {
    let url = Url::parse(text.trim_end_matches('/'))
        .map_err(|source| EndpointError::Invalid { url: text.to_owned(), source })?;
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) => address.is_loopback(),
        Some(url::Host::Ipv6(address)) => address.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(EndpointError::Insecure { url: text.to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clouds_and_overrides() {
        let global = Endpoints::new(Cloud::Global, None, None).unwrap();
        assert_eq!(global.token_url("t"), "https://login.microsoftonline.com/t/oauth2/v2.0/token");
        assert_eq!(global.scope, "https://graph.microsoft.com/.default");
        let gov = Endpoints::new(Cloud::UsGovernment, None, None).unwrap();
        assert_eq!(gov.graph.as_str(), "https://graph.microsoft.us/v1.0");
        let local =
            Endpoints::new(Cloud::Global, Some("http://127.0.0.1:8400/v1.0"), Some("http://localhost:8400")).unwrap();
        assert_eq!(local.token_url("t"), "http://localhost:8400/t/oauth2/v2.0/token");
        assert!(matches!(
            Endpoints::new(Cloud::Global, Some("http://graph.example.com/v1.0"), None),
            Err(EndpointError::Insecure { .. })
        ));
    }
}
