package stack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Ports are the TCP ports of the processes on 127.0.0.1.
type Ports struct {
	Gateway, Identity, Company, Event, Task, Suggestion, Broker int
}

// DefaultPorts are the local defaults of DESIGN.md.
func DefaultPorts() Ports {
	return Ports{Gateway: 8000, Identity: 8101, Company: 8102, Event: 8103, Task: 8104, Suggestion: 8105, Broker: 9092}
}

// FreePorts picks a free port for every process (system tests run next to a `make run`).
func FreePorts() (Ports, error) {
	var p Ports
	for _, dst := range []*int{&p.Gateway, &p.Identity, &p.Company, &p.Event, &p.Task, &p.Suggestion, &p.Broker} {
		port, err := FreePort()
		if err != nil {
			return p, err
		}
		*dst = port
	}
	return p, nil
}

// Of returns the port of a component by name.
func (p Ports) Of(name string) int {
	switch name {
	case "gateway":
		return p.Gateway
	case "identity":
		return p.Identity
	case "company":
		return p.Company
	case "event":
		return p.Event
	case "task":
		return p.Task
	case "suggestion":
		return p.Suggestion
	case "broker":
		return p.Broker
	}
	return 0
}

// Config is everything Start needs; the caller resolves the database first.
type Config struct {
	// Root is the repository root (for working directories).
	Root string
	// BinDir holds the built binaries, one per component name.
	BinDir string
	// DataDir holds logs (DataDir/logs) and the broker's data (DataDir/kafka).
	DataDir string
	// Ports of every process.
	Ports Ports
	// GatewayHost is the gateway's listen host: "" for all interfaces
	// (make run: the browser frontend), "127.0.0.1" in tests.
	GatewayHost string
	// DatabaseURL is the database every service uses (each in its own schema).
	DatabaseURL string
	// KafkaBrokers, when set, is used instead of starting the embedded broker.
	KafkaBrokers string
	// BaseEnv is the environment the processes inherit (os.Environ() for
	// make run; a minimal one in tests so a developer's settings do not leak in).
	BaseEnv []string
	// Env is added after the launcher's settings, so it can override them.
	Env []string
	// Components to start (in order); those whose binary is absent are the caller's business.
	Components []Component
	// Out receives prefixed process output and progress; nil for log files only.
	Out *SyncWriter
	// ReadyTimeout bounds the wait for each /readyz (default 90 s).
	ReadyTimeout time.Duration
	// StopGrace is the time between SIGTERM and SIGKILL (default 10 s).
	StopGrace time.Duration
}

// Stack is a running set of processes.
type Stack struct {
	cfg     Config
	mu      sync.Mutex
	procs   []*Process
	brokers string
}

// Listeners are the components of cfg that will listen on a port of
// cfg.Ports: all of them but the embedded broker when KafkaBrokers is set.
func (c Config) Listeners() []Component {
	var out []Component
	for _, comp := range c.Components {
		if comp.Name == Broker.Name && c.KafkaBrokers != "" {
			continue
		}
		out = append(out, comp)
	}
	return out
}

// LogDir is where the processes' logs go.
func (c Config) LogDir() string { return filepath.Join(c.DataDir, "logs") }

