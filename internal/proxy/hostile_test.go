package proxy

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests are the attacks of issue 10, written as a page would send
// them: raw HTTP on the proxy's socket, odd JSON included. Each proves the
// attack refused and the host untouched: the secret beside the workspace
// never read, the marker never written, the foreign container never
// entered.

// Attack 1: keys the engine folds (lower case, the long s, the Kelvin
// sign), keys given twice, and the top-level HostConfig fields older
// engines still read, to bind the host's root or lift the limits.
func TestAttackCaseFoldedKeys(t *testing.T) {
	e := newEnv(t)
	bind := fmt.Sprintf("%q", e.secretDir+":/h")
	cases := map[string]string{
		"lower-case keys":       `{"image":"busybox:1.36","cmd":` + attackCmd + `,"hostconfig":{"binds":[` + bind + `]}}`,
		"mixed case nested":     `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"hOsTcOnFiG":{"bInDs":[` + bind + `]}}`,
		"duplicate HostConfig":  `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"HostConfig":{},"hostconfig":{"Binds":[` + bind + `]}}`,
		"duplicate Binds":       `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"HostConfig":{"Binds":[],"binds":[` + bind + `]}}`,
		"top-level Binds":       `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"Binds":[` + bind + `]}`,
		"privileged lower":      `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"hostconfig":{"privileged":true}}`,
		"long s securityopt":    `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"HostConfig":{"ſecurityopt":["apparmor=unconfined"]}}`,
		"kelvin sign in key":    `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"HostConfig":{"Privileged":false,"Privileged":true}}`,
		"capadd pidmode":        `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"hostconfig":{"capadd":["SYS_ADMIN"],"pidmode":"host"}}`,
		"networkmode host":      `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"hostconfig":{"networkmode":"host"}}`,
		"labels ours":           `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"labels":{"org.shipshape.run":"../../x"}}`,
		"unknown nested key":    `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"HostConfig":{"Mounts":[{"Type":"bind","Source":"/work","Target":"/x","BindOptions":{"Propagation":"rshared","Whatever":1}}]}}`,
		"trailing second value": `{"Image":"busybox:1.36","Cmd":` + attackCmd + `} {"HostConfig":{"Binds":[` + bind + `]}}`,
	}
	// encoding/json folds the Kelvin sign (U+212A) to k and the long s
	// (U+017F) to s, and so does the engine.
	cases["kelvin sign in key"] = `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"HostConfig":{"Networ\u212AMode":"host"}}`
	cases["kelvin duplicate"] = `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"HostConfig":{"Binds":[],"NetworKMode":"none","NetworkMode":"host"}}`
	cases["long s duplicate"] = `{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"HostConfig":{"SecurityOpt":[],"ſecurityopt":["seccomp=unconfined"]}}`
	for name, body := range cases {
		code, out := e.run(body)
		if code == http.StatusCreated {
			t.Errorf("%s: the create was let through: %s", name, out)
		}
		e.untouched(name, code, out)
	}
	// A start body carrying a HostConfig (read by engines for API < 1.24).
	id := e.create(`{"Image":"busybox:1.36","Cmd":` + attackCmd + `}`)
	code, out := e.do("POST", "/v1.23/containers/"+id+"/start", `{"Binds":[`+bind+`]}`)
	refused(t, "start with a HostConfig body on API 1.23", code, out)
	code, out = e.do("POST", "/containers/"+id+"/start", `{"Binds":[`+bind+`]}`)
	e.do("POST", "/containers/"+id+"/wait", nil)
	_, logs := e.do("GET", "/containers/"+id+"/logs?stdout=1&stderr=1", nil)
	e.untouched("start body", code, string(logs))

	// The same trick through exec and update.
	id = e.create(`{"Image":"busybox:1.36","Cmd":["sleep","60"]}`)
	e.do("POST", "/containers/"+id+"/start", nil)
	for name, body := range map[string]string{
		"exec privileged lower":     `{"cmd":["id"],"privileged":true}`,
		"exec privileged duplicate": `{"Cmd":["id"],"Privileged":false,"PRIVILEGED":true}`,
	} {
		code, out := e.do("POST", "/containers/"+id+"/exec", body)
		refused(t, name, code, out)
	}
	code, out = e.do("POST", "/containers/"+id+"/update", `{"memory":4294967296,"memoryswap":-1,"pidslimit":-1}`)
	if code != http.StatusOK {
		t.Fatalf("update: %d %s", code, out)
	}
	h := e.inspect(id).HostConfig
	if h.Memory != 64<<20 || h.PidsLimit == nil || *h.PidsLimit != 64 || h.MemorySwap != 64<<20 {
		t.Errorf("update with lower-case keys: got memory %d swap %d pids %v, want the limits kept (64 MiB, 64)", h.Memory, h.MemorySwap, h.PidsLimit)
	}
	code, out = e.do("POST", "/containers/"+id+"/update", `{"Memory":1000000,"memory":4294967296}`)
	refused(t, "update duplicate key", code, out)
}

