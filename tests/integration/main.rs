//! Integration tests, one binary: the samples (every document snapshotted),
//! the invalid-intake corpus (exact stderr snapshotted, nothing written),
//! the packet's properties (reopens, verifies, rebuilds byte for byte) and
//! the command line.

mod batch;
mod bounds;
mod cases;
mod commands;
mod fax;
mod fhir;
mod harness;
mod invalid;
mod packet;
mod pdf;
mod regimes;
mod samples;
mod serve;
mod trust;
mod verify;
mod web;
