//! Connection settings, layered: built-in defaults, then `--config FILE`, then the
//! environment, then flags. Each setting remembers where it came from, so an error can
//! name its source and `--print-config` can show it, with secrets redacted.

use crate::args::CommonArgs;
use anyhow::{anyhow, bail, Context, Result};
use rdkafka::error::KafkaError;
use rdkafka::ClientConfig;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variables read, and the property each one sets.
pub const ENVIRONMENT: [(&str, &str); 5] = [
    ("KAFKA_BOOTSTRAP_SERVERS", "bootstrap.servers"),
    ("KAFKA_SECURITY_PROTOCOL", "security.protocol"),
    ("KAFKA_SASL_MECHANISM", "sasl.mechanism"),
    ("KAFKA_SASL_USERNAME", "sasl.username"),
    ("KAFKA_SASL_PASSWORD", "sasl.password"),
];

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Default,
    File { path: PathBuf, line: usize },
    Env(&'static str),
    Flag(&'static str),
    EmbeddedBroker,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => write!(f, "built-in default"),
            Source::File { path, line } => write!(f, "{}:{line}", path.display()),
            Source::Env(name) => write!(f, "environment {name}"),
            Source::Flag(flag) => write!(f, "flag {flag}"),
            Source::EmbeddedBroker => write!(f, "embedded broker"),
        }
    }
}

/// True for keys whose values must never be printed.
pub fn is_secret(key: &str) -> bool {
    key.contains("password")
        || key.contains("secret")
        || key.contains("sasl.oauthbearer")
        || key == "ssl.key.pem"
}

/// What a secret is shown as.
pub const REDACTED: &str = "[redacted]";

#[derive(Debug, Clone, Default)]
pub struct Settings {
    values: BTreeMap<String, (String, Source)>,
}

impl Settings {
    /// Sets `key`, replacing any earlier layer's value.
    pub fn set(&mut self, key: &str, value: impl Into<String>, source: Source) {
        self.values.insert(key.to_owned(), (value.into(), source));
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|(value, _)| value.as_str())
    }

    pub fn source(&self, key: &str) -> Option<&Source> {
        self.values.get(key).map(|(_, source)| source)
    }

    /// Reads a Java-style `client.properties` file into this layer.
    pub fn read_file(&mut self, path: &Path) -> Result<()> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        for line in java_properties::PropertiesIter::new(text.as_bytes()) {
            let line = line.map_err(|err| {
                let at = err.line_number().map_or(String::new(), |n| format!(":{n}"));
                anyhow!("{}{at}: malformed line ({err})", path.display())
            })?;
            let number = line.line_number();
            if let java_properties::LineContent::KVPair(key, value) = line.consume_content() {
                if value.trim().is_empty() {
                    bail!(
                        "{}:{number}: malformed line: expected key=value, got {key:?}",
                        path.display()
                    );
                }
                let source = Source::File {
                    path: path.to_owned(),
                    line: number,
                };
                self.set(key.trim(), value.trim(), source);
            }
        }
        Ok(())
    }

    /// The settings in `--print-config` form: one line each, with its source.
    pub fn describe(&self) -> String {
        let width = self.values.keys().map(String::len).max().unwrap_or(0);
        self.values
            .iter()
            .map(|(key, (value, source))| {
                let shown = if is_secret(key) { REDACTED } else { value };
                format!("{key:width$} = {shown}    ({source})\n")
            })
            .collect()
    }

    /// Everything said about connecting, before the broker is known: file, env, flags.
    pub fn from_args(args: &CommonArgs) -> Result<Self> {
        Self::from_flags(
            args.config.as_deref(),
            args.brokers.as_deref(),
            args.delivery_timeout,
            &args.property,
        )
    }

    /// [`Settings::from_args`] for a program with flags of its own: `--config`,
    /// `--brokers`, `--delivery-timeout` and `-X`.
    pub fn from_flags(
        config: Option<&Path>,
        brokers: Option<&str>,
        delivery_timeout: Option<std::time::Duration>,
        property: &[(String, String)],
    ) -> Result<Self> {
        let mut settings = Settings::default();
        if let Some(path) = config {
            settings.read_file(path)?;
        }
        for (variable, key) in ENVIRONMENT {
            if let Ok(value) = std::env::var(variable) {
                if !value.trim().is_empty() {
                    settings.set(key, value, Source::Env(variable));
                }
            }
        }
        if let Some(brokers) = brokers {
            settings.set("bootstrap.servers", brokers, Source::Flag("--brokers"));
        }
        if let Some(timeout) = delivery_timeout {
            let millis = timeout.as_millis().to_string();
            settings.set(
                "delivery.timeout.ms",
                millis,
                Source::Flag("--delivery-timeout"),
            );
        }
        for (key, value) in property {
            settings.set(key, value.clone(), Source::Flag("-X"));
        }
        Ok(settings)
    }

    /// Puts the lesson's defaults under everything already set.
    pub fn with_defaults_under(mut self, defaults: &[(&str, String)]) -> Self {
        for (key, value) in defaults {
            self.values
                .entry((*key).to_owned())
                .or_insert_with(|| (value.clone(), Source::Default));
        }
        self
    }

    /// Checks what librdkafka cannot say clearly, then builds the client config.
    /// Every error names the property and where it came from, never a secret value.
    pub fn client_config(&self) -> Result<ClientConfig> {
        if let Some(protocol) = self.get("security.protocol") {
            let needs_tls = matches!(protocol.to_ascii_uppercase().as_str(), "SSL" | "SASL_SSL");
            if needs_tls && !cfg!(feature = "ssl") {
                bail!(
                    "security.protocol={protocol} (from {}) needs TLS support: build with the `ssl` feature (add `--features ssl` to the cargo command)",
                    self.source("security.protocol").expect("set")
                );
            }
        }
        let mut config = ClientConfig::new();
        for (key, (value, _)) in &self.values {
            config.set(key, value);
        }
        // librdkafka validates every property when the native config is built.
        if let Err(err) = config.create_native_config() {
            return Err(self.explain(err));
        }
        Ok(config)
    }

    fn explain(&self, err: KafkaError) -> anyhow::Error {
        match err {
            KafkaError::ClientConfig(_, description, key, value) => {
                let source = self
                    .source(&key)
                    .map_or("unknown source".to_owned(), ToString::to_string);
                let description = if is_secret(&key) && !value.is_empty() {
                    description.replace(&value, REDACTED)
                } else {
                    description
                };
                anyhow!("invalid property {key} (from {source}): {description}")
            }
            other => anyhow!("invalid configuration: {other}"),
        }
    }
}