// Attack 2: bind the host through a symlink in the workspace, or a "..".
func TestAttackSymlinkBind(t *testing.T) {
	e := newEnv(t)
	if err := os.Symlink("/", filepath.Join(e.work, "r")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(e.secretDir, filepath.Join(e.work, "s")); err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(e.work, e.secretDir)
	for name, src := range map[string]string{
		"symlink to root":          "/work/r" + e.secretDir,
		"symlink to the secret":    "/work/s",
		"dot-dot out of workspace": "/work/" + rel,
		"symlink then dot-dot":     "/work/s/../secret",
	} {
		for _, body := range []string{
			fmt.Sprintf(`{"Image":"busybox:1.36","Cmd":%s,"HostConfig":{"Binds":[%q]}}`, attackCmd, src+":/h"),
			fmt.Sprintf(`{"Image":"busybox:1.36","Cmd":%s,"HostConfig":{"Mounts":[{"Type":"bind","Source":%q,"Target":"/h"}]}}`, attackCmd, src),
		} {
			code, out := e.run(body)
			// "/work/s/.." is cleaned to /work before it is resolved, so
			// that one may run: on a folder of the workspace.
			if code == http.StatusCreated && name != "symlink then dot-dot" {
				t.Errorf("%s: the create was let through: %s", name, out)
			}
			e.untouched(name, code, out)
		}
	}
	// The page's own files still mount, resolved to the host folder.
	os.WriteFile(filepath.Join(e.work, "hello.txt"), []byte("hello from the page"), 0o644)
	code, out := e.run(`{"Image":"busybox:1.36","Cmd":["cat","/w/hello.txt"],"HostConfig":{"Binds":["/work:/w:ro"]}}`)
	if code != http.StatusCreated || !strings.Contains(out, "hello from the page") {
		t.Errorf("bind of the workspace: got %d %q, want the page's file read", code, out)
	}
}

// Attack 3: bind the host through a local-driver volume, named or inline.
func TestAttackVolumeDriverOptions(t *testing.T) {
	e := newEnv(t)
	for name, body := range map[string]string{
		"driver opts":       fmt.Sprintf(`{"Name":"v1","DriverOpts":{"type":"none","device":%q,"o":"bind"}}`, e.secretDir),
		"lower-case opts":   fmt.Sprintf(`{"name":"v1","driveropts":{"type":"none","device":%q,"o":"bind"}}`, e.secretDir),
		"other driver":      `{"Name":"v1","Driver":"sshfs"}`,
		"duplicate name":    `{"Name":"v1","name":"v2"}`,
		"reserved name":     `{"Name":"shipshape-x"}`,
		"cluster volume":    `{"Name":"v1","ClusterVolumeSpec":{"Group":"g"}}`,
		"our label on vol":  `{"Name":"v1","Labels":{"org.shipshape.run":"../../../etc"}}`,
		"unknown vol field": `{"Name":"v1","Mountpoint":"/"}`,
	} {
		code, out := e.do("POST", "/volumes/create", body)
		refused(t, name, code, out)
	}
	code, out := e.run(fmt.Sprintf(`{"Image":"busybox:1.36","Cmd":%s,"HostConfig":{"Mounts":[{"Type":"volume","Source":"v2","Target":"/h",
		"VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","device":%q,"o":"bind"}}}}]}}`, attackCmd, e.secretDir))
	if code == http.StatusCreated {
		t.Errorf("inline volume-opt: the create was let through: %s", out)
	}
	e.untouched("inline volume-opt", code, out)
	if code, _ := e.engine("GET", "/volumes/v1", nil); code == http.StatusOK {
		t.Errorf("a volume v1 was created")
	}
	// A plain volume is the page's, labelled.
	if code, out := e.do("POST", "/volumes/create", `{"Name":"plain-`+e.session+`"}`); code != http.StatusCreated {
		t.Fatalf("plain volume: %d %s", code, out)
	}
	_, out2 := e.engine("GET", "/volumes/plain-"+e.session, nil)
	if !strings.Contains(string(out2), e.session) {
		t.Errorf("plain volume not labelled: %s", out2)
	}
}

// Attack 5: enter, share or connect a container the page did not create.
func TestAttackForeignContainer(t *testing.T) {
	e := newEnv(t)
	f := e.foreign()
	for name, hc := range map[string]string{
		"pid namespace":   `{"PidMode":"container:` + f + `"}`,
		"ipc namespace":   `{"IpcMode":"container:` + f + `"}`,
		"network ns":      `{"NetworkMode":"container:` + f + `"}`,
		"volumes from":    `{"VolumesFrom":["` + f + `:ro"]}`,
		"link":            `{"Links":["` + f + `:db"]}`,
		"pid lower-case":  `{"pidmode":"container:` + f + `"}`,
		"pid by short id": `{"PidMode":"container:` + f[:8] + `"}`,
	} {
		code, out := e.run(`{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"HostConfig":` + hc + `}`)
		if code == http.StatusCreated {
			t.Errorf("%s: the create was let through: %s", name, out)
		}
		e.untouched(name, code, out)
	}
	code, out := e.do("POST", "/containers/"+f+"/exec", `{"Cmd":["cat","/secret.txt"]}`)
	refused(t, "exec into foreign", code, out)
	for _, p := range []string{"/containers/" + f + "/json", "/containers/" + f + "/archive?path=/secret.txt", "/containers/" + f + "/export", "/containers/" + f + "/logs?stdout=1"} {
		code, out := e.do("GET", p, nil)
		if code/100 == 2 || bytes.Contains(out, []byte(e.secret)) {
			t.Errorf("GET %s: got %d, want it refused", p, code)
		}
	}
	for _, p := range []string{"/containers/" + f + "/kill", "/containers/" + f + "/stop", "/containers/" + f + "/attach?stream=1&stdout=1"} {
		code, out := e.do("POST", p, nil)
		refused(t, "POST "+p, code, out)
	}
	code, out = e.do("DELETE", "/containers/"+f+"?force=1", nil)
	refused(t, "remove foreign", code, out)
	// network connect of a foreign container onto the page's network.
	code, out = e.do("POST", "/networks/create", `{"Name":"own-`+e.session+`"}`)
	if code != http.StatusCreated {
		t.Fatalf("network create: %d %s", code, out)
	}
	code, out = e.do("POST", "/networks/own-"+e.session+"/connect", `{"Container":"`+f+`"}`)
	refused(t, "connect foreign to own network", code, out)
	code, out = e.do("POST", "/networks/own-"+e.session+"/connect", `{"Container":"x","container":"`+f+`"}`)
	refused(t, "connect with duplicate key", code, out)
	// An exec id the page did not make.
	_, out = e.engine("POST", "/containers/"+f+"/exec", map[string]any{"Cmd": []string{"cat", "/secret.txt"}, "AttachStdout": true})
	var ex struct{ Id string }
	_ = json.Unmarshal(out, &ex)
	code, out = e.do("POST", "/exec/"+ex.Id+"/start", `{"Detach":false}`)
	if code/100 == 2 || bytes.Contains(out, []byte(e.secret)) {
		t.Errorf("start of a foreign exec: got %d %s", code, out)
	}
	_, out = e.engine("GET", "/containers/"+f+"/json", nil)
	if !strings.Contains(string(out), `"Running":true`) {
		t.Errorf("the foreign container was stopped")
	}
	if _, nets := e.engine("GET", "/networks/own-"+e.session, nil); strings.Contains(string(nets), f) {
		t.Errorf("the foreign container was connected to the page's network")
	}
}

// Attack 6 (proxy half): the host's network or another container's.
func TestAttackHostNetwork(t *testing.T) {
	e := newEnv(t)
	for name, hc := range map[string]string{
		"host":              `{"NetworkMode":"host"}`,
		"host lower":        `{"networkmode":"HOST"}`,
		"uts host":          `{"UTSMode":"host"}`,
		"userns host":       `{"UsernsMode":"host"}`,
		"cgroupns host":     `{"CgroupnsMode":"host"}`,
		"foreign container": `{"NetworkMode":"container:nonexistent"}`,
	} {
		code, out := e.run(`{"Image":"busybox:1.36","Cmd":` + attackCmd + `,"HostConfig":` + hc + `}`)
		if code == http.StatusCreated {
			t.Errorf("%s: the create was let through: %s", name, out)
		}
	}
	code, out := e.do("POST", "/containers/create", `{"Image":"busybox:1.36","HostConfig":{"NetworkMode":"bridge"},"NetworkingConfig":{"EndpointsConfig":{"bridge":{}}}}`)
	if code != http.StatusCreated {
		t.Fatalf("bridge: %d %s", code, out)
	}
	var c struct{ Id string }
	_ = json.Unmarshal(out, &c)
	if nm := e.inspect(c.Id).HostConfig.NetworkMode; nm != "shipshape-"+e.session {
		t.Errorf("--network bridge: got network %q, want the session's", nm)
	}
}

// Attack 7: write a name the site maps (or one someone else owns), by tag
// or build, so a later block runs the poisoned image.
func TestAttackPoisonBaseImage(t *testing.T) {
	e := newEnv(t)
	_, before := e.engine("GET", "/images/"+baseImage+"/json", nil)
	for name, q := range map[string]string{
		"tag onto mapped":           "repo=busybox&tag=1.36",
		"tag onto mapped long form": "repo=docker.io/library/busybox&tag=1.36",
		"tag onto a base image":     "repo=shipshape/busybox&tag=latest",
		"tag onto another local":    "repo=shipshape/nginx&tag=1.22",
	} {
		code, out := e.do("POST", "/images/"+baseImage+"/tag?"+q, nil)
		refused(t, name, code, out)
	}
	for _, tag := range []string{"busybox:1.36", "shipshape/nginx:1.22", "busybox"} {
		code, out := e.do("POST", "/build?t="+url.QueryEscape(tag), buildContext(t, "FROM busybox:1.36\nRUN echo poisoned > /poison\n"))
		refused(t, "build -t "+tag, code, out)
	}
	_, after := e.engine("GET", "/images/"+baseImage+"/json", nil)
	if !bytes.Equal(idOf(before), idOf(after)) {
		t.Errorf("the base image changed")
	}
	code, out := e.do("DELETE", "/images/"+baseImage, nil)
	refused(t, "remove a base image", code, out)
	// A name of the page's own is fine.
	if code, out := e.do("POST", "/images/"+baseImage+"/tag?repo=mine-"+e.session+"&tag=v1", nil); code/100 != 2 {
		t.Errorf("tag of a new name: %d %s", code, out)
	}
}

func idOf(inspect []byte) []byte {
	var v struct{ Id string }
	_ = json.Unmarshal(inspect, &v)
	return []byte(v.Id)
}

// buildContext makes a tar build context with a Dockerfile.
func buildContext(t *testing.T, dockerfile string) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile))})
	tw.Write([]byte(dockerfile))
	tw.Close()
	return b.Bytes()
}

