package solver

import "sort"

// sortIntsBy sorts a slice of indices stably by less, so ties keep their input order and the
// solver stays deterministic.
func sortIntsBy(s []int, less func(a, b int) bool) {
	sort.SliceStable(s, func(x, y int) bool { return less(s[x], s[y]) })
}
