package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestExampleFileMatchesDefaults(t *testing.T) {
	cfg, err := Load("../../configs/liandong.yaml", nil, nil)
	if err != nil {
		t.Fatalf("load example config: %v", err)
	}
	want := Default()
	if err := want.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("configs/liandong.yaml differs from Default():\nfile:\n%s\ndefault:\n%s", cfg.Redacted(), want.Redacted())
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "liandong.yaml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "http:\n  listen: 127.0.0.1:1111\nlog:\n  level: debug\n  format: json\ninstance: from-file\n")
	tests := []struct {
		name      string
		env       []string
		overrides []Override
		listen    string
		level     string
		format    string
		instance  string
	}{
		{name: "file beats default", listen: "127.0.0.1:1111", level: "debug", format: "json", instance: "from-file"},
		{name: "env beats file", env: []string{"LIANDONG_HTTP_LISTEN=127.0.0.1:2222", "LIANDONG_LOG_LEVEL=warn"},
			listen: "127.0.0.1:2222", level: "warn", format: "json", instance: "from-file"},
		{name: "flag beats env", env: []string{"LIANDONG_HTTP_LISTEN=127.0.0.1:2222"},
			overrides: []Override{{"http.listen", "127.0.0.1:3333"}},
			listen:    "127.0.0.1:3333", level: "debug", format: "json", instance: "from-file"},
		{name: "unrelated env ignored", env: []string{"HOME=/root", "PATH=/bin"},
			listen: "127.0.0.1:1111", level: "debug", format: "json", instance: "from-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(file, tt.env, tt.overrides)
			if err != nil {
				t.Fatal(err)
			}
			got := []string{cfg.HTTP.Listen, cfg.Log.Level, cfg.Log.Format, cfg.Instance}
			want := []string{tt.listen, tt.level, tt.format, tt.instance}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			// What the file did not mention keeps its default.
			if cfg.Redis.KeyPrefix != "liandong:" {
				t.Errorf("redis.key_prefix = %q, want the default", cfg.Redis.KeyPrefix)
			}
		})
	}
	// Without a file the defaults stand.
	cfg, err := Load("", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Listen != "127.0.0.1:8080" {
		t.Errorf("default listen = %q", cfg.HTTP.Listen)
	}
}

