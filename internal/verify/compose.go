package verify

import (
	"context"
	"io"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/sirupsen/logrus"
)

// composeNames lists what one `docker compose` command writes into the
// engine, as far as the page's files say: its project ("compose:NAME",
// which prefixes every container, network and volume Compose makes for
// it), the host ports its services publish, the images its builds tag,
// and the names a file gives outright (container_name, a volume's or
// network's name:). The project is
// named as Compose names it: -p, else the name: of its files, else the
// folder of its first file (the page's work dir, see snippet.WorkDir).
// What the files do not say (a file a command writes, a variable) is left
// to the claims at run time.
func composeNames(args []string, files map[string][]byte, workDir string) []string {
	var confs []string
	project, dir := "", ""
	for i := 0; i < len(args); i++ {
		a := strings.Trim(args[i], `"'`)
		if !strings.HasPrefix(a, "-") {
			break // the subcommand: its own flags (run -p) are not the project's
		}
		flag, val, inline := strings.Cut(a, "=")
		if !composeValueFlags[flag] {
			continue
		}
		if !inline {
			if i+1 >= len(args) {
				break
			}
			i++
			val = strings.Trim(args[i], `"'`)
		}
		switch flag {
		case "-f", "--file":
			confs = append(confs, val)
		case "-p", "--project-name":
			project = val
		case "--project-directory":
			dir = val
		}
	}
	if len(confs) == 0 {
		confs = defaultComposeFiles(files)
	}
	if dir == "" {
		dir = workDir
		if len(confs) > 0 && path.Dir(confs[0]) != "." {
			dir = path.Join(workDir, path.Dir(confs[0]))
		}
	}
	fallback := project
	if fallback == "" {
		fallback = loader.NormalizeProjectName(path.Base(dir))
	}
	var details types.ConfigDetails
	details.WorkingDir = dir
	details.Environment = types.Mapping{}
	for _, c := range confs {
		if b, ok := files[path.Clean(c)]; ok {
			details.ConfigFiles = append(details.ConfigFiles, types.ConfigFile{Filename: path.Join(workDir, c), Content: b})
		}
	}
	if len(details.ConfigFiles) == 0 {
		return []string{"compose:" + fallback}
	}
	quietCompose.Do(func() { logrus.SetOutput(io.Discard) })
	p, err := loader.LoadWithContext(context.Background(), details, func(o *loader.Options) {
		o.SetProjectName(fallback, project != "")
		o.SkipResolveEnvironment = true
		o.SkipInclude = true
		o.SkipConsistencyCheck = true
		o.SkipValidation = true
	})
	if err != nil || p.Name == "" {
		return []string{"compose:" + fallback}
	}
	out := []string{"compose:" + p.Name}
	for _, s := range p.Services {
		if s.ContainerName != "" {
			out = append(out, "container:"+s.ContainerName)
		}
		if s.Build != nil {
			// the image a build tags: its image:, else PROJECT-SERVICE
			img := s.Image
			if img == "" {
				img = p.Name + "-" + s.Name
			}
			out = append(out, "image:"+repo(img))
		}
		for _, port := range s.Ports {
			out = append(out, publishedPorts(port.Published)...)
		}
	}
	// Compose prefixes the names of the project's own volumes and
	// networks with the project's; the others were named outright.
	own := func(name string) bool { return name == "" || strings.HasPrefix(name, p.Name+"_") }
	for _, v := range p.Volumes {
		if !own(v.Name) {
			out = append(out, "volume:"+v.Name)
		}
	}
	for _, n := range p.Networks {
		if !own(n.Name) {
			out = append(out, "network:"+n.Name)
		}
	}
	return out
}

// compose-go warns through the global logrus logger (unset variables,
// which docs leave to the reader); nothing here reads those warnings.
var quietCompose sync.Once

// composeValueFlags are the global flags of `docker compose` that take a
// value, so that the value is not taken for the subcommand.
var composeValueFlags = map[string]bool{
	"-f": true, "--file": true, "-p": true, "--project-name": true,
	"--project-directory": true, "--env-file": true, "--profile": true,
	"--ansi": true, "--progress": true, "--parallel": true,
}

// defaultComposeFiles are the files Compose reads without -f: the first
// of its default names the page has, and that name's override file.
func defaultComposeFiles(files map[string][]byte) []string {
	for _, base := range []string{"compose", "docker-compose"} {
		for _, ext := range []string{".yaml", ".yml"} {
			if _, ok := files[base+ext]; !ok {
				continue
			}
			out := []string{base + ext}
			for _, oext := range []string{".yaml", ".yml"} {
				if _, ok := files[base+".override"+oext]; ok {
					out = append(out, base+".override"+oext)
					break
				}
			}
			return out
		}
	}
	return nil
}

// publishedPorts reads a service's published host port or range ("8080",
// "8000-8002"); none when the engine picks one.
func publishedPorts(p string) []string {
	lo, hi, isRange := strings.Cut(p, "-")
	a, err := strconv.Atoi(lo)
	if err != nil || a <= 0 {
		return nil
	}
	b := a
	if isRange {
		if b, err = strconv.Atoi(hi); err != nil || b < a || b-a > 64 {
			b = a
		}
	}
	var out []string
	for n := a; n <= b; n++ {
		out = append(out, "port:"+strconv.Itoa(n))
	}
	return out
}
