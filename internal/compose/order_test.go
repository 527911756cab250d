package compose

import (
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/types"
)

func project(deps map[string][]string) *types.Project {
	p := &types.Project{Name: "t", Services: types.Services{}}
	for name, ds := range deps {
		svc := types.ServiceConfig{Name: name}
		svc.Image, svc.DependsOn = "x", types.DependsOnConfig{}
		for _, d := range ds {
			svc.DependsOn[d] = types.ServiceDependency{Condition: types.ServiceConditionStarted, Required: true}
		}
		p.Services[name] = svc
	}
	return p
}

func names(svcs []types.ServiceConfig) string {
	var out []string
	for _, s := range svcs {
		out = append(out, s.Name)
	}
	return strings.Join(out, " ")
}

func TestOrder(t *testing.T) {
	tests := []struct {
		name    string
		deps    map[string][]string
		only    []string
		want    string
		wantErr string
	}{
		{"independent services sort by name", map[string][]string{"web": nil, "cache": nil}, nil, "cache web", ""},
		{"dependencies first", map[string][]string{"web": {"cache"}, "worker": {"cache", "web"}, "cache": nil}, nil, "cache web worker", ""},
		{"only a service pulls in its dependencies", map[string][]string{"web": {"db"}, "db": nil, "other": nil}, []string{"web"}, "db web", ""},
		{"cycle", map[string][]string{"a": {"b"}, "b": {"a"}}, nil, "", "dependency cycle"},
		{"unknown service", map[string][]string{"a": nil}, []string{"nope"}, "", "no such service: nope"},
		{"undefined dependency", map[string][]string{"a": {"ghost"}}, nil, "", `depends on undefined service "ghost"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := order(project(tt.deps), tt.only)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("order(%v) error = %v, want %q", tt.deps, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("order(%v): %v", tt.deps, err)
			}
			if names(got) != tt.want {
				t.Errorf("order(%v, %v) = %q, want %q", tt.deps, tt.only, names(got), tt.want)
			}
		})
	}
}

func TestIgnored(t *testing.T) {
	pats := []string{"*.log", "node_modules", ".git", "!keep.log"}
	for rel, want := range map[string]bool{
		"app.log": true, "keep.log": false, "src/app.py": false, "node_modules": true,
		"node_modules/x/y.js": true, ".git/HEAD": true, "Dockerfile": false,
	} {
		if got := ignored(pats, rel); got != want {
			t.Errorf("ignored(%v, %q) = %v, want %v", pats, rel, got, want)
		}
	}
}
