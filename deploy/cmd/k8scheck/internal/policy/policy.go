// Package policy holds rendered EventAI manifests to the operating rules that the Kubernetes API
// types do not express: probes, limits and a locked-down security context on every workload,
// drain time within the grace period, disruption budgets that never block a node drain, no secret
// values in the repository, and references (Service → pods, HPA → Deployment, envFrom →
// ConfigMap, Ingress → Service, monitoring → pods) that point at something that exists.
package policy

import (
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/eventai/eventai/deploy/cmd/k8scheck/internal/manifest"
)

// Options are the numbers the rules depend on.
type Options struct {
	// Drain is how long a process may take to stop after SIGTERM (HTTP drain, outbox flush,
	// Kafka readers closed): terminationGracePeriodSeconds must cover the preStop pause plus this.
	Drain time.Duration
}

// Check applies every rule to one rendering and returns the problems found, each naming its
// object. complete says the rendering is a whole deployment (it carries its Namespace): only then
// must references that cross bases (shared ConfigMaps, the Ingress, the PodMonitor) resolve.
func Check(s *manifest.Set, complete bool, opt Options) []string {
	c := &checker{s: s, opt: opt}
	c.objects()
	c.references()
	if complete {
		c.crossBase()
	}
	return c.problems
}

type checker struct {
	s        *manifest.Set
	opt      Options
	problems []string
}

func (c *checker) addf(id, format string, args ...any) {
	c.problems = append(c.problems, id+": "+fmt.Sprintf(format, args...))
}

func id(kind string, m metav1.ObjectMeta) string {
	if m.Namespace == "" {
		return kind + " " + m.Name
	}
	return kind + " " + m.Namespace + "/" + m.Name
}

// objects checks each object on its own.
func (c *checker) objects() {
	for _, d := range c.s.Deployments {
		c.deployment(d)
	}
	for _, j := range c.s.Jobs {
		jid := id("Job", j.ObjectMeta)
		c.name(jid, j.Name)
		if j.Spec.BackoffLimit == nil {
			c.addf(jid, "backoffLimit is not set (default 6 retries)")
		}
		if j.Spec.ActiveDeadlineSeconds == nil {
			c.addf(jid, "activeDeadlineSeconds is not set: a stuck Job would run forever")
		}
		switch j.Spec.Template.Spec.RestartPolicy {
		case corev1.RestartPolicyNever, corev1.RestartPolicyOnFailure:
		default:
			c.addf(jid, "restartPolicy %q, want Never or OnFailure", j.Spec.Template.Spec.RestartPolicy)
		}
		c.pod(jid, j.Spec.Template.Spec, false)
	}
	for _, svc := range c.s.Services {
		sid := id("Service", svc.ObjectMeta)
		c.name(sid, svc.Name)
		if len(svc.Spec.Selector) == 0 {
			c.addf(sid, "no selector")
		}
		for _, p := range svc.Spec.Ports {
			if p.Name == "" {
				c.addf(sid, "port %d has no name (probes, monitors and Ingresses refer to names)", p.Port)
			}
		}
	}
	for _, h := range c.s.HPAs {
		hid := id("HorizontalPodAutoscaler", h.ObjectMeta)
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 {
			c.addf(hid, "minReplicas must be set and at least 1")
		} else if *h.Spec.MinReplicas > h.Spec.MaxReplicas {
			c.addf(hid, "minReplicas %d > maxReplicas %d", *h.Spec.MinReplicas, h.Spec.MaxReplicas)
		}
		if len(h.Spec.Metrics) == 0 {
			c.addf(hid, "no metrics to scale on")
		}
	}
	for _, p := range c.s.PDBs {
		pid := id("PodDisruptionBudget", p.ObjectMeta)
		if p.Spec.MinAvailable != nil {
			c.addf(pid, "minAvailable can block a node drain; use maxUnavailable")
		}
		if !atLeastOne(p.Spec.MaxUnavailable) {
			c.addf(pid, "maxUnavailable must be at least 1 (or a positive percentage) so a drain can always evict")
		}
	}
	for _, sec := range c.s.Secrets {
		if len(sec.Data) > 0 || len(sec.StringData) > 0 {
			c.addf(id("Secret", sec.ObjectMeta), "holds values: secrets are created in the cluster, never committed")
		}
	}
	for _, r := range c.s.PrometheusRules {
		c.prometheusRule(r)
	}
	for _, m := range c.s.PodMonitors {
		mid := id("PodMonitor", m.ObjectMeta)
		if len(m.Spec.PodMetricsEndpoints) == 0 {
			c.addf(mid, "no podMetricsEndpoints")
		}
		for _, e := range m.Spec.PodMetricsEndpoints {
			if e.Port == "" {
				c.addf(mid, "an endpoint has no port name")
			}
		}
	}
	for _, ing := range c.s.Ingresses {
		iid := id("Ingress", ing.ObjectMeta)
		if ing.Spec.IngressClassName == nil {
			c.addf(iid, "no ingressClassName")
		}
		for _, b := range ingressBackends(ing.Spec) {
			if b.Service == nil {
				c.addf(iid, "a backend is not a Service")
			}
		}
	}
}

