package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eventai/eventai/deploy/cmd/k8scheck/internal/manifest"
	"github.com/eventai/eventai/deploy/cmd/k8scheck/internal/render"
)

// TestRepositoryManifests is `make k8s-check` inside `go test`: the repository's k8s/ tree passes.
func TestRepositoryManifests(t *testing.T) {
	var out bytes.Buffer
	err := run([]string{"-dir", filepath.Join("..", "..", "..", "k8s")}, &out)
	t.Log("\n" + out.String())
	if err != nil {
		t.Fatalf("k8scheck: %v", err)
	}
	for _, want := range []string{"base", "base/common", "base/gateway", "overlays/dev", "overlays/prod"} {
		if !strings.Contains(out.String(), "ok   "+want+" ") {
			t.Errorf("%s was not rendered and passed", want)
		}
	}
}

// TestOverlays checks what the overlays are for, rendered independently of the checker's rules.
func TestOverlays(t *testing.T) {
	tree, err := render.Load(filepath.Join("..", "..", "..", "k8s"))
	if err != nil {
		t.Fatal(err)
	}
	processes := []string{"company", "event", "gateway", "identity", "suggestion", "task"}
	for _, tc := range []struct {
		overlay                  string
		replicas, hpaMin, hpaMax int32
		imagePrefix, tag         string
	}{
		{"overlays/dev", 1, 1, 2, "eventai/", "dev"},
		{"overlays/prod", 3, 3, 10, "ghcr.io/eventai/", "0.1.0"},
	} {
		t.Run(tc.overlay, func(t *testing.T) {
			objs, err := tree.Render(tc.overlay)
			if err != nil {
				t.Fatal(err)
			}
			set, errs := manifest.Decode(objs)
			if len(errs) > 0 {
				t.Fatalf("decode: %v", errs)
			}
			var names []string
			for _, d := range set.Deployments {
				names = append(names, d.Name)
				if d.Namespace != "eventai" {
					t.Errorf("Deployment %s in namespace %q", d.Name, d.Namespace)
				}
				if d.Spec.Replicas == nil || *d.Spec.Replicas != tc.replicas {
					t.Errorf("Deployment %s replicas = %v, want %d", d.Name, d.Spec.Replicas, tc.replicas)
				}
				want := tc.imagePrefix + d.Name + ":" + tc.tag
				if got := d.Spec.Template.Spec.Containers[0].Image; got != want {
					t.Errorf("Deployment %s image = %s, want %s", d.Name, got, want)
				}
			}
			slices.Sort(names)
			if !slices.Equal(names, processes) {
				t.Errorf("Deployments = %v, want %v", names, processes)
			}
			for _, h := range set.HPAs {
				if *h.Spec.MinReplicas != tc.hpaMin || h.Spec.MaxReplicas != tc.hpaMax {
					t.Errorf("HPA %s bounds %d..%d, want %d..%d", h.Name, *h.Spec.MinReplicas, h.Spec.MaxReplicas, tc.hpaMin, tc.hpaMax)
				}
			}
			// A migration Job per service (not the gateway), on the same image as its Deployment.
			var jobs []string
			for _, j := range set.Jobs {
				jobs = append(jobs, j.Name)
				svc := strings.TrimSuffix(j.Name, "-migrate")
				if got, want := j.Spec.Template.Spec.Containers[0].Image, tc.imagePrefix+svc+":"+tc.tag; got != want {
					t.Errorf("Job %s image = %s, want %s", j.Name, got, want)
				}
			}
			slices.Sort(jobs)
			if want := []string{"company-migrate", "event-migrate", "identity-migrate", "suggestion-migrate", "task-migrate"}; !slices.Equal(jobs, want) {
				t.Errorf("Jobs = %v, want %v", jobs, want)
			}
			if len(set.Secrets) != 0 {
				t.Errorf("%d Secrets rendered; secrets are created in the cluster", len(set.Secrets))
			}
		})
	}
}

// The fixture is a small complete deployment that passes; each case below breaks one thing.
var fixture = map[string]string{
	"kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: demo
resources: [objects.yaml]
configMapGenerator:
  - name: demo-config
    literals: [A=1]
`,
	"objects.yaml": `apiVersion: v1
kind: Namespace
metadata:
  name: demo
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 1
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      automountServiceAccountToken: false
      terminationGracePeriodSeconds: 45
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
        - name: api
          image: example/api:1.0.0
          ports: [{name: http, containerPort: 8080}]
          envFrom: [{configMapRef: {name: demo-config}}]
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: "1", memory: 128Mi}
          startupProbe: {httpGet: {path: /healthz, port: http}}
          readinessProbe: {httpGet: {path: /readyz, port: http}}
          livenessProbe: {httpGet: {path: /healthz, port: http}}
          lifecycle: {preStop: {sleep: {seconds: 5}}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities: {drop: [ALL]}
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  selector: {app: api}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 1
  maxReplicas: 3
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 70}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: api
spec:
  maxUnavailable: 1
  selector:
    matchLabels: {app: api}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-in
spec:
  podSelector:
    matchLabels: {app: api}
  ingress:
    - ports: [{port: http}]
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: demo
spec:
  groups:
    - name: demo
      rules:
        - alert: DemoDown
          expr: up{job="api"} == 0
          for: 5m
          labels: {severity: critical}
          annotations: {summary: api is down, description: it does not answer}
