//go:build !race

package etcdkv

const raceEnabled = false
