package composetest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"sigs.k8s.io/yaml"
)

// process is what the stack must run for one EventAI binary (docs/CONVENTIONS.md).
type process struct {
	name, module, cmd, prefix, port string
}

var processes = []process{
	{"identity", "services/identity", "./cmd/identity", "IDENTITY", "8101"},
	{"company", "services/company", "./cmd/company", "COMPANY", "8102"},
	{"event", "services/event", "./cmd/event", "EVENT", "8103"},
	{"task", "services/task", "./cmd/task", "TASK", "8104"},
	{"suggestion", "services/suggestion", "./cmd/suggestion", "SUGGESTION", "8105"},
	{"gateway", "gateway", "./cmd/gateway", "GATEWAY", "8000"},
}

// The environment the file is interpolated with: a .env an operator would write.
var testEnv = []string{
	"POSTGRES_PASSWORD=pw-from-env",
	"EVENTAI_ADMIN_USERNAME=root",
	"EVENTAI_ADMIN_EMAIL=root@example.com",
	"EVENTAI_ADMIN_PASSWORD=admin-from-env",
}

func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.work")); err != nil {
		t.Fatalf("repository root not found at %s: %v", root, err)
	}
	return root
}

func loadProject(t testing.TB, env []string) *types.Project {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root), cli.WithEnv(env), cli.WithInterpolation(true))
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	return p
}

func service(t testing.TB, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, ok := p.Services[name]
	if !ok {
		t.Fatalf("docker-compose.yml has no service %q", name)
	}
	return s
}

func env(s types.ServiceConfig, key string) string {
	if v, ok := s.Environment[key]; ok && v != nil {
		return *v
	}
	return ""
}

func TestProcessesBuildFromTheSharedRecipe(t *testing.T) {
	root := repoRoot(t)
	p := loadProject(t, testEnv)
	for _, pr := range processes {
		t.Run(pr.name, func(t *testing.T) {
			s := service(t, p, pr.name)
			if s.Build == nil {
				t.Fatal("no build section")
			}
			if s.Build.Context != root {
				t.Errorf("build context = %s, want the repository root %s", s.Build.Context, root)
			}
			if _, err := os.Stat(filepath.Join(s.Build.Context, s.Build.Dockerfile)); err != nil {
				t.Errorf("Dockerfile %s: %v", s.Build.Dockerfile, err)
			}
			args := map[string]string{}
			for k, v := range s.Build.Args {
				if v != nil {
					args[k] = *v
				}
			}
			if args["MODULE"] != pr.module || args["CMD"] != pr.cmd || args["PORT"] != pr.port {
				t.Errorf("build args = %v, want MODULE=%s CMD=%s PORT=%s", args, pr.module, pr.cmd, pr.port)
			}
			if _, err := os.Stat(filepath.Join(root, pr.module, "go.mod")); err != nil {
				t.Errorf("module %s: %v", pr.module, err)
			}
			if s.Image != "eventai/"+pr.name+":dev" {
				t.Errorf("image = %q, want eventai/%s:dev", s.Image, pr.name)
			}
			declared := dockerfileArgs(t, filepath.Join(s.Build.Context, s.Build.Dockerfile))
			for k := range args {
				if !declared[k] {
					t.Errorf("build arg %s is not declared by an ARG in %s", k, s.Build.Dockerfile)
				}
			}
		})
	}
}

