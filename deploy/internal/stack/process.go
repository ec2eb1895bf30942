package stack

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// Process is one child process of the stack whose output is teed to a log
// file and, line by line with a name prefix, to a shared terminal writer.
type Process struct {
	Name    string
	LogPath string
	// LogStart is the log file's size when this process started: the log is
	// appended across runs, and a failure must show only this run's lines.
	LogStart int64

	cmd     *exec.Cmd
	logFile *os.File
	copied  sync.WaitGroup
	done    chan struct{}
	waitErr error
}

// ProcessSpec describes how to start a Process.
type ProcessSpec struct {
	Name string
	Path string
	Args []string
	Env  []string
	Dir  string
	// LogDir receives <Name>.log (appended, so a second run keeps the first's
	// lines; Process.Tail shows only the lines of this run).
	LogDir string
	// Out receives every output line prefixed with the name; nil means log file only.
	Out *SyncWriter
}

// SyncWriter serialises whole lines from several processes onto one writer.
type SyncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// NewSyncWriter wraps w so that concurrent writers never interleave inside a line.
func NewSyncWriter(w io.Writer) *SyncWriter { return &SyncWriter{w: w} }

// WriteLine writes one prefixed line.
func (s *SyncWriter) WriteLine(prefix string, line []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = fmt.Fprintf(s.w, "%-10s | %s\n", prefix, bytes.TrimRight(line, "\r\n"))
}

// Printf writes a message of the launcher itself.
func (s *SyncWriter) Printf(format string, args ...any) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = fmt.Fprintf(s.w, format+"\n", args...)
}

// StartProcess starts the process in its own process group (so a terminal
// Ctrl-C reaches only the launcher, which then stops children in order) with
// a parent-death signal (so a killed launcher leaves no orphans).
func StartProcess(spec ProcessSpec) (*Process, error) {
	if err := os.MkdirAll(spec.LogDir, 0o755); err != nil {
		return nil, fmt.Errorf("create log dir %s: %w", spec.LogDir, err)
	}
	logPath := filepath.Join(spec.LogDir, spec.Name+".log")
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log %s: %w", logPath, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stat log %s: %w", logPath, err)
	}
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Env = spec.Env
	cmd.Dir = spec.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stdout pipe of %s: %w", spec.Name, err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("stderr pipe of %s: %w", spec.Name, err)
	}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s (%s): %w", spec.Name, spec.Path, err)
	}
	p := &Process{Name: spec.Name, LogPath: logPath, LogStart: st.Size(), cmd: cmd, logFile: f, done: make(chan struct{})}
	var fileMu sync.Mutex
	for _, r := range []io.Reader{stdout, stderr} {
		p.copied.Add(1)
		go func() {
			defer p.copied.Done()
			br := bufio.NewReaderSize(r, 64*1024)
			for {
				line, err := br.ReadBytes('\n')
				if len(line) > 0 {
					if line[len(line)-1] != '\n' {
						line = append(line, '\n')
					}
					fileMu.Lock()
					_, _ = f.Write(line)
					fileMu.Unlock()
					if spec.Out != nil {
						spec.Out.WriteLine(spec.Name, line)
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
	go func() {
		// Pipes must be drained before Wait, which closes them.
		p.copied.Wait()
		p.waitErr = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited reports whether the process has exited, and its wait error.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// Stop sends SIGTERM to the process group, waits up to grace, then SIGKILLs it.
// It reports whether the process had to be killed.
func (p *Process) Stop(grace time.Duration) (killed bool) {
	if done, _ := p.Exited(); done {
		return false
	}
	_ = syscall.Kill(-p.Pid(), syscall.SIGTERM)
	select {
	case <-p.done:
		return false
	case <-time.After(grace):
	}
	_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
	<-p.done
	return true
}

// Tail returns the last n lines this process wrote to its log file (not
// those of earlier runs appended to the same file).
func (p *Process) Tail(n int) string { return TailFileFrom(p.LogPath, p.LogStart, n) }

// TailFile returns the last n lines of a file (empty when unreadable).
func TailFile(path string, n int) string { return TailFileFrom(path, 0, n) }

// TailFileFrom returns the last n lines of a file after byte offset from
// (empty when unreadable). A file shorter than from (truncated or replaced
// since) is read whole.
func TailFileFrom(path string, from int64, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if from > 0 && from <= int64(len(data)) {
		data = data[from:]
	}
	data = bytes.TrimRight(data, "\n")
	if len(data) == 0 {
		return ""
	}
	lines := bytes.Split(data, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// WaitHTTP polls url until it answers 200, the process exits or ctx ends.
// The error carries the tail of the process's log so a failure explains itself.
func WaitHTTP(ctx context.Context, p *Process, url string) error {
	client := &http.Client{Timeout: 2 * time.Second}
	return waitFor(ctx, p, "GET "+url, func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
}

// WaitTCP polls addr until it accepts a connection, the process exits or ctx ends.
func WaitTCP(ctx context.Context, p *Process, addr string) error {
	return waitFor(ctx, p, "connect "+addr, func(ctx context.Context) error {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		return c.Close()
	})
}

// lastLines introduces the tail of this run's log, or says there is none.
func (p *Process) lastLines(n int) string {
	if tail := p.Tail(n); tail != "" {
		return fmt.Sprintf("last lines of this run in %s:\n%s", p.LogPath, tail)
	}
	return fmt.Sprintf("it wrote nothing to %s in this run", p.LogPath)
}

func waitFor(ctx context.Context, p *Process, what string, probe func(context.Context) error) error {
	var last error
	for {
		if done, werr := p.Exited(); done {
			return fmt.Errorf("%s exited before ready (%v); %s", p.Name, werr, p.lastLines(30))
		}
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = probe(pctx)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("%s not ready (%s: %v); %s", p.Name, what, last, p.lastLines(30))
			}
			return fmt.Errorf("wait for %s: %w", p.Name, ctx.Err())
		case <-p.done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}
