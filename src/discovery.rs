//! Finding and loading the registry (contract §3), in the discovery order, from paths,
//! environment and git config only: never from a file inside a working tree.
