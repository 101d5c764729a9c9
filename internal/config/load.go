package config

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts every environment variable that sets a key: the key path
// upper-cased with dots as underscores, e.g. LIANDONG_HTTP_LISTEN for
// http.listen and LIANDONG_ARI_URLS (comma-separated) for ari.urls.
const EnvPrefix = "LIANDONG_"

// Override is one key=value setting from the command line.
type Override struct {
	Key   string
	Value string
}

// ParseOverride reads "key=value" as given to --set.
func ParseOverride(s string) (Override, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(k) == "" {
		return Override{}, &FieldError{Source: "--set", Key: s, Reason: "want key=value, e.g. http.listen=127.0.0.1:9090"}
	}
	return Override{Key: strings.TrimSpace(k), Value: v}, nil
}

// Load builds the configuration: defaults, then the file at path (if path is
// not empty), then the environment (environ as from os.Environ), then the
// overrides, and validates the result.
func Load(path string, environ []string, overrides []Override) (Config, error) {
	cfg := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return Config{}, fmt.Errorf("read config: %w", err)
		}
		if err := DecodeYAML(path, bytes.NewReader(b), &cfg); err != nil {
			return Config{}, err
		}
	}
	if err := ApplyEnv(&cfg, environ); err != nil {
		return Config{}, err
	}
	for _, o := range overrides {
		if err := Set(&cfg, o.Key, o.Value, "--set "+o.Key); err != nil {
			return Config{}, err
		}
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// DecodeYAML decodes a YAML document onto cfg, keeping the values it does
// not mention. Unknown keys and wrong types fail, naming file:line and key.
func DecodeYAML(name string, r io.Reader, cfg *Config) error {
	var doc yaml.Node
	dec := yaml.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil
		}
		return fmt.Errorf("%s: %w: %v", name, ErrInvalid, err)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	return decodeNode(name, "", doc.Content[0], reflect.ValueOf(cfg).Elem())
}

var (
	durationType = reflect.TypeOf(Duration(0))
	secretType   = reflect.TypeOf(Secret(""))
)

func decodeNode(file, key string, n *yaml.Node, v reflect.Value) error {
	src := fmt.Sprintf("%s:%d", file, n.Line)
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	switch v.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return &FieldError{Source: src, Key: orRoot(key), Reason: "want a mapping of keys, got " + kindName(n)}
		}
		fields := structFields(v.Type())
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			kn, vn := n.Content[i], n.Content[i+1]
			name := kn.Value
			full := join(key, name)
			idx, ok := fields[name]
			if !ok {
				return &FieldError{Source: fmt.Sprintf("%s:%d", file, kn.Line), Key: full,
					Reason: "unknown key (allowed here: " + strings.Join(sortedKeys(fields), ", ") + ")"}
			}
			if seen[name] {
				return &FieldError{Source: fmt.Sprintf("%s:%d", file, kn.Line), Key: full, Reason: "is set twice"}
			}
			seen[name] = true
			if err := decodeNode(file, full, vn, v.Field(idx)); err != nil {
				return err
			}
		}
		return nil
	case reflect.Slice:
		if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			return &FieldError{Source: src, Key: key, Value: n.Value, Reason: "want a list, got " + kindName(n)}
		}
		if len(n.Content) == 0 {
			v.Set(reflect.Zero(v.Type()))
			return nil
		}
		out := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			elem := out.Index(i)
			if elem.Kind() == reflect.Struct {
				// A list item starts from zero, not from a default entry.
				elem.Set(reflect.Zero(elem.Type()))
			}
			if err := decodeNode(file, fmt.Sprintf("%s[%d]", key, i), item, elem); err != nil {
				return err
			}
		}
		v.Set(out)
		return nil
	default:
		if n.Kind != yaml.ScalarNode {
			return &FieldError{Source: src, Key: key, Reason: "want a single value, got " + kindName(n)}
		}
		return setScalar(v, key, n.Value, src)
	}
}

