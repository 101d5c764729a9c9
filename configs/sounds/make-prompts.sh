#!/bin/sh
# Regenerates configs/sounds/*.wav from the prompt texts in configs/ivr.yaml:
# espeak-ng (voice cmn-latn-pinyin, numbers read digit by digit) then sox to
# 8 kHz mono 16-bit, what Asterisk plays as .wav. Needs espeak-ng, sox and Go.
# Usage: configs/sounds/make-prompts.sh [flow file] [output dir]
set -eu
cd "$(dirname "$0")/../.."
exec go run ./cmd/liandong prompts -flows "${1:-configs/ivr.yaml}" -out "${2:-configs/sounds}"
