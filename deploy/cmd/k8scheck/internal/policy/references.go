package policy

import (
	"fmt"
	"regexp"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/eventai/eventai/deploy/cmd/k8scheck/internal/manifest"
)

// selected returns the Deployments in namespace ns whose pod template labels sel matches.
func (c *checker) selected(ns string, sel labels.Selector) []*appsv1.Deployment {
	var out []*appsv1.Deployment
	for _, d := range c.s.Deployments {
		if d.Namespace == ns && sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			out = append(out, d)
		}
	}
	return out
}

func (c *checker) deploymentNamed(ns, name string) *appsv1.Deployment {
	for _, d := range c.s.Deployments {
		if d.Namespace == ns && d.Name == name {
			return d
		}
	}
	return nil
}

// references checks the links between objects that one base renders together.
func (c *checker) references() {
	for _, svc := range c.s.Services {
		sid := id("Service", svc.ObjectMeta)
		if len(svc.Spec.Selector) == 0 {
			continue
		}
		ds := c.selected(svc.Namespace, labels.SelectorFromSet(svc.Spec.Selector))
		if len(ds) == 0 {
			c.addf(sid, "selector %v selects no Deployment", svc.Spec.Selector)
		}
		for _, d := range ds {
			for _, p := range svc.Spec.Ports {
				if !podHasPort(d.Spec.Template.Spec, p.TargetPort, p.Port) {
					c.addf(sid, "targetPort %s of port %s is not a container port of Deployment %s", p.TargetPort.String(), p.Name, d.Name)
				}
			}
		}
	}

	hpaFor := map[string]bool{}
	for _, h := range c.s.HPAs {
		hid := id("HorizontalPodAutoscaler", h.ObjectMeta)
		ref := h.Spec.ScaleTargetRef
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" {
			c.addf(hid, "targets %s %s, want an apps/v1 Deployment", ref.APIVersion, ref.Kind)
			continue
		}
		d := c.deploymentNamed(h.Namespace, ref.Name)
		if d == nil {
			c.addf(hid, "targets Deployment %s, which is not rendered", ref.Name)
			continue
		}
		hpaFor[d.Namespace+"/"+d.Name] = true
		for _, m := range h.Spec.Metrics {
			if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Target.Type == autoscalingv2.UtilizationMetricType {
				for _, ct := range d.Spec.Template.Spec.Containers {
					if _, ok := ct.Resources.Requests[m.Resource.Name]; !ok {
						c.addf(hid, "scales on %s utilization but container %s of %s requests no %s", m.Resource.Name, ct.Name, d.Name, m.Resource.Name)
					}
				}
			}
		}
	}

	pdbFor := map[string]bool{}
	for _, p := range c.s.PDBs {
		pid := id("PodDisruptionBudget", p.ObjectMeta)
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err != nil || sel.Empty() {
			c.addf(pid, "no usable selector")
			continue
		}
		ds := c.selected(p.Namespace, sel)
		if len(ds) == 0 {
			c.addf(pid, "selector %s selects no Deployment", sel)
		}
		for _, d := range ds {
			pdbFor[d.Namespace+"/"+d.Name] = true
		}
	}

	for _, d := range c.s.Deployments {
		key := d.Namespace + "/" + d.Name
		if !hpaFor[key] {
			c.addf(id("Deployment", d.ObjectMeta), "no HorizontalPodAutoscaler targets it")
		}
		if !pdbFor[key] {
			c.addf(id("Deployment", d.ObjectMeta), "no PodDisruptionBudget covers it")
		}
	}
}

func podHasPort(spec corev1.PodSpec, target intstr.IntOrString, port int32) bool {
	if target.Type == intstr.Int && target.IntVal == 0 {
		target = intstr.FromInt32(port) // an unset targetPort means the same number as port
	}
	for _, ct := range spec.Containers {
		if containerHasPort(ct.Ports, target) {
			return true
		}
	}
	return false
}

