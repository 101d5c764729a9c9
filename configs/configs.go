// Package configs embeds the sample configuration, so that `liandong demo`
// runs with no files beside the binary: the IVR flows, their prompts, the
// division catalog and the sample FAQ.
package configs

import "embed"

// FS holds the sample configuration files.
//
//go:embed liandong.yaml ivr.yaml catalog.yaml faq.yaml kb-lexicon.yaml sounds/*.wav
var FS embed.FS
