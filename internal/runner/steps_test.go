package runner

import (
	"reflect"
	"strings"
	"testing"
)

// TestCommitted: of a classic build's " ---> id" lines, those of a FROM
// name an image the build did not make, unless the FROM ran the base's
// ONBUILD triggers; every other instruction's is the build's own.
func TestCommitted(t *testing.T) {
	for _, c := range []struct {
		name   string
		stream []string // as the engine sends it, in messages
		want   []string
	}{
		{"bare FROM", []string{"Step 1/1 : FROM shipshape/busybox\n", " ---> 94f2f3fe374f\n", "Successfully built 94f2f3fe374f\n"}, nil},
		{"lower-case from", []string{"Step 1/1 : from shipshape/busybox\n", " ---> 94f2f3fe374f\n"}, nil},
		{"a step after FROM", []string{
			"Step 1/2 : FROM shipshape/busybox\n", " ---> 94f2f3fe374f\n",
			"Step 2/2 : ENV A=1\n", " ---> Running in 578bab5d8140\n", "Removing intermediate container 578bab5d8140\n", " ---> 539ad6a305c1\n",
		}, []string{"539ad6a305c1"}},
		{"ONBUILD triggers run in the FROM", []string{
			"Step 1/1 : FROM ob-test:1\n", "# Executing 1 build trigger\n", " ---> Running in 578bab5d8140\n",
			"Removing intermediate container 578bab5d8140\n", " ---> 539ad6a305c1\n",
		}, []string{"539ad6a305c1"}},
		{"a last stage that is a bare FROM", []string{
			"Step 1/3 : FROM shipshape/busybox AS a\n", " ---> 94f2f3fe374f\n",
			"Step 2/3 : RUN true\n", " ---> Running in 1111aaaa2222\n", " ---> aaaabbbbcccc\n",
			"Step 3/3 : FROM shipshape/busybox\n", " ---> 94f2f3fe374f\n",
		}, []string{"aaaabbbbcccc"}},
		{"lines split across messages", []string{"Step 1/2 : FR", "OM x\n ---> 94f2f3fe374f\nStep 2/2 : CMD", " [\"sh\"]\n ---> 539ad6a3", "05c1\n"}, []string{"539ad6a305c1"}},
		{"an id in a RUN's output is not a step's", []string{"Step 1/2 : FROM x\n", " ---> 94f2f3fe374f\n", "Step 2/2 : RUN echo ' ---> deadbeefdead'\n", " ---> Running in 1111aaaa2222\n", "  ---> deadbeefdead\n", " ---> 539ad6a305c1\n"}, []string{"539ad6a305c1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var s committed
			for _, m := range c.stream {
				s.read(m)
			}
			if !reflect.DeepEqual(s.ids, c.want) {
				t.Errorf("got %q, want %q", s.ids, c.want)
			}
			for _, id := range c.want {
				if !s.has("sha256:" + id + strings.Repeat("0", 52)) {
					t.Errorf("has(%s…) = false", id)
				}
			}
			if s.has("sha256:94f2f3fe374f" + strings.Repeat("0", 52)) {
				t.Errorf("the base counts as the build's own")
			}
		})
	}
}