// crossBase checks references that only resolve once every base is rendered together.
func (c *checker) crossBase() {
	namespaces := map[string]bool{}
	for _, n := range c.s.Namespaces {
		namespaces[n.Name] = true
	}
	configMaps := map[string]*corev1.ConfigMap{}
	for _, cm := range c.s.ConfigMaps {
		configMaps[cm.Namespace+"/"+cm.Name] = cm
	}
	workloads := map[string]bool{} // namespaces that run pods
	type pod struct {
		oid, ns string
		spec    corev1.PodSpec
	}
	var pods []pod
	for _, d := range c.s.Deployments {
		pods = append(pods, pod{id("Deployment", d.ObjectMeta), d.Namespace, d.Spec.Template.Spec})
	}
	for _, j := range c.s.Jobs {
		pods = append(pods, pod{id("Job", j.ObjectMeta), j.Namespace, j.Spec.Template.Spec})
	}
	for _, p := range pods {
		oid, ns, spec := p.oid, p.ns, p.spec
		workloads[ns] = true
		if !namespaces[ns] {
			c.addf(oid, "namespace %q is not rendered", ns)
		}
		for _, ct := range spec.Containers {
			for _, ef := range ct.EnvFrom {
				if ef.ConfigMapRef != nil && !optional(ef.ConfigMapRef.Optional) && configMaps[ns+"/"+ef.ConfigMapRef.Name] == nil {
					c.addf(oid, "container %s: envFrom ConfigMap %s is not rendered", ct.Name, ef.ConfigMapRef.Name)
				}
			}
			for _, e := range ct.Env {
				if e.ValueFrom == nil || e.ValueFrom.ConfigMapKeyRef == nil || optional(e.ValueFrom.ConfigMapKeyRef.Optional) {
					continue
				}
				ref := e.ValueFrom.ConfigMapKeyRef
				cm := configMaps[ns+"/"+ref.Name]
				if cm == nil {
					c.addf(oid, "container %s: env %s: ConfigMap %s is not rendered", ct.Name, e.Name, ref.Name)
				} else if _, ok := cm.Data[ref.Key]; !ok {
					c.addf(oid, "container %s: env %s: ConfigMap %s has no key %s", ct.Name, e.Name, ref.Name, ref.Key)
				}
			}
		}
	}

	// Default deny in every namespace that runs pods, and a way in for every server.
	for ns := range workloads {
		if !c.defaultDeny(ns) {
			c.addf("Namespace "+ns, "no default-deny NetworkPolicy (empty podSelector, Ingress and Egress)")
		}
	}
	for _, d := range c.s.Deployments {
		if !c.ingressAllowed(d) {
			c.addf(id("Deployment", d.ObjectMeta), "no NetworkPolicy admits traffic to its pods: nothing can reach it")
		}
	}

	for _, ing := range c.s.Ingresses {
		iid := id("Ingress", ing.ObjectMeta)
		for _, b := range ingressBackends(ing.Spec) {
			if b.Service == nil {
				continue
			}
			svc := c.service(ing.Namespace, b.Service.Name)
			if svc == nil {
				c.addf(iid, "backend Service %s is not rendered", b.Service.Name)
				continue
			}
			if !serviceHasPort(svc, b.Service.Port) {
				c.addf(iid, "backend Service %s has no port %s%d", b.Service.Name, b.Service.Port.Name, b.Service.Port.Number)
			}
		}
	}

	for _, m := range c.s.PodMonitors {
		mid := id("PodMonitor", m.ObjectMeta)
		sel, err := metav1.LabelSelectorAsSelector(&m.Spec.Selector)
		if err != nil || sel.Empty() {
			c.addf(mid, "no usable selector")
			continue
		}
		ds := c.selected(m.Namespace, sel)
		if len(ds) == 0 {
			c.addf(mid, "selector %s selects no Deployment", sel)
		}
		for _, d := range ds {
			for _, e := range m.Spec.PodMetricsEndpoints {
				if !podHasPort(d.Spec.Template.Spec, intstr.FromString(e.Port), 0) {
					c.addf(mid, "port %s is not a container port of Deployment %s", e.Port, d.Name)
				}
			}
		}
	}
}

func optional(b *bool) bool { return b != nil && *b }

func (c *checker) service(ns, name string) *corev1.Service {
	for _, s := range c.s.Services {
		if s.Namespace == ns && s.Name == name {
			return s
		}
	}
	return nil
}

