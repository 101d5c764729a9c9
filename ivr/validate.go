package ivr

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// edge is a transition out of a node, named by the field that holds it.
type edge struct{ field, to string }

// edges lists a node's transitions; hotkey edges are added by the caller.
func (n *Node) edges() []edge {
	var e []edge
	add := func(field, to string) {
		if to != "" {
			e = append(e, edge{field, to})
		}
	}
	switch n.Kind {
	case KindMenu:
		for _, d := range sortedKeys(n.Choices) {
			add("choices."+d, n.Choices[d])
		}
		add("on_fail", n.OnFail)
	case KindKB:
		for _, d := range sortedKeys(n.Choices) {
			add("choices."+d, n.Choices[d])
		}
		add("next", n.Next)
		add("on_fail", n.OnFail)
	case KindCondition:
		add("then", n.Then)
		add("else", n.Else)
	default:
		add("next", n.Next)
		add("on_fail", n.OnFail)
	}
	return e
}

func (n *Node) isExit() bool {
	return n.Kind == KindHangup || n.Kind == KindQueue || n.Kind == KindTransfer
}

// hotkeysOn reports whether the flow's global keys work in this node.
func (n *Node) hotkeysOn() bool {
	if n.Hotkeys != nil {
		return *n.Hotkeys
	}
	switch n.Kind {
	case KindPlay, KindMenu, KindKB, KindWorkOrder:
		return true
	}
	return false
}

func validDigit(d string) bool {
	return len(d) == 1 && (d[0] >= '0' && d[0] <= '9' || d[0] == '*' || d[0] == '#')
}

var weekdays = map[string]time.Weekday{
	"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
}

func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || hh == 24 && mm != 0 {
		return 0, false
	}
	return hh*60 + mm, true
}