// ApplyEnv applies LIANDONG_* variables. A variable that matches no key is
// an error, so a typo in a deployment manifest does not pass silently.
func ApplyEnv(cfg *Config, environ []string) error {
	keys := settableKeys(reflect.TypeOf(*cfg), "")
	byEnv := map[string]string{}
	for _, k := range keys {
		byEnv[EnvName(k)] = k
	}
	sort.Strings(environ) // deterministic order of errors
	for _, kv := range environ {
		name, val, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		key, ok := byEnv[name]
		if !ok {
			return &FieldError{Source: "environment", Key: name, Reason: "matches no configuration key (see configs/liandong.yaml; e.g. LIANDONG_HTTP_LISTEN)"}
		}
		if err := Set(cfg, key, val, "environment "+name); err != nil {
			return err
		}
	}
	return nil
}

// EnvName is the environment variable for a key path.
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Set assigns one key path (e.g. "redis.url") from text, as environment
// variables and --set do. Lists of scalars take comma-separated values;
// lists of mappings cannot be set this way.
func Set(cfg *Config, key, value, source string) error {
	v := reflect.ValueOf(cfg).Elem()
	parts := strings.Split(key, ".")
	for i, p := range parts {
		if v.Kind() != reflect.Struct {
			return &FieldError{Source: source, Key: key, Reason: "is not a settable key"}
		}
		fields := structFields(v.Type())
		idx, ok := fields[p]
		if !ok {
			return &FieldError{Source: source, Key: key, Reason: "unknown key (allowed at " + orRoot(strings.Join(parts[:i], ".")) + ": " + strings.Join(sortedKeys(fields), ", ") + ")"}
		}
		v = v.Field(idx)
	}
	if v.Kind() == reflect.Struct || v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct {
		return &FieldError{Source: source, Key: key, Reason: "is a section or a list of sections; set it in the config file"}
	}
	return setScalar(v, key, value, source)
}

func setScalar(v reflect.Value, key, s, src string) error {
	fail := func(reason string) error {
		return &FieldError{Source: src, Key: key, Value: s, Reason: reason}
	}
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(strings.TrimSpace(s))
		if err != nil {
			return fail("is not a duration (write e.g. 500ms, 5s, 2m, 24h)")
		}
		v.SetInt(int64(d))
		return nil
	case v.Type() == secretType:
		v.SetString(s)
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fail("is not a boolean (write true or false)")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(s), "_", ""), 10, 64)
		if err != nil {
			return fail("is not a whole number")
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fail("is not a number")
		}
		v.SetFloat(f)
	case reflect.Slice:
		// Comma-separated, for env and flags: "a,b".
		var items []string
		for _, it := range strings.Split(s, ",") {
			if it = strings.TrimSpace(it); it != "" {
				items = append(items, it)
			}
		}
		out := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, it := range items {
			if err := setScalar(out.Index(i), fmt.Sprintf("%s[%d]", key, i), it, src); err != nil {
				return err
			}
		}
		v.Set(out)
	default:
		return fail("has an unsupported type " + v.Type().String())
	}
	return nil
}

func structFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			m[tag] = i
		}
	}
	return m
}

// settableKeys lists every key path that Set accepts.
func settableKeys(t reflect.Type, prefix string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		k := join(prefix, tag)
		switch {
		case f.Type.Kind() == reflect.Struct:
			out = append(out, settableKeys(f.Type, k)...)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
		default:
			out = append(out, k)
		}
	}
	return out
}

// Keys lists every key path that the environment and --set accept.
func Keys() []string { return settableKeys(reflect.TypeOf(Config{}), "") }

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

func orRoot(k string) string {
	if k == "" {
		return "top level"
	}
	return k
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return fmt.Sprintf("the value %q", n.Value)
	}
}

// Redacted returns the configuration as YAML with secrets masked, for
// `doctor` and logs.
func (c Config) Redacted() string {
	b, err := yaml.Marshal(c)
	if err != nil {
		return fmt.Sprintf("(cannot print config: %v)", err)
	}
	return string(b)
}
