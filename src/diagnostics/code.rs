//! The registry of diagnostic codes.
//!
//! A code is a promise to users: it names one problem forever. Codes are never
//! renumbered or reused; a retired code stays in this table with its
//! explanation. Every code has a long explanation (`mailflowc explain CODE`,
//! files in `explain/`) and an invalid fixture under `tests/fixtures/invalid/`
//! that yields exactly that code; `tests/diagnostics.rs` enforces both.

use std::fmt;

/// How bad a finding is. Errors stop the build; warnings are printed and the
/// build goes on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    /// `error` or `warning`, as every report writes it.
    pub fn word(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A registry of codes: an enum `$name` with `ALL`, `id`, `severity`,
/// `title` and `explanation` (the file `$dir/<id>.md`, relative to this
/// file). The diagnostic codes and the audit codes (`crate::audit`) are
/// both made by it.
macro_rules! code_registry {
    ($(#[$meta:meta])* $name:ident, $dir:literal, $( $variant:ident => $id:literal, $severity:ident, $title:literal; )*) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $( $variant, )*
        }

        impl $name {
            /// Every code, in registry order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )* ];

            /// The stable identifier, such as `MF0101`.
            pub fn id(self) -> &'static str {
                match self { $( $name::$variant => $id, )* }
            }

            /// How bad a finding of this kind is.
            pub fn severity(self) -> $crate::diagnostics::Severity {
                match self { $( $name::$variant => $crate::diagnostics::Severity::$severity, )* }
            }

            /// A short title for tables and `explain`.
            pub fn title(self) -> &'static str {
                match self { $( $name::$variant => $title, )* }
            }

            /// The long explanation printed by `mailflowc explain`.
            pub fn explanation(self) -> &'static str {
                match self { $( $name::$variant => include_str!(concat!($dir, "/", $id, ".md")), )* }
            }
        }
    };
}
pub(crate) use code_registry;

