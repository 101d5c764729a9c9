// Package calllog writes call events and call records (CDRs) to Redis for the
// ticketing side, without ever making the call path wait on Redis.
//
// Every step of a call is an Event: it gets a unique, time-ordered id and a
// per-call sequence number, and goes to one Redis Stream per hotline. A Lua
// script applied per event appends the stream entry and updates the call's
// record hash atomically, and skips any event whose sequence number the record
// has already seen, so replays after an outage never double-count.
//
// Emit only validates the event and puts it on a bounded in-memory queue; one
// writer goroutine drains the queue into pipelined script calls. When Redis is
// unreachable the writer moves events to a local append-only spool (fsynced
// before they leave memory); when the queue is full, Emit itself appends to an
// overflow spool. Spools are replayed in order, before anything newer, when
// Redis returns or when a new Log opens over the same directory.
//
// Work orders (工单 / 警单) go the same way, one revision at a time, to a
// work-order stream per hotline (PutWorkOrder); ReadRecord and ReadWorkOrder
// read records back for the API. RunBench measures the whole path against
// a real redis-server.
//
// The other direction: the ticketing side appends feedback (受理 / 办理中 /
// 办结 / 退回) to a feedback stream per hotline; a FeedbackConsumer (consumer
// group, XAUTOCLAIM after crashes, dead letters for bad entries) links it to
// the order and call, and LatestOrder / ReadOrderFeedback read it back.
// ConsumeGroup is the shared consumer loop; RunTail follows streams in a
// terminal with caller numbers masked.
//
// The Redis layout is documented in docs/redis-schema.md.
package calllog