func TestProcessesSettings(t *testing.T) {
	p := loadProject(t, testEnv)
	for _, pr := range processes {
		s := service(t, p, pr.name)
		if got := env(s, pr.prefix+"_HTTP_ADDR"); got != ":"+pr.port {
			t.Errorf("%s: %s_HTTP_ADDR = %q, want :%s", pr.name, pr.prefix, got, pr.port)
		}
		if got, want := env(s, "JWKS_URL"), "http://identity:8101/.well-known/jwks.json"; pr.name != "identity" && got != want {
			t.Errorf("%s: JWKS_URL = %q, want %q", pr.name, got, want)
		}
		for key, want := range map[string]string{
			"JWT_ISSUER":                  "eventai-identity",
			"JWT_AUDIENCE":                "eventai",
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4318",
			"LOG_LEVEL":                   "info",
		} {
			if got := env(s, key); got != want {
				t.Errorf("%s: %s = %q, want %q", pr.name, key, got, want)
			}
		}
		if pr.name == "gateway" {
			continue
		}
		wantDB := "postgres://eventai:pw-from-env@postgres:5432/eventai?sslmode=disable"
		if got := env(s, "DATABASE_URL"); got != wantDB {
			t.Errorf("%s: DATABASE_URL = %q, want %q (password from the environment)", pr.name, got, wantDB)
		}
		if got := env(s, "KAFKA_BROKERS"); got != "kafka:9092" {
			t.Errorf("%s: KAFKA_BROKERS = %q, want kafka:9092", pr.name, got)
		}
	}

	// The gateway reaches each service where that service listens.
	gw := service(t, p, "gateway")
	for _, pr := range processes[:5] {
		key := "GATEWAY_" + pr.prefix + "_URL"
		if got, want := env(gw, key), "http://"+pr.name+":"+pr.port; got != want {
			t.Errorf("gateway: %s = %q, want %q", key, got, want)
		}
	}

	id := service(t, p, "identity")
	for key, want := range map[string]string{
		"EVENTAI_ADMIN_USERNAME": "root", "EVENTAI_ADMIN_EMAIL": "root@example.com", "EVENTAI_ADMIN_PASSWORD": "admin-from-env",
	} {
		if got := env(id, key); got != want {
			t.Errorf("identity: %s = %q, want %q from the environment", key, got, want)
		}
	}
	// Identity believes X-Forwarded-For only from the compose network, whose subnet is pinned.
	subnets := map[string]bool{}
	for _, n := range p.Networks {
		if n.Ipam.Config != nil {
			for _, c := range n.Ipam.Config {
				subnets[c.Subnet] = true
			}
		}
	}
	if tp := env(id, "IDENTITY_TRUSTED_PROXIES"); !subnets[tp] {
		t.Errorf("identity: IDENTITY_TRUSTED_PROXIES = %q, not the compose network's subnet %v", tp, subnets)
	}
}

func TestNoSecretInTheFile(t *testing.T) {
	// Without a .env the admin is not created (identity needs all three or none) and nothing
	// secret but the local-only default database password appears.
	p := loadProject(t, nil)
	id := service(t, p, "identity")
	for _, key := range []string{"EVENTAI_ADMIN_USERNAME", "EVENTAI_ADMIN_EMAIL", "EVENTAI_ADMIN_PASSWORD"} {
		if got := env(id, key); got != "" {
			t.Errorf("identity: %s = %q without a .env, want empty", key, got)
		}
	}
	if got := env(service(t, p, "suggestion"), "LLM_API_KEY"); got != "" {
		t.Errorf("suggestion: LLM_API_KEY = %q without a .env, want empty", got)
	}
	if _, err := os.Stat(filepath.Join(repoRoot(t), ".env")); err == nil {
		out, _ := exec.Command("git", "-C", repoRoot(t), "ls-files", ".env").Output()
		if strings.TrimSpace(string(out)) != "" {
			t.Error(".env is committed; it holds secrets")
		}
	}
}

func TestPortsAndHealthchecks(t *testing.T) {
	p := loadProject(t, testEnv)
	published := map[string]string{}
	for name, s := range p.Services {
		for _, port := range s.Ports {
			published[port.Published] = fmt.Sprintf("%s:%d", name, port.Target)
		}
	}
	want := map[string]string{"8000": "gateway:8000", "16686": "jaeger:16686"}
	if fmt.Sprint(published) != fmt.Sprint(want) {
		t.Errorf("published ports = %v, want only %v (the services stay on the compose network)", published, want)
	}

	for _, pr := range processes {
		s := service(t, p, pr.name)
		hc := s.HealthCheck
		if hc == nil || hc.Disable {
			t.Errorf("%s: no healthcheck", pr.name)
			continue
		}
		wantTest := []string{"CMD", "/probe", "http://127.0.0.1:" + pr.port + "/readyz"}
		if fmt.Sprint([]string(hc.Test)) != fmt.Sprint(wantTest) {
			t.Errorf("%s: healthcheck test = %q, want %q", pr.name, hc.Test, wantTest)
		}
		if hc.Interval == nil || hc.Timeout == nil || hc.Retries == nil || hc.StartPeriod == nil {
			t.Errorf("%s: healthcheck lacks interval, timeout, retries or start_period", pr.name)
		}
		if s.Restart != types.RestartPolicyUnlessStopped {
			t.Errorf("%s: restart = %q, want unless-stopped", pr.name, s.Restart)
		}
		if !s.ReadOnly || s.User == "" || strings.HasPrefix(s.User, "0") || fmt.Sprint(s.CapDrop) != "[ALL]" {
			t.Errorf("%s: read_only=%v user=%q cap_drop=%v, want read-only, non-root, ALL dropped", pr.name, s.ReadOnly, s.User, s.CapDrop)
		}
		if s.StopGracePeriod == nil {
			t.Errorf("%s: no stop_grace_period for the 20 s drain", pr.name)
		}
	}
	pg := service(t, p, "postgres")
	if pg.HealthCheck == nil || len(pg.HealthCheck.Test) < 2 || pg.HealthCheck.Test[1] != "pg_isready" {
		t.Errorf("postgres: healthcheck = %v, want pg_isready", pg.HealthCheck)
	}
	kafka := service(t, p, "kafka")
	if kafka.HealthCheck == nil || !strings.Contains(strings.Join(kafka.HealthCheck.Test, " "), "kafka-broker-api-versions") {
		t.Errorf("kafka: healthcheck = %v, want a broker API call", kafka.HealthCheck)
	}
	if got := env(kafka, "KAFKA_PROCESS_ROLES"); got != "broker,controller" {
		t.Errorf("kafka: KAFKA_PROCESS_ROLES = %q, want single-node KRaft broker,controller", got)
	}
	if got := env(kafka, "KAFKA_ADVERTISED_LISTENERS"); got != "PLAINTEXT://kafka:9092" {
		t.Errorf("kafka: advertised listeners %q do not match the services' KAFKA_BROKERS kafka:9092", got)
	}
}

