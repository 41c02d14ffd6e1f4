// Package peers holds benchmarks of what a Go developer would pick instead
// of rightsdesk's own code (bubbles/table and bubbles/list for the queue,
// sahilm/fuzzy for the filter), over the same rows as the app's own
// benchmarks, so that bench/run can print each figure beside its peer's in
// one run. It has no code of its own: see its _test.go files.
//
// RIGHTSDESK_BENCH_CASES sets how many demo cases the rows come from
// (100,000 when unset), as bench/run's --cases does.
package peers
