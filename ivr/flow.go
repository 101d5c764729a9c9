package ivr

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	_ "time/tzdata" // timezone names resolve on hosts without zoneinfo

	"gopkg.in/yaml.v3"
)

// Kind is a node kind.
type Kind string

// Node kinds.
const (
	KindPlay      Kind = "play"
	KindMenu      Kind = "menu"
	KindCollect   Kind = "collect"
	KindKB        Kind = "kb"
	KindWorkOrder Kind = "workorder"
	KindIntake    Kind = "intake"
	KindQueue     Kind = "queue"
	KindTransfer  Kind = "transfer"
	KindSurvey    Kind = "survey"
	KindHangup    Kind = "hangup"
	KindGoto      Kind = "goto"
	KindCondition Kind = "condition"
)

// Condition tests of condition nodes.
const (
	TestHarassment = "harassment" // caller number on the harassment list
	TestNoAgents   = "no_agents"  // queue has no agent logged in
	TestTime       = "time"       // now within one of the windows (and days)
)

// Defaults for fields left out of the flow file.
const (
	DefaultTimeout           = 5 * time.Second
	DefaultInterDigitTimeout = 3 * time.Second
	DefaultRetries           = 2
	DefaultSoundPrefix       = "sound:liandong/"
	// MaxSteps bounds the nodes one call may run, against loops that pass
	// validation because an exit exists but is never taken.
	MaxSteps = 200
)

// allowedKeys lists the yaml keys each kind takes; anything else is an error.
var allowedKeys = map[Kind][]string{
	KindPlay:      {"prompt", "next", "barge_in", "hotkeys"},
	KindMenu:      {"prompt", "reprompt", "choices", "timeout", "retries", "invalid", "no_input", "on_fail", "hotkeys"},
	KindCollect:   {"prompt", "min_digits", "max_digits", "terminator", "timeout", "inter_digit_timeout", "var", "retries", "invalid", "no_input", "on_fail", "next", "hotkeys"},
	KindKB:        {"department", "prompt", "item", "after", "repeat", "back", "choices", "timeout", "retries", "invalid", "no_input", "next", "on_fail", "hotkeys"},
	KindWorkOrder: {"found", "not_found", "next", "on_fail", "hotkeys"},
	KindIntake:    {"matter", "next"},
	KindQueue:     {"queue", "priority", "next", "on_fail"},
	KindTransfer:  {"target", "priority", "reason", "on_fail"},
	KindSurvey:    {"prompt", "options", "timeout", "retries", "invalid", "no_input", "thanks", "next"},
	KindHangup:    {"prompt", "reason"},
	KindGoto:      {"next"},
	KindCondition: {"test", "queue", "windows", "days", "then", "else"},
}

// PromptRefs names prompts of the file's prompts table, played in order.
// In yaml it is one name or a list of names.
type PromptRefs []string

// UnmarshalYAML accepts a scalar or a sequence.
func (p *PromptRefs) UnmarshalYAML(v *yaml.Node) error {
	switch v.Kind {
	case yaml.ScalarNode:
		*p = PromptRefs{v.Value}
		return nil
	case yaml.SequenceNode:
		var s []string
		if err := v.Decode(&s); err != nil {
			return err
		}
		*p = s
		return nil
	}
	return fmt.Errorf("line %d: prompt must be a name or a list of names", v.Line)
}