// Attack 8: ways out of the session's network, to the host and beyond.
func TestAttackWayOut(t *testing.T) {
	e := newEnv(t)
	for name, body := range map[string]string{
		"macvlan":         `{"Name":"n1","Driver":"macvlan","Options":{"parent":"eth0"}}`,
		"ipvlan lower":    `{"name":"n1","driver":"ipvlan"}`,
		"bridge options":  `{"Name":"n1","Options":{"com.docker.network.bridge.host_binding_ipv4":"0.0.0.0"}}`,
		"ingress":         `{"Name":"n1","Ingress":true}`,
		"ipv6":            `{"Name":"n1","EnableIPv6":true}`,
		"duplicate intl":  `{"Name":"n1","Internal":true,"internal":false}`,
		"config from":     `{"Name":"n1","ConfigFrom":{"Network":"bridge"}}`,
		"reserved name":   `{"Name":"shipshape-n1"}`,
		"our label on it": `{"Name":"n1","Labels":{"org.shipshape.session":"other"}}`,
	} {
		code, out := e.do("POST", "/networks/create", body)
		refused(t, name, code, out)
	}
	code, out := e.do("POST", "/networks/create", `{"Name":"open-`+e.session+`","Internal":false}`)
	if code != http.StatusCreated {
		t.Fatalf("network create: %d %s", code, out)
	}
	_, out = e.engine("GET", "/networks/open-"+e.session, nil)
	if !strings.Contains(string(out), `"Internal":true`) {
		t.Errorf("internal:false: got %s, want the network internal (the block asked no egress)", out)
	}
	if !strings.Contains(string(out), `"com.docker.network.bridge.inhibit_ipv4":"true"`) {
		t.Errorf("page network: got %s, want no host address on its bridge (inhibit_ipv4)", out)
	}
	id := e.create(`{"Image":"busybox:1.36","Cmd":["true"]}`)
	for _, n := range []string{"bridge", "host"} {
		code, out := e.do("POST", "/networks/"+n+"/connect", `{"Container":"`+id+`"}`)
		refused(t, "connect to "+n, code, out)
	}
	for name, hc := range map[string]string{
		"syslog":       `{"LogConfig":{"Type":"syslog","Config":{"syslog-address":"udp://127.0.0.1:514"}}}`,
		"gelf lower":   `{"logconfig":{"type":"gelf"}}`,
		"publish all":  `{"PublishAllPorts":true}`,
		"public ip":    `{"PortBindings":{"80/tcp":[{"HostIp":"10.0.0.1","HostPort":"8080"}]}}`,
		"host-gateway": `{"ExtraHosts":["h:host-gateway"]}`,
	} {
		code, out := e.do("POST", "/containers/create", `{"Image":"busybox:1.36","HostConfig":`+hc+`}`)
		refused(t, name, code, out)
	}
	id = e.create(`{"Image":"busybox:1.36","HostConfig":{"PortBindings":{"80/tcp":[{"HostIp":"0.0.0.0","HostPort":""}],"81/tcp":[{"HostPort":""}]}}}`)
	for port, bs := range e.inspect(id).HostConfig.PortBindings {
		for _, b := range bs {
			if b.HostIp != "127.0.0.1" {
				t.Errorf("publish %s: got host ip %q, want 127.0.0.1", port, b.HostIp)
			}
		}
	}
	for _, df := range []string{
		"FROM busybox:1.36\nADD http://127.0.0.1:2375/version /v\n",
		"FROM busybox:1.36\nADD --chown=1 HTTP://[::1]/x /v\n",
		"FROM busybox:1.36\nADD http://169.254.169.254/latest/meta-data /v\n",
		"FROM busybox:1.36\nADD http://2130706433/ /v\n",
		"FROM busybox:1.36\nADD http://localhost/ /v\n",
		"FROM busybox:1.36\nARG U=http://127.0.0.1/\nADD $U /v\n",
		"FROM busybox:1.36\nONBUILD ADD http://10.0.0.1/ /v\n",
		"FROM busybox:1.36\nADD [\"http://192.168.1.1/x\", \"/v\"]\n",
		"FROM busybox:1.36\nADD http://127.0.0.1\\\n:2375/ /v\n",
	} {
		code, out := e.do("POST", "/build", buildContext(t, df))
		refused(t, "build "+df, code, out)
	}
	df := "FROM busybox:1.36\nADD http://127.0.0.1:2375/version /v\n"
	for _, name := range []string{"sub/../Dockerfile", "/Dockerfile", "../Dockerfile", ".//Dockerfile"} {
		code, out := e.do("POST", "/build?dockerfile="+url.QueryEscape(name), buildContext(t, df))
		refused(t, "build -f "+name, code, out)
	}
}

