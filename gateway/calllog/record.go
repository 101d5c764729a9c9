package calllog

import "strconv"

// op is one change to a call record, applied by applyScript.
type op struct {
	code  string // z add to a sorted-set index (field is the index key), s set, n set if absent, p append to a comma list, a append to a JSON array, u upsert into a JSON array by "id", i increment, d duration since a field, x expire (call ended)
	field string
	value string
}

// recordOps turns an event into the changes it makes to the call record.
// Every op is idempotent only together with the script's seq check: the
// script applies an event's ops at most once.
func recordOps(ev *Event) []op {
	if isWorkOrderType(ev.Type) {
		return workOrderOps(ev)
	}
	p := ev.Payload
	ts := strconv.FormatInt(ev.TimeMS, 10)
	var ops []op
	set := func(field, key string) {
		if v, ok := p[key]; ok {
			ops = append(ops, op{"s", field, v})
		}
	}
	switch ev.Type {
	case CallStarted:
		ops = append(ops,
			op{"s", "hotline", ev.Hotline},
			op{"s", "call_id", ev.CallID},
			op{"n", "started_at", ts},
			op{"n", "state", "active"},
		)
		set("caller", "caller")
		set("line", "line")
		set("channel", "channel")
	case IVRChoice:
		ops = append(ops, op{"p", "ivr_path", p["menu"] + ":" + p["choice"]})
	case IntakeClassified:
		set("category", "category")
		set("severity", "severity")
		set("route", "route")
	case KBAnswered:
		version, _ := strconv.ParseInt(p["version"], 10, 64)
		item := objJSON(str("entry", p["entry"]), num("version", version), num("at", ev.TimeMS))
		ops = append(ops, op{"a", "faq", item}, op{"i", "faq_count", "1"})
	case QueueEntered:
		set("queue", "queue")
		ops = append(ops, op{"n", "queued_at", ts})
	case AgentOffered:
		ops = append(ops, op{"i", "offers", "1"})
	case AgentMissed:
		ops = append(ops, op{"i", "missed", "1"})
	case AgentAnswered:
		ops = append(ops,
			op{"n", "answered_at", ts},
			op{"d", "wait_ms", "queued_at|" + ts},
			op{"s", "agent", p["agent"]},
			op{"p", "agents", p["agent"]},
		)
	case TransferRequested:
		item := objJSON(str("id", p["xfer"]), str("target", p["target"]), str("mode", p["mode"]), str("agent", p["agent"]),
			num("requested_at", ev.TimeMS), str("outcome", "requested"))
		ops = append(ops, op{"u", "transfers", item}, op{"i", "transfer_count", "1"})
	case TransferConsultAnswered:
		item := objJSON(str("id", p["xfer"]), str("party", p["party"]), num("consult_answered_at", ev.TimeMS), str("outcome", "consulting"))
		ops = append(ops, op{"u", "transfers", item})
	case TransferCompleted, TransferThreeWay, TransferCancelled, TransferFailed:
		item := objJSON(str("id", p["xfer"]), str("outcome", transferOutcome[ev.Type]), str("reason", p["reason"]), num("ended_at", ev.TimeMS))
		ops = append(ops, op{"u", "transfers", item})
	case DispatchCreated:
		set("work_order", "order")
		set("work_order_kind", "kind")
		set("work_order_unit", "unit")
	case SurveyRecorded:
		set("survey_score", "score")
	case CallEnded:
		ops = append(ops,
			op{"n", "ended_at", ts},
			op{"d", "duration_ms", "started_at|" + ts},
			op{"s", "state", "ended"},
		)
		set("end_cause", "cause")
		set("disposition", "disposition")
		set("category", "category")
		set("severity", "severity")
		ops = append(ops, op{"x", "", ""})
	}
	return ops
}

var transferOutcome = map[Type]string{
	TransferCompleted: "completed",
	TransferThreeWay:  "threeway",
	TransferCancelled: "cancelled",
	TransferFailed:    "failed",
}