/// Key prefixes that say how to reach and authenticate to the cluster: what every
/// client of a run shares, producer or consumer.
const CONNECTION_KEYS: [&str; 16] = [
    "bootstrap.servers",
    "security.protocol",
    "sasl.",
    "ssl.",
    "ssl_",
    "enable.ssl.",
    "enable.sasl.",
    "https.",
    "socket.",
    "broker.",
    "client.",
    "api.version",
    "reconnect.",
    "connections.max.idle.ms",
    "resolve.canonical.bootstrap.servers.only",
    "topic.metadata.",
];

/// The connection settings of `config` alone, for the run's other clients (the read-back
/// consumer): the producer's own keys (acks, linger.ms, ...) would only draw warnings.
pub fn connection_only(config: &ClientConfig) -> ClientConfig {
    let mut connection = ClientConfig::new();
    for (key, value) in config.config_map() {
        if CONNECTION_KEYS.iter().any(|prefix| key.starts_with(prefix)) {
            connection.set(key, value);
        }
    }
    connection
}

#[cfg(test)]
mod tests {
    use super::*;

    /// librdkafka echoes the value of a string property with a fixed set of values
    /// (`rdkafka_conf.c`: "Invalid value for configuration property \"%s\": %s"). In
    /// the build the lesson ships (no OpenSSL, no libcurl) every secret-bearing property
    /// of that kind (`sasl.oauthbearer.method`, `.grant.type`, ...) is refused earlier as
    /// "not supported in this build", so no step run can make librdkafka echo a secret:
    /// the redaction is held here against the error exactly as librdkafka words it.
    #[test]
    fn an_echoed_secret_is_redacted_from_the_error() {
        let mut settings = Settings::default();
        let key = "sasl.oauthbearer.method";
        settings.set(key, "hunter2", Source::Flag("-X"));
        let echoed = KafkaError::ClientConfig(
            rdkafka::types::RDKafkaConfRes::RD_KAFKA_CONF_INVALID,
            format!("Invalid value for configuration property \"{key}\": hunter2"),
            key.to_owned(),
            "hunter2".to_owned(),
        );
        let message = settings.explain(echoed).to_string();
        assert!(!message.contains("hunter2"), "{message}");
        assert_eq!(
            message,
            format!("invalid property {key} (from flag -X): Invalid value for configuration property \"{key}\": {REDACTED}")
        );
    }

    #[test]
    fn connection_settings_keep_security_and_drop_producer_keys() {
        let mut producer = ClientConfig::new();
        producer
            .set("bootstrap.servers", "k:9093")
            .set("security.protocol", "SASL_PLAINTEXT")
            .set("sasl.mechanism", "PLAIN")
            .set("sasl.password", "secret")
            .set("acks", "all")
            .set("linger.ms", "0");
        let connection = connection_only(&producer);
        let keys: Vec<&str> = connection.config_map().into_keys().collect();
        assert_eq!(
            keys,
            [
                "bootstrap.servers",
                "sasl.mechanism",
                "sasl.password",
                "security.protocol"
            ]
        );
    }
}
