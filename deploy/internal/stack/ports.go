package stack

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// PortSetting is the environment variable of the launcher that moves the
// component's port (EVENTAI_GATEWAY_PORT, EVENTAI_BROKER_PORT, ...).
func (c Component) PortSetting() string { return PortSetting(c.Name) }

// PortSetting is the environment variable that moves the port of the
// component called name.
func PortSetting(name string) string { return "EVENTAI_" + strings.ToUpper(name) + "_PORT" }

// ListenAddr is the address component c listens on: the gateway on
// gatewayHost ("" = all interfaces), everything else on loopback.
func ListenAddr(c Component, port int, gatewayHost string) string {
	host := "127.0.0.1"
	if c.Name == Gateway.Name {
		host = gatewayHost
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

// CheckPorts binds, and releases at once, every address that comps will
// listen on, so that a busy port stops the launcher before it starts
// anything (rather than after PostgreSQL, the broker and five services).
// The error names each busy port and the setting that moves it; two
// components given the same port are reported too.
func CheckPorts(ports Ports, comps []Component, gatewayHost string) error {
	var problems []string
	owner := map[int]string{}
	for _, c := range comps {
		port := ports.Of(c.Name)
		if port <= 0 || port > 65535 {
			problems = append(problems, fmt.Sprintf("%s: port %d is not a TCP port (set %s)", c.Name, port, c.PortSetting()))
			continue
		}
		if other, dup := owner[port]; dup {
			problems = append(problems, fmt.Sprintf("%s: port %d is also %s's (set %s or %s)", c.Name, port, other, c.PortSetting(), PortSetting(other)))
			continue
		}
		owner[port] = c.Name
		addr := ListenAddr(c, port, gatewayHost)
		l, err := net.Listen("tcp", addr)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: port %d is in use (%v): stop what listens there or set %s to a free port%s",
				c.Name, port, unwrapOp(err), c.PortSetting(), alternative(c)))
			continue
		}
		_ = l.Close()
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("nothing started, %d port problem(s):\n  %s", len(problems), strings.Join(problems, "\n  "))
}

// alternative names the other way out for components that have one.
func alternative(c Component) string {
	if c.Name == Broker.Name {
		return " (or KAFKA_BROKERS to use another broker)"
	}
	return ""
}

// unwrapOp keeps the system call's message ("bind: address already in use")
// without repeating the address.
func unwrapOp(err error) error {
	if op, ok := err.(*net.OpError); ok && op.Err != nil {
		return op.Err
	}
	return err
}
