// Package media is the audio layer of the Asterisk emulator (pbxsim): codecs,
// sound files, tones, a real-time pacer, bridge mixing, recording, DTMF and
// RTP for externalMedia. It imports nothing else of liandong.
//
// # Model
//
// A [Pacer] is the media clock: one goroutine ([Pacer.Run]) that every 20 ms
// moves one frame through every [Leg] (one per channel) and every [Mixer]
// (one per bridge). Legs and mixers are plain state, not goroutines, and
// their per-frame work allocates nothing. A tick has three phases: each leg
// reads what it says (its input: [Leg.Say], or an [RTPSession]) and its
// playback's frame; each mixer computes mix-minus for its members; each leg
// decides what it hears (playback, else generator such as MOH, else its
// bridge's mix, else silence) and writes it to its sink (an RTPSession) and
// taps (a [Recorder]).
//
// Media URIs of ARI (sound:, sound:http://, recording:, tone:, digits:) are
// resolved by [Sounds] into a [Source]; codecs are [Format] values looked up
// by Asterisk's names ([LookupFormat]). [DetectDTMF], [Goertzel] and
// [DominantFrequency] let tests assert what a caller or an agent heard.
//
// # Example
//
// A caller and an agent in a mixing bridge, with an externalMedia channel
// attached, and the caller's ears recorded:
//
//	pacer := media.NewPacer(media.PacerConfig{Logger: log})
//	go pacer.Run(ctx)
//
//	caller := pacer.NewLeg(media.LegConfig{Rate: 8000})
//	agent := pacer.NewLeg(media.LegConfig{Rate: 8000})
//	heard := media.NewRecorder(8000, time.Minute)
//	caller.Tap(media.DirOut, heard)
//
//	sounds := media.NewSounds("/var/lib/asterisk/sounds")
//	src, err := sounds.Open(ctx, "sound:hello-world", "en", caller.Rate())
//	if errors.Is(err, media.ErrSoundNotFound) { /* PlaybackStarted, then Finished "failed" */ }
//	caller.Play(src, func(pb *media.Playback, st media.PlaybackState) { /* emit events */ })
//
//	bridge := pacer.NewMixer(media.Mixing)
//	bridge.Add(caller, media.MemberOptions{})
//	bridge.Add(agent, media.MemberOptions{})
//
//	f, _ := media.LookupFormat("ulaw")
//	sess, err := media.ListenRTP(ctx, media.RTPConfig{Format: f, Remote: externalHost})
//	em := pacer.NewLeg(media.LegConfig{Rate: f.SampleRate})
//	em.Say(sess, nil)   // what the far end sends is what this channel says
//	em.SetSink(sess)    // what this channel hears is sent to the far end
//	bridge.Add(em, media.MemberOptions{})
//	// UNICASTRTP_LOCAL_ADDRESS / _PORT: sess.LocalAddr()
//
//	// later: key := media.DetectDTMF(heard.Samples(), 8000)
//
// # Fidelity notes
//
// ulaw and alaw are G.711; slin and slin16 travel on RTP in network byte
// order with Asterisk's payload types (slin 10, slin16 118). A channel's
// own playback suspends it from its bridge, as in Asterisk. Holding mixers
// play only the bridge's playback/MOH and announcers to participants.
package media