code_registry! {
    /// One kind of problem mailflowc can report.
    Code, "explain",
    TomlSyntax              => "MF0001", Error,   "TOML syntax error";
    UnknownKey              => "MF0002", Error,   "unknown key";
    WrongType               => "MF0003", Error,   "invalid value for a key";
    MissingKey              => "MF0004", Error,   "required key missing";
    UnsupportedVersion      => "MF0005", Error,   "unsupported topology version";
    TopologyTooLarge        => "MF0006", Error,   "topology file over mailflowc's size limit";
    TooMany                 => "MF0007", Error,   "more entries than mailflowc's limit";
    ExtendsUnusable         => "MF0008", Error,   "the base named by `extends` cannot be used";
    SecretInSharedBase      => "MF0009", Error,   "relay secret in a shared base";
    AllowUnusable           => "MF0010", Error,   "an accepted code that is not a warning";

    InvalidAddress          => "MF0101", Error,   "invalid IP address or prefix";
    HostBitsSet             => "MF0102", Warning, "prefix has host bits set";
    Ipv6LeftOut             => "MF0103", Warning, "IPv6 address left out of IPv4-only Exchange fields";
    NoUsableGatewayAddress  => "MF0104", Error,   "gateway has no address Exchange can use";
    AllowListTooLong        => "MF0105", Error,   "connection-filter allow list over 1,273 entries";
    DuplicateAddress        => "MF0106", Warning, "duplicate or overlapping address";
    NonPublicAddress        => "MF0107", Error,   "address in non-public space";
    Microsoft365Address     => "MF0108", Error,   "address inside Microsoft 365's mail ranges";
    ConnectorAddressesTooMany => "MF0109", Error, "connector address list over 1,273 entries";

    EfSkipIpv6              => "MF0201", Error,   "IPv6 entry in the Enhanced Filtering skip list";
    SkipListOutsideSkipListed  => "MF0202", Error,   "skip list given outside `skip-listed` mode";
    InvalidPilotRecipient   => "MF0203", Error,   "pilot recipient is not an email address";
    PilotWithoutEf          => "MF0204", Error,   "pilot recipients while Enhanced Filtering is off";
    SclBypassWithEf         => "MF0205", Error,   "SCL -1 bypass rule while Enhanced Filtering is on";
    LockdownOff             => "MF0206", Warning, "lock-down connector is off";
    PilotOutsideDomains     => "MF0207", Warning, "pilot recipient outside the organization's domains";
    CertificateLockdownWithoutName => "MF0208", Error, "certificate lock-down without a certificate name";
    InboundStaysOnMicrosoft365 => "MF0209", Error, "inbound options while inbound mail stays on Microsoft 365";
    ArcSealerMissing        => "MF0210", Warning, "gateway changes messages but is not a trusted ARC sealer";

    InvalidObjectName       => "MF0301", Error,   "connector or rule name Exchange refuses";
    DuplicateObjectName     => "MF0302", Error,   "two objects share one name";

    InvalidDomain           => "MF0401", Error,   "invalid domain name";
    DuplicateDomain         => "MF0402", Error,   "duplicate domain";
    TenantNotOnMicrosoft    => "MF0403", Error,   "tenant is not an onmicrosoft.com name";
    InvalidCertificateName  => "MF0404", Error,   "invalid TLS certificate name";
    InvalidMicrosoft365Mx   => "MF0405", Error,   "invalid Microsoft 365 MX host";
    DefaultMicrosoft365MxTooLong => "MF0406", Error, "domain too long for its default Microsoft 365 MX host";

    SecretReferenceMissing  => "MF0501", Error,   "secret reference missing or malformed";
    SecretUnresolvable      => "MF0502", Error,   "secret cannot be read";
    WeakSecret              => "MF0503", Error,   "secret too short or not letters and digits only";
    InvalidHeaderName       => "MF0504", Error,   "secret header name is not a valid field name";
    InvalidAsyncOsName      => "MF0505", Error,   "name AsyncOS refuses";
    NoSmartHosts            => "MF0506", Error,   "outbound through the gateway without smart hosts";
    SmartHostIsMx           => "MF0507", Warning, "smart host is one of the gateway's MX hosts";
    TlsDomainWithoutDomainValidation => "MF0508", Error, "`tls_domain` without `domain-validation`";
    EncryptionOnly          => "MF0509", Warning, "outbound TLS without certificate checks";
    OpenRelay               => "MF0510", Error,   "outbound through the gateway without a secret header";
    FingerprintMissing      => "MF0511", Error,   "secret fingerprint missing or malformed";
    FingerprintMismatch     => "MF0512", Error,   "secret does not match its fingerprint";
    InvalidSmartHost        => "MF0513", Error,   "smart host is not a host name or address";
    DestinationControlRange => "MF0514", Error,   "destination control value out of range";
    DomainValidationWithoutTlsDomain => "MF0515", Error, "`domain-validation` without `tls_domain`";
    SameListener            => "MF0516", Error,   "inbound and outbound listener are the same";
    SecretFileNotIgnored    => "MF0517", Warning, "secret file inside the git work tree, not ignored";
    SecretNotVerified       => "MF0518", Warning, "secret not available: its fingerprint is not verified";
    SecretFileMissing       => "MF0520", Error,   "a `file:` secret that does not exist or is a directory";
    SharedRelayGroup        => "MF0519", Error,   "relay guard on the shared RELAYLIST sender group";
    InvalidApplianceLabel   => "MF0521", Error,   "appliance label is not a plain name";
    ApplianceConflict       => "MF0522", Error,   "tenants on one appliance would need different relay guards";
    UncheckedSecretHeader   => "MF0523", Warning, "secret header for a gateway that does not check it";

    InvalidMxHost           => "MF0601", Error,   "MX target is not a host name";
    Microsoft365MxBesideGateway => "MF0602", Error, "Microsoft 365 MX kept beside the gateway's";
    DuplicateMxHost         => "MF0603", Error,   "duplicate MX host";
    TtlOutOfRange           => "MF0604", Error,   "TTL out of range";
    InvalidSpfCurrent       => "MF0605", Error,   "invalid current SPF record";

    UnknownVendor           => "MF0701", Error,   "unknown vendor or region";
    StaleVendorData         => "MF0702", Warning, "vendor data older than a year";
    VendorCannotSupply      => "MF0703", Error,   "a value neither the topology nor the catalog supplies";
    OptionsForAnotherVendor => "MF0704", Error,   "gateway options for another vendor";
    NoOutboundRelay         => "MF0705", Error,   "outbound through a gateway that relays no outbound mail";
    ExampleMx               => "MF0706", Warning, "catalog MX hosts are a documentation example";
    ExampleValue            => "MF0707", Warning, "an example value `mailflowc init` wrote is still here";
    ExclusionNotInCatalog   => "MF0708", Error,   "an excluded address the catalog does not list";
    CatalogChanged          => "MF0709", Error,   "the catalog's lists changed since the topology pinned them";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Code {
    /// Looks a code up by its identifier, case-insensitively (`mf0101` works).
    pub fn from_id(id: &str) -> Option<Code> {
        Code::ALL
            .iter()
            .copied()
            .find(|code| code.id().eq_ignore_ascii_case(id.trim()))
    }
}
