// Package manifest decodes rendered objects strictly into their Kubernetes API types: a field the
// type does not have, a field given twice, or a field spelled with the wrong case is an error, as
// it would be for `kubectl apply --validate=strict`. Custom resources of the Prometheus Operator
// decode into the small structs of this package under the same rules.
package manifest

import (
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	kjson "sigs.k8s.io/json"

	"github.com/eventai/eventai/deploy/cmd/k8scheck/internal/render"
)

// Set holds the decoded objects of one rendering, by type, in rendering order.
type Set struct {
	Namespaces      []*corev1.Namespace
	ConfigMaps      []*corev1.ConfigMap
	Secrets         []*corev1.Secret
	Services        []*corev1.Service
	Deployments     []*appsv1.Deployment
	Jobs            []*batchv1.Job
	HPAs            []*autoscalingv2.HorizontalPodAutoscaler
	PDBs            []*policyv1.PodDisruptionBudget
	NetworkPolicies []*networkingv1.NetworkPolicy
	Ingresses       []*networkingv1.Ingress
	PrometheusRules []*PrometheusRule
	PodMonitors     []*PodMonitor
}

// kinds maps "apiVersion/Kind" to a decoder that appends the typed object to a Set.
var kinds = map[string]func(*Set, []byte) error{
	"v1/Namespace":                            decodeInto(func(s *Set, o *corev1.Namespace) { s.Namespaces = append(s.Namespaces, o) }),
	"v1/ConfigMap":                            decodeInto(func(s *Set, o *corev1.ConfigMap) { s.ConfigMaps = append(s.ConfigMaps, o) }),
	"v1/Secret":                               decodeInto(func(s *Set, o *corev1.Secret) { s.Secrets = append(s.Secrets, o) }),
	"v1/Service":                              decodeInto(func(s *Set, o *corev1.Service) { s.Services = append(s.Services, o) }),
	"apps/v1/Deployment":                      decodeInto(func(s *Set, o *appsv1.Deployment) { s.Deployments = append(s.Deployments, o) }),
	"batch/v1/Job":                            decodeInto(func(s *Set, o *batchv1.Job) { s.Jobs = append(s.Jobs, o) }),
	"autoscaling/v2/HorizontalPodAutoscaler":  decodeInto(func(s *Set, o *autoscalingv2.HorizontalPodAutoscaler) { s.HPAs = append(s.HPAs, o) }),
	"policy/v1/PodDisruptionBudget":           decodeInto(func(s *Set, o *policyv1.PodDisruptionBudget) { s.PDBs = append(s.PDBs, o) }),
	"networking.k8s.io/v1/NetworkPolicy":      decodeInto(func(s *Set, o *networkingv1.NetworkPolicy) { s.NetworkPolicies = append(s.NetworkPolicies, o) }),
	"networking.k8s.io/v1/Ingress":            decodeInto(func(s *Set, o *networkingv1.Ingress) { s.Ingresses = append(s.Ingresses, o) }),
	"monitoring.coreos.com/v1/PrometheusRule": decodeInto(func(s *Set, o *PrometheusRule) { s.PrometheusRules = append(s.PrometheusRules, o) }),
	"monitoring.coreos.com/v1/PodMonitor":     decodeInto(func(s *Set, o *PodMonitor) { s.PodMonitors = append(s.PodMonitors, o) }),
}

func decodeInto[T any](add func(*Set, *T)) func(*Set, []byte) error {
	return func(s *Set, data []byte) error {
		obj := new(T)
		strictErrs, err := kjson.UnmarshalStrict(data, obj)
		if err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		// Keep an object that decoded apart from strict violations, so that the problems of
		// its references are not reported on top of its own.
		add(s, obj)
		return errors.Join(strictErrs...)
	}
}

// Decode strictly decodes every object. An object of a kind this checker does not know is an
// error too: add its type here before using it, so that nothing goes unchecked.
func Decode(objs []render.Object) (*Set, []error) {
	s := &Set{}
	var errs []error
	for _, o := range objs {
		dec, ok := kinds[o.APIVersion+"/"+o.Kind]
		if !ok {
			errs = append(errs, fmt.Errorf("%s: apiVersion %s kind %s is not known to k8scheck", o.ID(), o.APIVersion, o.Kind))
			continue
		}
		if err := dec(s, o.JSON); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.ID(), err))
		}
	}
	return s, errs
}
