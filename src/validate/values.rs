//! Parsers and rules for single values: sizes, CPU counts, names, keys and
//! image references. Pure functions, so that each rule is tested alone.

/// Size units and their factors, decimal and binary. Single letters (`g`,
/// `m`) are rejected because Docker reads them as binary, while a reader
/// may take them as decimal.
pub(crate) const SIZE_UNITS: [(&str, u64); 9] = [
    ("B", 1),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("TB", 1_000_000_000_000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
];

/// Parses a size such as `4GiB`, `512 MB` or `1.5GiB` into bytes. Units are
/// matched without regard to case; the result must be a whole number of
/// bytes greater than zero.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit = unit.trim_start();
    let number = number.replace('_', "");
    if number.is_empty() {
        return Err("it does not start with a number".to_string());
    }

    let factor = if unit.is_empty() {
        return Err("it has no unit".to_string());
    } else {
        SIZE_UNITS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(unit))
            .map(|(_, factor)| *factor)
            .ok_or_else(|| unit_problem(unit))?
    };

    let bytes = scale_decimal(&number, factor)
        .ok_or_else(|| format!("`{number}` is not a plain decimal number"))?;
    match bytes {
        Scaled::Whole(0) => Err("it is zero".to_string()),
        Scaled::Whole(bytes) => Ok(bytes),
        Scaled::Fraction => Err("it is not a whole number of bytes".to_string()),
        Scaled::Overflow => Err("it is too large".to_string()),
    }
}

fn unit_problem(unit: &str) -> String {
    match unit.to_ascii_uppercase().as_str() {
        letter @ ("K" | "M" | "G" | "T") => format!(
            "`{unit}` is ambiguous: write `{letter}iB` for powers of 1024 (what Docker means by `{unit}`) or `{letter}B` for powers of 1000"
        ),
        _ => format!("`{unit}` is not a size unit"),
    }
}

enum Scaled {
    Whole(u64),
    Fraction,
    Overflow,
}

/// Multiplies a decimal written as `123` or `1.25` by `factor` exactly.
fn scale_decimal(number: &str, factor: u64) -> Option<Scaled> {
    let (whole, fraction) = match number.split_once('.') {
        Some((whole, fraction)) => (whole, fraction),
        None => (number, ""),
    };
    if whole.is_empty() || fraction.contains('.') || (number.contains('.') && fraction.is_empty()) {
        return None;
    }
    if fraction.len() > 30 {
        return Some(Scaled::Fraction);
    }
    let digits = format!("{whole}{fraction}");
    let Ok(mantissa) = digits.parse::<u128>() else {
        return Some(Scaled::Overflow);
    };
    let divisor = 10u128.pow(fraction.len() as u32);
    let Some(product) = mantissa.checked_mul(u128::from(factor)) else {
        return Some(Scaled::Overflow);
    };
    if product % divisor != 0 {
        return Some(Scaled::Fraction);
    }
    Some(match u64::try_from(product / divisor) {
        Ok(bytes) => Scaled::Whole(bytes),
        Err(_) => Scaled::Overflow,
    })
}

/// Parses a CPU count written as KDL number text (`2`, `0.5`, `1_000`) into
/// thousandths of a CPU. At most three decimals; exponents are rejected.
pub(crate) fn parse_millicpus(text: &str) -> Result<u64, String> {
    let number = text.replace('_', "");
    if number.starts_with('-') {
        return Err("it is negative".to_string());
    }
    let number = number.trim_start_matches('+');
    if number.chars().any(|c| !(c.is_ascii_digit() || c == '.')) {
        return Err("write it as a plain decimal such as `1.5`".to_string());
    }
    if number
        .split_once('.')
        .is_some_and(|(_, fraction)| fraction.len() > 3)
    {
        return Err(
            "it has more than 3 decimals; the limit is set in thousandths of a CPU".to_string(),
        );
    }
    match scale_decimal(number, 1000) {
        Some(Scaled::Whole(0)) => Err("it is zero".to_string()),
        Some(Scaled::Whole(millis)) => Ok(millis),
        Some(Scaled::Overflow) => Err("it is too large".to_string()),
        Some(Scaled::Fraction) | None => {
            Err("write it as a plain decimal such as `1.5`".to_string())
        }
    }
}

