package speech_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"
	"gopkg.in/yaml.v3"

	"liandong/knowledge/speech"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// loadPrompts reads the prompt texts of the IVR flow file. Only the
// prompts table: knowledge does not import ivr, not even in tests.
func loadPrompts(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../configs/ivr.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Prompts map[string]string `yaml:"prompts"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil || len(f.Prompts) == 0 {
		t.Fatalf("configs/ivr.yaml prompts: %v (%d)", err, len(f.Prompts))
	}
	return f.Prompts
}

var placeholder = regexp.MustCompile(`\{[a-z_]+\}`)

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
}

// The chosen voice reads every fixed prompt of configs/ivr.yaml as Mandarin:
// espeak-ng never switches to English ("(en)") nor spells Latin letters;
// the plain "cmn" voice does switch (the bug the choice avoids).
func TestVoiceReadsPromptsAsMandarin(t *testing.T) {
	needTools(t, "espeak-ng")
	ctx := t.Context()
	bad, err := speech.Phonemes(ctx, "", "cmn", "您好")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bad, "(en)") {
		t.Logf("note: voice cmn no longer switches to English for 您好: %s", bad)
	}
	good, _ := speech.Phonemes(ctx, "", speech.Voice, "您好")
	if !strings.Contains(good, "n'i35n") || strings.Contains(good, "(en)") {
		t.Errorf("您好 in %s = %q, want tone-numbered Mandarin phonemes", speech.Voice, good)
	}
	prompts := loadPrompts(t)
	// Templates are checked filled in with typical values.
	fill := strings.NewReplacer("{id}", "20261128001", "{state}", "办理中", "{department}", "人社局",
		"{title}", "社会保障", "{digit}", "1")
	var all []string
	for name, text := range prompts {
		text = fill.Replace(text)
		if placeholder.MatchString(text) {
			t.Errorf("prompt %s: placeholder without a sample value: %s", name, text)
		}
		all = append(all, speech.Normalize(text))
	}
	// One espeak-ng run for all prompts; prompt by prompt only to name a culprit.
	if ph, err := speech.Phonemes(ctx, "", speech.Voice, strings.Join(all, "\n")); err == nil && !strings.Contains(ph, "(en)") {
		return
	}
	for name, text := range prompts {
		ph, err := speech.Phonemes(ctx, "", speech.Voice, speech.Normalize(fill.Replace(text)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(ph, "(en)") {
			t.Errorf("prompt %s: %s switches to English: %s", name, speech.Voice, ph)
		}
	}
}

func TestGenerate(t *testing.T) {
	needTools(t, "espeak-ng", "sox")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "old.wav"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := speech.Generate(t.Context(), map[string]string{
		"hi":  "请拨打12345。",
		"tpl": "工单{id}",
	}, dir, speech.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(g.Written, ",") != "hi.wav" || strings.Join(g.Skipped, ",") != "tpl" || strings.Join(g.Stale, ",") != "old.wav" {
		t.Fatalf("generated %+v", g)
	}
	b, err := os.ReadFile(filepath.Join(dir, "hi.wav"))
	if err != nil {
		t.Fatal(err)
	}
	checkWav(t, "hi.wav", b)
}

// The shipped prompt files are what Asterisk plays as .wav.
func TestShippedPromptsFormat(t *testing.T) {
	files, _ := filepath.Glob("../../configs/sounds/*.wav")
	if len(files) == 0 {
		t.Fatal("no prompt files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		checkWav(t, f, b)
		if len(b) > 200<<10 {
			t.Errorf("%s: %d bytes, keep prompts short", f, len(b))
		}
	}
}

// checkWav checks a RIFF/WAVE header: PCM, mono, 8000 Hz, 16-bit.
func checkWav(t *testing.T, name string, b []byte) {
	t.Helper()
	if len(b) < 44 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" || string(b[12:16]) != "fmt " {
		t.Fatalf("%s: not a wav file", name)
	}
	format := binary.LittleEndian.Uint16(b[20:])
	channels := binary.LittleEndian.Uint16(b[22:])
	rate := binary.LittleEndian.Uint32(b[24:])
	bits := binary.LittleEndian.Uint16(b[34:])
	if format != 1 || channels != 1 || rate != 8000 || bits != 16 {
		t.Errorf("%s: format %d, %d channels, %d Hz, %d bits; want PCM mono 8000 Hz 16-bit", name, format, channels, rate, bits)
	}
	if len(b) < 44+8000 { // at least half a second of audio
		t.Errorf("%s: only %d bytes", name, len(b))
	}
}

// The shipped wav files are what the script makes from the current texts
// (regeneration is byte-for-byte repeatable): a text edited without running
// configs/sounds/make-prompts.sh fails here. Only with the espeak-ng the
// files were made with (Debian's 1.51).
func TestShippedPromptsUpToDate(t *testing.T) {
	needTools(t, "espeak-ng", "sox")
	if v, err := exec.Command("espeak-ng", "--version").Output(); err != nil || !strings.Contains(string(v), "1.51") {
		t.Skipf("espeak-ng is not 1.51: %s", v)
	}
	dir := t.TempDir()
	g, err := speech.Generate(t.Context(), loadPrompts(t), dir, speech.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range g.Written {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("../../configs/sounds", name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("configs/sounds/%s is out of date (%v): run configs/sounds/make-prompts.sh", name, err)
		}
	}
}
