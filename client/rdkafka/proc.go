package rdkafka

import (
	"bufio"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed agent.py
var agentSource string

// msg is a line the agent writes to stdout.
type msg struct {
	T    string          `json:"t"`
	Sync int64           `json:"sync"`
	V    json.RawMessage `json:"v"`
	Err  *agentErr       `json:"err"`
	// Callbacks (T == "cb").
	CB    string    `json:"cb"`
	Wait  bool      `json:"wait"`
	Parts []agentTP `json:"parts"`
	// Delivery reports.
	ID        uint64   `json:"id"`
	Partition int32    `json:"partition"`
	Offset    int64    `json:"offset"`
	TS        [2]int64 `json:"ts"`
	// ready / missing.
	Client     string         `json:"client"`
	Librdkafka string         `json:"librdkafka"`
	Error      string         `json:"error"`
	Errs       map[string]int `json:"errs"`
}

// agentErr is a KafkaError as the agent encodes it.
type agentErr struct {
	Code      int    `json:"code"`
	Name      string `json:"name"`
	Str       string `json:"str"`
	Fatal     bool   `json:"fatal"`
	Retriable bool   `json:"retriable"`
}

// agentTP is a TopicPartition as the agent encodes it.
type agentTP struct {
	Topic     string    `json:"topic"`
	Partition int32     `json:"partition"`
	Offset    int64     `json:"offset"`
	Metadata  *string   `json:"metadata,omitempty"`
	Err       *agentErr `json:"err,omitempty"`
}

// errAgentGone is returned by calls on an agent whose process has ended
// (crashed, killed, or exited).
var errAgentGone = errors.New("the librdkafka agent process has ended")

// proc is one agent process: one librdkafka client.
type proc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan msg      // stdout, decoded
	done  chan struct{} // closed when stdout ends
	logs  *logStream
	info  msg // the ready line
	wmu   sync.Mutex
	// stdoutErr is why stdout ended abnormally (a bad line).
	stdoutErr error
	waitErr   error
	waited    chan struct{}
}

// startProc starts an agent with python and waits until it is ready.
func startProc(ctx context.Context, python string) (*proc, error) {
	cmd := exec.Command(python, "-c", agentSource)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")
	setDeathSignal(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", python, err)
	}
	p := &proc{cmd: cmd, stdin: stdin, lines: make(chan msg, 64), done: make(chan struct{}), waited: make(chan struct{})}
	p.logs = newLogStream(stderr, logCopy(cmd))
	go p.readStdout(stdout)
	go func() {
		<-p.done
		<-p.logs.ended
		p.waitErr = cmd.Wait()
		close(p.waited)
	}()
	select {
	case m, ok := <-p.lines:
		if !ok {
			p.kill()
			return nil, fmt.Errorf("the librdkafka agent (%s) exited at start: %s", python, p.logs.tail())
		}
		switch m.T {
		case "ready":
			p.info = m
			return p, nil
		case "missing":
			p.kill()
			return nil, fmt.Errorf("%s cannot import confluent_kafka (%s): %w", python, m.Error, ErrNotInstalled)
		default:
			p.kill()
			return nil, fmt.Errorf("the librdkafka agent (%s) said %q at start", python, m.T)
		}
	case <-ctx.Done():
		p.kill()
		return nil, fmt.Errorf("the librdkafka agent (%s) did not start: %w", python, ctx.Err())
	}
}

func (p *proc) readStdout(r io.Reader) {
	defer close(p.done)
	defer close(p.lines)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	for sc.Scan() {
		var m msg
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			p.stdoutErr = fmt.Errorf("bad line from the librdkafka agent: %q: %w", truncate(sc.Text(), 200), err)
			return
		}
		p.lines <- m
	}
}

// send writes one request line.
func (p *proc) send(req map[string]any) error {
	b, err := json.Marshal(req)
	if err != nil {
		return err
	}
	p.wmu.Lock()
	defer p.wmu.Unlock()
	_, err = p.stdin.Write(append(b, '\n'))
	if err != nil {
		return fmt.Errorf("%w: %v", errAgentGone, err)
	}
	return nil
}

// next returns the next stdout line, or errAgentGone (with the agent's
// last stderr lines) when the process has ended, or an error when d
// passes first.
func (p *proc) next(d time.Duration) (msg, error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case m, ok := <-p.lines:
		if !ok {
			return msg{}, p.goneErr()
		}
		return m, nil
	case <-t.C:
		return msg{}, fmt.Errorf("the librdkafka agent did not answer within %s", d)
	}
}

func (p *proc) goneErr() error {
	if p.stdoutErr != nil {
		return fmt.Errorf("%w: %v", errAgentGone, p.stdoutErr)
	}
	if tail := p.logs.tail(); tail != "" {
		return fmt.Errorf("%w: %s", errAgentGone, tail)
	}
	return errAgentGone
}

// kill ends the process at once (SIGKILL): the crash of a client.
func (p *proc) kill() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Kill()
	}
	_ = p.stdin.Close()
	<-p.waited
}

