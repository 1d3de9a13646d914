//! Whether a store's builder, as configured, would ask the cloud's
//! instance-metadata service for credentials: it does when nothing else is
//! given (mirroring the order in which `object_store`'s builders pick their
//! credential provider).

use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey as S3};
use object_store::azure::{AzureConfigKey as Az, MicrosoftAzureBuilder};
use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey as Gcs};

/// Given at all (the builders treat an empty value as given, too).
fn set(v: Option<String>) -> bool {
    v.is_some()
}

fn on(v: Option<String>) -> bool {
    v.is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// S3: static keys, a web identity, container credentials, an unsigned
/// (public) bucket or a metadata endpoint chosen by the user avoid it.
pub(crate) fn s3_asks_metadata(b: &AmazonS3Builder) -> bool {
    let get = |k: S3| b.get_config_value(&k);
    !(set(get(S3::AccessKeyId))
        || set(get(S3::SecretAccessKey))
        || (set(get(S3::WebIdentityTokenFile)) && set(get(S3::RoleArn)))
        || set(get(S3::ContainerCredentialsRelativeUri))
        || (set(get(S3::ContainerCredentialsFullUri))
            && set(get(S3::ContainerAuthorizationTokenFile)))
        || on(get(S3::SkipSignature))
        || set(get(S3::MetadataEndpoint)))
}

/// GCS: a service account, application-default credentials (named, or in
/// gcloud's well-known file) or an unsigned bucket avoid it.
pub(crate) fn gcs_asks_metadata(b: &GoogleCloudStorageBuilder) -> bool {
    let get = |k: Gcs| b.get_config_value(&k);
    let well_known = std::env::var_os("HOME").is_some_and(|home| {
        std::path::Path::new(&home)
            .join(".config/gcloud/application_default_credentials.json")
            .exists()
    });
    !(set(get(Gcs::ServiceAccount))
        || set(get(Gcs::ServiceAccountKey))
        || set(get(Gcs::ApplicationCredentials))
        || on(get(Gcs::SkipSignature))
        || well_known)
}

/// Azure: a key, a SAS or bearer token, a client secret or federated token,
/// the Azure CLI, the emulator or an unsigned container avoid it.
pub(crate) fn azure_asks_metadata(b: &MicrosoftAzureBuilder) -> bool {
    let get = |k: Az| b.get_config_value(&k);
    let client = set(get(Az::ClientId));
    !(set(get(Az::AccessKey))
        || set(get(Az::SasKey))
        || set(get(Az::Token))
        || (client && set(get(Az::ClientSecret)))
        || (client && set(get(Az::FederatedTokenFile)))
        || on(get(Az::UseAzureCli))
        || on(get(Az::UseEmulator))
        || on(get(Az::SkipSignature))
        || set(get(Az::MsiEndpoint)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_stores_without_credentials_ask() {
        let s3 = || AmazonS3Builder::new().with_bucket_name("b");
        assert!(s3_asks_metadata(&s3()));
        assert!(!s3_asks_metadata(
            &s3().with_access_key_id("k").with_secret_access_key("s")
        ));
        assert!(!s3_asks_metadata(&s3().with_skip_signature(true)));
        assert!(!s3_asks_metadata(
            &s3().with_config(S3::MetadataEndpoint, "http://127.0.0.1:1")
        ));
        let gcs = || GoogleCloudStorageBuilder::new().with_bucket_name("b");
        if std::env::var_os("HOME").is_none_or(|h| {
            !std::path::Path::new(&h)
                .join(".config/gcloud/application_default_credentials.json")
                .exists()
        }) {
            assert!(gcs_asks_metadata(&gcs()));
        }
        assert!(!gcs_asks_metadata(&gcs().with_service_account_key("{}")));
        let az = || MicrosoftAzureBuilder::new().with_account("a");
        assert!(azure_asks_metadata(&az()));
        assert!(!azure_asks_metadata(&az().with_access_key("k")));
        assert!(!azure_asks_metadata(&az().with_use_emulator(true)));
    }
}