`,
}

func writeFixture(t *testing.T, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range fixture {
		if name == "objects.yaml" && edit != nil {
			edited := edit(text)
			if edited == text {
				t.Fatal("the edit changed nothing: the fixture no longer has what the case breaks")
			}
			text = edited
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestFixturePasses(t *testing.T) {
	var out bytes.Buffer
	if err := run([]string{"-dir", writeFixture(t, nil)}, &out); err != nil {
		t.Fatalf("the fixture should pass: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "(complete)") {
		t.Errorf("the fixture should count as a complete deployment:\n%s", out.String())
	}
}

func TestFindsProblems(t *testing.T) {
	replace := func(old, new string) func(string) string {
		return func(s string) string { return strings.Replace(s, old, new, 1) }
	}
	cases := []struct {
		name string
		edit func(string) string
		want string
	}{
		{"unknown field", replace("  replicas: 1\n", "  replica: 1\n"), `unknown field "spec.replica"`},
		{"wrong case", replace("containerPort: 8080", "containerport: 8080"), `unknown field "spec.template.spec.containers[0].ports[0].containerport"`},
		{"duplicate field", replace("  replicas: 1\n", "  replicas: 1\n  replicas: 2\n"), `mapping key "replicas" already defined`},
		{"wrong type", replace("maxReplicas: 3", "maxReplicas: three"), "HorizontalPodAutoscaler demo/api: decode"},
		{"unknown kind", replace("kind: Deployment\nmetadata:\n  name: api", "kind: StatefulSet\nmetadata:\n  name: api"), "apiVersion apps/v1 kind StatefulSet is not known to k8scheck"},
		{"unknown CRD field", replace("expr: up", "expression: up"), `unknown field "spec.groups[0].rules[0].expression"`},
		{"no readiness probe", replace("          readinessProbe: {httpGet: {path: /readyz, port: http}}\n", ""), "container api: no readinessProbe"},
		{"liveness on readyz", replace("livenessProbe: {httpGet: {path: /healthz", "livenessProbe: {httpGet: {path: /readyz"), "livenessProbe GETs /readyz, want /healthz"},
		{"probe port", replace("readinessProbe: {httpGet: {path: /readyz, port: http}}", "readinessProbe: {httpGet: {path: /readyz, port: metrics}}"), "readinessProbe port metrics is not a port of the container"},
		{"no limits", replace("            limits: {cpu: \"1\", memory: 128Mi}\n", ""), "no cpu limit"},
		{"request over limit", replace("requests: {cpu: 100m", "requests: {cpu: \"2\""), "cpu request 2 exceeds its limit 1"},
		{"root", replace("runAsNonRoot: true", "runAsNonRoot: false"), "runAsNonRoot is not true"},
		{"writable root", replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"), "readOnlyRootFilesystem is not true"},
		{"escalation", replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true"), "allowPrivilegeEscalation is not false"},
		{"capabilities", replace("drop: [ALL]", "drop: [NET_RAW]"), "capabilities do not drop ALL"},
		{"latest", replace("example/api:1.0.0", "example/api:latest"), `image "example/api:latest" has no pinned tag`},
		{"grace", replace("terminationGracePeriodSeconds: 45", "terminationGracePeriodSeconds: 20"), "terminationGracePeriodSeconds 20s does not exceed preStop 5s + drain"},
		{"no preStop", replace("          lifecycle: {preStop: {sleep: {seconds: 5}}}\n", ""), "no preStop pause"},
		{"service selects nothing", replace("  selector: {app: api}\n  ports", "  selector: {app: web}\n  ports"), "Service demo/api: selector map[app:web] selects no Deployment"},
		{"service target port", replace("targetPort: http", "targetPort: grpc"), "targetPort grpc of port http is not a container port"},
		{"hpa target", replace("kind: Deployment, name: api}", "kind: Deployment, name: web}"), "targets Deployment web, which is not rendered"},
		{"pdb minAvailable", replace("  maxUnavailable: 1\n", "  minAvailable: 1\n"), "minAvailable can block a node drain"},
		{"pdb zero", replace("maxUnavailable: 1", "maxUnavailable: 0"), "maxUnavailable must be at least 1"},
		{"pdb zero percent", replace("maxUnavailable: 1", "maxUnavailable: 0%"), "maxUnavailable must be at least 1"},
		{"secret value", func(s string) string {
			return s + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  url: postgres://u:p@db/x\n"
		}, "Secret demo/db: holds values"},
		{"missing configmap", replace("configMapRef: {name: demo-config}", "configMapRef: {name: other-config}"), "envFrom ConfigMap other-config is not rendered"},
		{"no default deny", replace("  policyTypes: [Ingress, Egress]\n", "  policyTypes: [Ingress]\n"), "no default-deny NetworkPolicy"},
		{"unreachable", replace("  ingress:\n    - ports: [{port: http}]\n", "  policyTypes: [Egress]\n  egress:\n    - ports: [{port: 53}]\n"), "no NetworkPolicy admits traffic to its pods"},
		{"alert without severity", replace("labels: {severity: critical}", "labels: {team: ops}"), `alert DemoDown: severity label ""`},
		{"bad duration", replace("for: 5m", "for: 5 minutes"), `alert DemoDown: "5 minutes" is not a Prometheus duration`},
		{"unbalanced expr", replace(`expr: up{job="api"} == 0`, `expr: up{job="api" == 0`), "alert DemoDown: expr: unclosed '{'"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run([]string{"-dir", writeFixture(t, tc.edit)}, &out)
			if !errors.Is(err, errProblems) {
				t.Fatalf("run error = %v, want problems\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out.String())
			}
		})
	}
}

func TestBrokenKustomization(t *testing.T) {
	dir := writeFixture(t, nil)
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources: [missing.yaml]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"-dir", dir}, &out); !errors.Is(err, errProblems) {
		t.Fatalf("run error = %v, want problems\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "missing.yaml") {
		t.Errorf("the failure does not name the missing file:\n%s", out.String())
	}
}
