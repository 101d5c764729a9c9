// Package media is the audio layer of the Asterisk emulator (pbxsim): codecs,
// sound files, tones, a real-time pacer, bridge mixing, recording, DTMF and
// RTP for externalMedia. It imports nothing else of liandong.
//
// # Model
//
// A [Pacer] is the media clock: one goroutine ([Pacer.Run]) that every 20 ms
// moves one frame through every [Leg] (one per channel) and every [Mixer]
// (one per bridge). Legs and mixers are plain state, not goroutines, and a
// tick allocates nothing. A tick has three phases:
//
//  1. each leg reads what it says (its input, set by [Leg.Say]: a file, a
//     tone, or an [RTPSession]) and the frame of its current playback;
//  2. each mixer mixes its members: two members hear each other unchanged,
//     three or more hear the saturated sum of the others (mix-minus), all
//     hear the bridge's own playback and generator (bridge MOH);
//  3. each leg decides what it hears — mute "out", else its playback
//     (which suspends it from its bridge, as in Asterisk), else its
//     generator (channel MOH, ringing), else its bridge's mix, else silence —
//     and writes it to its sink (an RTPSession) and taps (a [Recorder]).
//
// Callbacks (playback state changes, in-band DTMF, end of input) run after
// the tick, outside its lock, so they may call back into the package; they
// must not block for long. An RTPSession has one receive goroutine of its
// own, ended by Close or its context.
//
// Media URIs of ARI (sound:, sound:http://, recording:, tone:, digits:) are
// resolved by [Sounds] into a [Source]; codecs are [Format] values looked up
// by Asterisk's names ([LookupFormat]). [DetectDTMF], [Goertzel] and
// [DominantFrequency] let tests assert what a caller or an agent heard.
//
// # Wiring it into the emulator
//
//	pacer := media.NewPacer(media.PacerConfig{Logger: log})
//	go pacer.Run(ctx) // one goroutine for all channels
//
//	// a channel
//	leg := pacer.NewLeg(media.LegConfig{Rate: 8000, OnDTMF: inBandKey})
//	defer leg.Close()
//
//	// POST /channels/{id}/play: sound:, tone:, digits:, recording:
//	src, err := sounds.Open(ctx, "sound:hello-world", channelLanguage, leg.Rate())
//	// err wrapping ErrSoundNotFound: PlaybackStarted, then PlaybackFinished "failed"
//	pb := leg.Play(src, func(pb *media.Playback, st media.PlaybackState) { /* events */ })
//	// DELETE /playbacks/{id}: pb.Stop(); controls: Pause, Unpause, Restart, Skip
//
//	// a bridge: POST /bridges, addChannel, removeChannel, bridge play / moh
//	bridge := pacer.NewMixer(media.Mixing) // or media.Holding
//	bridge.Add(leg, media.MemberOptions{Mute: false, Announcer: false})
//	moh, _ := sounds.MOH("/var/lib/asterisk/moh", 8000)
//	bridge.SetGenerator(moh)
//
//	// externalMedia: format and external_host from the request
//	f, err := media.LookupFormat("ulaw") // unknown: ErrUnknownFormat (Asterisk: 500)
//	sess, err := media.ListenRTP(ctx, media.RTPConfig{Format: f, Remote: externalHost,
//		PortMin: 10000, PortMax: 10999, OnDTMF: rfc4733Key})
//	em := pacer.NewLeg(media.LegConfig{Rate: f.SampleRate})
//	em.Say(sess, nil) // what arrives is what the channel says
//	em.SetSink(sess)  // what the channel hears is sent
//	// channelvars: UNICASTRTP_LOCAL_ADDRESS = sess.LocalAddr().Addr(),
//	//              UNICASTRTP_LOCAL_PORT    = sess.LocalAddr().Port()
//
//	// the control API: a caller speaks, and what it heard is read back
//	leg.Say(media.NewPCM(audio.Resample(8000).Samples, 8000), nil)
//	heard := media.NewRecorder(8000, time.Minute)
//	leg.Tap(media.DirOut, heard) // DirIn: what it says (channel recordings, snoop "in")
//
// # Fidelity notes
//
// ulaw and alaw are G.711, encoded through tables built as Asterisk builds
// its own (so a negative sample's µ-law code is Asterisk's, which can differ
// by one step from other encoders'). slin and slin16 travel on
// RTP in network byte order with Asterisk's static payload types (slin 10,
// slin16 118); DTMF on RTP is RFC 4733 with payload type 101. Sound lookup
// tries LANG/NAME, en/NAME, then NAME, with .wav16, .sln16, .wav, .sln,
// .ulaw, .alaw files. digits: uses digits/N files when present, else a
// synthetic stand-in (the key's DTMF pair for [DigitTone], then [DigitGap]
// of silence), which [DetectDTMF] decodes. Tones follow indications.conf
// for zones "cn" and "us" and Asterisk's tone-string syntax.
package media
