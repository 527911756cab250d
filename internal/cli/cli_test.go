package cli

import (
	"context"
	"os"
	"os/signal"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript scripts run `shipshape` in-process through Main.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"shipshape": func() {
			// As in cmd/shipshape: Ctrl-C (kill -INT in a script) cancels,
			// so serve scripts can check a graceful stop.
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
			stop()
			os.Exit(code)
		},
	})
}

// TestScripts runs every testdata/script/*.txtar. Scripts that need a Docker
// engine or a browser start with `[!exec:docker] skip` style conditions of
// their own; under CI=true the condition `ci` is set so they can refuse to skip.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:  "testdata/script",
		Cmds: serveCmds,
		Setup: func(env *testscript.Env) error {
			env.Setenv("CI", os.Getenv("CI"))
			if h := os.Getenv("DOCKER_HOST"); h != "" {
				env.Setenv("DOCKER_HOST", h)
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "ci":
				return os.Getenv("CI") == "true", nil
			case "docker":
				_, err := os.Stat("/var/run/docker.sock")
				return err == nil || os.Getenv("DOCKER_HOST") != "", nil
			}
			return false, nil
		},
	})
}