func TestStartOrder(t *testing.T) {
	p := loadProject(t, testEnv)
	for _, pr := range processes[:5] {
		s := service(t, p, pr.name)
		for dep, cond := range map[string]string{"postgres": "service_healthy", "kafka": "service_healthy"} {
			if got := s.DependsOn[dep].Condition; got != cond {
				t.Errorf("%s depends on %s with %q, want %q", pr.name, dep, got, cond)
			}
		}
		if pr.name != "identity" && s.DependsOn["identity"].Condition != "service_healthy" {
			t.Errorf("%s: not started after identity is healthy (its JWKS)", pr.name)
		}
	}
	gw := service(t, p, "gateway")
	for _, pr := range processes[:5] {
		if got := gw.DependsOn[pr.name].Condition; got != "service_healthy" {
			t.Errorf("gateway depends on %s with %q, want service_healthy", pr.name, got)
		}
	}
	// Every dependency names a service that exists and that has a healthcheck when it is awaited.
	for name, s := range p.Services {
		for dep, d := range s.DependsOn {
			ds, ok := p.Services[dep]
			if !ok {
				t.Errorf("%s depends on unknown service %s", name, dep)
				continue
			}
			if d.Condition == "service_healthy" && ds.HealthCheck == nil {
				t.Errorf("%s waits for %s to be healthy, but %s has no healthcheck", name, dep, dep)
			}
		}
	}
}

func TestVolumesAndCollector(t *testing.T) {
	root := repoRoot(t)
	p := loadProject(t, testEnv)
	for svc, target := range map[string]string{"postgres": "/var/lib/postgresql/data", "kafka": "/var/lib/kafka/data"} {
		s := service(t, p, svc)
		found := false
		for _, v := range s.Volumes {
			if v.Type == types.VolumeTypeVolume && v.Target == target {
				if _, ok := p.Volumes[v.Source]; !ok {
					t.Errorf("%s: volume %s is not declared at the top level", svc, v.Source)
				}
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no named volume on %s", svc, target)
		}
	}

	col := service(t, p, "otel-collector")
	var cfgFile string
	for _, v := range col.Volumes {
		if v.Type == types.VolumeTypeBind {
			cfgFile = v.Source
		}
	}
	if rel, err := filepath.Rel(root, cfgFile); err != nil || rel != filepath.Join("deploy", "otel", "collector.yaml") {
		t.Fatalf("collector mounts %q, want deploy/otel/collector.yaml", cfgFile)
	}
	raw, err := os.ReadFile(cfgFile)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Receivers map[string]any `json:"receivers"`
		Exporters map[string]struct {
			Endpoint string `json:"endpoint"`
		} `json:"exporters"`
		Processors map[string]any `json:"processors"`
		Service    struct {
			Pipelines map[string]struct {
				Receivers, Processors, Exporters []string
			} `json:"pipelines"`
		} `json:"service"`
	}
	if err := yaml.Unmarshal(raw, &cfg); err != nil {
		t.Fatalf("collector.yaml: %v", err)
	}
	traces, ok := cfg.Service.Pipelines["traces"]
	if !ok {
		t.Fatal("collector.yaml: no traces pipeline")
	}
	for _, r := range traces.Receivers {
		if _, ok := cfg.Receivers[r]; !ok {
			t.Errorf("traces pipeline uses undeclared receiver %s", r)
		}
	}
	for _, pname := range traces.Processors {
		if _, ok := cfg.Processors[pname]; !ok {
			t.Errorf("traces pipeline uses undeclared processor %s", pname)
		}
	}
	reachesJaeger := false
	for _, e := range traces.Exporters {
		exp, ok := cfg.Exporters[e]
		if !ok {
			t.Errorf("traces pipeline uses undeclared exporter %s", e)
		}
		if host, _, _ := strings.Cut(exp.Endpoint, ":"); host != "" {
			if _, ok := p.Services[host]; !ok {
				t.Errorf("exporter %s sends to %s, not a compose service", e, exp.Endpoint)
			}
			reachesJaeger = reachesJaeger || host == "jaeger"
		}
	}
	if !reachesJaeger {
		t.Error("no traces exporter reaches jaeger")
	}
}