// Start starts the broker (unless KafkaBrokers is set), then the services in
// parallel, then the gateway, each waited for until ready. It first checks
// that every port is free and starts nothing when one is not. On error it
// stops whatever it started.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	if err := CheckPorts(cfg.Ports, cfg.Listeners(), cfg.GatewayHost); err != nil {
		return nil, err
	}
	if cfg.ReadyTimeout == 0 {
		cfg.ReadyTimeout = 90 * time.Second
	}
	if cfg.StopGrace == 0 {
		cfg.StopGrace = 10 * time.Second
	}
	s := &Stack{cfg: cfg, brokers: cfg.KafkaBrokers}
	if err := s.start(ctx); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Stack) start(ctx context.Context) error {
	var services []Component
	var gateway *Component
	for _, c := range s.cfg.Components {
		switch {
		case c.Name == Broker.Name:
			if s.cfg.KafkaBrokers != "" {
				continue
			}
			if err := s.startBroker(ctx); err != nil {
				return err
			}
		case c.Name == Gateway.Name:
			g := c
			gateway = &g
		default:
			services = append(services, c)
		}
	}
	if s.brokers == "" {
		return errors.New("no Kafka: set KAFKA_BROKERS or build the embedded broker")
	}
	// Services start together: they only need Postgres and Kafka; identity's
	// JWKS is fetched lazily by the others.
	var started []*Process
	for _, c := range services {
		p, err := s.launch(c)
		if err != nil {
			return err
		}
		started = append(started, p)
	}
	errs := make([]error, len(started))
	var wg sync.WaitGroup
	for i, p := range started {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.waitReady(ctx, p)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if gateway != nil {
		p, err := s.launch(*gateway)
		if err != nil {
			return err
		}
		if err := s.waitReady(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func (s *Stack) startBroker(ctx context.Context) error {
	port := s.cfg.Ports.Broker
	if err := portFree(port); err != nil {
		return fmt.Errorf("start broker on 127.0.0.1:%d: %w (set EVENTAI_BROKER_PORT or KAFKA_BROKERS)", port, err)
	}
	p, err := StartProcess(ProcessSpec{
		Name:   Broker.Name,
		Path:   filepath.Join(s.cfg.BinDir, Broker.Name),
		Args:   BrokerArgs(port, filepath.Join(s.cfg.DataDir, "kafka")),
		Env:    s.cfg.BaseEnv,
		Dir:    s.cfg.Root,
		LogDir: s.cfg.LogDir(),
		Out:    s.cfg.Out,
	})
	if err != nil {
		return err
	}
	s.add(p)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	wctx, cancel := context.WithTimeout(ctx, s.cfg.ReadyTimeout)
	defer cancel()
	if err := WaitTCP(wctx, p, addr); err != nil {
		return err
	}
	s.brokers = addr
	s.cfg.Out.Printf("devrun     | broker ready on %s", addr)
	return nil
}

// BrokerArgs are the flags of deploy/cmd/broker for a port and a data directory.
func BrokerArgs(port int, dataDir string) []string {
	return []string{"-port", strconv.Itoa(port), "-data-dir", dataDir}
}

func (s *Stack) launch(c Component) (*Process, error) {
	p, err := StartProcess(ProcessSpec{
		Name:   c.Name,
		Path:   filepath.Join(s.cfg.BinDir, c.Name),
		Env:    s.Environment(c),
		Dir:    s.cfg.Root,
		LogDir: s.cfg.LogDir(),
		Out:    s.cfg.Out,
	})
	if err != nil {
		return nil, err
	}
	s.add(p)
	return p, nil
}

func (s *Stack) waitReady(ctx context.Context, p *Process) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ReadyTimeout)
	defer cancel()
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", s.cfg.Ports.Of(p.Name))
	if err := WaitHTTP(ctx, p, url); err != nil {
		return err
	}
	s.cfg.Out.Printf("devrun     | %s ready on 127.0.0.1:%d", p.Name, s.cfg.Ports.Of(p.Name))
	return nil
}

func (s *Stack) add(p *Process) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.procs = append(s.procs, p)
}

// Environment is the process environment of component c: the base
// environment, then the settings of CONVENTIONS.md, then cfg.Env.
func (s *Stack) Environment(c Component) []string {
	return Environment(s.cfg, s.brokers, c)
}

// Environment computes a component's environment for cfg and the broker list.
func Environment(cfg Config, brokers string, c Component) []string {
	env := append([]string(nil), cfg.BaseEnv...)
	loopback := func(port int) string { return "http://127.0.0.1:" + strconv.Itoa(port) }
	env = append(env,
		"DATABASE_URL="+cfg.DatabaseURL,
		"KAFKA_BROKERS="+brokers,
		"JWKS_URL="+loopback(cfg.Ports.Identity)+"/.well-known/jwks.json",
	)
	if c.EnvPrefix != "" {
		env = append(env, c.EnvPrefix+"_HTTP_ADDR="+ListenAddr(c, cfg.Ports.Of(c.Name), cfg.GatewayHost))
	}
	// Upstreams of the gateway and internal URLs between services
	// (<SVC>_<OTHER>_URL), all on this stack's ports.
	for _, other := range Services {
		if other.Name == c.Name || c.EnvPrefix == "" {
			continue
		}
		env = append(env, c.EnvPrefix+"_"+strings.ToUpper(other.Name)+"_URL="+loopback(cfg.Ports.Of(other.Name)))
	}
	return append(env, cfg.Env...)
}

// Brokers is the Kafka bootstrap list the stack uses.
func (s *Stack) Brokers() string { return s.brokers }

// GatewayURL is the gateway's base URL on loopback.
func (s *Stack) GatewayURL() string {
	return "http://127.0.0.1:" + strconv.Itoa(s.cfg.Ports.Gateway)
}

// Processes lists the started processes in start order.
func (s *Stack) Processes() []*Process {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*Process(nil), s.procs...)
}

// Stop stops the processes in reverse start order: SIGTERM, then SIGKILL
// after the grace period.
func (s *Stack) Stop() {
	procs := s.Processes()
	for i := len(procs) - 1; i >= 0; i-- {
		p := procs[i]
		if done, _ := p.Exited(); done {
			continue
		}
		start := time.Now()
		if p.Stop(s.cfg.StopGrace) {
			s.cfg.Out.Printf("devrun     | %s did not stop within %s: killed", p.Name, s.cfg.StopGrace)
		} else {
			s.cfg.Out.Printf("devrun     | %s stopped (%s)", p.Name, time.Since(start).Round(time.Millisecond))
		}
	}
}
