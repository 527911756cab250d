package proxy

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/moby/moby/api/types/container"
)

// minProbeInterval is the shortest time a page's container waits between
// health probes. Each probe is an exec the engine runs on its own host
// (dockerd, containerd, a shim and runc), outside every limit of the page,
// and the engine takes intervals down to 1 ms: a page's containers probed
// back to back would spend the host's CPU, not theirs. maxProbeRate
// bounds the probes of all the page's containers together.
const minProbeInterval = time.Second

// health raises the intervals between a container's health probes, as
// asked or as its image has them, to at least minProbeInterval. A probe
// then merely comes later; the engine takes whatever the request leaves
// at zero from the image, so an image's interval is overridden by one of
// the request.
func (p *Proxy) health(ctx context.Context, c *container.Config) {
	var img struct {
		Config struct{ Healthcheck *container.HealthConfig }
	}
	if c.Image != "" && (c.Healthcheck == nil || c.Healthcheck.Interval == 0 || c.Healthcheck.StartInterval == 0) {
		// An image that cannot be read is the create's to refuse; start
		// judges the container as the engine made it (probesBounded).
		_ = p.getJSON(ctx, "/images/"+url.PathEscape(c.Image)+"/json", &img)
	}
	ih := img.Config.Healthcheck
	if ih == nil {
		ih = &container.HealthConfig{}
	}
	h := c.Healthcheck
	if h == nil {
		h = &container.HealthConfig{}
	}
	changed := false
	for _, d := range []struct {
		asked *time.Duration
		image time.Duration
	}{
		{&h.Interval, ih.Interval}, {&h.StartInterval, ih.StartInterval},
	} {
		v := *d.asked
		if v == 0 {
			v = d.image
		}
		if v > 0 && v < minProbeInterval {
			*d.asked, changed = minProbeInterval, true
		}
	}
	if changed {
		c.Healthcheck = h
	}
}

// maxProbeRate is how many health probes a second a page's containers
// may ask of the engine in all: 64 containers probed once a second each
// would still keep a small host busy.
const maxProbeRate = 4.0

// probeRate is how many probes a second the engine runs for a health
// check, as the engine holds it (the image's merged in): at the start
// interval during a start period, then at the interval (30 s and 5 s
// unless set).
func probeRate(h *container.HealthConfig) float64 {
	if h == nil || len(h.Test) == 0 || h.Test[0] == "NONE" {
		return 0
	}
	every := h.Interval
	if every == 0 {
		every = 30 * time.Second
	}
	if h.StartPeriod > 0 {
		start := h.StartInterval
		if start == 0 {
			start = 5 * time.Second
		}
		every = min(every, start)
	}
	if every <= 0 {
		return math.Inf(1)
	}
	return float64(time.Second) / float64(every)
}

// probesBounded refuses to start a container whose health probes come
// more often than minProbeInterval (create raised what it saw, but the
// image a name stands for may have changed before the engine read it),
// or that would take the page's containers past maxProbeRate in all.
// Every container the page has counts, stopped ones too, until it is
// removed: a count of running ones would let starts in parallel all pass.
func (p *Proxy) probesBounded(w http.ResponseWriter, r *http.Request, id string) bool {
	var c struct {
		ID     string `json:"Id"`
		Config struct{ Healthcheck *container.HealthConfig }
	}
	if err := p.getJSON(r.Context(), "/containers/"+url.PathEscape(id)+"/json", &c); err != nil {
		deny(w, http.StatusBadGateway, "shipshape proxy: %v", err)
		return false
	}
	h := c.Config.Healthcheck
	if h != nil {
		for _, d := range []time.Duration{h.Interval, h.StartInterval} {
			if d != 0 && d < minProbeInterval {
				refuse(w, "docker start: health probes every %v are %v: the engine runs each on its host, outside the page's limits (at least %v apart)", d, ErrPolicy, minProbeInterval)
				return false
			}
		}
	}
	rate := probeRate(h)
	p.probing.Lock()
	defer p.probing.Unlock()
	if rate > 0 && p.ownerValue() != "" {
		f := url.QueryEscape(fmt.Sprintf(`{"label":{%q:true}}`, p.pol.OwnerLabel+"="+p.ownerValue()))
		var all []struct {
			ID string `json:"Id"`
		}
		if err := p.getJSON(r.Context(), "/containers/json?all=1&filters="+f, &all); err != nil {
			deny(w, http.StatusBadGateway, "shipshape proxy: list the page's containers: %v", err)
			return false
		}
		sum := rate
		for _, o := range all {
			if o.ID != c.ID {
				sum += p.probes[o.ID]
			}
		}
		if sum > maxProbeRate {
			refuse(w, "docker start: health probes %.2f a second in all are %v: the engine runs each on its host, outside the page's limits (at most %g a second for a page's containers; remove one, or probe less often)", sum, ErrPolicy, maxProbeRate)
			return false
		}
	}
	p.probes[c.ID] = rate
	return true
}