/// Returns why `name` is not a lowercase RFC 1123 DNS label (`a-z`, `0-9`
/// and `-`, starting and ending with a letter or digit), or `None`.
pub(crate) fn dns_label_problem(name: &str) -> Option<&'static str> {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if name.is_empty() {
        Some("it is empty")
    } else if name.chars().any(|c| c.is_ascii_uppercase()) {
        Some("it has uppercase letters")
    } else if !name.chars().all(|c| alnum(c) || c == '-') {
        Some("it may contain only lowercase letters, digits and `-`")
    } else if !name.starts_with(alnum) {
        Some("it must start with a letter or digit")
    } else if !name.ends_with(alnum) {
        Some("it must end with a letter or digit")
    } else {
        None
    }
}

/// A lowercase version of `name` with invalid characters replaced, offered
/// as a fix when it is a valid label.
pub(crate) fn dns_label_suggestion(name: &str) -> Option<String> {
    let fixed: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let fixed = fixed.trim_matches('-').to_string();
    (dns_label_problem(&fixed).is_none()).then_some(fixed)
}

/// Whether `name` is a POSIX shell identifier: a letter or `_`, then
/// letters, digits or `_`.
pub(crate) fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Variables that trainc sets in every node for torchrun.
pub(crate) const INJECTED_ENV: [&str; 6] = [
    "LOCAL_RANK",
    "LOCAL_WORLD_SIZE",
    "MASTER_ADDR",
    "MASTER_PORT",
    "RANK",
    "WORLD_SIZE",
];

/// `TRAINC_*` variable that a spec may set: how long a node waits for the
/// rendezvous master, in seconds.
pub(crate) const USER_TRAINC_ENV: &str = "TRAINC_MASTER_TIMEOUT";

/// Returns whether trainc or torchrun sets `name` itself. torchrun reads every
/// `PET_*` variable as one of its options, and trainc sets the `TRAINC_*`
/// ones its entrypoint reads, except [`USER_TRAINC_ENV`].
pub(crate) fn is_injected_env(name: &str) -> bool {
    INJECTED_ENV.contains(&name)
        || name.starts_with("PET_")
        || (name.starts_with("TRAINC_") && name != USER_TRAINC_ENV)
}

/// Whether an environment variable name suggests a credential.
pub(crate) fn looks_secret(name: &str) -> bool {
    const MARKERS: [&str; 7] = [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "PASSWD",
        "API_KEY",
        "PRIVATE_KEY",
        "CREDENTIAL",
    ];
    let upper = name.to_ascii_uppercase();
    MARKERS.iter().any(|marker| upper.contains(marker))
}

/// Label key prefixes that trainc sets itself.
pub(crate) const RESERVED_LABEL_PREFIXES: [&str; 3] =
    ["trainer.kubeflow.org/", "kubeflow.org/", "trainc/"];

/// Checks a label key against the Kubernetes rules, which the Kubeflow
/// tools also follow: an optional DNS subdomain prefix (at most 253
/// characters) and `/`, then a name of at most 63 characters of
/// alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric.
pub(crate) fn label_key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        let label_ok = |part: &str| {
            let lower = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
            !part.is_empty()
                && part.len() <= 63
                && part.chars().all(|c| lower(c) || c == '-')
                && part.starts_with(lower)
                && part.ends_with(lower)
        };
        if prefix.len() > 253 || !prefix.split('.').all(label_ok) {
            return Some(format!(
                "its prefix `{prefix}` is not a lowercase DNS subdomain such as `example.com`"
            ));
        }
    }
    let alnum = |c: char| c.is_ascii_alphanumeric();
    if name.is_empty() {
        Some("its name part is empty".to_string())
    } else if name.len() > 63 {
        Some(format!(
            "its name part is {} characters long; the limit is 63",
            name.len()
        ))
    } else if !name
        .chars()
        .all(|c| alnum(c) || matches!(c, '-' | '_' | '.'))
    {
        Some("its name part may contain only letters, digits, `-`, `_` and `.`".to_string())
    } else if !name.starts_with(alnum) || !name.ends_with(alnum) {
        Some("its name part must start and end with a letter or digit".to_string())
    } else {
        None
    }
}