// TestPageNetworksWithEgress: where the block asked for egress, a network
// the page creates has the host as its gateway, and only the runner's
// firewall rule, made for names it gives out, keeps the host out of reach
// (TestSessionNetworkKeepsOffTheHost probes it). So such a network is made
// with a given bridge name or not at all, and one the page asks internal
// stays internal, with no host address.
func TestPageNetworksWithEgress(t *testing.T) {
	e := newEnv(t)
	e.px.pol.Egress = true
	prefix := "sp" + strings.TrimPrefix(e.session, "hostile")
	given := 0
	for _, c := range []struct {
		name, body string
		namer      func() (string, error)
		want       string // the engine's network, as inspected; "" refused
	}{
		{name: "no namer", body: `{"Name":"eg0-` + e.session + `"}`},
		{name: "namer fails", body: `{"Name":"eg1-` + e.session + `"}`,
			namer: func() (string, error) { return "", errors.New("at most 999") }},
		{name: "named", body: `{"Name":"eg2-` + e.session + `"}`,
			namer: func() (string, error) { given++; return fmt.Sprintf("%s%03d", prefix, given), nil },
			want:  `"Internal":false`},
		{name: "asked internal", body: `{"Name":"eg3-` + e.session + `","Internal":true}`,
			namer: func() (string, error) { t.Error("an internal network took a bridge name"); return "x", nil },
			want:  `"com.docker.network.bridge.inhibit_ipv4":"true"`},
	} {
		e.px.pol.PageBridge = c.namer
		code, out := e.do("POST", "/networks/create", c.body)
		if c.want == "" {
			refused(t, c.name, code, out)
			if !strings.Contains(string(out), "egress") {
				t.Errorf("%s: got %s, want the reason (egress)", c.name, out)
			}
			continue
		}
		if code != http.StatusCreated {
			t.Fatalf("%s: %d %s", c.name, code, out)
		}
		var v struct{ Name string }
		_ = json.Unmarshal([]byte(c.body), &v)
		_, out = e.engine("GET", "/networks/"+v.Name, nil)
		if !strings.Contains(string(out), c.want) {
			t.Errorf("%s: got %s, want %s", c.name, out, c.want)
		}
	}
	_, out := e.engine("GET", "/networks/eg2-"+e.session, nil)
	if !strings.Contains(string(out), `"com.docker.network.bridge.name":"`+prefix+`001"`) {
		t.Errorf("egress network: got %s, want its bridge named %s001", out, prefix)
	}
	if strings.Contains(string(out), "inhibit_ipv4") {
		t.Errorf("egress network: got %s, want a host address (its gateway)", out)
	}
}

