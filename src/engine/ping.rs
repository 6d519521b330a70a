//! Version negotiation over `GET /_ping`. Podman responds to `/version` only
//! after querying its OCI runtime and conmon binaries, which took about
//! 240 ms on Podman 4.3.1 here. `/_ping` returns in under a millisecond and
//! carries the same facts in its headers: `Api-Version`, plus
//! `Libpod-Api-Version` on Podman or `Server: Docker/...` on Docker.

use std::time::Duration;

use bollard::ClientVersion;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use super::{EngineError, EngineResult, EngineVersion};

/// A ping must not hang discovery on a socket whose server never responds.
const PING_TIMEOUT: Duration = Duration::from_secs(5);

/// Largest response read; a ping's headers and `OK` body are a few hundred bytes.
const MAX_RESPONSE_BYTES: u64 = 64 * 1024;

/// Pings the server on the Unix socket at `path` and returns the engine
/// product and versions from the response headers.
pub async fn ping(path: &str) -> EngineResult<EngineVersion> {
    let exchange = async {
        let mut stream = UnixStream::connect(path).await?;
        // HTTP/1.0 makes the server close the connection after the
        // response, so reading to the end needs no chunked decoding.
        stream
            .write_all(b"GET /_ping HTTP/1.0\r\nHost: localhost\r\n\r\n")
            .await?;
        let mut response = Vec::new();
        stream
            .take(MAX_RESPONSE_BYTES)
            .read_to_end(&mut response)
            .await?;
        Ok::<_, std::io::Error>(response)
    };
    let response = tokio::time::timeout(PING_TIMEOUT, exchange)
        .await
        .map_err(|_| {
            EngineError::Other(format!(
                "GET /_ping timed out after {} s",
                PING_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|error| EngineError::Other(format!("GET /_ping failed: {error}")))?;
    parse_ping_response(&String::from_utf8_lossy(&response))
}

/// Reads the status line and headers of a `/_ping` response.
fn parse_ping_response(response: &str) -> EngineResult<EngineVersion> {
    let head = response.split("\r\n\r\n").next().unwrap_or_default();
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default();
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(EngineError::Other(format!(
            "GET /_ping returned `{}` instead of 200 OK; is this a Podman or Docker API socket?",
            status.trim()
        )));
    }

    let header = |name: &str| {
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    };
    let api_version = header("Api-Version").ok_or_else(|| {
        EngineError::Other(
            "GET /_ping returned no Api-Version header; is this a Podman or Docker API socket?"
                .to_string(),
        )
    })?;
    let (product, version) = match header("Libpod-Api-Version") {
        Some(libpod) => ("podman", libpod),
        None => {
            // Docker's `Server` header reads `Docker/24.0.7 (linux)`.
            let server = header("Server").unwrap_or_default();
            let version = server
                .strip_prefix("Docker/")
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or("unknown")
                .to_string();
            ("docker", version)
        }
    };
    Ok(EngineVersion {
        version,
        api_version,
        product: product.to_string(),
    })
}

/// Returns the API version to use: the server's, unless bollard's default
/// is older, since bollard does not support versions newer than its own.
pub fn negotiated(api_version: &str) -> EngineResult<ClientVersion> {
    let parsed = api_version
        .split_once('.')
        .and_then(|(major, minor)| Some((major.parse().ok()?, minor.parse().ok()?)));
    let Some((major_version, minor_version)) = parsed else {
        return Err(EngineError::Other(format!(
            "the engine reported an invalid API version `{api_version}`"
        )));
    };
    let server = ClientVersion {
        major_version,
        minor_version,
    };
    let default = *bollard::API_DEFAULT_VERSION;
    Ok(if server < default { server } else { default })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PODMAN_PING: &str = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nDocker-Experimental: true\r\nLibpod-Api-Version: 4.3.1\r\nServer: Libpod/4.3.1 (linux)\r\nContent-Length: 2\r\n\r\nOK";

    #[test]
    fn ping_parses_podman_headers() {
        let version = parse_ping_response(PODMAN_PING).unwrap();
        assert_eq!(version.product, "podman");
        assert_eq!(version.version, "4.3.1");
        assert_eq!(version.api_version, "1.41");
    }

    #[test]
    fn ping_parses_docker_headers() {
        let response =
            "HTTP/1.1 200 OK\r\napi-version: 1.43\r\nServer: Docker/24.0.7 (linux)\r\n\r\nOK";
        let version = parse_ping_response(response).unwrap();
        assert_eq!(version.product, "docker");
        assert_eq!(version.version, "24.0.7");
        assert_eq!(version.api_version, "1.43");
    }

    #[test]
    fn ping_rejects_non_engine_responses() {
        assert!(parse_ping_response("HTTP/1.1 404 Not Found\r\n\r\n").is_err());
        assert!(parse_ping_response("HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\nOK").is_err());
        assert!(parse_ping_response("").is_err());
    }

    #[test]
    fn negotiation_takes_the_older_version() {
        let podman = negotiated("1.41").unwrap();
        assert_eq!((podman.major_version, podman.minor_version), (1, 41));
        let future = negotiated("1.99").unwrap();
        assert_eq!(future, *bollard::API_DEFAULT_VERSION);
        assert!(negotiated("one").is_err());
    }
}