/// Whether a volume name is one Podman and Docker accept.
pub(crate) fn is_volume_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// Why an image reference may point at different content over time: it has
/// no tag, or the tag `latest`. References pinned by digest are stable.
pub(crate) fn mutable_image_reason(image: &str) -> Option<&'static str> {
    if image.contains('@') {
        return None;
    }
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Some("it has no tag, which means `latest`"),
        Some((_, "latest")) => Some("its tag is `latest`"),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_accepts_listed_units() {
        assert_eq!(parse_size("4GiB"), Ok(4 << 30));
        assert_eq!(parse_size("512 MB"), Ok(512_000_000));
        assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
        assert_eq!(parse_size("10b"), Ok(10));
        assert_eq!(parse_size("2tib"), Ok(2 << 40));
    }

    #[test]
    fn size_rejects_single_letters_and_fractions() {
        assert!(parse_size("4g").is_err());
        assert!(parse_size("4").is_err());
        assert!(parse_size("GiB").is_err());
        assert!(parse_size("1.5B").is_err());
        assert!(parse_size("0MiB").is_err());
        assert!(parse_size("1.GiB").is_err());
        assert!(parse_size("99999999999TiB").is_err());
    }

    #[test]
    fn millicpus_from_kdl_number_text() {
        assert_eq!(parse_millicpus("2"), Ok(2000));
        assert_eq!(parse_millicpus("0.5"), Ok(500));
        assert_eq!(parse_millicpus("0.125"), Ok(125));
        assert_eq!(parse_millicpus("1_000"), Ok(1_000_000));
        assert!(parse_millicpus("0.0625").is_err());
        assert!(parse_millicpus("1e3").is_err());
        assert!(parse_millicpus("-1").is_err());
        assert!(parse_millicpus("0").is_err());
        assert!(parse_millicpus("0.000").is_err());
    }

    #[test]
    fn dns_labels() {
        assert_eq!(dns_label_problem("mnist-ddp"), None);
        assert_eq!(dns_label_problem("0abc"), None);
        assert!(dns_label_problem("Mnist").is_some());
        assert!(dns_label_problem("-a").is_some());
        assert!(dns_label_problem("a-").is_some());
        assert!(dns_label_problem("a_b").is_some());
        assert_eq!(dns_label_suggestion("My_Job"), Some("my-job".to_string()));
    }

    #[test]
    fn label_keys() {
        assert_eq!(label_key_problem("team"), None);
        assert_eq!(label_key_problem("example.com/team"), None);
        assert!(label_key_problem("Example.com/team").is_some());
        assert!(label_key_problem("/team").is_some());
        assert!(label_key_problem("team/").is_some());
        assert!(label_key_problem("-team").is_some());
    }

    #[test]
    fn image_tags() {
        assert!(mutable_image_reason("python").is_some());
        assert!(mutable_image_reason("python:latest").is_some());
        assert!(mutable_image_reason("localhost:5000/python").is_some());
        assert_eq!(mutable_image_reason("localhost:5000/python:3.12"), None);
        assert_eq!(mutable_image_reason("python@sha256:abc"), None);
    }

    #[test]
    fn env_names() {
        assert!(is_env_name("HF_TOKEN"));
        assert!(is_env_name("_x1"));
        assert!(!is_env_name("1X"));
        assert!(!is_env_name("A-B"));
        assert!(is_injected_env("PET_NNODES"));
        assert!(is_injected_env("TRAINC_WAIT_FOR_MASTER"));
        assert!(!is_injected_env("TRAINC_MASTER_TIMEOUT"));
        assert!(is_injected_env("RANK"));
        assert!(!is_injected_env("RANKING"));
    }
}
