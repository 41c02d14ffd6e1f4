module rightsdesk

go 1.26.8

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/rickar/cal/v2 v2.1.13
	github.com/sahilm/fuzzy v0.1.3
	go.etcd.io/bbolt v1.5.0
)

require (
	golang.org/x/sync v0.22.0 // indirect
	golang.org/x/sys v0.47.0 // indirect
)