// TestRecipeBuildSteps runs, without Docker, what the Dockerfile's build stage runs: each main
// package resolves inside its own module with GOWORK=off and cgo off, and the probe builds as a
// lone file outside any module.
func TestRecipeBuildSteps(t *testing.T) {
	if testing.Short() {
		t.Skip("resolves every module's dependency graph")
	}
	root := repoRoot(t)
	for _, pr := range processes {
		t.Run(pr.name, func(t *testing.T) {
			cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{.Name}}", pr.cmd)
			cmd.Dir = filepath.Join(root, pr.module)
			cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0", "GOFLAGS=-mod=readonly")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("go list %s in %s with GOWORK=off: %v\n%s", pr.cmd, pr.module, err, out)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			if last := lines[len(lines)-1]; !strings.HasSuffix(last, " main") {
				t.Errorf("%s is %q, not a main package", pr.cmd, last)
			}
		})
	}
	t.Run("probe", func(t *testing.T) {
		dir := t.TempDir()
		src, err := os.ReadFile(filepath.Join(root, "deploy", "cmd", "probe", "main.go"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "probe"), "main.go")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0", "GOFLAGS=-trimpath")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("probe does not build as a lone file: %v\n%s", err, out)
		}
	})
}

func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	path := filepath.Join(root, "deploy", "docker", "Dockerfile")
	stages := dockerfileStages(t, path)
	if len(stages) < 2 {
		t.Fatalf("Dockerfile has %d stages, want a builder and a runtime stage", len(stages))
	}
	if !strings.HasPrefix(stages[0].from, "golang:") {
		t.Errorf("builder stage FROM %s, want golang", stages[0].from)
	}
	final := stages[len(stages)-1]
	if !strings.HasPrefix(final.from, "gcr.io/distroless/static") || !strings.HasSuffix(final.from, ":nonroot") {
		t.Errorf("final stage FROM %s, want distroless/static:nonroot", final.from)
	}
	if final.user == "" || strings.HasPrefix(final.user, "0") || strings.HasPrefix(final.user, "root") {
		t.Errorf("final stage USER %q, want a numeric non-root user", final.user)
	}
	for _, want := range []string{"/app", "/probe"} {
		if !final.copies[want] {
			t.Errorf("final stage does not COPY %s", want)
		}
	}
	if !final.expose {
		t.Error("final stage has no EXPOSE")
	}
	if !strings.Contains(stages[0].text, "CGO_ENABLED=0") || !strings.Contains(stages[0].text, "-trimpath") {
		t.Error("builder does not build static (CGO_ENABLED=0) with -trimpath")
	}

	// The ignore file next to the Dockerfile must keep what the build copies.
	ign, err := os.ReadFile(path + ".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	for _, pat := range strings.Fields(string(ign)) {
		if strings.HasPrefix(pat, "#") {
			continue
		}
		for _, needed := range []string{"libs", "services", "gateway", "deploy", "deploy/cmd/probe/main.go"} {
			if ok, _ := filepath.Match(pat, needed); ok {
				t.Errorf("Dockerfile.dockerignore pattern %q drops %s, which the build copies", pat, needed)
			}
		}
	}
}

type stage struct {
	from, user, text string
	copies           map[string]bool
	expose           bool
}

func dockerfileStages(t testing.TB, path string) []stage {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []stage
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			out = append(out, stage{from: fields[1], copies: map[string]bool{}})
			continue
		}
		if len(out) == 0 {
			continue
		}
		st := &out[len(out)-1]
		st.text += line + "\n"
		switch strings.ToUpper(fields[0]) {
		case "USER":
			st.user = fields[1]
		case "COPY":
			st.copies[fields[len(fields)-1]] = true
		case "EXPOSE":
			st.expose = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func dockerfileArgs(t testing.TB, path string) map[string]bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		fields := strings.Fields(line)
		if len(fields) >= 2 && strings.EqualFold(fields[0], "ARG") {
			name, _, _ := strings.Cut(fields[1], "=")
			args[name] = true
		}
	}
	return args
}