func TestListFromEnv(t *testing.T) {
	cfg, err := Load("", []string{"LIANDONG_ARI_URLS=http://a:8088, http://b:8088"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"http://a:8088", "http://b:8088"}; !reflect.DeepEqual(cfg.ARI.URLs, want) {
		t.Errorf("ari.urls = %v, want %v", cfg.ARI.URLs, want)
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		env       []string
		overrides []Override
		want      []string // substrings of the error
	}{
		{name: "typo'd key", file: "http:\n  listne: 127.0.0.1:8080\n",
			want: []string{"http.listne", "unknown key", "listen", ":2"}},
		{name: "typo'd top-level key", file: "redsi:\n  url: redis://x:1\n",
			want: []string{"redsi", "unknown key", "redis"}},
		{name: "wrong type duration", file: "ari:\n  request_timeout: soon\n",
			want: []string{"ari.request_timeout", `"soon"`, "duration"}},
		{name: "wrong type bool", file: "http:\n  allow_non_loopback: maybe\n",
			want: []string{"http.allow_non_loopback", "boolean"}},
		{name: "wrong type int", file: "redis:\n  db: first\n",
			want: []string{"redis.db", "whole number"}},
		{name: "mapping where a value belongs", file: "instance:\n  a: b\n",
			want: []string{"instance", "single value"}},
		{name: "bad redis URL", file: "redis:\n  url: http://127.0.0.1:6379\n",
			want: []string{"redis.url", "http://127.0.0.1:6379", "scheme"}},
		{name: "bad ARI URL", file: "ari:\n  urls: [\"ftp//nowhere\"]\n",
			want: []string{"ari.urls[0]", "ftp//nowhere"}},
		{name: "bad ARI URL from env", env: []string{"LIANDONG_ARI_URLS=localhost"},
			want: []string{"ari.urls[0]", "localhost"}},
		{name: "typo'd env var", env: []string{"LIANDONG_HTTP_LISTNE=x"},
			want: []string{"LIANDONG_HTTP_LISTNE", "no configuration key"}},
		{name: "typo'd flag key", overrides: []Override{{"log.levle", "debug"}},
			want: []string{"log.levle", "unknown key", "level"}},
		{name: "bad level", overrides: []Override{{"log.level", "loud"}},
			want: []string{"log.level", "loud", "debug, info, warn, error"}},
		{name: "non-loopback listen", overrides: []Override{{"http.listen", "0.0.0.0:8080"}},
			want: []string{"http.listen", "loopback"}},
		{name: "transfer target without route", file: "transfer_targets:\n  - code: \"119\"\n",
			want: []string{"transfer_targets[0]", "queue", "dial"}},
		{name: "transfer to unknown queue", file: "transfer_targets:\n  - code: \"110\"\n    queue: police\n",
			want: []string{"transfer_targets[0].queue", "police"}},
		{name: "sentinel without master", file: "redis:\n  mode: sentinel\n  addrs: [\"127.0.0.1:26379\"]\n",
			want: []string{"redis.master_name"}},
		{name: "bad mode", file: "redis:\n  mode: ring\n",
			want: []string{"redis.mode", "single, sentinel, cluster"}},
		{name: "unknown key in list item", file: "queues:\n  - name: a\n    max_wait: 1m\n    ring_timeout: 1s\n    colour: red\n",
			want: []string{"queues[0].colour", "unknown key"}},
		{name: "two trimming rules", file: "calllog:\n  stream_max_len: 10\n  stream_max_age: 24h\n",
			want: []string{"calllog.stream_max_age", "either"}},
		{name: "broken yaml", file: "http: [\n",
			want: []string{"liandong.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.file != "" {
				path = writeFile(t, tt.file)
			}
			_, err := Load(path, tt.env, tt.overrides)
			if err == nil {
				t.Fatal("Load succeeded; want an error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v is not ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("s3cret-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load("", []string{"LIANDONG_ARI_PASSWORD=s3cret-env", "LIANDONG_REDIS_PASSWORD_FILE=" + pw}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ARI.Password.Reveal() != "s3cret-env" || cfg.Redis.Password.Reveal() != "s3cret-file" {
		t.Fatalf("secrets not loaded: ari=%v redis=%v", cfg.ARI.Password != "", cfg.Redis.Password != "")
	}
	for _, out := range []string{cfg.Redacted(), cfg.ARI.Password.String(), strings.Join([]string{
		// fmt verbs that a careless log line might use
		fmt.Sprintf("%v", cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg.ARI),
	}, "")} {
		if strings.Contains(out, "s3cret") {
			t.Errorf("a secret leaked: %s", out)
		}
	}
	if _, err := Load("", []string{"LIANDONG_ARI_PASSWORD=x", "LIANDONG_ARI_PASSWORD_FILE=" + pw}, nil); err == nil {
		t.Error("password and password_file together: want an error")
	}
}

func TestRedisOptions(t *testing.T) {
	cfg := Default()
	cfg.Redis.URL = "redis://:pw@127.0.0.1:6390/3"
	o, err := cfg.Redis.UniversalOptions()
	if err != nil {
		t.Fatal(err)
	}
	if o.Addrs[0] != "127.0.0.1:6390" || o.DB != 3 || o.Password != "pw" || o.DialTimeout != 2*time.Second {
		t.Errorf("options = %+v", o)
	}
	cfg.Redis.Mode, cfg.Redis.Addrs = "cluster", []string{"10.0.0.1:7000"}
	if o, err = cfg.Redis.UniversalOptions(); err != nil || !o.IsClusterMode {
		t.Errorf("cluster options = %+v, %v", o, err)
	}
}

func FuzzSet(f *testing.F) {
	for _, k := range Keys() {
		f.Add(k, "1")
	}
	f.Add("a.b.c", "x")
	f.Fuzz(func(t *testing.T, key, value string) {
		cfg := Default()
		_ = Set(&cfg, key, value, "fuzz") // must not panic
	})
}

func FuzzDecodeYAML(f *testing.F) {
	b, _ := os.ReadFile("../../configs/liandong.yaml")
	f.Add(string(b))
	f.Add("http:\n  listen: [1,2]\n")
	f.Add("queues: {a: 1}\n")
	f.Add("&a [*a]")
	f.Fuzz(func(t *testing.T, doc string) {
		cfg := Default()
		_ = DecodeYAML("fuzz.yaml", strings.NewReader(doc), &cfg)
	})
}