func serviceHasPort(svc *corev1.Service, p networkingv1.ServiceBackendPort) bool {
	for _, sp := range svc.Spec.Ports {
		if (p.Name != "" && sp.Name == p.Name) || (p.Name == "" && sp.Port == p.Number) {
			return true
		}
	}
	return false
}

func ingressBackends(spec networkingv1.IngressSpec) []networkingv1.IngressBackend {
	var out []networkingv1.IngressBackend
	if spec.DefaultBackend != nil {
		out = append(out, *spec.DefaultBackend)
	}
	for _, r := range spec.Rules {
		if r.HTTP == nil {
			continue
		}
		for _, p := range r.HTTP.Paths {
			out = append(out, p.Backend)
		}
	}
	return out
}

func (c *checker) defaultDeny(ns string) bool {
	for _, np := range c.s.NetworkPolicies {
		if np.Namespace != ns || len(np.Spec.PodSelector.MatchLabels) > 0 || len(np.Spec.PodSelector.MatchExpressions) > 0 {
			continue
		}
		var in, eg bool
		for _, t := range np.Spec.PolicyTypes {
			in = in || t == networkingv1.PolicyTypeIngress
			eg = eg || t == networkingv1.PolicyTypeEgress
		}
		if in && eg && len(np.Spec.Ingress) == 0 && len(np.Spec.Egress) == 0 {
			return true
		}
	}
	return false
}

func (c *checker) ingressAllowed(d *appsv1.Deployment) bool {
	for _, np := range c.s.NetworkPolicies {
		if np.Namespace != d.Namespace || len(np.Spec.Ingress) == 0 {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
		if err == nil && sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			return true
		}
	}
	return false
}

// Prometheus durations: one or more number+unit pairs, largest unit first.
var promDuration = regexp.MustCompile(`^(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$`)

func (c *checker) prometheusRule(r *manifest.PrometheusRule) {
	rid := id("PrometheusRule", r.ObjectMeta)
	if len(r.Spec.Groups) == 0 {
		c.addf(rid, "no rule groups")
	}
	groups, alerts := map[string]bool{}, map[string]bool{}
	for _, g := range r.Spec.Groups {
		if g.Name == "" || groups[g.Name] {
			c.addf(rid, "group name %q is empty or repeated", g.Name)
		}
		groups[g.Name] = true
		for i, rule := range g.Rules {
			where := fmt.Sprintf("group %s rule %d", g.Name, i)
			if rule.Alert != "" {
				where = "alert " + rule.Alert
			}
			if (rule.Alert == "") == (rule.Record == "") {
				c.addf(rid, "%s: set exactly one of alert and record", where)
			}
			if err := balanced(rule.Expr); err != nil {
				c.addf(rid, "%s: expr: %v", where, err)
			}
			for _, d := range []string{rule.For, rule.KeepFiringFor} {
				if d != "" && !promDuration.MatchString(d) {
					c.addf(rid, "%s: %q is not a Prometheus duration", where, d)
				}
			}
			if rule.Alert == "" {
				continue
			}
			if alerts[rule.Alert] {
				c.addf(rid, "%s: repeated", where)
			}
			alerts[rule.Alert] = true
			switch rule.Labels["severity"] {
			case "critical", "warning", "info":
			default:
				c.addf(rid, "%s: severity label %q, want critical, warning or info", where, rule.Labels["severity"])
			}
			if rule.Annotations["summary"] == "" || rule.Annotations["description"] == "" {
				c.addf(rid, "%s: needs summary and description annotations", where)
			}
		}
	}
}

// balanced reports an empty expression, unbalanced brackets or an unterminated string: the
// mistakes YAML block scalars make easy. Full PromQL parsing is left to Prometheus' own tooling.
func balanced(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return fmt.Errorf("empty")
	}
	var stack []rune
	var quote rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	for _, r := range expr {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'' || r == '`':
			quote = r
		case r == '(' || r == '[' || r == '{':
			stack = append(stack, r)
		case pairs[r] != 0:
			if len(stack) == 0 || stack[len(stack)-1] != pairs[r] {
				return fmt.Errorf("unbalanced %q", r)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if quote != 0 {
		return fmt.Errorf("unterminated string")
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed %q", stack[len(stack)-1])
	}
	return nil
}