func (c *checker) name(oid, name string) {
	if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
		c.addf(oid, "name %q: %s", name, strings.Join(errs, "; "))
	}
}

func atLeastOne(v *intstr.IntOrString) bool {
	if v == nil {
		return false
	}
	if v.Type == intstr.Int {
		return v.IntVal >= 1
	}
	pct, ok := strings.CutSuffix(v.StrVal, "%")
	if !ok {
		return false
	}
	var n int
	_, err := fmt.Sscanf(pct, "%d", &n)
	return err == nil && n > 0
}

func (c *checker) deployment(d *appsv1.Deployment) {
	did := id("Deployment", d.ObjectMeta)
	c.name(did, d.Name)
	if d.Spec.Selector == nil || (len(d.Spec.Selector.MatchLabels) == 0 && len(d.Spec.Selector.MatchExpressions) == 0) {
		c.addf(did, "no selector")
	} else if sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector); err != nil {
		c.addf(did, "selector: %v", err)
	} else if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		c.addf(did, "selector %s does not match the pod template's labels %v", sel, d.Spec.Template.Labels)
	}
	if d.Spec.Replicas != nil && *d.Spec.Replicas < 1 {
		c.addf(did, "replicas %d", *d.Spec.Replicas)
	}
	spec := d.Spec.Template.Spec
	c.pod(did, spec, true)

	// Grace period: the preStop pause, then the process' own drain, must fit before SIGKILL.
	var preStop time.Duration
	for _, ct := range spec.Containers {
		if ct.Lifecycle != nil && ct.Lifecycle.PreStop != nil && ct.Lifecycle.PreStop.Sleep != nil {
			preStop = max(preStop, time.Duration(ct.Lifecycle.PreStop.Sleep.Seconds)*time.Second)
		}
	}
	grace := 30 * time.Second // the API default
	if spec.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
	}
	if need := preStop + c.opt.Drain; grace <= need {
		c.addf(did, "terminationGracePeriodSeconds %v does not exceed preStop %v + drain %v", grace, preStop, c.opt.Drain)
	}
}

// pod checks what every EventAI pod must have; server pods also need probes and a preStop pause.
func (c *checker) pod(oid string, spec corev1.PodSpec, server bool) {
	psc := spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		c.addf(oid, "automountServiceAccountToken must be false (EventAI does not call the Kubernetes API)")
	}
	if spec.HostNetwork || spec.HostPID || spec.HostIPC {
		c.addf(oid, "uses the host's network, PID or IPC namespace")
	}
	volumes := map[string]bool{}
	for _, v := range spec.Volumes {
		volumes[v.Name] = true
		if v.HostPath != nil {
			c.addf(oid, "volume %s is a hostPath", v.Name)
		}
	}
	if len(spec.InitContainers) > 0 {
		c.addf(oid, "init containers are not checked by k8scheck; add them to its rules first")
	}
	if len(spec.Containers) == 0 {
		c.addf(oid, "no containers")
	}
	for _, ct := range spec.Containers {
		cid := oid + ": container " + ct.Name
		c.image(cid, ct.Image)
		c.resources(cid, ct.Resources)
		c.securityContext(cid, psc, ct.SecurityContext)
		for _, m := range ct.VolumeMounts {
			if !volumes[m.Name] {
				c.addf(cid, "mounts undeclared volume %s", m.Name)
			}
		}
		if !server {
			continue
		}
		c.probe(cid, "readinessProbe", ct.ReadinessProbe, "/readyz", ct.Ports)
		c.probe(cid, "livenessProbe", ct.LivenessProbe, "/healthz", ct.Ports)
		c.probe(cid, "startupProbe", ct.StartupProbe, "/healthz", ct.Ports)
		if ct.Lifecycle == nil || ct.Lifecycle.PreStop == nil {
			c.addf(cid, "no preStop pause: requests still routed to a stopping pod fail")
		} else if ct.Lifecycle.PreStop.Exec != nil {
			c.addf(cid, "preStop exec needs a shell the distroless image does not have; use the sleep handler")
		}
	}
}

