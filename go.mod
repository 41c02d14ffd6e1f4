module rightsdesk

go 1.26.8

require (
	github.com/BurntSushi/toml v1.6.0 // indirect
	github.com/rickar/cal/v2 v2.1.13 // indirect
)