// Node is one step of a flow. Which fields apply depends on Kind.
type Node struct {
	Name string `yaml:"-"`
	Line int    `yaml:"-"`
	Kind Kind   `yaml:"kind"`
	Next string `yaml:"next"`
	// Prompt is what the node plays first.
	Prompt   PromptRefs `yaml:"prompt"`
	Reprompt PromptRefs `yaml:"reprompt"` // menu: played on retries instead of Prompt
	Invalid  PromptRefs `yaml:"invalid"`  // played after invalid input
	NoInput  PromptRefs `yaml:"no_input"` // played after a timeout (default: Invalid)
	OnFail   string     `yaml:"on_fail"`  // after the last retry, or when a lookup fails
	BargeIn  *bool      `yaml:"barge_in"` // play: default true
	// Hotkeys enables the flow's global keys (e.g. 0 to an agent) in this
	// node; default true for play, menu, kb, workorder, false for collect.
	Hotkeys *bool `yaml:"hotkeys"`

	Choices map[string]string `yaml:"choices"` // menu: digit -> node; kb: after an answer
	Timeout time.Duration     `yaml:"timeout"`
	Retries *int              `yaml:"retries"`

	MinDigits         int           `yaml:"min_digits"`
	MaxDigits         int           `yaml:"max_digits"`
	Terminator        string        `yaml:"terminator"`
	InterDigitTimeout time.Duration `yaml:"inter_digit_timeout"`
	Var               string        `yaml:"var"`

	Department string     `yaml:"department"` // kb: menu root ("" = top)
	Item       PromptRefs `yaml:"item"`       // kb: template read per item, with {title} and {digit}
	After      PromptRefs `yaml:"after"`      // kb: played after an answer (repeat, back, choices)
	Repeat     string     `yaml:"repeat"`     // kb: digit that replays the answer (after it)
	Back       string     `yaml:"back"`       // kb: digit back to the previous menu (in sub-menus and after an answer)

	Found    PromptRefs `yaml:"found"`     // workorder: template with {id}, {state}, {department}
	NotFound PromptRefs `yaml:"not_found"` // workorder

	Matter string `yaml:"matter"` // intake

	Queue    string `yaml:"queue"`    // queue, condition no_agents
	Priority int    `yaml:"priority"` // queue, transfer
	Target   string `yaml:"target"`   // transfer
	Reason   string `yaml:"reason"`   // transfer, hangup

	Options map[string]string `yaml:"options"` // survey: digit -> label
	Thanks  PromptRefs        `yaml:"thanks"`  // survey

	Test    string   `yaml:"test"`    // condition
	Windows []string `yaml:"windows"` // condition time: "08:30-17:30"
	Days    []string `yaml:"days"`    // condition time: mon..sun
	Then    string   `yaml:"then"`
	Else    string   `yaml:"else"`

	windows []window
	days    uint8 // bit per time.Weekday; 0 = every day
}

type window struct{ from, to int } // minutes since midnight, [from, to)

// UnmarshalYAML checks the keys against the node's kind before decoding, so
// a misplaced or misspelled key fails with its line.
func (n *Node) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: node must be a mapping", v.Line)
	}
	var kind Kind
	for i := 0; i+1 < len(v.Content); i += 2 {
		if v.Content[i].Value == "kind" {
			kind = Kind(v.Content[i+1].Value)
		}
	}
	allowed, ok := allowedKeys[kind]
	if !ok {
		if kind == "" {
			return fmt.Errorf("line %d: missing kind", v.Line)
		}
		return fmt.Errorf("line %d: unknown kind %q", v.Line, kind)
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k := v.Content[i]
		if k.Value == "kind" {
			continue
		}
		found := false
		for _, a := range allowed {
			if a == k.Value {
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("line %d: unknown key %q for kind %s", k.Line, k.Value, kind)
		}
	}
	type plain Node
	if err := v.Decode((*plain)(n)); err != nil {
		return err
	}
	n.Line = v.Line
	return nil
}

// nodeMap keeps the node names (and their order) while decoding.
type nodeMap struct {
	order []string
	nodes map[string]*Node
}

func (m *nodeMap) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: nodes must be a mapping", v.Line)
	}
	m.nodes = make(map[string]*Node, len(v.Content)/2)
	for i := 0; i+1 < len(v.Content); i += 2 {
		name := v.Content[i].Value
		if _, dup := m.nodes[name]; dup {
			return fmt.Errorf("line %d: node %q already defined", v.Content[i].Line, name)
		}
		n := &Node{}
		if err := v.Content[i+1].Decode(n); err != nil {
			return fmt.Errorf("node %q: %w", name, err)
		}
		n.Name = name
		m.order = append(m.order, name)
		m.nodes[name] = n
	}
	return nil
}

// Flow is one validated flow. It is immutable once loaded; a call keeps the
// *Flow it started with across reloads.
type Flow struct {
	Name    string
	Start   string
	OnError string
	// Hotkeys maps a digit to a node, active in nodes that allow hotkeys
	// (menu choices of the same digit win).
	Hotkeys map[string]string
	nodes   map[string]*Node
	order   []string
	set     *FlowSet
}

// Node returns the named node, or nil.
func (f *Flow) Node(name string) *Node { return f.nodes[name] }

// NodeNames lists the flow's nodes in file order.
func (f *Flow) NodeNames() []string { return append([]string(nil), f.order...) }

// Version is the version of the flow set this flow belongs to.
func (f *Flow) Version() string { return f.set.Version }

