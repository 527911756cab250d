package cli

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// runHealth fetches a URL and succeeds on a 2xx or 3xx answer: the
// container HEALTHCHECK of an image that has no shell and no curl.
func runHealth(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "health", "[flags] [URL]")
	timeout := fs.Duration("timeout", 3*time.Second, "give up after this long")
	if err := parse(fs, args); err != nil {
		return err
	}
	url := "http://127.0.0.1:8080/"
	if fs.NArg() > 1 {
		return fmt.Errorf("%w: health takes one URL", errUsage)
	}
	if fs.NArg() == 1 {
		url = fs.Arg(0)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 400 {
		return fmt.Errorf("health: %s answered %s", url, resp.Status)
	}
	fmt.Fprintf(e.stdout, "%s %s\n", url, resp.Status)
	return nil
}