// applySrc appends a batch of events of one hotline to its stream and
// applies them to their call records, skipping every event whose seq is not
// above the record's last_seq (already applied: a replay).
//
// KEYS[1] = stream, KEYS[2..] = call records.
// ARGV: trim mode ("", "MAXLEN", "MINID"), trim value, retention seconds,
// open-record TTL seconds, hotline, entity field name ("call" or "order"),
// event count; then per event: record key index, id, entity id, seq, ts,
// type, data, op count, and op count triples (code, field, value).
// Returns one integer per event: 1 applied, 0 skipped as duplicate.
const applySrc = `
local trimMode, trimVal = ARGV[1], ARGV[2]
local keep, openTTL = tonumber(ARGV[3]), tonumber(ARGV[4])
local hotline, entity = ARGV[5], ARGV[6]
local n = tonumber(ARGV[7])
local p = 8
local res = {}
local seen = {}
for i = 1, n do
  local key = KEYS[tonumber(ARGV[p])]
  local id, call, seq, ts, typ, data = ARGV[p+1], ARGV[p+2], ARGV[p+3], ARGV[p+4], ARGV[p+5], ARGV[p+6]
  local nops = tonumber(ARGV[p+7])
  local o = p + 8
  p = o + nops * 3
  local last = seen[key]
  if last == nil then
    last = tonumber(redis.call('HGET', key, 'last_seq') or '0')
  end
  local nseq = tonumber(seq)
  if nseq <= last then
    res[i] = 0
  else
    if trimMode == '' then
      redis.call('XADD', KEYS[1], '*', 'id', id, 'hotline', hotline, entity, call, 'seq', seq, 'ts', ts, 'type', typ, 'data', data)
    else
      redis.call('XADD', KEYS[1], trimMode, '~', trimVal, '*', 'id', id, 'hotline', hotline, entity, call, 'seq', seq, 'ts', ts, 'type', typ, 'data', data)
    end
    -- Plain sets, and the results of appends, go out in one HSET.
    local sets = {'HSET', key, 'last_seq', seq, 'last_event_at', ts}
    local expire = false
    for j = o, p - 1, 3 do
      local c, f, v = ARGV[j], ARGV[j+1], ARGV[j+2]
      if c == 's' then
        sets[#sets+1] = f; sets[#sets+1] = v
      elseif c == 'n' then
        redis.call('HSETNX', key, f, v)
      elseif c == 'i' then
        redis.call('HINCRBY', key, f, v)
      elseif c == 'p' then
        local cur = redis.call('HGET', key, f)
        if cur then v = cur .. ',' .. v end
        sets[#sets+1] = f; sets[#sets+1] = v
      elseif c == 'a' then
        local cur = redis.call('HGET', key, f)
        if cur then v = string.sub(cur, 1, -2) .. ',' .. v .. ']' else v = '[' .. v .. ']' end
        sets[#sets+1] = f; sets[#sets+1] = v
      elseif c == 'u' then
        local item = cjson.decode(v)
        local cur = redis.call('HGET', key, f)
        local arr = {}
        if cur then arr = cjson.decode(cur) end
        local found = false
        for _, it in ipairs(arr) do
          if it.id == item.id then
            for k, x in pairs(item) do it[k] = x end
            found = true
            break
          end
        end
        if not found then arr[#arr+1] = item end
        sets[#sets+1] = f; sets[#sets+1] = cjson.encode(arr)
      elseif c == 'd' then
        local sep = string.find(v, '|', 1, true)
        local from = redis.call('HGET', key, string.sub(v, 1, sep - 1))
        if from then
          redis.call('HSETNX', key, f, tonumber(string.sub(v, sep + 1)) - tonumber(from))
        end
      elseif c == 'z' then
        -- caller index: f is the index key (same hash tag), v "score|member"
        local sep = string.find(v, '|', 1, true)
        redis.call('ZADD', f, string.sub(v, 1, sep - 1), string.sub(v, sep + 1))
        redis.call('ZREMRANGEBYRANK', f, 0, -51)
        redis.call('EXPIRE', f, keep)
      elseif c == 'x' then
        expire = true
      end
    end
    redis.call(unpack(sets))
    if expire then
      redis.call('EXPIRE', key, keep)
    elseif last == 0 then
      redis.call('EXPIRE', key, openTTL)
    end
    seen[key] = nseq
    res[i] = 1
  end
end
return res
`
