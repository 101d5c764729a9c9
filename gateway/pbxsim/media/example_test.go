package media_test

import (
	"fmt"
	"time"

	"liandong/gateway/pbxsim/media"
)

// A caller and an agent in a two-party mixing bridge: the agent presses
// keys in-band, and the recorder on the caller's ears shows what the caller
// heard. Tick moves one 20 ms frame; in the emulator Pacer.Run does it in
// real time.
func Example() {
	pacer := media.NewPacer(media.PacerConfig{})

	caller := pacer.NewLeg(media.LegConfig{Rate: media.Rate8k})
	agent := pacer.NewLeg(media.LegConfig{Rate: media.Rate16k})
	heard := media.NewRecorder(media.Rate8k, time.Minute)
	caller.Tap(media.DirOut, heard)

	bridge := pacer.NewMixer(media.Mixing)
	bridge.Add(caller, media.MemberOptions{})
	bridge.Add(agent, media.MemberOptions{})

	keys, _ := media.DTMF("42", 100*time.Millisecond, 100*time.Millisecond, media.Rate16k)
	agent.Say(keys, nil)
	for range 25 { // 500 ms
		pacer.Tick()
	}
	fmt.Println(media.DetectDTMF(heard.Samples(), media.Rate8k))

	// A playback on the caller suspends it from the bridge while it runs.
	tone, _ := media.NewTone("!1000/200", media.Rate8k)
	done := make(chan media.PlaybackState, 2)
	caller.Play(tone, func(_ *media.Playback, st media.PlaybackState) { done <- st })
	for range 12 {
		pacer.Tick()
	}
	fmt.Println(<-done, <-done)
	// Output:
	// 42
	// playing done
}