// exit asks the process to end (closing stdin) and waits up to d before
// killing it.
func (p *proc) exit(d time.Duration) {
	_ = p.stdin.Close()
	select {
	case <-p.waited:
	case <-time.After(d):
		p.kill()
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// logLine is one line of librdkafka's log (its default logger writes to
// stderr from librdkafka's own threads, as things happen):
//
//	%7|1796361941.468|COMMIT|c1#consumer-2| [thrd:main]: GroupCoordinator/0: Committing offsets ...
type logLine struct {
	Time   time.Time
	Level  int
	Fac    string
	Thread string
	Msg    string
}

// parseLogLine parses a librdkafka log line; ok is false for other lines.
func parseLogLine(s string) (logLine, bool) {
	if !strings.HasPrefix(s, "%") {
		return logLine{}, false
	}
	f := strings.SplitN(s[1:], "|", 5)
	if len(f) != 5 {
		return logLine{}, false
	}
	lvl, err := strconv.Atoi(f[0])
	if err != nil {
		return logLine{}, false
	}
	sec, ms, _ := strings.Cut(f[1], ".")
	si, err1 := strconv.ParseInt(sec, 10, 64)
	mi, err2 := strconv.ParseInt(ms, 10, 64)
	if err1 != nil || err2 != nil {
		return logLine{}, false
	}
	l := logLine{Time: time.Unix(si, mi*int64(time.Millisecond)), Level: lvl, Fac: f[2], Msg: strings.TrimPrefix(f[4], " ")}
	if strings.HasPrefix(l.Msg, "[thrd:") {
		if i := strings.Index(l.Msg, "]: "); i > 0 {
			l.Thread, l.Msg = l.Msg[len("[thrd:"):i], l.Msg[i+3:]
		}
	}
	return l, true
}

// logStream reads the agent's stderr: librdkafka's log lines, the
// agent's sync markers ("%%KS N") and anything else (a Python traceback).
type logStream struct {
	mu      sync.Mutex
	cond    *sync.Cond
	queue   []logEntry
	marker  int64
	eof     bool
	other   []string // last non-log lines
	ended   chan struct{}
	started time.Time
}

// logEntry is a log line and the sync marker seen before it.
type logEntry struct {
	line  logLine
	after int64
}

func newLogStream(r io.Reader, copyTo io.WriteCloser) *logStream {
	s := &logStream{ended: make(chan struct{}), started: time.Now()}
	s.cond = sync.NewCond(&s.mu)
	go s.read(r, copyTo)
	return s
}

// LogDirEnv names a directory where every agent's stderr (librdkafka's
// debug log) is copied, one file per agent process: for a closer look at
// what the real client did.
const LogDirEnv = "KAFKASIM_RDKAFKA_LOGDIR"

// logCopy opens the file an agent's log is copied to, if LogDirEnv is
// set (nil otherwise, or when it cannot be created).
func logCopy(cmd *exec.Cmd) io.WriteCloser {
	dir := os.Getenv(LogDirEnv)
	if dir == "" || cmd.Process == nil {
		return nil
	}
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("agent-%d.log", cmd.Process.Pid)))
	if err != nil {
		return nil
	}
	return f
}

func (s *logStream) read(r io.Reader, copyTo io.WriteCloser) {
	defer close(s.ended)
	if copyTo != nil {
		defer copyTo.Close()
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		t := sc.Text()
		if copyTo != nil {
			_, _ = io.WriteString(copyTo, t+"\n")
		}
		s.mu.Lock()
		switch {
		case strings.HasPrefix(t, "%%KS "):
			if n, err := strconv.ParseInt(t[5:], 10, 64); err == nil {
				s.marker = n
			}
		default:
			if l, ok := parseLogLine(t); ok {
				s.queue = append(s.queue, logEntry{line: l, after: s.marker})
			} else if strings.TrimSpace(t) != "" {
				s.other = append(s.other, t)
				if len(s.other) > 40 {
					s.other = s.other[len(s.other)-40:]
				}
			}
		}
		s.cond.Broadcast()
		s.mu.Unlock()
	}
	s.mu.Lock()
	s.eof = true
	s.cond.Broadcast()
	s.mu.Unlock()
}

// until waits until marker n has been read (or the stream ended) and
// returns the log lines written before it, removing them from the queue.
func (s *logStream) until(n int64) []logLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.marker < n && !s.eof {
		s.cond.Wait()
	}
	i := 0
	for i < len(s.queue) && s.queue[i].after < n {
		i++
	}
	out := make([]logLine, i)
	for j := range i {
		out[j] = s.queue[j].line
	}
	s.queue = s.queue[i:]
	return out
}

// take returns every queued log line.
func (s *logStream) take() []logLine {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]logLine, len(s.queue))
	for i, e := range s.queue {
		out[i] = e.line
	}
	s.queue = s.queue[:0]
	return out
}

// wait blocks until the queue has lines or the stream ends; it reports
// false at the end.
func (s *logStream) wait() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.queue) == 0 && !s.eof {
		s.cond.Wait()
	}
	return len(s.queue) > 0
}

// tail is the agent's last non-log stderr lines (a Python traceback).
func (s *logStream) tail() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.other, "\n")
}