// validateFlow checks one flow, fills defaults, and returns its errors.
func validateFlow(s *FlowSet, f *Flow) []string {
	var errs []string
	nodeErr := func(n *Node, format string, a ...any) {
		errs = append(errs, fmt.Sprintf("node %q (line %d): %s", n.Name, n.Line, fmt.Sprintf(format, a...)))
	}
	if len(f.nodes) == 0 {
		return []string{"no nodes"}
	}
	if f.Start == "" {
		errs = append(errs, "start: missing")
	} else if f.nodes[f.Start] == nil {
		errs = append(errs, fmt.Sprintf("start: unknown node %q", f.Start))
	}
	if f.OnError != "" && f.nodes[f.OnError] == nil {
		errs = append(errs, fmt.Sprintf("on_error: unknown node %q", f.OnError))
	}
	for _, d := range sortedKeys(f.Hotkeys) {
		if !validDigit(d) {
			errs = append(errs, fmt.Sprintf("hotkeys: bad digit %q", d))
		}
		if f.nodes[f.Hotkeys[d]] == nil {
			errs = append(errs, fmt.Sprintf("hotkeys.%s: unknown node %q", d, f.Hotkeys[d]))
		}
	}

	for _, name := range f.order {
		n := f.nodes[name]
		checkPrompts := func(field string, refs PromptRefs, required bool) {
			if len(refs) == 0 && required {
				nodeErr(n, "missing %s", field)
			}
			for _, r := range refs {
				if _, ok := s.Prompts[r]; !ok {
					nodeErr(n, "%s: unknown prompt %q", field, r)
				}
			}
		}
		need := func(field, v string) {
			if v == "" {
				nodeErr(n, "missing %s", field)
			}
		}
		if _, ok := allowedKeys[n.Kind]; !ok {
			nodeErr(n, "missing or unknown kind %q", n.Kind)
		}
		declared := func(field, v string, list []string) {
			if v != "" && len(list) > 0 && !slices.Contains(list, v) {
				nodeErr(n, "%s %q: unknown (declared: %s)", field, v, strings.Join(list, ", "))
			}
		}
		// Defaults.
		if n.Timeout == 0 {
			n.Timeout = DefaultTimeout
		}
		if n.InterDigitTimeout == 0 {
			n.InterDigitTimeout = DefaultInterDigitTimeout
		}
		if n.Timeout < 0 || n.InterDigitTimeout < 0 {
			nodeErr(n, "negative timeout")
		}
		if n.Retries == nil {
			r := DefaultRetries
			n.Retries = &r
		} else if *n.Retries < 0 || *n.Retries > 9 {
			nodeErr(n, "retries %d: must be 0..9", *n.Retries)
		}
		if n.Priority < 0 {
			nodeErr(n, "priority %d: must not be negative", n.Priority)
		}
		checkPrompts("invalid", n.Invalid, false)
		checkPrompts("no_input", n.NoInput, false)
		checkPrompts("reprompt", n.Reprompt, false)

		switch n.Kind {
		case KindPlay:
			checkPrompts("prompt", n.Prompt, true)
			need("next", n.Next)
		case KindMenu:
			checkPrompts("prompt", n.Prompt, true)
			checkPrompts("invalid", n.Invalid, true)
			need("on_fail", n.OnFail)
			if len(n.Choices) == 0 {
				nodeErr(n, "missing choices")
			}
			for _, d := range sortedKeys(n.Choices) {
				if !validDigit(d) {
					nodeErr(n, "choices: bad digit %q (one of 0-9 * #)", d)
				}
			}
		case KindCollect:
			checkPrompts("prompt", n.Prompt, true)
			checkPrompts("invalid", n.Invalid, true)
			need("next", n.Next)
			need("on_fail", n.OnFail)
			if n.MinDigits == 0 {
				n.MinDigits = 1
			}
			if n.MaxDigits < 1 || n.MaxDigits > 32 {
				nodeErr(n, "max_digits %d: must be 1..32", n.MaxDigits)
			}
			if n.MinDigits < 1 || n.MinDigits > n.MaxDigits {
				nodeErr(n, "min_digits %d: must be 1..max_digits", n.MinDigits)
			}
			if n.Terminator != "" && n.Terminator != "#" && n.Terminator != "*" {
				nodeErr(n, "terminator %q: must be # or *", n.Terminator)
			}
		case KindKB:
			checkPrompts("prompt", n.Prompt, false)
			checkPrompts("item", n.Item, true)
			checkPrompts("invalid", n.Invalid, true)
			checkPrompts("after", n.After, len(n.Repeat)+len(n.Choices) > 0)
			need("next", n.Next)
			need("on_fail", n.OnFail)
			keys := map[string]string{}
			key := func(field, d string) {
				if d == "" {
					return
				}
				if !validDigit(d) {
					nodeErr(n, "%s: bad digit %q (one of 0-9 * #)", field, d)
					return
				}
				if other, dup := keys[d]; dup {
					nodeErr(n, "%s: digit %q already used by %s", field, d, other)
				}
				keys[d] = field
			}
			key("repeat", n.Repeat)
			key("back", n.Back)
			for _, d := range sortedKeys(n.Choices) {
				key("choices."+d, d)
			}
			// Menus give the digits 1-9 to their items.
			if n.Back != "" && n.Back >= "1" && n.Back <= "9" {
				nodeErr(n, "back: digit %q is taken by menu items (use 0, * or #)", n.Back)
			}
		case KindWorkOrder:
			checkPrompts("found", n.Found, true)
			checkPrompts("not_found", n.NotFound, true)
			need("next", n.Next)
			need("on_fail", n.OnFail)
		case KindIntake:
			need("next", n.Next)
		case KindQueue:
			need("queue", n.Queue)
			declared("queue", n.Queue, s.Queues)
			need("next", n.Next)
			need("on_fail", n.OnFail)
		case KindTransfer:
			need("target", n.Target)
			declared("target", n.Target, s.Targets)
			need("on_fail", n.OnFail)
		case KindSurvey:
			checkPrompts("prompt", n.Prompt, true)
			checkPrompts("invalid", n.Invalid, true)
			checkPrompts("thanks", n.Thanks, false)
			need("next", n.Next)
			if len(n.Options) == 0 {
				nodeErr(n, "missing options")
			}
			for _, d := range sortedKeys(n.Options) {
				if !validDigit(d) {
					nodeErr(n, "options: bad digit %q (one of 0-9 * #)", d)
				}
			}
		case KindHangup:
			checkPrompts("prompt", n.Prompt, false)
		case KindGoto:
			need("next", n.Next)
		case KindCondition:
			need("then", n.Then)
			need("else", n.Else)
			switch n.Test {
			case TestHarassment:
			case TestNoAgents:
				need("queue", n.Queue)
				declared("queue", n.Queue, s.Queues)
			case TestTime:
				if len(n.Windows) == 0 {
					nodeErr(n, "missing windows")
				}
				for _, w := range n.Windows {
					a, b, ok := strings.Cut(w, "-")
					from, ok1 := parseClock(a)
					to, ok2 := parseClock(b)
					if !ok || !ok1 || !ok2 || from >= to {
						nodeErr(n, "window %q: want HH:MM-HH:MM, start before end", w)
						continue
					}
					n.windows = append(n.windows, window{from, to})
				}
				for _, d := range n.Days {
					wd, ok := weekdays[strings.ToLower(d)]
					if !ok {
						nodeErr(n, "day %q: want mon..sun", d)
						continue
					}
					n.days |= 1 << wd
				}
			case "":
				nodeErr(n, "missing test")
			default:
				nodeErr(n, "unknown test %q (harassment, no_agents, time)", n.Test)
			}
		}
		for _, e := range n.edges() {
			if f.nodes[e.to] == nil {
				nodeErr(n, "%s: unknown node %q", e.field, e.to)
			}
		}
	}
	if len(errs) > 0 {
		return errs // graph checks need valid edges
	}

	// Reachability from start (and on_error), through edges and hotkeys.
	reach := map[string]bool{}
	stack := []string{f.Start}
	if f.OnError != "" {
		stack = append(stack, f.OnError)
	}
	for len(stack) > 0 {
		name := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if reach[name] {
			continue
		}
		reach[name] = true
		n := f.nodes[name]
		for _, e := range n.edges() {
			stack = append(stack, e.to)
		}
		if n.hotkeysOn() {
			for _, to := range f.Hotkeys {
				stack = append(stack, to)
			}
		}
	}
	for _, name := range f.order {
		if !reach[name] {
			n := f.nodes[name]
			nodeErr(n, "unreachable from start %q", f.Start)
		}
	}

	// Loops with no exit: a node from which no hangup, queue or transfer can
	// be reached through its own edges (hotkeys do not count) can only loop.
	exit := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, name := range f.order {
			if exit[name] {
				continue
			}
			n := f.nodes[name]
			ok := n.isExit()
			for _, e := range n.edges() {
				ok = ok || exit[e.to]
			}
			if ok {
				exit[name] = true
				changed = true
			}
		}
	}
	for _, name := range f.order {
		if reach[name] && !exit[name] {
			nodeErr(f.nodes[name], "loop with no exit: no hangup, queue or transfer node reachable")
		}
	}
	return errs
}
