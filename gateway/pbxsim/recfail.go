package pbxsim

import "time"

// Recording failures, as res_stasis_recording.c's record_file reports them:
// the recording is accepted (201, state "queued"), then the command fails on
// the channel's thread and RecordingFailed carries the recording with state
// "failed" and a "cause". Request errors (400/404/409/422) never get this far.

// Causes of RecordingFailed in Asterisk 22 (res_stasis_recording.c, record_file).
const (
	// CauseRecordInBridge: a channel recording of a channel that is in a bridge
	// (record a bridge, or a snoop channel, instead).
	CauseRecordInBridge = "Cannot record channel while in bridge"
	// CauseRecordAnswer: ast_auto_answer failed on the channel.
	CauseRecordAnswer = "Failed to answer channel"
)

// FailRecordings makes the next n recordings (channel or bridge; n <= 0 means
// one) fail at once with RecordingFailed and cause ("" means
// CauseRecordAnswer, the one cause besides a bridged channel that Asterisk
// reports). ClearFaults forgets pending failures.
func (s *Server) FailRecordings(cause string, n int) {
	if cause == "" {
		cause = CauseRecordAnswer
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range max(n, 1) {
		s.faults.recFails = append(s.faults.recFails, cause)
	}
}

// recordingFails tells whether a recording about to start fails, and why: a
// channel recording of a bridged channel, or a pending FailRecordings.
func (s *Server) recordingFails(ch *channel) (string, bool) {
	if f := s.faults.recFails; len(f) > 0 {
		s.faults.recFails = f[1:]
		return f[0], true
	}
	if ch != nil && ch.bridge != nil {
		return CauseRecordInBridge, true
	}
	return "", false
}

// failRecording ends r as recording_fail does: state "failed", RecordingFailed
// with the cause and no duration, nothing stored.
func (s *Server) failRecording(r *recording, cause string) {
	delete(s.recordings, r.name)
	r.state = "failed"
	ev := evRecording{s.base("RecordingFailed"), r.model(false)}
	ev.Recording.Cause = cause
	s.publish(&ev, s.recTargets(r))
	s.unlinkRecording(r)
}

// RecordingFormatter is optionally implemented by MediaControls: told a
// recording's format when it starts (id as in Recording), the media plays the
// stored recording back as its file sounds (through the g722/gsm/G.711
// codec). Called under the server's lock: must return at once.
type RecordingFormatter interface {
	RecordingFormat(id, format string)
}

// RecordingSilenceStats is optionally implemented by MediaControls: for a
// recording with maxSilenceSeconds, the silence Asterisk's recorder measures
// (total: every silent run; trailing: the last one) and the trimming of the
// trailing silence when silence, maxDurationSeconds or a key ended it. Called
// under the server's lock before the recording's "done": must return at once.
type RecordingSilenceStats interface {
	RecordingSilenceTotal(id string) (total, trailing time.Duration, ok bool)
	TrimRecording(id string, keep time.Duration)
}

// silenceDurations applies __ast_play_and_record's arithmetic to a recording
// with maxSilenceSeconds that ends with dur whole seconds of audio: talking =
// dur less (total silence - 200 ms), dur less (trailing silence - 200 ms), in
// whole seconds truncated; silence = dur - talking. Without media nothing is
// silent.
func (s *Server) silenceDurations(r *recording, dur int) (int, int, int) {
	var total, trailing int
	if st, ok := s.controls().(RecordingSilenceStats); ok {
		if t, tr, known := st.RecordingSilenceTotal(r.key); known {
			total, trailing = int(t/time.Millisecond), int(tr/time.Millisecond)
			if r.trimOnEnd && trailing > 0 {
				st.TrimRecording(r.key, 200*time.Millisecond)
			}
		}
	}
	talking := dur
	if total > 0 {
		talking -= (total - 200) / 1000
	}
	talking = max(talking, 0)
	if trailing > 0 {
		dur -= (trailing - 200) / 1000
	}
	dur = max(dur, 0)
	return dur, talking, dur - talking
}

// recordingBlocks is res_stasis_recording's add rule: a channel with a live
// recording cannot be added to a bridge (addChannel: 409 "Channel ID
// currently recording") until the recording ends or fails.
func recordingBlocks(ch *channel) bool { return len(ch.recordings) > 0 }
