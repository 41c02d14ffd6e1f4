// Package cases is the domain of rightsdesk: the vocabulary of data-subject
// rights requests, the case and its append-only timeline, the transitions an
// action may make, and the deadline engine that derives every date a
// supervisory authority would compute.
//
// The package is pure Go: no I/O, no terminal, no database. Time comes in
// through a Clock and the actor as a string, so that tests, golden files and
// demo data are reproducible.
package cases
