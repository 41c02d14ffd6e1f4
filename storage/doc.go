// Package storage keeps the cases in one bbolt file shared by a small team on
// a jump host: buckets and encoding, revisions, the tamper-evident hash chain
// of each timeline, indexes, backup and check, and the action service that
// the command line and the terminal app both call to change a case.
//
// The file is opened only for the duration of an operation, with a bounded
// wait for its lock, so that two people and a cron job can share it; no
// transaction is ever held while a screen idles. One Store per process
// serialises access, because bbolt's lock is per open file and a process
// would otherwise lock itself out.
package storage