// FlowSet is the whole parsed flow file.
type FlowSet struct {
	// Version is the file's version string plus a hash of its content.
	Version     string
	SoundPrefix string
	Location    *time.Location
	// Prompts maps a prompt name to its text (what callers hear). Texts
	// with {placeholders} are templates, spoken through the Speaker.
	Prompts map[string]string
	Lines   map[string]string
	Flows   map[string]*Flow
	// Queues and Targets list the queue names and transfer targets the
	// flows may use; when a list is given, nodes naming others fail to load.
	// The gateway checks them against its own configuration.
	Queues  []string
	Targets []string

	resolved map[string]promptInfo // per prompt name, computed once at load
}

type promptInfo struct {
	uri      string
	template bool
}

// ForLine returns the flow of a dialed line.
func (s *FlowSet) ForLine(line string) (*Flow, error) {
	name, ok := s.Lines[line]
	if !ok {
		return nil, fmt.Errorf("ivr: line %q: %w", line, ErrUnknownLine)
	}
	return s.Flows[name], nil
}

// SoundURI is the sound URI of a fixed prompt.
func (s *FlowSet) SoundURI(prompt string) string { return s.SoundPrefix + prompt }

// IsTemplate reports whether a prompt text has placeholders (spoken at run time).
func IsTemplate(text string) bool { return placeholder.MatchString(text) }

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

type fileFlow struct {
	Start   string            `yaml:"start"`
	OnError string            `yaml:"on_error"`
	Hotkeys map[string]string `yaml:"hotkeys"`
	Nodes   nodeMap           `yaml:"nodes"`
}

type file struct {
	Version     string               `yaml:"version"`
	SoundPrefix string               `yaml:"sound_prefix"`
	Timezone    string               `yaml:"timezone"`
	Prompts     map[string]string    `yaml:"prompts"`
	Lines       map[string]string    `yaml:"lines"`
	Queues      []string             `yaml:"queues"`
	Targets     []string             `yaml:"transfer_targets"`
	Flows       map[string]*fileFlow `yaml:"flows"`
}

// LoadFile reads and validates a flow file.
func LoadFile(path string) (*FlowSet, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ivr: load flows: %w", err)
	}
	s, err := Load(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Load parses and validates a flow file. Unknown keys fail with their line;
// every validation error names its flow and node; all errors wrap ErrInvalidFlow.
func Load(b []byte) (*FlowSet, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidFlow, err)
	}
	s, errs := build(&f)
	if len(errs) > 0 {
		return nil, fmt.Errorf("%w:\n%s", ErrInvalidFlow, strings.Join(errs, "\n"))
	}
	sum := sha256.Sum256(b)
	s.Version = f.Version + "@" + hex.EncodeToString(sum[:4])
	return s, nil
}

func build(f *file) (*FlowSet, []string) {
	var errs []string
	add := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	s := &FlowSet{
		SoundPrefix: f.SoundPrefix,
		Prompts:     f.Prompts,
		Lines:       f.Lines,
		Flows:       map[string]*Flow{},
		Queues:      f.Queues,
		Targets:     f.Targets,
		Location:    time.Local,
	}
	if s.SoundPrefix == "" {
		s.SoundPrefix = DefaultSoundPrefix
	}
	if f.Version == "" {
		add("version: missing")
	}
	if f.Timezone != "" {
		loc, err := time.LoadLocation(f.Timezone)
		if err != nil {
			add("timezone %q: %v", f.Timezone, err)
		} else {
			s.Location = loc
		}
	}
	for name, text := range f.Prompts {
		if !promptName.MatchString(name) {
			add("prompt %q: name must match %s", name, promptName)
		}
		if strings.TrimSpace(text) == "" {
			add("prompt %q: empty text", name)
		}
	}
	s.resolved = make(map[string]promptInfo, len(f.Prompts))
	for name, text := range f.Prompts {
		s.resolved[name] = promptInfo{uri: s.SoundPrefix + name, template: IsTemplate(text)}
	}
	if len(f.Flows) == 0 {
		add("flows: none defined")
	}
	for _, name := range sortedKeys(f.Flows) {
		ff := f.Flows[name]
		if ff == nil {
			add("flow %q: empty", name)
			continue
		}
		fl := &Flow{Name: name, Start: ff.Start, OnError: ff.OnError, Hotkeys: ff.Hotkeys,
			nodes: ff.Nodes.nodes, order: ff.Nodes.order, set: s}
		for _, e := range validateFlow(s, fl) {
			add("flow %q: %s", name, e)
		}
		s.Flows[name] = fl
	}
	if len(f.Lines) == 0 {
		add("lines: none defined")
	}
	for _, line := range sortedKeys(f.Lines) {
		if _, ok := f.Flows[f.Lines[line]]; !ok {
			add("line %q: unknown flow %q", line, f.Lines[line])
		}
	}
	return s, errs
}

var promptName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}
