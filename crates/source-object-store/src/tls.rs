//! TLS for the stores' HTTP client: rustls with the `ring` provider.
//!
//! reqwest is built without a provider of its own (`rustls-no-provider`) and
//! takes the process's default, so one must be installed before the first
//! client is built. An application that installed its own provider keeps it.
//! Certificates are checked against the platform's roots (on Linux the
//! system bundle, or `SSL_CERT_FILE` / `SSL_CERT_DIR` when set).

use std::sync::Once;

/// Makes ring the process's rustls provider unless one is installed already.
pub(crate) fn install_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // An error means another provider was installed first: it is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