func (c *checker) image(cid, image string) {
	if image == "" {
		c.addf(cid, "no image")
		return
	}
	if strings.Contains(image, "@sha256:") {
		return
	}
	last := image[strings.LastIndex(image, "/")+1:]
	_, tag, ok := strings.Cut(last, ":")
	if !ok || tag == "" || tag == "latest" {
		c.addf(cid, "image %q has no pinned tag", image)
	}
}

func (c *checker) resources(cid string, r corev1.ResourceRequirements) {
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, hasReq := r.Requests[name]
		lim, hasLim := r.Limits[name]
		if !hasReq {
			c.addf(cid, "no %s request", name)
		}
		if !hasLim {
			c.addf(cid, "no %s limit", name)
		}
		if hasReq && hasLim && req.Cmp(lim) > 0 {
			c.addf(cid, "%s request %s exceeds its limit %s", name, req.String(), lim.String())
		}
	}
}

func (c *checker) securityContext(cid string, psc *corev1.PodSecurityContext, sc *corev1.SecurityContext) {
	if sc == nil {
		sc = &corev1.SecurityContext{}
	}
	nonRoot := sc.RunAsNonRoot
	if nonRoot == nil {
		nonRoot = psc.RunAsNonRoot
	}
	if nonRoot == nil || !*nonRoot {
		c.addf(cid, "runAsNonRoot is not true")
	}
	user := sc.RunAsUser
	if user == nil {
		user = psc.RunAsUser
	}
	if user != nil && *user == 0 {
		c.addf(cid, "runs as UID 0")
	}
	if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		c.addf(cid, "readOnlyRootFilesystem is not true")
	}
	if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
		c.addf(cid, "allowPrivilegeEscalation is not false")
	}
	if sc.Privileged != nil && *sc.Privileged {
		c.addf(cid, "privileged")
	}
	if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		c.addf(cid, "capabilities do not drop ALL")
	} else if len(sc.Capabilities.Add) > 0 {
		c.addf(cid, "adds capabilities %v", sc.Capabilities.Add)
	}
	seccomp := sc.SeccompProfile
	if seccomp == nil {
		seccomp = psc.SeccompProfile
	}
	if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
		c.addf(cid, "seccompProfile is not RuntimeDefault")
	}
}

func (c *checker) probe(cid, kind string, p *corev1.Probe, path string, ports []corev1.ContainerPort) {
	if p == nil {
		c.addf(cid, "no %s", kind)
		return
	}
	if p.HTTPGet == nil {
		c.addf(cid, "%s is not an HTTP GET of %s", kind, path)
		return
	}
	if p.HTTPGet.Path != path {
		c.addf(cid, "%s GETs %s, want %s", kind, p.HTTPGet.Path, path)
	}
	if !containerHasPort(ports, p.HTTPGet.Port) {
		c.addf(cid, "%s port %s is not a port of the container", kind, p.HTTPGet.Port.String())
	}
}

func containerHasPort(ports []corev1.ContainerPort, want intstr.IntOrString) bool {
	for _, p := range ports {
		if (want.Type == intstr.String && p.Name == want.StrVal) || (want.Type == intstr.Int && p.ContainerPort == want.IntVal) {
			return true
		}
	}
	return false
}
