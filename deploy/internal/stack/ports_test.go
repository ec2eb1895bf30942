package stack

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// occupy listens on 127.0.0.1 on a kernel-chosen port until the test ends.
func occupy(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().(*net.TCPAddr).Port
}

func freePorts(t *testing.T) Ports {
	t.Helper()
	p, err := FreePorts()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckPortsFree(t *testing.T) {
	ports := freePorts(t)
	if err := CheckPorts(ports, All(), "127.0.0.1"); err != nil {
		t.Fatalf("free ports reported: %v", err)
	}
	// The probe released the ports: the processes can bind them.
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(ports.Gateway))
	if err != nil {
		t.Fatalf("CheckPorts kept the gateway port: %v", err)
	}
	l.Close()
}

func TestCheckPortsNamesBusyPortAndSetting(t *testing.T) {
	ports := freePorts(t)
	ports.Gateway = occupy(t)
	ports.Broker = occupy(t)
	// "" is the gateway's all-interfaces listen of make run; a loopback
	// listener already conflicts with it.
	err := CheckPorts(ports, All(), "")
	if err == nil {
		t.Fatal("busy gateway and broker ports not reported")
	}
	msg := err.Error()
	for _, want := range []string{
		"gateway: port " + strconv.Itoa(ports.Gateway) + " is in use",
		"set EVENTAI_GATEWAY_PORT",
		"broker: port " + strconv.Itoa(ports.Broker) + " is in use",
		"set EVENTAI_BROKER_PORT to a free port (or KAFKA_BROKERS",
		"2 port problem(s)",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "identity") {
		t.Errorf("a free port was reported:\n%s", msg)
	}
	// Without the embedded broker (KAFKA_BROKERS) its port does not matter.
	cfg := Config{Ports: ports, Components: All(), KafkaBrokers: "elsewhere:9092", GatewayHost: ""}
	err = CheckPorts(cfg.Ports, cfg.Listeners(), cfg.GatewayHost)
	if err == nil || strings.Contains(err.Error(), "broker") || !strings.Contains(err.Error(), "EVENTAI_GATEWAY_PORT") {
		t.Errorf("with KAFKA_BROKERS: %v, want only the gateway", err)
	}
}

func TestCheckPortsSharedPort(t *testing.T) {
	ports := freePorts(t)
	ports.Task = ports.Event
	err := CheckPorts(ports, Services, "")
	if err == nil || !strings.Contains(err.Error(), "task: port "+strconv.Itoa(ports.Event)+" is also event's (set EVENTAI_TASK_PORT or EVENTAI_EVENT_PORT)") {
		t.Fatalf("shared port: %v", err)
	}
	ports = freePorts(t)
	ports.Company = 70000
	if err := CheckPorts(ports, Services, ""); err == nil || !strings.Contains(err.Error(), "EVENTAI_COMPANY_PORT") {
		t.Fatalf("port 70000: %v", err)
	}
}

// Start with a busy port fails before it launches any process: the
// binaries do not even exist, and no log file is created.
func TestStartChecksPortsBeforeStarting(t *testing.T) {
	ports := freePorts(t)
	ports.Gateway = occupy(t)
	data := t.TempDir()
	cfg := Config{
		Root: t.TempDir(), BinDir: filepath.Join(data, "bin"), DataDir: data,
		Ports: ports, GatewayHost: "127.0.0.1", Components: All(),
	}
	st, err := Start(context.Background(), cfg)
	if err == nil {
		st.Stop()
		t.Fatal("Start succeeded on a busy gateway port")
	}
	if !strings.Contains(err.Error(), "EVENTAI_GATEWAY_PORT") {
		t.Fatalf("Start error does not name the setting: %v", err)
	}
	if _, serr := os.Stat(cfg.LogDir()); !os.IsNotExist(serr) {
		t.Fatalf("Start created %s before failing (%v): it started something", cfg.LogDir(), serr)
	}
}

func TestListenAddr(t *testing.T) {
	if got := ListenAddr(Gateway, 8000, ""); got != ":8000" {
		t.Errorf("gateway on all interfaces = %q", got)
	}
	if got := ListenAddr(Services[0], 8101, ""); got != "127.0.0.1:8101" {
		t.Errorf("identity = %q, want loopback", got)
	}
	if Broker.PortSetting() != "EVENTAI_BROKER_PORT" || Gateway.PortSetting() != "EVENTAI_GATEWAY_PORT" {
		t.Errorf("settings %s %s", Broker.PortSetting(), Gateway.PortSetting())
	}
}