// Attack 9: exhaust or widen the host: devices, /proc/sys, capabilities,
// unbounded logs and limits.
func TestAttackExhaust(t *testing.T) {
	e := newEnv(t)
	for name, hc := range map[string]string{
		"device cgroup rule":     `{"DeviceCgroupRules":["c *:* rwm"]}`,
		"device":                 `{"Devices":[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/sda","CgroupPermissions":"rwm"}]}`,
		"systempaths unconfined": `{"MaskedPaths":[],"ReadonlyPaths":[]}`,
		"sysctls":                `{"Sysctls":{"kernel.shm_rmid_forced":"1"}}`,
		"cap add":                `{"CapAdd":["NET_ADMIN"]}`,
		"security opt":           `{"SecurityOpt":["seccomp=unconfined"]}`,
		"oom kill disable":       `{"OomKillDisable":true}`,
		"cgroup parent":          `{"CgroupParent":"/"}`,
		"runtime":                `{"Runtime":"runc-unsafe"}`,
		"storage opt":            `{"StorageOpt":{"size":"100G"}}`,
		"ulimits":                `{"Ulimits":[{"Name":"nofile","Soft":1048576,"Hard":1048576}]}`,
		"cpu quota":              `{"CpuQuota":10000000,"CpuPeriod":100000}`,
		"many log files":         `{"LogConfig":{"Type":"json-file","Config":{"max-file":"50"}}}`,
	} {
		code, out := e.do("POST", "/containers/create", `{"Image":"busybox:1.36","HostConfig":`+hc+`}`)
		refused(t, name, code, out)
	}
	id := e.create(`{"Image":"busybox:1.36","HostConfig":{"Memory":8589934592,"MemorySwap":-1,"PidsLimit":0,"NanoCpus":64000000000,"LogConfig":{"Type":"json-file","Config":{"max-size":"100g"}}}}`)
	h := e.inspect(id).HostConfig
	if h.Memory != 64<<20 || h.MemorySwap != 64<<20 || h.PidsLimit == nil || *h.PidsLimit != 64 || h.NanoCpus != 1e9 {
		t.Errorf("limits: got memory %d swap %d pids %v cpus %d, want 64 MiB, no swap, 64, 1", h.Memory, h.MemorySwap, h.PidsLimit, h.NanoCpus)
	}
	if h.LogConfig.Type != "json-file" || h.LogConfig.Config["max-size"] != DefaultLogMaxSize {
		t.Errorf("logs: got %+v, want json-file with max-size %s", h.LogConfig, DefaultLogMaxSize)
	}
	// Rotation as readers write it shares the cap: three files hold no
	// more than one would (they held three times as much).
	lc := e.inspect(e.create(`{"Image":"busybox:1.36","HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"10m","max-file":"3"}}}}`)).HostConfig.LogConfig
	per, err1 := parseSize(lc.Config["max-size"])
	files, err2 := strconv.Atoi(lc.Config["max-file"])
	if limit, _ := parseSize(DefaultLogMaxSize); err1 != nil || err2 != nil || files != 3 || per*int64(files) > limit {
		t.Errorf("logs with max-size=10m max-file=3: got %v, want 3 files of at most %s in all", lc.Config, DefaultLogMaxSize)
	}
	// Within the cap, the reader's options stay as written, as docker
	// inspect shows them back (the course's operations page).
	lc = e.inspect(e.create(`{"Image":"busybox:1.36","HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"1m","max-file":"3"}}}}`)).HostConfig.LogConfig
	if lc.Config["max-size"] != "1m" || lc.Config["max-file"] != "3" {
		t.Errorf("logs with max-size=1m max-file=3: got %v, want them as written", lc.Config)
	}
	for _, c := range dropCaps {
		if !strings.Contains(strings.Join(h.CapDrop, ","), c) {
			t.Errorf("capabilities: got CapDrop %v, want %s dropped", h.CapDrop, c)
		}
	}
	code, out := e.run(`{"Image":"busybox:1.36","Cmd":["sh","-c","grep CapBnd /proc/self/status; echo 1 > /proc/sys/kernel/panic && echo WROTE"]}`)
	if code != http.StatusCreated || strings.Contains(out, "WROTE") {
		t.Errorf("run: got %d %q, want /proc/sys read-only", code, out)
	}
	// The course's least-privilege example still works.
	code, out = e.run(`{"Image":"busybox:1.36","Cmd":["true"],"HostConfig":{"CapDrop":["ALL"],"CapAdd":["NET_BIND_SERVICE"]}}`)
	if code != http.StatusCreated {
		t.Errorf("cap-drop ALL, cap-add NET_BIND_SERVICE: got %d %s", code, out)
	}
}

