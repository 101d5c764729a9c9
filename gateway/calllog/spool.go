package calllog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
)

// Spool file names inside Options.SpoolDir. Replay order is fixed: first
// spoolWriterFile (events the writer moved out of memory while Redis was
// down), then the memory queue, then spoolOverflowFile (events Emit wrote
// directly while the queue was full or older overflow was still pending).
// Every event in the overflow file is newer than every event in memory or in
// the writer file, so this order keeps per-call order.
const (
	spoolWriterFile   = "spool.jsonl"
	spoolOverflowFile = "overflow.jsonl"
	spoolRejectFile   = "rejected.jsonl"
	maxLineLen        = 1 << 20
)

// spoolFile is one append-only JSON-lines file with a read cursor. Appends
// go through a buffer; nothing appended is acknowledged as spooled before
// flush and sync.
type spoolFile struct {
	path     string
	w        *os.File // O_APPEND
	buf      *bufio.Writer
	r        *os.File
	readOff  int64 // bytes already delivered
	size     int64 // bytes known flushed to the file (readable)
	appended int64 // bytes handed to buf (flushed or not)
	log      *slog.Logger
}

// openSpool opens (or creates) a spool file. A torn last line (a crash
// in the middle of a write) is cut off, saved beside the file with suffix
// ".torn" and logged; every complete line before it is kept.
func openSpool(dir, name string, log *slog.Logger) (*spoolFile, error) {
	path := filepath.Join(dir, name)
	size, err := repairTail(path, log)
	if err != nil {
		return nil, err
	}
	w, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open spool %s: %w", path, err)
	}
	r, err := os.Open(path)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open spool %s for reading: %w", path, err)
	}
	return &spoolFile{path: path, w: w, buf: bufio.NewWriterSize(w, 256<<10), r: r, size: size, appended: size, log: log}, nil
}

func repairTail(path string, log *slog.Logger) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("open spool %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("stat spool %s: %w", path, err)
	}
	size := st.Size()
	if size == 0 {
		return 0, nil
	}
	// Find the last newline, reading backwards in blocks.
	const block = 64 << 10
	end := size
	var last int64 = -1
	buf := make([]byte, block)
	for end > 0 && last < 0 {
		start := max(end-block, 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, fmt.Errorf("read spool %s: %w", path, err)
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			last = start + int64(i)
		}
		end = start
	}
	keep := last + 1 // 0 when there is no newline at all
	if keep == size {
		return size, nil
	}
	torn := make([]byte, size-keep)
	if _, err := f.ReadAt(torn, keep); err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("read torn tail of spool %s: %w", path, err)
	}
	tf, err := os.OpenFile(path+".torn", os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, fmt.Errorf("save torn tail of spool %s: %w", path, err)
	}
	_, werr := tf.Write(append(torn, '\n'))
	if cerr := tf.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return 0, fmt.Errorf("save torn tail of spool %s: %w", path, werr)
	}
	if err := f.Truncate(keep); err != nil {
		return 0, fmt.Errorf("cut torn tail of spool %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return 0, fmt.Errorf("sync spool %s: %w", path, err)
	}
	log.Warn("calllog: spool had a torn last line (interrupted write); cut it off and kept every complete line",
		"file", path, "offset", keep, "torn_bytes", len(torn), "saved_to", path+".torn")
	return keep, nil
}

// appendEvent encodes one event as a JSON line into the buffer.
func (s *spoolFile) appendEvent(ev *Event) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode spool line: %w", err)
	}
	b = append(b, '\n')
	n, err := s.buf.Write(b)
	s.appended += int64(n)
	if err != nil {
		return fmt.Errorf("write spool %s: %w", s.path, err)
	}
	return nil
}

// flush writes the buffer to the file (not yet durable).
func (s *spoolFile) flush() error {
	if err := s.buf.Flush(); err != nil {
		return fmt.Errorf("flush spool %s: %w", s.path, err)
	}
	s.size = s.appended
	return nil
}

func (s *spoolFile) sync() error {
	if err := s.w.Sync(); err != nil {
		return fmt.Errorf("sync spool %s: %w", s.path, err)
	}
	return nil
}

// pending reports whether appended bytes wait to be delivered.
func (s *spoolFile) pending() bool { return s.readOff < s.appended }

// unread is the number of appended bytes not yet delivered.
func (s *spoolFile) unread() int64 { return s.appended - s.readOff }

// readBatch decodes up to max events from the read cursor, reading no
// further than limit. It returns the events and the offset just after the
// last line consumed; the caller commits that offset once the events are
// delivered. Undecodable or invalid lines are logged, saved to reject and
// skipped: one bad line never blocks the lines after it.
func (s *spoolFile) readBatch(max int, limit int64, reject func(line []byte, reason string)) ([]Event, int64, error) {
	off := s.readOff
	if off >= limit {
		return nil, off, nil
	}
	sr := io.NewSectionReader(s.r, off, limit-off)
	br := bufio.NewReaderSize(sr, 64<<10)
	var evs []Event
	for len(evs) < max {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: gather it, bounded.
			long := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) && len(long) <= maxLineLen {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				// A partial line at the limit is not complete yet: leave it.
				return evs, off, nil
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				return evs, off, fmt.Errorf("read spool %s: %w", s.path, err)
			}
		}
		lineOff := off
		off += int64(len(line))
		if len(line) > maxLineLen {
			reject(line, "line too long")
			continue
		}
		var ev Event
		if err := json.Unmarshal(bytes.TrimSpace(line), &ev); err != nil {
			s.log.Warn("calllog: corrupt spool line skipped", "file", s.path, "offset", lineOff, "err", err)
			reject(line, "corrupt line: "+err.Error())
			continue
		}
		if err := ev.Validate(); err != nil || !isID(ev.ID, 64) {
			s.log.Warn("calllog: invalid spool event skipped", "file", s.path, "offset", lineOff, "err", err)
			reject(line, fmt.Sprintf("invalid event: %v", err))
			continue
		}
		evs = append(evs, ev)
	}
	return evs, off, nil
}

// truncate empties the file once everything in it is delivered.
func (s *spoolFile) truncate() error {
	if err := s.flush(); err != nil {
		return err
	}
	if err := s.w.Truncate(0); err != nil {
		return fmt.Errorf("truncate spool %s: %w", s.path, err)
	}
	s.readOff, s.size, s.appended = 0, 0, 0
	return nil
}

func (s *spoolFile) close() error {
	err := s.flush()
	if serr := s.w.Sync(); err == nil && serr != nil {
		err = fmt.Errorf("sync spool %s: %w", s.path, serr)
	}
	if cerr := s.w.Close(); err == nil && cerr != nil {
		err = cerr
	}
	s.r.Close()
	return err
}
