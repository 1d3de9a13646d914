//! Test support shared by tern's crates (not published): real servers on free
//! loopback ports, and the scenarios every remote cache must pass.
//!
//! - [`process`]: a server process the tests can kill, pause (SIGSTOP),
//!   resume and restart on the same port.
//! - [`caches`]: redis-server, valkey-server (standalone and cluster) and
//!   memcached, with a [`Backdoor`](caches::Backdoor) to their raw entries.
//! - [`web`]: moto (S3) and nginx (HTTP) for the object-store tests.
//! - [`suite`]: the cache scenarios (shared hits, garbage under real keys,
//!   a server killed, paused or down), run by each cache crate's tests with
//!   its own cache type.
//!
//! `cargo xtask test` installs the servers when they are missing.

pub mod caches;
pub mod fixtures;
pub mod process;
pub mod suite;
pub mod web;

pub use process::{free_port, Server};

/// Re-exported for the test macros.
pub use engine_core;

/// The suite's #[test]s for a Redis-protocol cache (Redis, Valkey): a
/// standalone server of `$kind`, a 3-master cluster, and a dead port.
/// `$make` builds the cache from a URL and options.
#[macro_export]
macro_rules! resp_cache_tests {
    ($kind:expr, $scheme:literal, $make:expr) => {
        use std::sync::{Arc, Mutex};

        use $crate::caches::{resp, resp_cluster, RespBackdoor};
        use $crate::engine_core::cache::{BlobCache, RemoteOptions};
        use $crate::suite;

        fn maker(url: String) -> impl Fn(RemoteOptions) -> Arc<dyn BlobCache> {
            move |options| {
                let make = $make;
                let options = $crate::suite::unsigned_allowed(options);
                Arc::new(make(url.as_str(), options).expect("a valid URL"))
            }
        }

        fn url_of(port: u16) -> String {
            format!("{}://127.0.0.1:{port}", $scheme)
        }

        #[test]
        fn a_second_process_hits_what_the_first_stored() {
            let server = resp($kind);
            suite::shared_between_processes(&maker(url_of(server.port)), "shared");
        }

        #[test]
        fn garbage_under_real_keys_is_a_miss_and_is_replaced() {
            let server = resp($kind);
            let backdoor = RespBackdoor {
                ports: vec![server.port],
            };
            suite::garbage_is_never_data(&maker(url_of(server.port)), &backdoor, "garbage");
        }

        #[test]
        fn a_server_that_is_not_there_opens_the_circuit() {
            suite::down_from_the_start(&maker(url_of($crate::free_port())), "down");
        }

        #[test]
        fn a_server_killed_mid_query_then_restarted() {
            let server = Arc::new(Mutex::new(resp($kind)));
            let url = url_of(server.lock().unwrap().port);
            suite::killed_mid_query(&maker(url), server, "killed");
        }

        #[test]
        fn a_server_paused_mid_query_then_resumed() {
            let server = Arc::new(Mutex::new(resp($kind)));
            let url = url_of(server.lock().unwrap().port);
            suite::paused_mid_query(&maker(url), server, "paused");
        }

        #[test]
        fn a_flapping_server() {
            let server = Arc::new(Mutex::new(resp($kind)));
            let url = url_of(server.lock().unwrap().port);
            suite::flapping(&maker(url), server, "flapping");
        }

        #[test]
        fn a_three_master_cluster_from_one_node_url() {
            let nodes: Vec<_> = resp_cluster($kind, 3)
                .into_iter()
                .map(|n| Arc::new(Mutex::new(n)))
                .collect();
            // One node's URL: the cache finds out it is a cluster.
            let url = url_of(nodes[1].lock().unwrap().port);
            suite::cluster(&maker(url), nodes, "cluster");
        }

        #[test]
        fn a_cluster_from_several_seeds() {
            let nodes = resp_cluster($kind, 3);
            let seeds: Vec<String> = nodes.iter().map(|n| url_of(n.port)).collect();
            suite::shared_between_processes(&maker(seeds.join(",")), "seeds");
        }
    };
}