// Attack 11: leave things behind. An anonymous volume carries no label of
// ours, so it must go with its container even when the page removes that
// without -v.
func TestAttackAnonymousVolumeLeftBehind(t *testing.T) {
	e := newEnv(t)
	id := e.create(`{"Image":"busybox:1.36","Cmd":["true"],"Volumes":{"/data":{}}}`)
	var vol string
	for _, m := range e.inspect(id).Mounts {
		if m.Destination == "/data" {
			vol = m.Name
		}
	}
	if vol == "" {
		t.Fatalf("container %s has no anonymous volume at /data", id)
	}
	if code, out := e.do("DELETE", "/containers/"+id, nil); code != http.StatusNoContent {
		t.Fatalf("docker rm: got %d %s", code, out)
	}
	if code, _ := e.engine("GET", "/volumes/"+vol, nil); code != http.StatusNotFound {
		t.Errorf("anonymous volume %s: got %d after docker rm, want it removed with its container (404)", vol, code)
		e.engine("DELETE", "/volumes/"+vol, nil)
	}
}

// Attack 10: see and touch the rest of the engine.
func TestAttackScopedReads(t *testing.T) {
	e := newEnv(t)
	f := e.foreign()
	for _, p := range []string{"/networks/bridge", "/images/get?names=" + url.QueryEscape(baseImage),
		"/images/" + baseImage + "/get", "/swarm", "/plugins", "/secrets", "/images/search?term=x", "/distribution/busybox/json",
		"/v1.41/containers/../../info", "/containers/" + f + "%2fjson"} {
		code, out := e.do("GET", p, nil)
		if code/100 == 2 {
			t.Errorf("GET %s: got %d %.200s, want it refused", p, code, out)
		}
	}
	for _, p := range []string{"/build/prune", "/commit?container=" + f, "/images/load", "/session", "/grpc", "/swarm/init", "/containers/" + f + "/rename?name=x"} {
		code, out := e.do("POST", p, nil)
		if code/100 == 2 {
			t.Errorf("POST %s: got %d %.200s, want it refused", p, code, out)
		}
	}
	own := e.create(`{"Image":"busybox:1.36","Cmd":["true"]}`)
	code, df := e.do("GET", "/system/df", nil)
	if code != http.StatusOK || bytes.Contains(df, []byte(f)) || bytes.Contains(df, []byte(`"RepoTags":["`+baseImage)) || !bytes.Contains(df, []byte(own)) {
		t.Errorf("docker system df: got %d %.300s, want the page's own container %s only", code, df, own)
	}
	_, out := e.do("GET", "/containers/json?all=1", nil)
	if bytes.Contains(out, []byte(f)) {
		t.Errorf("container list shows a foreign container")
	}
	_, out = e.do("GET", `/containers/json?all=1&filters={"label":{"test.shipshape-proxy.foreign":true}}`, nil)
	if bytes.Contains(out, []byte(f)) {
		t.Errorf("container list with the caller's label filter shows a foreign container")
	}
	_, out = e.do("GET", `/containers/json?all=1&filters={"Label":["test.shipshape-proxy.foreign"]}`, nil)
	if bytes.Contains(out, []byte(f)) {
		t.Errorf("container list with a Label filter shows a foreign container")
	}
	_, out = e.do("GET", "/images/json", nil)
	if bytes.Contains(out, []byte(baseImage)) {
		t.Errorf("image list shows the base images: %.300s", out)
	}
	_, out = e.do("GET", "/networks", nil)
	if bytes.Contains(out, []byte(`"Subnet"`)) || bytes.Contains(out, []byte(`shipshape-`+e.session)) {
		t.Errorf("network list shows more than the names of the engine's networks: %.300s", out)
	}
	_, out = e.do("GET", fmt.Sprintf("/events?since=%d&until=%d", time.Now().Add(-time.Minute).Unix(), time.Now().Unix()), nil)
	if bytes.Contains(out, []byte(f)) {
		t.Errorf("events show a foreign container")
	}
	_, out = e.do("GET", "/info", nil)
	if bytes.Contains(out, []byte("DockerRootDir")) || bytes.Contains(out, []byte("RegistryConfig")) {
		t.Errorf("info not scrubbed: %.300s", out)
	}
	code, out = e.do("POST", "/containers/prune", nil)
	if code != http.StatusOK {
		t.Errorf("prune: %d %s", code, out)
	}
	if code, _ := e.engine("GET", "/containers/"+f+"/json", nil); code != http.StatusOK {
		t.Errorf("a prune removed the foreign container")
	}
}
