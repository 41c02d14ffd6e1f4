// Package etcdtest starts a real etcd cluster on loopback inside a test
// process (etcd's embed package), for the tests of etcdkv and etcdstore.
//
// Only tests import it, so that the product binary never links the etcd
// server (deps_test.go in the main package checks that). Its code is built
// with !race: compiling etcd's server under -race costs CI minutes (see
// .ci/run), and the cluster tests are left out of the race run for that.
// This file, without the tag, keeps the package buildable under -race.
package etcdtest
