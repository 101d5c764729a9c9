module liandong

go 1.26.0

require (
	github.com/CyCoreSystems/ari/v5 v5.3.1
	github.com/alicebob/miniredis/v2 v2.40.0
	github.com/coder/websocket v1.8.15
	github.com/go-ego/gse v0.80.3
	github.com/mozillazg/go-pinyin v0.21.0
	github.com/pion/rtp v1.10.6
	github.com/redis/go-redis/v9 v9.23.0
	go.uber.org/goleak v1.3.0
	golang.org/x/sys v0.48.0
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/go-stack/stack v1.8.0 // indirect
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/inconshreveable/log15 v0.0.0-20201112154412-8562bdadbbac // indirect
	github.com/mattn/go-colorable v0.1.8 // indirect
	github.com/mattn/go-isatty v0.0.12 // indirect
	github.com/oklog/ulid v1.3.1 // indirect
	github.com/pion/randutil v0.1.0 // indirect
	github.com/rotisserie/eris v0.4.1 // indirect
	github.com/vcaesar/cedar v0.20.2 // indirect
	github.com/yuin/gopher-lua v1.1.1 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/net v0.50.0 // indirect
)
